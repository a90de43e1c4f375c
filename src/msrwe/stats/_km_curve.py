"""lifelines' Kaplan-Meier curve and Greenwood log(-log) band, computed with numpy alone.

:func:`msrwe.stats.kaplan_meier` reads the curve lifelines' ``KaplanMeierFitter`` estimates
(survival, and the exponential-Greenwood pointwise interval). Fitting lifelines costs about
20 ms per curve in pandas machinery (group-bys, joins, reindexing), whatever the number of
patients, and an analysis fits a hundred curves. :func:`km_curve` does the same arithmetic on
numpy arrays, operation for operation, so the floats are lifelines' to the last bit
(``tests/stats/test_km_curve.py`` checks it against lifelines with hypothesis):

* the event table: one row per distinct time, the birth time 0 included (lifelines enters every
  patient at ``min(0, min(durations))``); ``removed`` and ``observed`` are the summed case
  weights (whole numbers here, so any order of summation gives the same float);
* the population at risk of each row: all patients less those removed at earlier rows;
* ``log S(t) = cumsum(log(n - d) - log(n))`` and Greenwood's ``cumsum(d / (n (n - d)))``
  (``+inf`` terms, where everyone at risk has the event, counted as 0);
* the band ``exp(-exp(log(-v) -/+ z sqrt(var) / v))`` with ``v = log(S)``, missing values
  read as 1 (lifelines' ``fillna(1.0)``).

With delayed entry (left truncation) the table has a row per entry time too, and the
population of a row leaves out that row's entrants (lifelines' rule). Only whole-number case
weights take this path (the tie-collapsed counts of an unweighted curve); weighted (IPTW)
curves stay with lifelines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from msrwe._lazy import lazy_module

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = ["km_curve"]


def km_curve(
    durations: np.ndarray, events: np.ndarray, counts: np.ndarray, *, level: float,
    entry: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Kaplan-Meier step table lifelines fits on ``(durations, events, weights=counts)``.

    Parameters
    ----------
    durations
        Follow-up times (>= 0), e.g. the distinct times of :func:`collapse_ties`.
    events
        1.0 for an event, 0.0 for censoring.
    counts
        Whole-number case weights (how many patients each row stands for), > 0.
    level
        Confidence level of the band (lifelines' ``alpha = 1 - level``).
    entry
        Delayed entry (left truncation): the time each row came under observation
        (``<= durations``), or ``None`` for every row from the start.

    Returns
    -------
    tuple of numpy.ndarray
        ``timeline`` (the distinct times and 0, or the entry times, ascending), ``survival`` at
        each, and the band as an ``(n, 2)`` array (lower, upper): lifelines'
        ``survival_function_`` and ``confidence_interval_survival_function_``.

    Raises
    ------
    StatError
        lifelines' own (``lifelines.exceptions.StatError``), with delayed entry, when nobody is
        at risk at some time in the first half of the table (the curve would reach 0 there).

    Examples
    --------
    >>> t, s, ci = km_curve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 1.0]),
    ...                     np.ones(3), level=0.95)
    >>> t.tolist(), np.round(s, 4).tolist()
    ([0.0, 1.0, 2.0, 3.0], [1.0, 0.6667, 0.6667, 0.0])
    >>> ci[0].tolist()  # no event yet: lifelines' band reads 1
    [1.0, 1.0]
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    w = np.asarray(counts, dtype=float)
    births = np.full(1, min(0.0, float(t.min()))) if entry is None else np.asarray(entry, float)
    timeline, row = np.unique(np.concatenate((t, births)), return_inverse=True)
    size = timeline.size
    removed = np.bincount(row[:t.size], weights=w, minlength=size)
    observed = np.bincount(row[:t.size], weights=w * e.astype(bool), minlength=size)
    # lifelines: at_risk = cumsum(entrance) - cumsum(removed).shift(1); the population of a row
    # leaves out that row's entrants, except at the first row
    before = np.concatenate(([0.0], np.cumsum(removed)[:-1]))
    if entry is None:
        population = w.sum() - before
    else:
        entrance = np.bincount(row[t.size:], weights=w, minlength=size)
        net = np.cumsum(entrance - removed)
        if size // 2 and net[: size // 2].min() == 0:
            from lifelines.exceptions import StatError

            raise StatError(
                "There are too few early truncation times and too many events. S(t)==0 for "
                f"all t>{timeline[int(np.argmin(net[: size // 2]))]:g}. Recommend "
                "BreslowFlemingHarringtonFitter.")
        first = entrance.copy()
        first[0] = 0.0
        population = (np.cumsum(entrance) - before) - first
    with np.errstate(invalid="ignore", divide="ignore"):
        log_s = _pandas_cumsum(np.log(population - observed) - np.log(population))
        pop_u = population.astype(np.uint64)
        var = observed / (pop_u * (pop_u - observed))
        var[var == np.inf] = 0.0
        var = _pandas_cumsum(var)
        survival = np.exp(log_s)
        z = stats.norm.ppf(1 - (1 - level) / 2)
        v = np.log(survival)
        half = z * np.sqrt(var) / v
        band = np.column_stack((np.exp(-np.exp(np.log(-v) - half)),
                                np.exp(-np.exp(np.log(-v) + half))))
    band[np.isnan(band)] = 1.0
    return timeline, survival, band


def _pandas_cumsum(x: np.ndarray) -> np.ndarray:
    """The cumulative sum as lifelines takes it: ``Series.cumsum()`` then ``ffill()``.

    A missing term (0/0: a time where nobody is at risk, possible with delayed entry) adds
    nothing and its position takes the previous value.
    """
    missing = np.isnan(x)
    if not missing.any():
        return np.cumsum(x)
    out = np.cumsum(np.where(missing, 0.0, x))
    out[missing] = np.nan
    # forward fill: each missing position takes the last value before it (NaN at the start)
    last = np.where(~missing, np.arange(x.size), 0)
    np.maximum.accumulate(last, out=last)
    filled = out[last]
    filled[missing & (np.cumsum(~missing) == 0)] = np.nan
    return filled
