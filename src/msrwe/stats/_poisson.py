"""Event rates per person-time with the exact Poisson interval (clinical-methods section 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from msrwe._lazy import lazy_module
from msrwe.stats._checks import check_count, check_level, check_nonneg

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = ["RateCI", "poisson_rate_ci"]


@dataclass(frozen=True)
class RateCI:
    """An event rate per ``per`` units of person-time with its interval.

    Attributes
    ----------
    events
        The number of events (or of patients with a first event, for an EAIR).
    person_time
        The summed time at risk, in the unit of the input (years for patient-years).
    rate, low, high
        ``events / person_time * per`` and its bounds, on the same scale (NaN when the time is 0).
    level, per
        Confidence level and the scale (100 for "per 100 patient-years").
    method
        The name of the interval, for the ``method`` column of the results table.
    """

    events: int
    person_time: float
    rate: float
    low: float
    high: float
    level: float
    per: float
    method: str = "exact Poisson (chi-square)"


def poisson_rate_ci(
    events: int, person_time: float, level: float = 0.95, per: float = 100
) -> RateCI:
    """Event rate with the exact (chi-square) Poisson confidence interval.

    ``L = chi2(a/2; 2k) / (2T)`` and ``U = chi2(1-a/2; 2k+2) / (2T)`` with ``a = 1 - level``,
    ``k`` events and ``T`` person-time, both scaled by ``per``; the lower bound is 0 when
    ``k = 0`` (clinical-methods section 6, as in ``fmsb::IRCIPois``).

    Parameters
    ----------
    events
        Number of events, a whole number >= 0.
    person_time
        Total time at risk (e.g. patient-years), >= 0. With 0 every number is NaN.
    level
        Confidence level, strictly between 0 and 1.
    per
        Scale of the rate: 100 gives events per 100 patient-years.

    Returns
    -------
    RateCI
        The rate and its bounds per ``per`` units of time.

    Raises
    ------
    OptionError
        When an argument is out of range.

    Examples
    --------
    >>> r = poisson_rate_ci(10, 250)
    >>> round(r.rate, 2), round(r.low, 3), round(r.high, 3)
    (4.0, 1.918, 7.356)
    >>> round(poisson_rate_ci(0, 100).high, 3)
    3.689
    """
    func = "poisson_rate_ci"
    k = check_count(events, "events", func)
    t = check_nonneg(person_time, "person_time", func)
    level = check_level(level, func)
    per = check_nonneg(per, "per", func, strict=True)
    if t == 0:
        nan = float("nan")
        return RateCI(k, t, nan, nan, nan, level, per)
    alpha = 1.0 - level
    low = 0.0 if k == 0 else float(stats.chi2.ppf(alpha / 2, 2 * k)) / (2 * t)
    high = float(stats.chi2.ppf(1 - alpha / 2, 2 * k + 2)) / (2 * t)
    return RateCI(k, t, k / t * per, low * per, high * per, level, per)
