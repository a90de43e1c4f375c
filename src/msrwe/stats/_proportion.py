"""Binomial proportions with the Clopper-Pearson exact interval (clinical-methods section 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from msrwe._lazy import lazy_module
from msrwe.errors import OptionError
from msrwe.stats._checks import check_count, check_level

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = ["ProportionCI", "clopper_pearson"]


@dataclass(frozen=True)
class ProportionCI:
    """A proportion ``k / n`` with its confidence interval, all as fractions (0-1).

    Attributes
    ----------
    k, n
        Patients with the event and patients at risk.
    estimate, low, high
        ``k / n`` and the interval bounds (NaN when ``n`` is 0).
    level
        The confidence level.
    method
        The name of the interval, for the ``method`` column of the results table.
    """

    k: int
    n: int
    estimate: float
    low: float
    high: float
    level: float
    method: str = "Clopper-Pearson exact"

    def as_percent(self) -> dict[str, float]:
        """The estimate and the bounds in percent: ``{"pct", "ci_low", "ci_high"}``."""
        return {"pct": 100 * self.estimate, "ci_low": 100 * self.low, "ci_high": 100 * self.high}


def clopper_pearson(k: int, n: int, level: float = 0.95) -> ProportionCI:
    """Proportion with the Clopper-Pearson exact (beta-quantile) interval.

    The bounds are ``Beta(a/2; k, n-k+1)`` and ``Beta(1-a/2; k+1, n-k)`` with ``a = 1 - level``;
    the lower bound is 0 when ``k = 0`` and the upper bound is 1 when ``k = n``
    (clinical-methods section 6: incidence proportion).

    Parameters
    ----------
    k
        Number with the event (a whole number, ``0 <= k <= n``).
    n
        Number at risk (a whole number >= 0). With ``n = 0`` every number is NaN.
    level
        Confidence level, strictly between 0 and 1.

    Returns
    -------
    ProportionCI
        Estimate and bounds as fractions; :meth:`ProportionCI.as_percent` gives percentages.

    Raises
    ------
    OptionError
        When ``k`` or ``n`` is not a whole number >= 0, ``k > n``, or ``level`` is out of range.

    Examples
    --------
    >>> ci = clopper_pearson(10, 83)
    >>> round(100 * ci.estimate, 2), round(100 * ci.low, 2), round(100 * ci.high, 2)
    (12.05, 5.93, 21.04)
    >>> clopper_pearson(0, 20).low
    0.0
    """
    func = "clopper_pearson"
    k = check_count(k, "k", func)
    n = check_count(n, "n", func)
    level = check_level(level, func)
    if k > n:
        raise OptionError(
            f"The 'k' parameter of {func} must not exceed 'n' ({n}). Got {k} instead."
        )
    if n == 0:
        nan = float("nan")
        return ProportionCI(k, n, nan, nan, nan, level)
    alpha = 1.0 - level
    low = 0.0 if k == 0 else float(stats.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return ProportionCI(k, n, k / n, low, high, level)
