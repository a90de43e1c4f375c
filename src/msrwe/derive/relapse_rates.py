"""Relapse counts, person-years and time to first relapse per patient (for the ARR).

The annualised relapse rate (ARR) of reference/endpoints.md section 6 needs, per patient, the
number of relapses with onset inside an exposure window and the window's length in years.
Definitions in force (endpoints.md 6, "edge cases"; the choices marked [D] there are ours):

- The window runs from ``start`` to ``end``, **both inclusive**: a relapse on the first-dose date
  counts, and so does one on the last day of follow-up.
- Person-years are ``(end - start) / 365.25``; a window of zero or negative length contributes no
  time and no relapses (the patient is kept with ``person_years = 0``).
- Onsets fewer than ``merge_days`` (default 30) after the last *counted* onset are the same
  relapse (the 30-day rule for a new attack); ``merge_days = 0`` counts every charted onset.
- Time to the first relapse (for the relapse-free Kaplan-Meier curve) is from ``start`` to the
  first counted onset, otherwise censored at ``end``.

Examples
--------
>>> import datetime as dt
>>> d = dt.date
>>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "start": [d(2020, 1, 1), d(2020, 1, 1)],
...                      "end": [d(2022, 1, 1), d(2021, 1, 1)]})
>>> rel = pl.DataFrame({"patient_id": ["a", "a", "a"],
...                     "onset_date": [d(2020, 1, 1), d(2020, 1, 20), d(2021, 6, 1)]})
>>> out = derive_vars_relapse_counts(adsl, relapses=rel, start="start", end="end")
>>> out.select("patient_id", "n_relapses", "person_years").rows()
[('a', 2, 2.001368925393566), ('b', 0, 1.002053388090349)]
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.errors import OptionError

__all__ = ["DAYS_PER_YEAR", "derive_vars_relapse_counts", "merge_relapse_onsets"]

#: Days in a year for every person-time in msrwe.
DAYS_PER_YEAR = 365.25


def merge_relapse_onsets(
    relapses: pl.DataFrame, *, by: str = "patient_id", onset: str = "onset_date",
    merge_days: int = 30,
) -> pl.DataFrame:  # fmt: skip
    """One row per counted relapse: onsets within ``merge_days`` of a counted onset are merged.

    Parameters
    ----------
    relapses
        ``by`` and ``onset`` columns (more columns are kept from the counted row).
    by, onset
        The patient key and the onset date column.
    merge_days
        An onset fewer than this many days after the last counted onset of the same patient is
        the same relapse (0 keeps every distinct onset).

    Returns
    -------
    polars.DataFrame
        The counted relapses sorted by patient and onset (duplicated dates are one relapse).

    Examples
    --------
    >>> import datetime as dt
    >>> r = pl.DataFrame({"patient_id": ["a"] * 4, "onset_date": [dt.date(2020, 1, 1),
    ...     dt.date(2020, 1, 29), dt.date(2020, 2, 5), dt.date(2020, 2, 10)]})
    >>> merge_relapse_onsets(r)["onset_date"].to_list()  # 2-05 is 35 days after 1-01
    [datetime.date(2020, 1, 1), datetime.date(2020, 2, 5)]
    """
    if not isinstance(merge_days, int) or isinstance(merge_days, bool) or merge_days < 0:
        raise OptionError(
            f"merge_relapse_onsets: 'merge_days' must be a whole number of days >= 0; "
            f"got {merge_days!r}."
        )
    require_columns(relapses, "relapses", [by, onset])
    rel = relapses.filter(pl.col(onset).is_not_null()).unique([by, onset], keep="first")
    rel = rel.sort(by, onset)
    if merge_days == 0 or rel.height == 0:
        return rel
    return rel.filter(pl.Series(_counted(rel, by, onset, merge_days)))


def _counted(rel: pl.DataFrame, by: str, onset: str, merge_days: int) -> np.ndarray:
    """Which rows (sorted by patient and onset, one per day) start a counted relapse.

    The first onset of a patient counts; the next counted one is the first onset at least
    ``merge_days`` after it, and so on. Each row's successor (the first onset of the same
    patient ``merge_days`` or more later) is found by binary search, and the counted rows are
    the chains from each patient's first row, followed a step at a time for all patients at once
    (as many steps as the most relapses counted for one patient).
    """
    n = rel.height
    code = rel.select(pl.col(by).rle_id()).to_series().to_numpy().astype(np.int64)
    day = rel[onset].cast(pl.Int32).to_numpy().astype(np.int64)
    key = (code << 32) + day  # sorted, as the rows are
    nxt = np.searchsorted(key, key + merge_days, side="left")
    nxt[(nxt >= n) | (code[np.minimum(nxt, n - 1)] != code)] = -1
    keep = np.zeros(n, dtype=bool)
    step = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    while step.size:
        keep[step] = True
        step = nxt[step]
        step = step[step >= 0]
    return keep


def derive_vars_relapse_counts(
    dataset: pl.DataFrame,
    *,
    relapses: pl.DataFrame,
    by: str = "patient_id",
    start: str = "first_dose",
    end: str = "end_date",
    onset: str = "onset_date",
    merge_days: int = 30,
) -> pl.DataFrame:
    """Add relapse counts and time to the first relapse to a one-row-per-patient dataset.

    The new columns are ``n_relapses``, ``person_years``, ``first_relapse_date``,
    ``relapse_event`` and ``relapse_time_years``.

    Parameters
    ----------
    dataset
        One row per patient with ``by``, ``start`` and ``end`` (dates).
    relapses
        The relapses (``by``, ``onset``); confirmed ones only, see
        :func:`msrwe.derive.relapses.filter_confirmed_relapses`.
    by, start, end, onset
        Column names.
    merge_days
        Onsets closer than this to a counted onset are one relapse (30).

    Returns
    -------
    polars.DataFrame
        ``dataset`` in its own row order with the five new columns; ``relapse_event`` is true
        when a relapse was counted in the window, ``relapse_time_years`` runs from ``start`` to
        the first counted onset or to ``end``.
    """
    require_columns(dataset, "dataset", [by, start, end])
    counted = merge_relapse_onsets(relapses, by=by, onset=onset, merge_days=merge_days)
    window = dataset.select(by, start, end).unique(by, keep="first")
    inside = (
        counted.select(by, onset)
        .join(window, on=by, how="inner")
        .filter((pl.col(onset) >= pl.col(start)) & (pl.col(onset) <= pl.col(end)))
        .group_by(by)
        .agg(pl.len().alias("n_relapses"), pl.col(onset).min().alias("first_relapse_date"))
    )
    new = ("n_relapses", "person_years", "first_relapse_date", "relapse_event",
           "relapse_time_years")
    span = (pl.col(end) - pl.col(start)).dt.total_days().clip(lower_bound=0)
    return (
        dataset.drop([c for c in new if c in dataset.columns])
        .join(inside, on=by, how="left", maintain_order="left")
        .with_columns(
            pl.col("n_relapses").fill_null(0).cast(pl.Int64),
            (span / DAYS_PER_YEAR).alias("person_years"),
            pl.col("first_relapse_date").is_not_null().alias("relapse_event"),
        )
        .with_columns(
            (
                pl.when(pl.col("relapse_event"))
                .then((pl.col("first_relapse_date") - pl.col(start)).dt.total_days())
                .otherwise(span)
                / DAYS_PER_YEAR
            ).alias("relapse_time_years")
        )
    )
