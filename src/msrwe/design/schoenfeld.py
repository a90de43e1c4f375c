"""Schoenfeld's formula: events (and patients) needed for a log-rank test, and its power.

For a two-sided level ``alpha``, power ``1 - beta``, hazard ratio ``HR`` and a share ``p`` of
patients on treatment, the log-rank test needs ``D = (z_{1-alpha/2} + z_{1-beta})^2 /
(p (1 - p) log(HR)^2)`` events (Schoenfeld, Biometrika 1981); the patients follow from the
probability of an event during follow-up. With 1:1 allocation, HR 0.70 and 90% power this gives
330 events; with 2:1, 372 (trial-design.md 3.2).

Examples
--------
>>> round(schoenfeld_events(0.7, power=0.9))
330
>>> round(schoenfeld_events(0.7, power=0.9, treated_share=2 / 3))
372
>>> round(schoenfeld_power(330.4, 0.7), 3)
0.9
"""

from __future__ import annotations

import math

from scipy import stats

from msrwe.errors import OptionError

__all__ = ["schoenfeld_events", "schoenfeld_n", "schoenfeld_power"]


def _check(hr: float, alpha: float, share: float) -> None:
    if not (hr > 0 and hr != 1.0 and math.isfinite(hr)):
        raise OptionError(f"The 'hazard_ratio' of Schoenfeld's formula must be > 0 and not 1. "
                          f"Got {hr!r} instead.")
    if not 0 < alpha < 1:
        raise OptionError(f"The 'alpha' of Schoenfeld's formula must be in (0, 1). Got {alpha!r}.")
    if not 0 < share < 1:
        raise OptionError(f"The 'treated_share' must be in (0, 1). Got {share!r} instead.")


def schoenfeld_events(hazard_ratio: float, *, alpha: float = 0.05, power: float = 0.8,
                      treated_share: float = 0.5) -> float:
    """Events needed for a two-sided log-rank test (not rounded)."""
    _check(hazard_ratio, alpha, treated_share)
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z**2 / (treated_share * (1 - treated_share) * math.log(hazard_ratio) ** 2))


def schoenfeld_power(events: float, hazard_ratio: float, *, alpha: float = 0.05,
                     treated_share: float = 0.5) -> float:
    """Power of the two-sided log-rank test with ``events`` events."""
    _check(hazard_ratio, alpha, treated_share)
    drift = math.sqrt(max(events, 0.0) * treated_share * (1 - treated_share)) \
        * abs(math.log(hazard_ratio))
    return float(stats.norm.cdf(drift - stats.norm.ppf(1 - alpha / 2)))


def schoenfeld_n(hazard_ratio: float, placebo_rate: float, *, alpha: float = 0.05,
                 power: float = 0.8, treated_share: float = 0.5,
                 active_rate: float | None = None) -> float:
    """Total patients: events needed divided by the probability of an event.

    ``active_rate`` defaults to the rate under proportional hazards,
    ``1 - (1 - placebo_rate) ** hazard_ratio``.

    Examples
    --------
    >>> round(schoenfeld_n(0.7, 0.3, power=0.9))
    1268
    """
    if not 0 < placebo_rate < 1:
        raise OptionError(f"The 'placebo_rate' must be in (0, 1). Got {placebo_rate!r}.")
    if active_rate is None:
        active_rate = 1 - (1 - placebo_rate) ** hazard_ratio
    p_event = treated_share * active_rate + (1 - treated_share) * placebo_rate
    return schoenfeld_events(hazard_ratio, alpha=alpha, power=power,
                             treated_share=treated_share) / p_event
