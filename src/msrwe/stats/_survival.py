"""Kaplan-Meier survival with numbers at risk, for time to confirmed worsening (section 8).

The estimate and its pointwise interval are lifelines' ``KaplanMeierFitter``'s (Greenwood
variance on the log(-log) scale): an unweighted curve is lifelines' arithmetic done on numpy
arrays (:mod:`msrwe.stats._km_curve`, the same floats without lifelines' ~20 ms of pandas per
curve), a weighted one is fitted by lifelines. Numbers at risk are counted here: a patient is
at risk at time ``t`` when their follow-up lasts at least until ``t``.

The median and its interval are read from the curve and its pointwise log(-log) band the way R's
``survival`` prints them (``print.survfit``; Brookmeyer and Crowley): the median is the first
time the curve reaches 0.5, the interval the times the lower and the upper band reach 0.5; a
curve at exactly 0.5 that falls further later gives the midpoint of that flat stretch.
``tests/results/stats/km_median.R`` writes R's numbers, which the tests compare.

Where few patients remain at risk the curve is noise: with ``min_at_risk`` (the study's
``[analysis] km_min_at_risk``, default :data:`DEFAULT_MIN_AT_RISK`) no estimate is reported at a
time where fewer than that many patients are at risk, and an estimate of zero events has no
interval (``note`` says ``"no events"``) instead of the degenerate ``1.000 (1.000-1.000)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from msrwe.errors import InputError
from msrwe.stats._checks import as_float_array, check_level
from msrwe.stats._km_curve import km_curve

__all__ = [
    "DEFAULT_MIN_AT_RISK", "KaplanMeierResult", "collapse_ties", "kaplan_meier", "km_median",
]

#: Estimates stop where fewer than this many patients remain at risk (study default).
DEFAULT_MIN_AT_RISK = 10

#: R's tolerance in reading a median, ``sqrt(.Machine$double.eps)``.
_TOL = float(np.sqrt(np.finfo(float).eps))

#: Columns of :attr:`KaplanMeierResult.table`.
KM_TABLE_SCHEMA = {
    "time": pl.Float64,
    "n_at_risk": pl.Int64,
    "events": pl.Int64,
    "censored": pl.Int64,
    "survival": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "note": pl.String,
}


@dataclass(frozen=True)
class KaplanMeierResult:
    """A Kaplan-Meier estimate read at chosen times.

    Attributes
    ----------
    table
        One row per requested time: ``time``, ``n_at_risk`` (follow-up >= time),
        ``events`` (cumulative events up to and including time), ``censored`` (cumulative),
        ``survival``, ``ci_low``, ``ci_high`` (fractions 0-1) and ``note``: ``""``, ``"no
        events"`` (no event up to the time: survival 1, no interval) or ``"fewer than <m> at
        risk"`` (nothing reported: survival and interval missing).
    median, median_ci_low, median_ci_high
        Median time to event and its interval, NaN when not reached (or, with ``min_at_risk``,
        when reached only where fewer than ``min_at_risk`` patients were at risk).
    n, n_events
        Patients and events.
    level
        Confidence level of the intervals.
    method
        How the curve was estimated, for the ``method`` column of the results table.
    weighted
        True when the curve is weighted (an adjusted curve).
    min_at_risk
        Estimates are reported only at times with at least this many patients at risk (0: all).
    last_reported
        The last time with at least ``min_at_risk`` patients at risk (the curve stops there);
        NaN when even time 0 has fewer.
    median_hidden
        True when the curve reaches 0.5 only where fewer than ``min_at_risk`` are at risk, so
        the median is not reported.
    """

    table: pl.DataFrame
    median: float
    median_ci_low: float
    median_ci_high: float
    n: int
    n_events: int
    level: float
    method: str = "Kaplan-Meier (lifelines), Greenwood log(-log) interval"
    weighted: bool = False
    min_at_risk: int = 0
    last_reported: float = float("inf")
    median_hidden: bool = False

    @property
    def median_note(self) -> str:
        """Why the median is missing (``""`` when it is a number).

        ``"no events"``, ``"not estimable: fewer than <m> at risk"`` (the curve stops before
        reaching 0.5, or even time 0 has fewer than ``min_at_risk`` patients) or
        ``"not reached"``.
        """
        if np.isfinite(self.median):
            return ""
        if self.n_events == 0:
            return "no events"
        if self.median_hidden:
            return f"not estimable: fewer than {self.min_at_risk} at risk"
        return "not reached"

    @property
    def truncation_text(self) -> str:
        """The rule in force for the ``method`` text (``""`` without truncation)."""
        if self.min_at_risk <= 0:
            return ""
        return (f"estimates stop where fewer than {self.min_at_risk} patients remain at risk")


def collapse_ties(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of equally long arrays and how often each occurs.

    lifelines' Kaplan-Meier builds its event table by summing case weights per time: the rows
    of a (time, event[, entry]) triple given once with their count as the weight give the same
    table, to the last bit (sums of whole numbers), from a few thousand rows instead of every
    patient.

    Examples
    --------
    >>> (t, e), n = collapse_ties(np.array([2.0, 1.0, 2.0, 2.0]), np.array([1.0, 0.0, 1.0, 0.0]))
    >>> t.tolist(), e.tolist(), n.tolist()
    ([1.0, 2.0, 2.0], [0.0, 0.0, 1.0], [1.0, 1.0, 2.0])
    """
    n = len(columns[0])
    if n == 0:
        return [c[:0] for c in columns], np.zeros(0)
    order = np.lexsort(columns[::-1])
    cols = [c[order] for c in columns]
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for c in cols:
        new[1:] |= c[1:] != c[:-1]
    first = np.flatnonzero(new)
    return [c[first] for c in cols], np.diff(np.append(first, n)).astype(float)


def km_median(time: Any, survival: Any, *, tol: float = _TOL) -> float:
    """The first time a survival curve reaches 0.5 (R ``print.survfit``'s rule), NaN if never.

    ``time`` and ``survival`` are the curve's steps (ascending times; the value holds from its
    time until the next). As R's ``print.survfit`` reads a median (and, applied to the lower and
    the upper band, its interval): the first time the curve is at or below 0.5 (within
    ``tol``); when it is at exactly 0.5 there and falls further later, the midpoint between that
    time and the time it falls. Missing values (a band where it is undefined) are skipped.

    Examples
    --------
    >>> km_median([0, 1, 2, 3], [1.0, 0.75, 0.4, 0.25])  # falls below 0.5 at 2
    2.0
    >>> km_median([0, 1, 2, 3, 4], [1.0, 0.75, 0.5, 0.5, 0.25])  # at 0.5 from 2 until 4
    3.0
    >>> km_median([0, 1, 2, 5], [1.0, 0.75, 0.5, 0.5])  # at 0.5 to the end: its first time
    2.0
    >>> km_median([0, 1], [1.0, 0.8])
    nan
    """
    x = np.asarray(time, dtype=float)
    y = np.asarray(survival, dtype=float)
    keep = np.isfinite(y) & (y < 0.5 + tol)
    if not np.any(keep):
        return float("nan")
    x, y = x[keep], y[keep]
    lower = np.flatnonzero(y < y[0])
    if abs(y[0] - 0.5) < tol and lower.size:
        return float((x[0] + x[lower[0]]) / 2)
    return float(x[0])


def kaplan_meier(
    durations: Any,
    events: Any,
    *,
    at: Any = None,
    level: float = 0.95,
    weights: Any = None,
    min_at_risk: int = 0,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate with numbers at risk at the chosen times.

    Parameters
    ----------
    durations
        Follow-up of each patient, to the event or to censoring (e.g. years, >= 0).
    events
        1 (or True) when the follow-up ended with the event, 0 when censored.
    at
        Times at which to read the curve (e.g. ``[0, 1, 2, 3]``); by default every distinct
        follow-up time.
    level
        Confidence level of the pointwise interval and the median's interval.
    weights
        Case weights (IPTW or matching weights, >= 0) for a weighted (adjusted) curve, as
        ``survival::survfit(..., weights=)``. Numbers at risk, events and censored stay plain
        counts of patients with a weight above 0; the interval uses the weighted counts in
        Greenwood's formula, which understates the uncertainty of estimated weights.
    min_at_risk
        Report no estimate at a time where fewer than this many patients are at risk (the
        study's ``km_min_at_risk``, :data:`DEFAULT_MIN_AT_RISK`); such rows keep their counts,
        have survival and interval missing and ``note`` ``"fewer than <m> at risk"``; the
        median and its bounds are reported only where reached with at least that many at risk.
        0 (the default of this function) reports everything, as R does.

    Returns
    -------
    KaplanMeierResult
        The table at ``at`` and the median with its interval.

    Raises
    ------
    InputError
        When the arrays differ in length, hold missing or negative durations, or events other
        than 0/1, or ``min_at_risk`` is not a whole number >= 0.

    Examples
    --------
    >>> km = kaplan_meier([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 1, 0, 1], at=[0, 1, 3])
    >>> km.table.select("time", "n_at_risk", "events").rows()
    [(0.0, 5, 0), (1.0, 5, 1), (3.0, 2, 2)]
    >>> [round(s, 4) for s in km.table["survival"]]  # 1, 4/5, 4/5 * 2/3
    [1.0, 0.8, 0.5333]
    >>> km.table["note"].to_list()  # no event by time 0: no interval
    ['no events', '', '']
    >>> km.median
    4.0
    >>> cut = kaplan_meier([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 1, 0, 1], at=[0, 1, 3],
    ...                    min_at_risk=3)
    >>> cut.table["survival"].to_list(), cut.table["note"][2]
    ([1.0, 0.8, None], 'fewer than 3 at risk')
    >>> cut.median, cut.median_note
    (nan, 'not estimable: fewer than 3 at risk')
    >>> kmw = kaplan_meier([1.0, 2.0, 3.0], [1, 1, 0], at=[1.5], weights=[2.0, 1.0, 1.0])
    >>> round(kmw.table["survival"][0], 4)  # 1 - 2/4
    0.5
    """
    func = "kaplan_meier"
    level = check_level(level, func)
    if isinstance(min_at_risk, bool) or not isinstance(min_at_risk, int | np.integer) or (
            min_at_risk < 0):
        raise InputError(f"{func}: 'min_at_risk' must be a whole number >= 0; got "
                         f"{min_at_risk!r}.")
    m = int(min_at_risk)
    t = as_float_array(durations, "durations", func)
    e = as_float_array(events, "events", func)
    if len(t) != len(e):
        raise InputError(
            f"{func}: 'durations' and 'events' need one entry per patient; "
            f"got {len(t)} and {len(e)}."
        )
    bad = np.flatnonzero(~np.isfinite(t) | (t < 0))
    if bad.size:
        raise InputError(
            f"{func}: every duration must be a number >= 0; entry {int(bad[0])} is {t[bad[0]]}."
        )
    bad = np.flatnonzero(~np.isin(e, (0.0, 1.0)))
    if bad.size:
        raise InputError(
            f"{func}: every event must be 0 (censored) or 1 (event); "
            f"entry {int(bad[0])} is {e[bad[0]]}."
        )
    w = None
    if weights is not None:
        w = as_float_array(weights, "weights", func)
        if len(w) != len(t):
            raise InputError(
                f"{func}: 'weights' needs one entry per patient; got {len(w)} for {len(t)}."
            )
        if np.any(~np.isfinite(w)) or np.any(w < 0):
            raise InputError(f"{func}: every weight must be a finite number >= 0.")
        keep = w > 0
        t, e, w = t[keep], e[keep], w[keep]
    times = np.unique(t) if at is None else as_float_array(at, "at", func)
    nan = float("nan")
    method = ("weighted Kaplan-Meier (lifelines), Greenwood log(-log) interval" if w is not None
              else "Kaplan-Meier (lifelines), Greenwood log(-log) interval")
    # The n-th largest follow-up is the last time with at least n patients at risk.
    if m == 0:
        last = float("inf")
    elif len(t) >= m:
        last = float(np.sort(t)[len(t) - m])
    else:
        last = nan
    # Counts by binary search in the sorted times (linear in patients; a registry has ~10^4
    # distinct times and ~10^6 patients): at risk t >= x, events and censored t <= x.
    known = ~np.isnan(times)
    n_risk = np.where(known, len(t) - np.searchsorted(np.sort(t), times, side="left"), 0)
    n_ev = np.where(known, np.searchsorted(np.sort(t[e == 1]), times, side="right"), 0)
    n_cens = np.where(known, np.searchsorted(np.sort(t[e == 0]), times, side="right"), 0)
    n_risk, n_ev, n_cens = (a.astype(np.int64) for a in (n_risk, n_ev, n_cens))
    hidden = n_risk < m
    if len(t) == 0:
        surv = low = high = np.full(len(times), nan)
        med = med_lo = med_hi = nan
    else:
        if w is None:
            # one row per distinct (time, event), its count as an exact weight; lifelines'
            # arithmetic on numpy arrays (msrwe.stats._km_curve: the same floats, no pandas)
            (tu, eu), count = collapse_ties(t, e)
            timeline, surv_all, ci_all = km_curve(tu, eu, count, level=level)
        else:
            from lifelines import KaplanMeierFitter

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lifelines' note on non-integer weights
                kmf = KaplanMeierFitter(alpha=1 - level).fit(t, e.astype(bool), weights=w)
            timeline = kmf.survival_function_.index.to_numpy(dtype=float)
            surv_all = kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float)
            ci_all = kmf.confidence_interval_survival_function_.to_numpy(dtype=float)
        ci_all[surv_all <= 0] = nan  # log(-log) band undefined at 0 (R: NA), never (0, 0)
        # Step function: the value at t is the one at the last timeline point <= t.
        idx = np.searchsorted(timeline, times, side="right") - 1
        before = idx < 0
        idx = np.clip(idx, 0, None)
        surv = np.where(before, 1.0, surv_all[idx])
        low = np.where(before, 1.0, ci_all[idx, 0])
        high = np.where(before, 1.0, ci_all[idx, 1])
        # median: the curve, its interval: the lower and the upper band (R's rule)
        med = km_median(timeline, surv_all)
        med_lo = km_median(timeline, ci_all[:, 0])
        med_hi = km_median(timeline, ci_all[:, 1])
    no_events = (n_ev == 0) & ~hidden
    notes = np.where(hidden, f"fewer than {m} at risk", np.where(no_events, "no events", ""))
    surv = np.where(hidden, nan, surv)
    low = np.where(hidden | no_events, nan, low)
    high = np.where(hidden | no_events, nan, high)

    def shown(v: float) -> float:
        # a bound is reported only where at least m patients were at risk
        return v if np.isfinite(v) and (m == 0 or v <= last) else nan

    table = pl.DataFrame(
        {"time": times, "n_at_risk": n_risk, "events": n_ev, "censored": n_cens,
         "survival": surv, "ci_low": low, "ci_high": high, "note": notes.astype(str)},
        schema=KM_TABLE_SCHEMA,
    ).with_columns(pl.col("survival", "ci_low", "ci_high").fill_nan(None))
    return KaplanMeierResult(
        table=table,
        median=shown(med),
        median_ci_low=shown(med_lo),
        median_ci_high=shown(med_hi),
        n=len(t),
        n_events=int(e.sum()),
        level=level,
        method=method,
        weighted=w is not None,
        min_at_risk=m,
        last_reported=last,
        median_hidden=bool(np.isfinite(med) and not np.isfinite(shown(med))),
    )
