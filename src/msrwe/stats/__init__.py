"""Statistics on plain arrays and frames: proportions, rates, tests, mixed models, survival.

Every function validates its parameters (an :class:`~msrwe.errors.OptionError` or
:class:`~msrwe.errors.InputError` with a clear message), returns a small frozen result object
carrying a ``method`` text for the results table, and is checked in ``tests/stats`` against
scipy, statsmodels and lifelines (golden numbers in ``tests/results/stats``).

==============================  ===========================================================
:func:`clopper_pearson`         proportion with the Clopper-Pearson exact interval
:func:`poisson_rate_ci`         rate per person-time with the exact (chi-square) interval
:func:`incidence_summary`       patients with an event, EAIR and event rate in one call
:func:`wilcoxon_paired`         paired signed-rank test; zero handling and exactness stated
:func:`mixed_slope`             annual slope, linear mixed model (exact REML; = statsmodels)
:func:`kaplan_meier`            survival and numbers at risk at chosen times (lifelines),
                                optionally weighted
:func:`cox_hr`                  hazard ratios, weighted, cluster-robust SE, Schoenfeld PH test
:func:`negbin_rate_ratio`       negative binomial rate ratio, log person-time offset, robust SE
:func:`e_value`                 E-value of a ratio and its CI (VanderWeele and Ding)
:func:`rmst`                    restricted mean survival time and its SE
:func:`rmst_difference`         RMST difference between two groups with a normal interval
:func:`summarize`               n, mean, SD, median, quartiles, range of a numeric column
==============================  ===========================================================

Examples
--------
>>> from msrwe.stats import clopper_pearson, poisson_rate_ci
>>> round(100 * clopper_pearson(44, 83).high, 2)
64.07
>>> round(poisson_rate_ci(3, 498).high, 3)
1.76
"""

from msrwe.stats._cox import CoxResult, cox_hr
from msrwe.stats._describe import summarize
from msrwe.stats._evalue import e_value
from msrwe.stats._incidence import IncidenceSummary, incidence_summary
from msrwe.stats._mixed import SlopeResult, mixed_slope
from msrwe.stats._negbin import RateRatioResult, negbin_rate_ratio
from msrwe.stats._poisson import RateCI, poisson_rate_ci
from msrwe.stats._proportion import ProportionCI, clopper_pearson
from msrwe.stats._rmst import rmst, rmst_difference
from msrwe.stats._survival import (
    DEFAULT_MIN_AT_RISK,
    KaplanMeierResult,
    kaplan_meier,
    km_median,
)
from msrwe.stats._wilcoxon import EXACT_MAX_N, WilcoxonResult, wilcoxon_paired

__all__ = [
    "DEFAULT_MIN_AT_RISK",
    "EXACT_MAX_N",
    "CoxResult",
    "IncidenceSummary",
    "KaplanMeierResult",
    "ProportionCI",
    "RateCI",
    "RateRatioResult",
    "SlopeResult",
    "WilcoxonResult",
    "clopper_pearson",
    "cox_hr",
    "e_value",
    "incidence_summary",
    "kaplan_meier",
    "km_median",
    "mixed_slope",
    "negbin_rate_ratio",
    "poisson_rate_ci",
    "rmst",
    "rmst_difference",
    "summarize",
    "wilcoxon_paired",
]


def __getattr__(name: str) -> object:
    if name == "describe":
        import warnings

        warnings.warn("msrwe.stats.describe is now msrwe.stats.summarize ('describe' in msrwe "
                      "means the definitions in force, in words)", DeprecationWarning,
                      stacklevel=2)
        return summarize
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
