"""Events per administration with patients as clusters: the interval of a ratio of sums.

Doses cluster within patients, so the interval of ``sum(events) / sum(doses)`` treats patients
as clusters (clinical-methods 6): a patient-level bootstrap (percentile interval) for groups of
up to :data:`BOOTSTRAP_MAX_PATIENTS` patients, above that the cluster-robust (sandwich) Wald
interval of the ratio.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = [
    "BOOTSTRAP_MAX_PATIENTS",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "ratio_interval",
    "resample_weights",
]

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
    """Interval of ``sum(events) / sum(doses)`` with patients as clusters, and its method."""
    n = len(events)
    total = doses.sum()
    lvl = f"{100 * level:g}%"
    if n < 2 or total == 0:
        return None, None, "events / administrations"
    if weights is not None:
        num = weights @ events
        den = weights @ doses
        ok = den > 0
        a = (1 - level) / 2
        lo, hi = np.quantile(num[ok] / den[ok], [a, 1 - a])
        return (
            float(lo),
            float(hi),
            (
                f"events / administrations; patient-level bootstrap percentile {lvl} interval "
                f"({BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED})"
            ),
        )
    ratio = events.sum() / total
    resid = events - ratio * doses
    se = float(np.sqrt(n / (n - 1) * np.sum(resid**2)) / total)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return (
        max(0.0, ratio - z * se),
        ratio + z * se,
        (
            f"events / administrations; cluster-robust (sandwich) Wald {lvl} interval, "
            "patients as clusters"
        ),
    )
