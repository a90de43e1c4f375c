"""Kaplan-Meier survival with numbers at risk, for time to confirmed worsening (section 8).

The estimate and its pointwise interval come from lifelines' ``KaplanMeierFitter``
(Greenwood variance on the log(-log) scale). Numbers at risk are counted here: a patient is at risk
at time ``t`` when their follow-up lasts at least until ``t``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from msrwe.errors import InputError
from msrwe.stats._checks import as_float_array, check_level

__all__ = ["KaplanMeierResult", "kaplan_meier"]

_TABLE_SCHEMA = {
    "time": pl.Float64,
    "n_at_risk": pl.Int64,
    "events": pl.Int64,
    "censored": pl.Int64,
    "survival": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}


@dataclass(frozen=True)
class KaplanMeierResult:
    """A Kaplan-Meier estimate read at chosen times.

    Attributes
    ----------
    table
        One row per requested time: ``time``, ``n_at_risk`` (follow-up >= time),
        ``events`` (cumulative events up to and including time), ``censored`` (cumulative),
        ``survival``, ``ci_low``, ``ci_high`` (fractions 0-1).
    median, median_ci_low, median_ci_high
        Median time to event and its interval, NaN when not reached.
    n, n_events
        Patients and events.
    level
        Confidence level of the intervals.
    method
        How the curve was estimated, for the ``method`` column of the results table.
    weighted
        True when the curve is weighted (an adjusted curve).
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


def kaplan_meier(
    durations: Any, events: Any, *, at: Any = None, level: float = 0.95, weights: Any = None
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

    Returns
    -------
    KaplanMeierResult
        The table at ``at`` and the median.

    Raises
    ------
    InputError
        When the arrays differ in length, hold missing or negative durations, or events other
        than 0/1.

    Examples
    --------
    >>> km = kaplan_meier([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 1, 0, 1], at=[0, 1, 3])
    >>> km.table.select("time", "n_at_risk", "events").rows()
    [(0.0, 5, 0), (1.0, 5, 1), (3.0, 2, 2)]
    >>> [round(s, 4) for s in km.table["survival"]]  # 1, 4/5, 4/5 * 2/3
    [1.0, 0.8, 0.5333]
    >>> km.median
    4.0
    >>> kmw = kaplan_meier([1.0, 2.0, 3.0], [1, 1, 0], at=[1.5], weights=[2.0, 1.0, 1.0])
    >>> round(kmw.table["survival"][0], 4)  # 1 - 2/4
    0.5
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    func = "kaplan_meier"
    level = check_level(level, func)
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
    if len(t) == 0:
        table = pl.DataFrame(
            {
                "time": times,
                "n_at_risk": [0] * len(times),
                "events": [0] * len(times),
                "censored": [0] * len(times),
                "survival": [nan] * len(times),
                "ci_low": [nan] * len(times),
                "ci_high": [nan] * len(times),
            },
            schema=_TABLE_SCHEMA,
        )
        return KaplanMeierResult(table, nan, nan, nan, 0, 0, level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' note on non-integer weights
        kmf = KaplanMeierFitter(alpha=1 - level).fit(t, e.astype(bool), weights=w)
    timeline = kmf.survival_function_.index.to_numpy(dtype=float)
    surv_all = kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    ci_all = kmf.confidence_interval_survival_function_.to_numpy(dtype=float)
    # Step function: the value at t is the one at the last timeline point <= t.
    idx = np.searchsorted(timeline, times, side="right") - 1
    before = idx < 0
    idx = np.clip(idx, 0, None)
    surv = np.where(before, 1.0, surv_all[idx])
    low = np.where(before, 1.0, ci_all[idx, 0])
    high = np.where(before, 1.0, ci_all[idx, 1])
    table = pl.DataFrame(
        {
            "time": times,
            "n_at_risk": [int(np.sum(t >= x)) for x in times],
            "events": [int(np.sum((t <= x) & (e == 1))) for x in times],
            "censored": [int(np.sum((t <= x) & (e == 0))) for x in times],
            "survival": surv,
            "ci_low": low,
            "ci_high": high,
        },
        schema=_TABLE_SCHEMA,
    )
    med = float(kmf.median_survival_time_)
    med_ci = median_survival_times(kmf.confidence_interval_).to_numpy(dtype=float).ravel()

    def finite(v: float) -> float:
        return v if np.isfinite(v) else nan

    return KaplanMeierResult(
        table=table,
        median=finite(med),
        median_ci_low=finite(float(med_ci[0])),
        median_ci_high=finite(float(med_ci[1])),
        n=len(t),
        n_events=int(e.sum()),
        level=level,
        method=(
            "weighted Kaplan-Meier (lifelines), Greenwood log(-log) interval"
            if w is not None
            else "Kaplan-Meier (lifelines), Greenwood log(-log) interval"
        ),
        weighted=w is not None,
    )
