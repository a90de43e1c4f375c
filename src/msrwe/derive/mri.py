"""MRI activity: per scan against its comparator, per patient-year, and per patient.

Definitions (reference/endpoints.md sections 1-2; Lublin 2014):

- An **active scan** shows a gadolinium-enhancing (Gd+) lesion, or a new or enlarging T2 lesion.
- The chart's ``new_t2_lesions`` and ``enlarging_t2_lesions`` are counts **against a comparator
  scan**: the chart's ``comparator_date`` when given, otherwise the patient's previous scan in the
  chart. The first scan of a patient has no comparator, so its T2 counts are **not used** (not
  evaluable, never 0), whatever the chart holds there. ``new_enlarging_t2`` is the sum of the two
  counts (the new count alone when the enlarging count is empty); the two are disjoint by
  definition, so the sum counts each lesion once. Gd+ lesions are never added to it (a Gd+
  lesion is often also new on T2).
- **Gd is counted on the scan date only**: it belongs to the period holding the scan. An empty
  ``gd_lesions`` means contrast was not given ("not assessed"), never 0.
- A scan is **evaluable** when its T2 comparison was done or Gd was assessed; an evaluable scan
  without Gd+ or new/enlarging T2 lesions is *not active* (endpoints.md 2, step 2).
- **Per year of follow-up** (year k runs from the first dose plus k-1 calendar years to the day
  before the first dose plus k years; only complete years up to the end of follow-up):
  ``active`` if a scan in the year is active; else ``not_active`` if a scan in the year is
  evaluable; else ``not_determined`` (a year with no scan is never counted as inactive). T2
  lesions are attributed to the year of the scan that shows them.

Examples
--------
>>> import datetime as dt
>>> d = dt.date
>>> mri = pl.DataFrame({"patient_id": ["a", "a", "a"],
...     "date": [d(2019, 12, 1), d(2020, 12, 1), d(2021, 12, 1)],
...     "gd_lesions": [1, None, 0], "new_t2_lesions": [4, 0, 2],
...     "enlarging_t2_lesions": [None, None, 1]})
>>> s = derive_vars_mri_activity(mri)
>>> s.select("new_enlarging_t2", "evaluable", "active").rows()
[(None, True, True), (0, True, False), (3, True, True)]
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive._extras import extra_as_date
from msrwe.derive.relapse_rates import DAYS_PER_YEAR
from msrwe.errors import OptionError

__all__ = [
    "ACTIVITY_LEVELS",
    "derive_mri_activity_years",
    "derive_vars_mri_activity",
    "derive_vars_mri_summary",
    "follow_up_years",
]

#: The three values of a period's activity.
ACTIVITY_LEVELS: tuple[str, ...] = ("active", "not_active", "not_determined")


def derive_vars_mri_activity(
    mri: pl.DataFrame,
    *,
    by: str = "patient_id",
    date: str = "date",
) -> pl.DataFrame:
    """Add the comparison and activity columns to each scan.

    Parameters
    ----------
    mri
        The ``mri`` chart table: ``by``, ``date`` and any of ``gd_lesions``, ``new_t2_lesions``,
        ``enlarging_t2_lesions`` and ``comparator_date`` (missing columns count as empty).
    by, date
        The patient key and the scan date.

    Returns
    -------
    polars.DataFrame
        The scans sorted by patient and date with ``comparator_date`` (the chart's, else the
        previous scan's, null for the first scan), ``new_enlarging_t2`` (null without a
        comparator), ``t2_evaluable``, ``gd_evaluable``, ``evaluable`` and ``active`` (null
        when the scan is not evaluable).
    """
    require_columns(mri, "mri", [by, date])
    m = mri
    for col in ("gd_lesions", "new_t2_lesions", "enlarging_t2_lesions"):
        if col not in m.columns:
            m = m.with_columns(pl.lit(None, dtype=pl.Int64).alias(col))
    m = extra_as_date(m, "comparator_date", "mri")
    charted = "comparator_date" in m.columns
    m = m.sort(by, date).with_columns(
        pl.col(date).shift(1).over(by).alias("_previous"),
    )
    # scans on the same day: the comparator is the last scan strictly before that day
    m = m.with_columns(
        pl.when(pl.col("_previous") < pl.col(date)).then(pl.col("_previous"))
        .otherwise(None).alias("_previous")
    ).with_columns(pl.col("_previous").forward_fill().over(by, date))
    comparator = (
        pl.coalesce(pl.col("comparator_date"), pl.col("_previous"))
        if charted else pl.col("_previous")
    )
    t2_sum = (
        pl.when(pl.col("new_t2_lesions").is_null() & pl.col("enlarging_t2_lesions").is_null())
        .then(None)
        .otherwise(pl.col("new_t2_lesions").fill_null(0) + pl.col("enlarging_t2_lesions")
                   .fill_null(0))
    )
    m = m.with_columns(comparator.alias("comparator_date")).with_columns(
        pl.when(pl.col("comparator_date").is_not_null()).then(t2_sum).otherwise(None)
        .cast(pl.Int64).alias("new_enlarging_t2"),
    )
    m = m.with_columns(
        pl.col("new_enlarging_t2").is_not_null().alias("t2_evaluable"),
        pl.col("gd_lesions").is_not_null().alias("gd_evaluable"),
    ).with_columns(
        (pl.col("t2_evaluable") | pl.col("gd_evaluable")).alias("evaluable"),
    ).with_columns(
        pl.when((pl.col("gd_lesions").fill_null(0) > 0)
                | (pl.col("new_enlarging_t2").fill_null(0) > 0))
        .then(True)
        .when(pl.col("evaluable")).then(False)
        .otherwise(None).alias("active"),
    )
    return m.drop("_previous")


def _check_scans(scans: pl.DataFrame, by: str, date: str) -> None:
    require_columns(scans, "scans", [by, date, "active", "evaluable", "new_enlarging_t2",
                                     "gd_lesions"])


def follow_up_years(
    dataset: pl.DataFrame, *, by: str = "patient_id", start: str = "first_dose",
    end: str = "end_date",
) -> pl.DataFrame:  # fmt: skip
    """One row per patient and **complete** year of follow-up.

    Columns ``by``, ``year`` (1, 2, ...), ``period_start`` and ``period_end`` (inclusive: the day
    before the next anniversary of ``start``; 29 February moves to 1 March).

    Examples
    --------
    >>> import datetime as dt
    >>> a = pl.DataFrame({"patient_id": ["a", "b"], "first_dose": [dt.date(2020, 1, 15)] * 2,
    ...                   "end_date": [dt.date(2022, 1, 14), dt.date(2021, 1, 13)]})
    >>> follow_up_years(a).rows()  # b has no complete year
    [('a', 1, datetime.date(2020, 1, 15), datetime.date(2021, 1, 14)), \
('a', 2, datetime.date(2021, 1, 15), datetime.date(2022, 1, 14))]
    """
    require_columns(dataset, "dataset", [by, start, end])
    # every candidate year 1..(end year - start year + 1) per patient, then the complete ones
    d = dataset.select(by, start, end).filter(
        pl.col(start).is_not_null() & pl.col(end).is_not_null()
    ).with_columns(
        year=pl.int_ranges(1, (pl.col(end).dt.year() - pl.col(start).dt.year() + 2)
                           .clip(lower_bound=1), dtype=pl.Int64),
    ).explode("year").drop_nulls("year")
    d = d.with_columns(
        period_start=_anniversary_expr(pl.col(start), pl.col("year") - 1),
        period_end=_anniversary_expr(pl.col(start), pl.col("year")) - pl.duration(days=1),
    ).filter(pl.col("period_end") <= pl.col(end))
    return d.select(by, "year", "period_start", "period_end").cast(
        {by: dataset.schema[by], "year": pl.Int64, "period_start": pl.Date,
         "period_end": pl.Date})


def _anniversary_expr(day: pl.Expr, years: pl.Expr) -> pl.Expr:
    """``day`` moved ``years`` years on, 29 February to 1 March in a common year.

    Built from year, month and day numbers (not a per-row ``offset_by`` text).
    """
    y = day.dt.year().cast(pl.Int32) + years.cast(pl.Int32)
    leap_year = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    to_common = (day.dt.month() == 2) & (day.dt.day() == 29) & ~leap_year
    moved = pl.date(y, day.dt.month(), pl.when(to_common).then(28).otherwise(day.dt.day()))
    return pl.when(to_common).then(moved + pl.duration(days=1)).otherwise(moved)


def derive_mri_activity_years(
    dataset: pl.DataFrame,
    *,
    scans: pl.DataFrame,
    by: str = "patient_id",
    start: str = "first_dose",
    end: str = "end_date",
    date: str = "date",
    years: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """MRI activity per patient and complete year of follow-up.

    Parameters
    ----------
    dataset
        One row per patient with ``by``, ``start`` and ``end``.
    scans
        The output of :func:`derive_vars_mri_activity`.
    by, start, end, date
        Column names: patient key, first dose and end of follow-up (``dataset``), scan date.
    years
        ``follow_up_years(dataset, by=by, start=start, end=end)`` when the caller has it
        already (the endpoint datasets derive it once for MRI, NEDA and Lublin); derived here
        when ``None``.

    Returns
    -------
    polars.DataFrame
        :func:`follow_up_years` with ``n_scans``, ``n_evaluable``, ``gd_lesions``,
        ``new_enlarging_t2`` (sums over the year's scans; null when none was evaluable) and
        ``mri_activity`` (one of :data:`ACTIVITY_LEVELS`).
    """
    _check_scans(scans, by, date)
    if years is None:
        years = follow_up_years(dataset, by=by, start=start, end=end)
    # Each scan's year: the patient's last year starting on or before the scan (an as-of join,
    # the years of a patient do not overlap), kept when the scan is not after that year's end;
    # never a pairing of every year with every scan of the patient.
    in_year = (
        scans.select(by, date, "active", "evaluable", "new_enlarging_t2", "gd_lesions")
        .filter(pl.col(date).is_not_null()).sort(date)
        .join_asof(years.sort("period_start"), left_on=date, right_on="period_start", by=by,
                   strategy="backward", check_sortedness=False)
        .filter((pl.col(date) <= pl.col("period_end")).fill_null(False))
    )
    per = (
        in_year.group_by(by, "year")
        .agg(
            pl.len().alias("n_scans"),
            pl.col("evaluable").sum().alias("n_evaluable"),
            pl.col("gd_lesions").sum().alias("gd_lesions"),
            pl.when(pl.col("new_enlarging_t2").is_not_null().any())
            .then(pl.col("new_enlarging_t2").sum()).otherwise(None).alias("new_enlarging_t2"),
            pl.col("active").fill_null(False).any().alias("_active"),
        )
    )
    out = years.join(per, on=[by, "year"], how="left", maintain_order="left").with_columns(
        pl.col("n_scans").fill_null(0).cast(pl.Int64),
        pl.col("n_evaluable").fill_null(0).cast(pl.Int64),
    )
    return out.with_columns(
        pl.when(pl.col("_active").fill_null(False)).then(pl.lit("active"))
        .when(pl.col("n_evaluable") > 0).then(pl.lit("not_active"))
        .otherwise(pl.lit("not_determined")).alias("mri_activity"),
        pl.when(pl.col("n_evaluable") > 0).then(pl.col("gd_lesions")).otherwise(None)
        .alias("gd_lesions"),
    ).drop("_active")


def derive_vars_mri_summary(
    dataset: pl.DataFrame,
    *,
    scans: pl.DataFrame,
    by: str = "patient_id",
    start: str = "first_dose",
    end: str = "end_date",
    date: str = "date",
    rebaseline_days: int = 0,
) -> pl.DataFrame:
    """Per patient over the whole follow-up: MRI-free status and the new/enlarging T2 count.

    Scans dated from ``start + rebaseline_days`` to ``end`` are counted (``rebaseline_days``
    lets the first months on a drug serve only as a new baseline, endpoints.md 1.1).

    Returns
    -------
    polars.DataFrame
        ``dataset`` with ``mri_status`` (``active``: an active scan; ``free``: evaluable scans
        and none active; ``not_evaluable``), ``t2_count`` (new/enlarging T2 lesions on the
        T2-evaluable scans), ``t2_years`` (the years those scans' comparisons cover: the sum of
        scan date minus comparator date) and ``n_scans``.
    """
    if not isinstance(rebaseline_days, int) or isinstance(rebaseline_days, bool) \
            or rebaseline_days < 0:
        raise OptionError(f"derive_vars_mri_summary: 'rebaseline_days' must be a whole number "
                          f">= 0; got {rebaseline_days!r}.")
    _check_scans(scans, by, date)
    require_columns(dataset, "dataset", [by, start, end])
    sc = (
        scans.join(dataset.select(by, start, end), on=by, how="inner")
        .filter((pl.col(date) >= pl.col(start) + pl.duration(days=rebaseline_days))
                & (pl.col(date) <= pl.col(end)))
    )
    t2 = pl.col("new_enlarging_t2").is_not_null()
    per = sc.group_by(by).agg(
        pl.len().alias("n_scans"),
        pl.col("active").fill_null(False).any().alias("_active"),
        pl.col("evaluable").any().alias("_evaluable"),
        pl.col("new_enlarging_t2").filter(t2).sum().alias("t2_count"),
        ((pl.col(date) - pl.col("comparator_date")).dt.total_days().filter(t2).sum()
         / DAYS_PER_YEAR).alias("t2_years"),
    )
    new = ("n_scans", "mri_status", "t2_count", "t2_years")
    return (
        dataset.drop([c for c in new if c in dataset.columns])
        .join(per, on=by, how="left", maintain_order="left")
        .with_columns(
            pl.col("n_scans").fill_null(0).cast(pl.Int64),
            pl.when(pl.col("_active").fill_null(False)).then(pl.lit("active"))
            .when(pl.col("_evaluable").fill_null(False)).then(pl.lit("free"))
            .otherwise(pl.lit("not_evaluable")).alias("mri_status"),
            pl.col("t2_count").fill_null(0).cast(pl.Int64),
            pl.col("t2_years").fill_null(0.0),
        )
        .drop("_active", "_evaluable")
    )
