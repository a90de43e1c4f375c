"""NEDA-3 and NEDA-4 per patient and year of follow-up (reference/endpoints.md section 3).

**NEDA-3** = no relapse, no confirmed disability worsening and no MRI activity (no Gd+, no new or
enlarging T2 lesion) in the year; **NEDA-4** adds an annual brain volume loss of at most
``bvl_threshold_pct`` (0.4%). Each year gets one of three values, never more optimistic than the
data allow (endpoints.md 3, "missing assessments" [D]):

- ``EDA`` when any component shows activity in the year: a relapse onset, the onset of a
  confirmed worsening (CDW, from the outcome engine, so only confirmed events count), a scan
  dated in the year that is active, or (NEDA-4) a brain volume loss above the threshold;
  observed activity gives ``EDA`` even when other components are missing.
- ``NEDA`` only when every component is documented and none is active:

  - relapses: the year lies inside follow-up (by construction: complete years only);
  - MRI: T2-evaluable scans dated from the year's start to its end plus ``tolerance_days`` whose
    comparisons reach back to the start plus the tolerance and forward to the end minus the
    tolerance (earliest comparator <= start + tol and latest scan >= end - tol); a scan after
    the year's end that is itself active cannot document the year;
  - EDSS: an assessment within ``tolerance_days`` of the year's start and one within
    ``tolerance_days`` of its end (a candidate worsening whose confirmation lies beyond the data
    is not seen by the engine, as msprog does not call it);
  - NEDA-4 only: two brain volumes, one within the tolerance of each end of the year, at least
    274 days (9 months) apart; ``apbvc = (v2 / v1 - 1) x 100 / years between them``.
- ``not_evaluable`` otherwise: never counted as NEDA.

Examples
--------
After the worked example of endpoints.md 3: no relapse in 2 years; scans at 0, 6, 12 and 24
months, no lesions; EDSS 3.0 throughout; brain volume falling 0.3% in year 1 and 0.6% in year 2
(-0.60%/year fails NEDA-4):
>>> import datetime as dt
>>> from msrwe.derive.mri import derive_vars_mri_activity, follow_up_years
>>> d = dt.date
>>> adsl = pl.DataFrame({"patient_id": ["a"], "first_dose": [d(2020, 1, 1)],
...                      "end_date": [d(2021, 12, 31)]})
>>> mri = pl.DataFrame({"patient_id": ["a"] * 4,
...     "date": [d(2020, 1, 1), d(2020, 7, 1), d(2021, 1, 1), d(2021, 12, 31)],
...     "gd_lesions": [0, 0, 0, 0], "new_t2_lesions": [None, 0, 0, 0],
...     "enlarging_t2_lesions": [None, 0, 0, 0],
...     "brain_volume_ml": [1500.0, 1500.0, 1495.5, 1486.5]})
>>> visits = pl.DataFrame({"patient_id": ["a"] * 3,
...     "date": [d(2020, 1, 1), d(2021, 1, 1), d(2021, 12, 31)], "edss": [3.0] * 3})
>>> out = derive_neda_years(
...     follow_up_years(adsl), scans=derive_vars_mri_activity(mri), visits=visits,
...     relapses=pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date}),
...     events=pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date}))
>>> out.select("year", "neda3", "neda4").rows()
[(1, 'NEDA', 'NEDA'), (2, 'NEDA', 'EDA')]
>>> [round(x, 2) for x in out["apbvc"]]
[-0.3, -0.6]
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.derive._columns import require_columns, unique_rows
from msrwe.derive._windows import window_counts
from msrwe.derive.relapse_rates import DAYS_PER_YEAR
from msrwe.errors import OptionError

__all__ = ["NEDA_LEVELS", "derive_neda_years"]

#: The three values of a year's NEDA status.
NEDA_LEVELS: tuple[str, ...] = ("NEDA", "EDA", "not_evaluable")
_MIN_BV_DAYS = 274


def _any_in_year(years: pl.DataFrame, dated: pl.DataFrame, by: str, date: str,
                 name: str) -> pl.DataFrame:
    """Per patient-year with any, ``name`` = how many dated rows lie in the year.

    Ends inclusive, counted by binary search (:func:`msrwe.derive._windows.window_counts`).
    """
    n = _counts(years, dated, by, date)
    return (years.select(by, "year").with_columns(pl.Series(name, n, dtype=pl.UInt32))
            .filter(pl.col(name) > 0))


def _counts(years: pl.DataFrame, dated: pl.DataFrame, by: str, date: str) -> np.ndarray:
    """Per patient-year, how many dated rows lie in the year (ends inclusive)."""
    (n,) = window_counts(years, [(pl.col("period_start"), pl.col("period_end"))], dated, by=by,
                         date=date)
    return n


def derive_neda_years(
    years: pl.DataFrame,
    *,
    scans: pl.DataFrame,
    visits: pl.DataFrame,
    relapses: pl.DataFrame,
    events: pl.DataFrame,
    by: str = "patient_id",
    tolerance_days: int = 90,
    bvl_threshold_pct: float = 0.4,
) -> pl.DataFrame:
    """Add the NEDA components and ``neda3``/``neda4`` to each patient-year.

    Parameters
    ----------
    years
        One row per patient and year: ``by``, ``year``, ``period_start``, ``period_end``
        (:func:`msrwe.derive.mri.follow_up_years`).
    scans
        Scans with activity columns (:func:`msrwe.derive.mri.derive_vars_mri_activity`); an
        optional ``brain_volume_ml`` for NEDA-4.
    visits
        ``by``, ``date`` and ``edss`` (rows with an empty EDSS are ignored).
    relapses
        Counted relapses (``by``, ``onset_date``).
    events
        Confirmed worsening events (``by``, ``date`` = onset); filter them to CDW first.
    by
        The patient key.
    tolerance_days
        How far outside the year an assessment may lie and still document its start or end.
    bvl_threshold_pct
        Annual brain volume loss (%) above which NEDA-4 fails.

    Returns
    -------
    polars.DataFrame
        ``years`` with ``relapse``, ``cdw``, ``mri_active`` (booleans), ``mri_documented``,
        ``edss_documented`` (booleans), ``apbvc`` (annualised % brain volume change, null
        without a pair), ``neda3`` and ``neda4`` (values of :data:`NEDA_LEVELS`).
    """
    if isinstance(tolerance_days, bool) or not isinstance(tolerance_days, int) \
            or tolerance_days < 0:
        raise OptionError(f"derive_neda_years: 'tolerance_days' must be a whole number >= 0; "
                          f"got {tolerance_days!r}.")
    require_columns(years, "years", [by, "year", "period_start", "period_end"])
    require_columns(scans, "scans", [by, "date", "active", "comparator_date",
                                     "new_enlarging_t2"])
    require_columns(visits, "visits", [by, "date", "edss"])
    require_columns(relapses, "relapses", [by, "onset_date"])
    require_columns(events, "events", [by, "date"])
    tol = pl.duration(days=tolerance_days)
    keys = [by, "year"]
    counted = ((relapses, "onset_date", "_rel"), (events, "date", "_cdw"),
               (scans.filter(pl.col("active").fill_null(False)), "date", "_act"))
    # one row per patient-year: each count is the year's own row (no join needed)
    aligned = unique_rows(years, keys)
    if not aligned:
        rel, cdw, act = (_any_in_year(years, d, by, c, name) for d, c, name in counted)
    cover = (
        years.select(*keys, "period_start", "period_end")
        .join(scans.filter(pl.col("new_enlarging_t2").is_not_null())
              .select(by, "date", "comparator_date", "active"), on=by, how="inner")
        .filter(
            (pl.col("date") >= pl.col("period_start"))
            & (pl.col("date") <= pl.col("period_end") + tol)
            & ((pl.col("date") <= pl.col("period_end")) | ~pl.col("active").fill_null(False))
        )
        .group_by(keys)
        .agg(
            (pl.col("comparator_date").min() <= pl.col("period_start").first() + tol)
            .alias("_c0"),
            (pl.col("date").max() >= pl.col("period_end").first() - tol).alias("_c1"),
        )
        .with_columns((pl.col("_c0") & pl.col("_c1")).alias("mri_documented"))
        .select(*keys, "mri_documented")
    )
    edss = _edss_documented(years, visits, by, tolerance_days)
    apbvc = _apbvc(years, scans, by, tolerance_days)
    if aligned:
        # the left joins below, without them: each count in its year's row (read as "any"
        # like the joined count or null)
        out = years.with_columns(pl.Series(name, _counts(years, d, by, c), dtype=pl.UInt32)
                                 for d, c, name in counted)
        out = out.join(cover, on=keys, how="left", maintain_order="left").with_columns(
            edss.get_column("edss_documented"))
        out = out.join(apbvc, on=keys, how="left", maintain_order="left")
    else:
        out = years
        for part in (rel, cdw, act, cover, edss, apbvc):
            out = out.join(part, on=keys, how="left", maintain_order="left")
    out = out.with_columns(
        (pl.col("_rel").fill_null(0) > 0).alias("relapse"),
        (pl.col("_cdw").fill_null(0) > 0).alias("cdw"),
        (pl.col("_act").fill_null(0) > 0).alias("mri_active"),
        pl.col("mri_documented").fill_null(False),
        pl.col("edss_documented").fill_null(False),
    ).drop("_rel", "_cdw", "_act")
    eda3 = pl.col("relapse") | pl.col("cdw") | pl.col("mri_active")
    ok3 = pl.col("mri_documented") & pl.col("edss_documented")
    bvl = pl.col("apbvc") < -bvl_threshold_pct - 1e-9  # exactly the threshold passes
    return out.with_columns(
        pl.when(eda3).then(pl.lit("EDA")).when(ok3).then(pl.lit("NEDA"))
        .otherwise(pl.lit("not_evaluable")).alias("neda3"),
        pl.when(eda3 | bvl.fill_null(False)).then(pl.lit("EDA"))
        .when(ok3 & pl.col("apbvc").is_not_null()).then(pl.lit("NEDA"))
        .otherwise(pl.lit("not_evaluable")).alias("neda4"),
    )


def _edss_documented(years: pl.DataFrame, visits: pl.DataFrame, by: str, tol: int
                     ) -> pl.DataFrame:
    """Per patient-year: an EDSS within ``tol`` days of the start and of the end of the year.

    An assessment is within ``tol`` days of an end when one lies in the window of ``tol`` days
    either side of it: counted by binary search on integer keys
    (:func:`msrwe.derive._windows.window_counts`), so the years are never paired with every
    visit of the patient.
    """
    keys = [by, "year"]
    edss = visits.filter(pl.col("edss").is_not_null())
    day = pl.duration(days=tol)
    n0, n1 = window_counts(years, [(pl.col(end) - day, pl.col(end) + day)
                                   for end in ("period_start", "period_end")],
                           edss, by=by, date="date")
    return years.select(*keys, pl.Series("edss_documented", (n0 > 0) & (n1 > 0)))


def _apbvc(years: pl.DataFrame, scans: pl.DataFrame, by: str, tol: int) -> pl.DataFrame:
    """Annualised % brain volume change between the volumes nearest each end of the year."""
    keys = [by, "year"]
    schema = {by: years.schema[by], "year": pl.Int64, "apbvc": pl.Float64}
    if "brain_volume_ml" not in scans.columns:
        return pl.DataFrame(schema=schema)
    bv = scans.filter(pl.col("brain_volume_ml").is_not_null() & (pl.col("brain_volume_ml") > 0))
    pairs = years.select(*keys, "period_start", "period_end").join(
        bv.select(by, "date", "brain_volume_ml"), on=by, how="inner")

    def nearest(end: str, alias: str) -> pl.DataFrame:
        return (
            pairs.with_columns((pl.col("date") - pl.col(end)).dt.total_days().abs().alias("_gap"))
            .filter(pl.col("_gap") <= tol)
            .sort(*keys, "_gap", "date")
            .group_by(keys, maintain_order=True).first()
            .select(*keys, pl.col("date").alias(f"{alias}_date"),
                    pl.col("brain_volume_ml").alias(f"{alias}_bv"))
        )

    both = nearest("period_start", "v0").join(nearest("period_end", "v1"), on=keys, how="inner")
    days = (pl.col("v1_date") - pl.col("v0_date")).dt.total_days()
    return both.filter(days >= _MIN_BV_DAYS).select(
        *keys,
        ((pl.col("v1_bv") / pl.col("v0_bv") - 1) * 100 / (days / DAYS_PER_YEAR)).alias("apbvc"),
    )
