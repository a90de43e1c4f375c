"""Prior treatment failure: how many disease-modifying drugs failed before the study drug.

Implements the operational template of clinical-methods section 7 ("failed >= 3 DMTs for >= 1
year each"; a design recommendation [D], no published source gives this exact wording):

1. Only courses that started before the first dose of the study drug are prior courses.
2. Courses are grouped by drug; courses of one drug separated by at most ``merge_gap_days`` are
   merged into one (the merged course ends with the last course's stop date and stop reason).
3. A merged course is *adequate* when it lasted at least ``min_days`` (start to stop date).
4. It *failed* when it is adequate and stopped for one of ``reasons`` (inefficacy and intolerance
   by default; pregnancy, cost and patient choice never count unless named). An ongoing course
   (no stop date) has not failed.
5. A patient's count is the number of distinct drugs with at least one failed course.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> d = dt.date
>>> treatments = pl.DataFrame({
...     "patient_id": ["P1", "P1", "P1"],
...     "drug": ["interferon", "glatiramer", "fingolimod"],
...     "start_date": [d(2005, 1, 1), d(2008, 1, 1), d(2011, 1, 1)],
...     "stop_date": [d(2007, 6, 1), d(2008, 6, 1), d(2013, 1, 1)],
...     "stop_reason": ["inefficacy", "intolerance", "intolerance"]})
>>> first = pl.DataFrame({"patient_id": ["P1"], "first_dose": [d(2014, 1, 1)]})
>>> out = derive_vars_prior_failure(first, treatments, study_drug="methotrexate")
>>> out.select("prior_drugs", "prior_failed", "prior_failed_drugs").row(0)
(3, 2, 'fingolimod; interferon')
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.derive._columns import key_codes, require_columns
from msrwe.errors import InputError, OptionError

__all__ = ["derive_prior_courses", "derive_vars_prior_failure"]

_TREATMENT_COLUMNS = ("patient_id", "drug", "start_date", "stop_date", "stop_reason")


def _validate(
    treatments: pl.DataFrame, min_days: int, merge_gap_days: int, reasons: Sequence[str]
) -> None:
    require_columns(treatments, "treatments", _TREATMENT_COLUMNS)
    for name, v in (("min_days", min_days), ("merge_gap_days", merge_gap_days)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise OptionError(f"{name} must be a whole number of days >= 0; got {v!r}.")
    if isinstance(reasons, str) or not all(isinstance(r, str) for r in reasons):
        raise OptionError(f"reasons must be a list of stop reasons; got {reasons!r}.")


def derive_prior_courses(
    treatments: pl.DataFrame,
    first_dose: pl.DataFrame,
    *,
    study_drug: str | None,
    min_days: int = 365,
    reasons: Sequence[str] = ("inefficacy", "intolerance"),
    merge_gap_days: int = 90,
    count_study_drug: bool = False,
) -> pl.DataFrame:
    """One row per patient and merged prior course, with ``adequate`` and ``failed`` flags.

    Parameters
    ----------
    treatments
        The ``treatments`` chart table.
    first_dose
        ``patient_id`` and ``first_dose`` (date) of the study drug, one row per patient.
    study_drug
        The study drug; its own earlier courses count only with ``count_study_drug``.
    min_days, reasons, merge_gap_days, count_study_drug
        See the module docstring.

    Returns
    -------
    polars.DataFrame
        ``patient_id, drug, start_date, stop_date, stop_reason, n_courses, days, adequate, failed``.
    """
    _validate(treatments, min_days, merge_gap_days, reasons)
    t = (
        treatments.select(_TREATMENT_COLUMNS)
        .with_columns(pl.col("drug").str.strip_chars().str.to_lowercase())
        .join(first_dose.select("patient_id", "first_dose"), on="patient_id", how="inner")
        .filter(pl.col("start_date") < pl.col("first_dose"))
    )
    if study_drug is not None and not count_study_drug:
        t = t.filter(pl.col("drug") != study_drug.lower())
    # Sorted by integer codes of patient and drug (no string comparisons); the courses are put
    # in patient, drug and start order at the end, on the few merged rows.
    t = t.with_columns(key_codes(["patient_id", "drug"], ["_p", "_d"])).sort(
        "_p", "_d", "start_date"
    )
    # A new merged course starts when the gap since the previous course's stop exceeds the limit
    # (an ongoing previous course never leaves a gap).
    first_row = ((pl.col("_p") != pl.col("_p").shift(1)) | (pl.col("_d") != pl.col("_d").shift(1))
                 ).fill_null(True)
    prev_stop = pl.when(~first_row).then(pl.col("stop_date").shift(1))
    gap = (pl.col("start_date") - prev_stop).dt.total_days()
    new_course = first_row | (prev_stop.is_not_null() & (gap > merge_gap_days))
    # Every course of the table numbered in one running sum (no window nested in a window).
    merged = (
        t.with_columns(new_course.cum_sum().alias("_course"))
        .group_by("_course", maintain_order=True)
        .agg(
            pl.col("patient_id").first(),
            pl.col("drug").first(),
            pl.col("start_date").first(),
            pl.col("stop_date").last(),
            pl.col("stop_reason").last(),
            pl.len().cast(pl.Int64).alias("n_courses"),
        )
        .drop("_course")
        .with_columns((pl.col("stop_date") - pl.col("start_date")).dt.total_days().alias("days"))
        .with_columns((pl.col("days") >= min_days).fill_null(False).alias("adequate"))
        .with_columns(
            (pl.col("adequate") & pl.col("stop_reason").is_in(list(reasons)).fill_null(False))
            .alias("failed")
        )
        .sort("patient_id", "drug", "start_date", maintain_order=True)
    )
    return merged


def derive_vars_prior_failure(
    dataset: pl.DataFrame,
    treatments: pl.DataFrame,
    *,
    study_drug: str | None,
    min_days: int = 365,
    reasons: Sequence[str] = ("inefficacy", "intolerance"),
    merge_gap_days: int = 90,
    count_study_drug: bool = False,
    ref_date: str = "first_dose",
) -> pl.DataFrame:
    """Add the prior-treatment counts (``prior_drugs``, ``prior_failed``, ...) to a dataset.

    Parameters
    ----------
    dataset
        One row per patient with ``patient_id`` and the date column ``ref_date``.
    treatments
        The ``treatments`` chart table.
    study_drug, min_days, reasons, merge_gap_days, count_study_drug
        See :func:`derive_prior_courses`.
    ref_date
        The first dose of the study drug.

    Returns
    -------
    polars.DataFrame
        ``dataset`` with ``prior_drugs`` (distinct prior drugs), ``prior_failed`` (distinct failed
        drugs), ``prior_failed_drugs`` (their names, sorted, ``"; "``-separated), and, recorded
        separately as the template asks, ``prior_stopped_inefficacy`` and
        ``prior_stopped_intolerance`` (distinct drugs with an adequate course stopped for that
        reason, whatever ``reasons`` says).
    """
    if "patient_id" not in dataset.columns or ref_date not in dataset.columns:
        raise InputError(f"dataset needs the columns 'patient_id' and '{ref_date}'.")
    courses = derive_prior_courses(
        treatments,
        dataset.select("patient_id", pl.col(ref_date).alias("first_dose")),
        study_drug=study_drug,
        min_days=min_days,
        reasons=reasons,
        merge_gap_days=merge_gap_days,
        count_study_drug=count_study_drug,
    )
    per = courses.group_by("patient_id").agg(
        pl.col("drug").n_unique().cast(pl.Int64).alias("prior_drugs"),
        pl.col("drug").filter(pl.col("failed")).n_unique().cast(pl.Int64).alias("prior_failed"),
        pl.col("drug").filter(pl.col("failed")).unique().sort().str.join("; ")
        .alias("prior_failed_drugs"),
        *(
            pl.col("drug").filter(pl.col("adequate") & (pl.col("stop_reason") == reason))
            .n_unique().cast(pl.Int64).alias(f"prior_stopped_{reason}")
            for reason in ("inefficacy", "intolerance")
        ),
    )
    new = ("prior_drugs", "prior_failed", "prior_failed_drugs", "prior_stopped_inefficacy",
           "prior_stopped_intolerance")
    return (
        dataset.drop([c for c in new if c in dataset.columns])
        .join(per, on="patient_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("prior_drugs").fill_null(0),
            pl.col("prior_failed").fill_null(0),
            pl.col("prior_failed_drugs").fill_null(""),
            pl.col("prior_stopped_inefficacy").fill_null(0),
            pl.col("prior_stopped_intolerance").fill_null(0),
        )
    )
