"""Paired Wilcoxon signed-rank test with explicit zero handling (clinical-methods section 8).

EDSS differences are coarse (steps of 0.5) and often zero, so the test must say how it treated
zero differences and whether its p-value is exact. The exact p-value here is the exact
conditional (permutation) distribution of the signed-rank sum given the observed mid-ranks: every
sign pattern of the non-zero differences is equally likely under the null hypothesis. It is
computed by convolution, so it is exact with ties and zeros too (where tables of the classical
distribution are not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from msrwe._lazy import lazy_module
from msrwe.errors import InputError, OptionError
from msrwe.stats._checks import as_float_array, check_option

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = ["EXACT_MAX_N", "WilcoxonResult", "wilcoxon_paired"]

#: ``method="auto"`` uses the exact p-value up to this many non-zero differences.
EXACT_MAX_N = 50

#: ``method="exact"`` is refused above this many non-zero differences (it would take seconds to
#: minutes, and the normal approximation is accurate long before).
_EXACT_LIMIT = 1000

_ZERO_METHODS = frozenset({"wilcox", "pratt", "zsplit"})
_METHODS = frozenset({"auto", "exact", "approx"})


@dataclass(frozen=True)
class WilcoxonResult:
    """The outcome of :func:`wilcoxon_paired`.

    Attributes
    ----------
    statistic
        ``min(R+, R-)``, the smaller of the signed-rank sums (as ``scipy.stats.wilcoxon``).
    p_value
        Two-sided p-value (NaN when there is no pair).
    exact
        Whether ``p_value`` is exact (conditional on the observed ranks) or from the normal
        approximation.
    zero_method
        How zero differences were treated: ``wilcox`` drops them, ``pratt`` ranks them and then
        drops their ranks, ``zsplit`` splits their ranks between the two sums.
    n
        Pairs analysed (both values present).
    n_zero, n_positive, n_negative
        Pairs whose difference (follow-up minus baseline) is zero, positive, negative.
    r_plus, r_minus
        Sums of the ranks of the positive and of the negative differences.
    z
        The normal deviate when the p-value is approximate, else ``None``.
    n_missing
        Pairs dropped because a value was missing.
    correction
        Whether a continuity correction was applied to the normal approximation.
    """

    statistic: float
    p_value: float
    exact: bool
    zero_method: str
    n: int
    n_zero: int
    n_positive: int
    n_negative: int
    r_plus: float
    r_minus: float
    z: float | None
    n_missing: int
    correction: bool = False

    @property
    def method(self) -> str:
        """A description for the ``method`` column of the results table."""
        kind = "exact p" if self.exact else "normal approximation"
        if not self.exact and self.correction:
            kind += " with continuity correction"
        return f"Wilcoxon signed-rank, zero_method={self.zero_method}, {kind}"


def _signed_rank_sum_pmf(doubled_ranks: np.ndarray) -> np.ndarray:
    """Null distribution of the sum of doubled ranks over a random subset (each in w.p. 1/2)."""
    total = int(doubled_ranks.sum())
    pmf = np.zeros(total + 1)
    pmf[0] = 1.0
    top = 0
    for r in doubled_ranks.astype(int):
        nxt = pmf.copy() * 0.5
        nxt[r : top + r + 1] += 0.5 * pmf[: top + 1]
        pmf = nxt
        top += r
    return pmf


def wilcoxon_paired(
    baseline: Any,
    followup: Any,
    *,
    zero_method: str = "wilcox",
    method: str = "auto",
    correction: bool = False,
) -> WilcoxonResult:
    """Paired Wilcoxon signed-rank test of ``followup - baseline`` (two-sided).

    Parameters
    ----------
    baseline, followup
        Paired values (e.g. baseline and last on-treatment EDSS), same length. Pairs with a
        missing value on either side are dropped and counted in ``n_missing``.
    zero_method
        ``"wilcox"`` (drop zero differences), ``"pratt"`` (rank them, then drop their ranks) or
        ``"zsplit"`` (split their ranks between the positive and negative sums).
    method
        ``"exact"``: exact conditional p-value (exact with ties and zeros too);
        ``"approx"``: normal approximation with the variance of the observed ranks (which
        corrects for ties and zeros; for ``zsplit`` the zero ranks count in the variance, as in
        ``scipy.stats.wilcoxon``); ``"auto"``: exact up to :data:`EXACT_MAX_N` non-zero
        differences, else approximate.
    correction
        Continuity correction of 0.5 for the normal approximation.

    Returns
    -------
    WilcoxonResult
        Statistic, p-value, whether p is exact, zero handling and counts.

    Raises
    ------
    OptionError
        When ``zero_method`` or ``method`` is not one of the allowed values, or
        ``method="exact"`` is asked for more than 1000 non-zero differences.
    InputError
        When the two arrays differ in length or hold something other than numbers.

    Examples
    --------
    The check of clinical-methods section 8:

    >>> b = [6.0, 6.5, 6.0, 7.0, 6.5, 5.5, 6.0, 6.5]
    >>> f = [6.0, 6.5, 6.5, 7.0, 6.0, 6.0, 6.5, 6.5]
    >>> r = wilcoxon_paired(b, f)
    >>> r.statistic, r.p_value, r.exact, r.n_zero
    (2.5, 0.625, True, 4)
    >>> r = wilcoxon_paired(b, f, zero_method="pratt")
    >>> r.statistic, r.p_value
    (6.5, 0.625)
    >>> r.method
    'Wilcoxon signed-rank, zero_method=pratt, exact p'
    """
    func = "wilcoxon_paired"
    check_option(zero_method, "zero_method", func, _ZERO_METHODS)
    check_option(method, "method", func, _METHODS)
    x = as_float_array(baseline, "baseline", func)
    y = as_float_array(followup, "followup", func)
    if len(x) != len(y):
        raise InputError(
            f"{func}: 'baseline' and 'followup' must be paired (same length); "
            f"got {len(x)} and {len(y)} values."
        )
    keep = np.isfinite(x) & np.isfinite(y)
    n_missing = int(np.sum(~keep))
    # Round away floating-point noise so that equal clinical differences tie exactly.
    d = np.round(y[keep] - x[keep], 9)
    n = len(d)
    n_zero = int(np.sum(d == 0))
    n_pos, n_neg = int(np.sum(d > 0)), int(np.sum(d < 0))
    if n == 0:
        nan = float("nan")
        return WilcoxonResult(
            nan,
            nan,
            method != "approx",
            zero_method,
            0,
            0,
            0,
            0,
            nan,
            nan,
            None,
            n_missing,
            correction,
        )
    ranked = d if zero_method != "wilcox" else d[d != 0]
    ranks = stats.rankdata(np.abs(ranked)) if len(ranked) else np.array([])
    signs = np.sign(ranked)
    r_plus = float(ranks[signs > 0].sum())
    r_minus = float(ranks[signs < 0].sum())
    zero_half = float(ranks[signs == 0].sum()) / 2 if zero_method == "zsplit" else 0.0
    r_plus += zero_half
    r_minus += zero_half
    statistic = min(r_plus, r_minus)
    free = ranks[signs != 0]  # the ranks whose sign is random under the null hypothesis
    exact = method == "exact" or (method == "auto" and len(free) <= EXACT_MAX_N)
    if exact and len(free) > _EXACT_LIMIT:
        raise OptionError(
            f"The exact p-value of wilcoxon_paired is computed for up to {_EXACT_LIMIT} non-zero "
            f"differences; there are {len(free)}. Use method='approx' (or 'auto'): the normal "
            "approximation is accurate at this size."
        )
    z: float | None = None
    if len(free) == 0:
        p = 1.0
    elif exact:
        doubled = np.round(2 * free).astype(int)
        pmf = _signed_rank_sum_pmf(doubled)
        t = round(2 * (r_plus - zero_half))
        cdf_low = pmf[: t + 1].sum()
        cdf_high = pmf[t:].sum()
        p = float(min(1.0, 2 * min(cdf_low, cdf_high)))
    else:
        mean = zero_half + free.sum() / 2
        # zsplit conventionally uses the variance of all ranks, zeros included (as scipy).
        var_ranks = ranks if zero_method == "zsplit" else free
        sd = float(np.sqrt(np.sum(var_ranks**2) / 4))
        dev = r_plus - mean
        if correction and dev != 0:
            dev -= 0.5 * np.sign(dev)
        z = float(dev / sd)
        p = float(min(1.0, 2 * stats.norm.sf(abs(z))))
    return WilcoxonResult(
        statistic,
        p,
        exact,
        zero_method,
        n,
        n_zero,
        n_pos,
        n_neg,
        r_plus,
        r_minus,
        z,
        n_missing,
        correction,
    )
