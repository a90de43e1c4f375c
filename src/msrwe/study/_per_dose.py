"""Events per administration with patients as clusters: the interval of a ratio of sums.

Doses cluster within patients, so the interval of ``sum(events) / sum(doses)`` treats patients
as clusters (clinical-methods 6): a patient-level bootstrap (percentile interval) for groups of
up to :data:`BOOTSTRAP_MAX_PATIENTS` patients, above that the cluster-robust (sandwich) Wald
interval of the ratio. Without an event the interval is not estimable (every resample, and the
sandwich variance, give the degenerate ``0.000 (0.000-0.000)``): it is missing and the method
says ``not estimable: no events`` (issue 9 item 11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from msrwe._lazy import lazy_module

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = [
    "BOOTSTRAP_MAX_PATIENTS",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "ratio_interval",
    "resample_weights",
]

#: Start of the method of a rate without an event: its interval is not estimable.
NO_EVENTS = "not estimable: no events; "
#: Patient-level bootstrap of events per administration (clustered within patients).
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261122
#: Above this many patients in a group the sandwich (cluster-robust) interval is used instead.
BOOTSTRAP_MAX_PATIENTS = 1000


def resample_weights(n: int, rng: np.random.Generator) -> np.ndarray | None:
    """Patient-level bootstrap weights (how often each patient is drawn), or ``None``.

    ``None`` (use the sandwich interval instead) when there are too few patients to resample or
    so many that the resampling would be slow; see :data:`BOOTSTRAP_MAX_PATIENTS`.
    """
    if n < 2 or n > BOOTSTRAP_MAX_PATIENTS:
        return None
    return rng.multinomial(n, np.full(n, 1.0 / n), size=BOOTSTRAP_RESAMPLES).astype(float)


def ratio_interval(
    events: np.ndarray, doses: np.ndarray, level: float, weights: np.ndarray | None
) -> tuple[float | None, float | None, str]:
    """Interval of ``sum(events) / sum(doses)`` with patients as clusters, and its method.

    Examples
    --------
    >>> lo, hi, how = ratio_interval(np.zeros(3), np.array([5.0, 6.0, 7.0]), 0.95, None)
    >>> lo, hi, how.split("; ")[:2]
    (None, None, ['not estimable: no events', 'events / administrations'])
    """
    n = len(events)
    total = doses.sum()
    if n < 2 or total == 0:
        return None, None, "events / administrations"
    lvl = f"{100 * level:g}%"
    how = (
        f"events / administrations; patient-level bootstrap percentile {lvl} interval "
        f"({BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED})" if weights is not None
        else f"events / administrations; cluster-robust (sandwich) Wald {lvl} interval, "
        "patients as clusters"
    )
    if events.sum() == 0:
        return None, None, NO_EVENTS + how
    if weights is not None:
        num = weights @ events
        den = weights @ doses
        ok = den > 0
        a = (1 - level) / 2
        lo, hi = np.quantile(num[ok] / den[ok], [a, 1 - a])
        return float(lo), float(hi), how
    ratio = events.sum() / total
    resid = events - ratio * doses
    se = float(np.sqrt(n / (n - 1) * np.sum(resid**2)) / total)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return max(0.0, ratio - z * se), ratio + z * se, how
