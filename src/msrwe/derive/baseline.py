"""Baseline and last on-treatment values of a visit measure, one row per patient.

Two admiral-style derivations (dataset in, dataset out: the same rows, new columns):

- :func:`derive_vars_baseline` adds ``base_<value>`` and ``base_<value>_date``: the score on the
  day of the reference date (the first dose) or, when there is none that day, the last score at
  most ``window_days`` before it.
- :func:`derive_vars_last_on_treatment` adds ``last_<value>`` and ``last_<value>_date``: the last
  score after the baseline date and at most ``lag_days`` after the end date (the last dose).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> adsl = pl.DataFrame({"patient_id": ["P1"], "first_dose": [dt.date(2015, 1, 10)],
...                      "last_dose": [dt.date(2016, 1, 10)]})
>>> visits = pl.DataFrame({"patient_id": ["P1"] * 3,
...     "date": [dt.date(2014, 12, 1), dt.date(2015, 6, 1), dt.date(2016, 2, 1)],
...     "edss": [6.0, 6.5, 6.5]})
>>> out = derive_vars_last_on_treatment(derive_vars_baseline(adsl, visits), visits)
>>> out.select("base_edss", "base_edss_date", "last_edss", "last_edss_date").row(0)
(6.0, datetime.date(2014, 12, 1), 6.5, datetime.date(2016, 2, 1))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from msrwe.derive._columns import require_columns, sort_unless_sorted
from msrwe.derive._frames import look_up
from msrwe.errors import OptionError

__all__ = ["derive_vars_baseline", "derive_vars_last_on_treatment"]


def _check(dataset: pl.DataFrame, visits: pl.DataFrame, cols: dict[str, list[str]]) -> None:
    for name, frame in (("dataset", dataset), ("visits", visits)):
        require_columns(frame, name, cols[name])
    for c in cols["dataset"][1:]:
        if dataset.schema[c] != pl.Date:
            raise OptionError(
                f"dataset column '{c}' must hold dates; it holds {dataset.schema[c]}."
            )


def _candidates(
    visits: pl.DataFrame,
    by: str,
    value: str,
    ref: pl.DataFrame,
    keep: Callable[[Mapping[str, pl.Expr]], pl.Expr],
) -> pl.DataFrame:
    """The visits with ``value`` of the patients in ``ref`` where ``keep`` holds, in visit order.

    ``keep`` is given each date column of ``ref`` (one row per ``by``) looked up for the visit's
    patient and compares it with ``date``. The rows are those of an inner join of the scores with
    ``ref`` (left order kept) filtered by ``keep``; but ``ref``'s dates are looked up into one
    column each and only the rows kept are written, so a million patients' visits are not
    copied (twice) to keep a few of them.
    """
    ref = ref.filter(pl.col(by).is_not_null()).unique(by)
    dates = [c for c in ref.columns if c != by]
    rows = visits.select(by, "date", value)
    found = look_up(rows[by], ref[by], [ref[c] for c in dates])
    mask = rows.with_columns(s.alias(c) for c, s in zip(dates, found, strict=True)).select(
        pl.col(value).is_not_null() & keep({c: pl.col(c) for c in dates})
    ).to_series()
    return rows.filter(mask)


def derive_vars_baseline(
    dataset: pl.DataFrame,
    visits: pl.DataFrame,
    *,
    by: str = "patient_id",
    value: str = "edss",
    ref_date: str = "first_dose",
    window_days: int = 90,
) -> pl.DataFrame:
    """Add the baseline score: on the reference date, or the last within ``window_days`` before.

    Parameters
    ----------
    dataset
        One row per patient, with ``by`` and the date column ``ref_date``.
    visits
        Visits with ``by``, ``date`` and the measure ``value``; rows without it are skipped.
    by
        The patient key.
    value
        The measure (a column of ``visits``), e.g. ``edss``, ``t25fw_s``.
    ref_date
        Column of ``dataset`` with the reference date (the first dose).
    window_days
        How many days before the reference date a score may lie (0: only the same day).

    Returns
    -------
    polars.DataFrame
        ``dataset`` with ``base_<value>`` and ``base_<value>_date`` (null where no score qualifies).

    Raises
    ------
    InputError
        When a needed column is missing.
    OptionError
        When ``window_days`` is negative or ``ref_date`` does not hold dates.
    """
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise OptionError(f"window_days must be a whole number of days >= 0; got {window_days!r}.")
    _check(dataset, visits, {"dataset": [by, ref_date], "visits": [by, "date", value]})
    base, base_date = f"base_{value}", f"base_{value}_date"
    ref = dataset.select(by, pl.col(ref_date).alias("_ref"))
    cand = sort_unless_sorted(
        _candidates(
            visits, by, value, ref,
            lambda r: (pl.col("date") <= r["_ref"])
            & (pl.col("date") >= r["_ref"] - pl.duration(days=window_days)),
        ),
        [by, "date"],
    )
    cand = (
        cand.group_by(by, maintain_order=True)
        .last()
        .select(by, pl.col(value).alias(base), pl.col("date").alias(base_date))
    )
    return dataset.drop([c for c in (base, base_date) if c in dataset.columns]).join(
        cand, on=by, how="left", maintain_order="left"
    )


def derive_vars_last_on_treatment(
    dataset: pl.DataFrame,
    visits: pl.DataFrame,
    *,
    by: str = "patient_id",
    value: str = "edss",
    start_date: str | None = None,
    end_date: str = "last_dose",
    lag_days: int = 90,
) -> pl.DataFrame:
    """Add the last score on treatment: after the start date, at most ``lag_days`` after the end.

    Parameters
    ----------
    dataset
        One row per patient with ``by``, ``end_date`` and ``start_date``.
    visits
        Visits with ``by``, ``date`` and ``value``.
    by
        The patient key.
    value
        The measure.
    start_date
        Scores must be strictly after this date; by default ``base_<value>_date`` (so the
        baseline score never doubles as the follow-up score).
    end_date
        Column with the end of treatment (the last dose).
    lag_days
        Days after ``end_date`` a score still counts as on treatment.

    Returns
    -------
    polars.DataFrame
        ``dataset`` with ``last_<value>`` and ``last_<value>_date`` (null without follow-up).
    """
    if isinstance(lag_days, bool) or not isinstance(lag_days, int) or lag_days < 0:
        raise OptionError(f"lag_days must be a whole number of days >= 0; got {lag_days!r}.")
    start = start_date or f"base_{value}_date"
    _check(dataset, visits, {"dataset": [by, start, end_date], "visits": [by, "date", value]})
    last, last_date = f"last_{value}", f"last_{value}_date"
    ref = dataset.select(by, pl.col(start).alias("_start"), pl.col(end_date).alias("_end"))
    cand = sort_unless_sorted(
        _candidates(
            visits, by, value, ref,
            lambda r: (pl.col("date") > r["_start"])
            & (pl.col("date") <= r["_end"] + pl.duration(days=lag_days)),
        ),
        [by, "date"],
    )
    cand = (
        cand.group_by(by, maintain_order=True)
        .last()
        .select(by, pl.col(value).alias(last), pl.col("date").alias(last_date))
    )
    return dataset.drop([c for c in (last, last_date) if c in dataset.columns]).join(
        cand, on=by, how="left", maintain_order="left"
    )
