"""Log-rank test and Cox hazard ratio for many two-arm trials at once (numpy group operations).

All trials are analysed together: the rows of every trial are sorted once by (trial, time), the
distinct event times of each trial are found with one comparison, and every sum over risk sets
is a cumulative sum or a ``bincount`` by trial. There is no Python loop over trials.

* :func:`logrank_by_trial`: the two-sample log-rank test with ties (hypergeometric variance),
  as ``survival::survdiff`` and ``lifelines.statistics.logrank_test`` compute it.
* :func:`cox_by_trial`: the Cox model with one binary covariate (treatment), Efron's handling of
  ties (lifelines' and R's default), fitted by Newton-Raphson in all trials simultaneously;
  the tests check it against lifelines.

Examples
--------
>>> import numpy as np
>>> trial = np.array([0, 0, 0, 0, 1, 1, 1, 1])
>>> time = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0])
>>> event = np.array([1, 1, 1, 0, 1, 0, 1, 1], dtype=bool)
>>> arm = np.array([0, 1, 0, 1, 1, 1, 0, 0], dtype=bool)
>>> lr = logrank_by_trial(trial, time, event, arm, 2)
>>> lr.observed.tolist(), np.round(lr.expected, 3).tolist()
([1.0, 1.0], [1.667, 0.5])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = ["CoxFits", "LogRank", "analyse_trials", "cox_by_trial", "logrank_by_trial"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LogRank:
    """Per-trial log-rank statistics (arrays of length ``n_trials``).

    Attributes
    ----------
    observed, expected
        Events observed and expected under the null in the treatment arm.
    variance
        Variance of ``observed - expected``.
    z
        ``(observed - expected) / sqrt(variance)``: negative when the treatment arm has fewer
        events than expected.
    p_value
        Two-sided p value (normal).
    events
        Total events per trial.
    """

    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    z: FloatArray
    p_value: FloatArray
    events: FloatArray


@dataclass(frozen=True)
class CoxFits:
    """Per-trial Cox fits: log hazard ratio (treatment vs control), its SE, convergence."""

    log_hr: FloatArray
    se: FloatArray
    converged: npt.NDArray[np.bool_]

    @property
    def hazard_ratio(self) -> FloatArray:
        """``exp(log_hr)``."""
        return np.exp(self.log_hr)


@dataclass(frozen=True)
class _RiskSets:
    trial: npt.NDArray[np.int64]  # trial of each distinct event time
    n: FloatArray  # at risk
    n1: FloatArray  # at risk, treatment arm
    d: FloatArray  # events
    d1: FloatArray  # events, treatment arm


def _risk_sets(trial: npt.NDArray[np.integer], time: FloatArray, event: npt.NDArray[np.bool_],
               arm: npt.NDArray[np.bool_], n_trials: int) -> _RiskSets:
    trial = np.asarray(trial, dtype=np.int64)
    time = np.asarray(time, dtype=np.float64)
    if time.size and float(time.min()) >= 0 and np.all(time == np.floor(time)) \
            and float(time.max()) * max(n_trials, 1) < 2**62:
        key = trial * (int(time.max()) + 1) + time.astype(np.int64)  # one integer sort key
        order = np.argsort(key, kind="stable")
    elif time.size and float(time.min()) >= 0 and np.isfinite(time).all():
        key_f = trial * (float(time.max()) + 1.0) + time  # order within trial kept to ~1e-9
        order = np.argsort(key_f, kind="stable")
    else:
        order = np.lexsort((time, trial))
    tr, ti = trial[order], time[order]
    ev, a = np.asarray(event, bool)[order], np.asarray(arm, bool)[order]
    m = tr.size
    new = np.ones(m, dtype=bool)
    if m:
        new[1:] = (tr[1:] != tr[:-1]) | (ti[1:] != ti[:-1])
    gstart = np.flatnonzero(new)
    gid = np.cumsum(new) - 1
    size = np.bincount(tr, minlength=n_trials).astype(np.float64)
    size1 = np.bincount(tr, weights=a, minlength=n_trials)
    tstart = np.r_[0, np.cumsum(size)[:-1]].astype(np.int64)
    cum1 = np.r_[0.0, np.cumsum(a)]
    gtr = tr[gstart]
    n = size[gtr] - (gstart - tstart[gtr])
    n1 = size1[gtr] - (cum1[gstart] - cum1[tstart[gtr]])
    d = np.bincount(gid, weights=ev, minlength=gstart.size)
    d1 = np.bincount(gid, weights=ev & a, minlength=gstart.size)
    keep = d > 0
    return _RiskSets(gtr[keep], n[keep], n1[keep], d[keep], d1[keep])


def logrank_by_trial(trial: npt.NDArray[np.integer], time: FloatArray,
                     event: npt.NDArray[np.bool_], arm: npt.NDArray[np.bool_],
                     n_trials: int) -> LogRank:
    """Two-sample log-rank test in each trial.

    Parameters
    ----------
    trial
        Trial index of each patient (``0 .. n_trials - 1``).
    time
        Follow-up time (event or censoring).
    event
        Whether the time is an event.
    arm
        True for the treatment arm.
    n_trials
        Number of trials.

    Returns
    -------
    LogRank
    """
    return _logrank(_risk_sets(trial, time, event, arm, n_trials), n_trials)


def _logrank(rs: _RiskSets, n_trials: int) -> LogRank:
    p1 = rs.n1 / rs.n
    e1 = rs.d * p1
    var = rs.d * p1 * (1.0 - p1) * (rs.n - rs.d) / np.maximum(rs.n - 1.0, 1.0)
    obs = np.bincount(rs.trial, weights=rs.d1, minlength=n_trials)
    exp = np.bincount(rs.trial, weights=e1, minlength=n_trials)
    v = np.bincount(rs.trial, weights=var, minlength=n_trials)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(v > 0, (obs - exp) / np.sqrt(v), 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    events = np.bincount(rs.trial, weights=rs.d, minlength=n_trials)
    return LogRank(obs, exp, v, z, p, events)


def cox_by_trial(trial: npt.NDArray[np.integer], time: FloatArray,
                 event: npt.NDArray[np.bool_], arm: npt.NDArray[np.bool_], n_trials: int,
                 *, max_iter: int = 50, tol: float = 1e-9) -> CoxFits:
    """Cox model ``hazard ~ treatment`` in each trial (Efron ties, Newton-Raphson).

    With one binary covariate a tied event time with ``d`` events (``d1`` treated) among ``n``
    at risk (``n1`` treated) contributes ``d1 * beta - sum_l log(a_l + b_l * exp(beta))``,
    ``a_l = n0 - l d0 / d``, ``b_l = n1 - l d1 / d`` for ``l = 0 .. d - 1``; score and
    information are sums of closed forms over these terms, accumulated per trial.

    Returns
    -------
    CoxFits
        NaN for a trial where every event is in one arm (the estimate is infinite) or with no
        events.
    """
    return _cox(_risk_sets(trial, time, event, arm, n_trials), n_trials, max_iter, tol)


def _cox(rs: _RiskSets, n_trials: int, max_iter: int, tol: float) -> CoxFits:
    reps = rs.d.astype(np.int64)
    row = np.repeat(np.arange(rs.d.size), reps)
    first = np.r_[0, np.cumsum(reps)[:-1]]
    ell = np.arange(row.size) - first[row]
    frac = ell / rs.d[row]
    d1, d0 = rs.d1[row], rs.d[row] - rs.d1[row]
    a = (rs.n[row] - rs.n1[row]) - frac * d0
    b = rs.n1[row] - frac * d1
    tr = rs.trial[row]
    obs1 = np.bincount(rs.trial, weights=rs.d1, minlength=n_trials)
    total = np.bincount(rs.trial, weights=rs.d, minlength=n_trials)
    beta = np.zeros(n_trials)
    info = np.zeros(n_trials)
    converged = np.zeros(n_trials, dtype=bool)
    for _ in range(max_iter):
        w = np.exp(beta)[tr]
        den = a + b * w
        score = obs1 - np.bincount(tr, weights=b * w / den, minlength=n_trials)
        info = np.bincount(tr, weights=a * b * w / den**2, minlength=n_trials)
        with np.errstate(invalid="ignore", divide="ignore"):
            step = np.where(info > 0, score / info, 0.0)
        step = np.clip(step, -1.0, 1.0)
        beta = beta + np.where(converged, 0.0, step)
        converged |= np.abs(step) < tol
        if converged.all():
            break
    degenerate = (obs1 <= 0) | (obs1 >= total) | (info <= 0)
    with np.errstate(divide="ignore"):
        se = np.where(degenerate, np.nan, 1.0 / np.sqrt(np.where(info > 0, info, 1.0)))
    return CoxFits(np.where(degenerate, np.nan, beta), se, converged & ~degenerate)


def analyse_trials(trial: npt.NDArray[np.integer], time: FloatArray,
                   event: npt.NDArray[np.bool_], arm: npt.NDArray[np.bool_], n_trials: int,
                   *, cox: bool = True) -> tuple[LogRank, CoxFits | None]:
    """Log-rank test and (optionally) Cox fit per trial, sharing one sort of the data."""
    rs = _risk_sets(trial, time, event, arm, n_trials)
    return _logrank(rs, n_trials), (_cox(rs, n_trials, 50, 1e-9) if cox else None)
