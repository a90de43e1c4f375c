"""Lublin 2014 course modifiers per patient and year of follow-up.

Reference/endpoints.md section 2 and clinical-methods.md 5.1 (Lublin 2014): every course is
described as *active* (a clinical relapse or MRI activity: a Gd+ or a new/enlarging T2 lesion)
or *not active*, assessed at least yearly, and *not determined* without an assessment; the
progressive courses (PPMS, SPMS) are also *with* or *without progression*. The algorithm
([D] of endpoints.md 2), per patient and complete year of follow-up:

1. ``activity = active`` with a relapse onset or an active scan in the year;
2. else ``not_active`` with an evaluable scan in the year;
3. else ``not_determined``.
4. ``progression`` (PPMS and SPMS only; empty for other courses): ``with`` when a confirmed
   worsening (CDW) has its onset in the year, ``without`` when the year has an EDSS and no such
   onset, else ``not_determined``. Only confirmed events exist in the engine's output, so a
   worsening whose confirmation is not yet charted gives ``without``/``not_determined``, never
   ``with`` (the label is issued once the confirmation exists).

``course`` joins them as the phenotype would be written: ``"SPMS, not active, with
progression"``.

Examples
--------
The example of endpoints.md 2 (SPMS; 2024: no relapse, a clean scan in June, a worsening with
onset in September confirmed in January 2025):

>>> import datetime as dt
>>> d = dt.date
>>> years = pl.DataFrame({"patient_id": ["a"], "year": [1], "period_start": [d(2024, 1, 1)],
...                       "period_end": [d(2024, 12, 31)]})
>>> scans = pl.DataFrame({"patient_id": ["a"], "date": [d(2024, 6, 1)], "active": [False],
...                       "evaluable": [True]})
>>> out = derive_lublin_years(
...     years, phenotypes=pl.DataFrame({"patient_id": ["a"], "phenotype": ["SPMS"]}),
...     scans=scans, visits=pl.DataFrame({"patient_id": ["a"], "date": [d(2024, 9, 1)],
...                                       "edss": [6.0]}),
...     relapses=pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date}),
...     events=pl.DataFrame({"patient_id": ["a"], "date": [d(2024, 9, 1)]}))
>>> out["course"].to_list()
['SPMS, not active, with progression']
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.derive._columns import require_columns, unique_rows
from msrwe.derive._windows import window_counts

__all__ = ["PROGRESSIVE", "derive_lublin_years"]

#: The courses that carry the progression modifier.
PROGRESSIVE: tuple[str, ...] = ("PPMS", "SPMS")


def _any_in(years: pl.DataFrame, dated: pl.DataFrame, by: str, date: str, name: str
            ) -> pl.DataFrame:  # fmt: skip
    """Per patient-year, ``name`` = 1 when a dated row lies in the year (ends inclusive).

    The rows are counted per year by binary search on integer keys
    (:func:`msrwe.derive._windows.window_counts`), so the years are never paired with every row
    of the patient.
    """
    keys = [by, "year"]
    return (years.select(*keys).filter(pl.Series(_counts(years, dated, by, date) > 0))
            .select(*keys, pl.lit(1).alias(name)).unique(keys))


def _counts(years: pl.DataFrame, dated: pl.DataFrame, by: str, date: str) -> np.ndarray:
    """Per patient-year, how many dated rows lie in the year (ends inclusive)."""
    (n,) = window_counts(years, [(pl.col("period_start"), pl.col("period_end"))], dated, by=by,
                         date=date)
    return n


def derive_lublin_years(
    years: pl.DataFrame,
    *,
    phenotypes: pl.DataFrame,
    scans: pl.DataFrame,
    visits: pl.DataFrame,
    relapses: pl.DataFrame,
    events: pl.DataFrame,
    by: str = "patient_id",
) -> pl.DataFrame:
    """Add ``activity``, ``progression`` and ``course`` to each patient-year.

    Parameters
    ----------
    years
        ``by``, ``year``, ``period_start``, ``period_end``
        (:func:`~msrwe.derive.mri.follow_up_years`).
    phenotypes
        ``by`` and ``phenotype`` (CIS, RRMS, SPMS, PPMS).
    scans
        ``by``, ``date``, ``active``, ``evaluable``
        (:func:`~msrwe.derive.mri.derive_vars_mri_activity`).
    visits
        ``by``, ``date``, ``edss``.
    relapses
        Counted relapses (``by``, ``onset_date``).
    events
        Confirmed worsening onsets (``by``, ``date``), CDW only.
    by
        The patient key.

    Returns
    -------
    polars.DataFrame
        ``years`` with ``phenotype``, ``activity`` (``active``/``not_active``/
        ``not_determined``), ``progression`` (``with``/``without``/``not_determined``; null for
        non-progressive courses) and ``course`` (text).
    """
    require_columns(years, "years", [by, "year", "period_start", "period_end"])
    require_columns(phenotypes, "phenotypes", [by, "phenotype"])
    require_columns(scans, "scans", [by, "date", "active", "evaluable"])
    require_columns(visits, "visits", [by, "date", "edss"])
    require_columns(relapses, "relapses", [by, "onset_date"])
    require_columns(events, "events", [by, "date"])
    keys = [by, "year"]
    counted = (
        (relapses, "onset_date", "_rel"),
        (scans.filter(pl.col("active").fill_null(False)), "date", "_act"),
        (scans.filter(pl.col("evaluable").fill_null(False)), "date", "_eval"),
        (visits.select(by, "date", "edss").filter(pl.col("edss").is_not_null()), "date", "_edss"),
        (events, "date", "_cdw"),
    )
    out = years.drop([c for c in ("phenotype",) if c in years.columns]).join(
        phenotypes.select(by, "phenotype").unique(by, keep="first"), on=by, how="left",
        maintain_order="left")
    if unique_rows(years, keys):
        # one row per patient-year, in the years' order: each count is the row's own (the
        # left joins below, without them; a count is read as "any", like the joined 1 or null)
        out = out.with_columns(pl.Series(name, _counts(years, d, by, c))
                               for d, c, name in counted)
    else:
        for d, c, name in counted:
            out = out.join(_any_in(years, d, by, c, name), on=keys, how="left",
                           maintain_order="left")
    n = {c: pl.col(c).fill_null(0) > 0 for c in ("_rel", "_act", "_eval", "_edss", "_cdw")}
    activity = (
        pl.when(n["_rel"] | n["_act"]).then(pl.lit("active"))
        .when(n["_eval"]).then(pl.lit("not_active"))
        .otherwise(pl.lit("not_determined"))
    )
    progression = (
        pl.when(~pl.col("phenotype").is_in(list(PROGRESSIVE)).fill_null(False)).then(None)
        .when(n["_cdw"]).then(pl.lit("with"))
        .when(n["_edss"]).then(pl.lit("without"))
        .otherwise(pl.lit("not_determined"))
    )
    prog_text = (
        pl.when(pl.col("progression") == "with").then(pl.lit(", with progression"))
        .when(pl.col("progression") == "without").then(pl.lit(", without progression"))
        .when(pl.col("progression") == "not_determined")
        .then(pl.lit(", progression not determined"))
        .otherwise(pl.lit(""))
    )
    act_text = (
        pl.when(pl.col("activity") == "not_determined").then(pl.lit("activity not determined"))
        .otherwise(pl.col("activity").str.replace("_", " "))
    )
    return (
        out.with_columns(activity.alias("activity"), progression.alias("progression"))
        .with_columns(
            pl.concat_str(pl.col("phenotype").fill_null("MS"), pl.lit(", "), act_text,
                          prog_text).alias("course")
        )
        .drop("_rel", "_act", "_eval", "_edss", "_cdw")
    )
