"""Comparative effectiveness: two or more treatments compared from the same charts.

The study file's ``[compare]`` section (:class:`CompareDesign`, docs/compare.md) states the
emulated target trial; :func:`build_compare_cohort` finds each arm's new users, their
covariates at index and their follow-up; :func:`run_comparison` adjusts for confounding and
writes the ``compare_*`` rows of the results table (comparative-effectiveness.md 2.1 and 2.4).
Names are loaded on first use, so the study file parser can import the design alone.

The statistics of the comparison live in their own modules, imported by their full path:
:mod:`msrwe.compare.propensity` (propensity model, preference score, equipoise),
:mod:`msrwe.compare.matching` (MatchIt-style nearest-neighbour matching),
:mod:`msrwe.compare.weighting` (IPTW, ATT and overlap weights, truncation, ESS) and
:mod:`msrwe.compare.balance` (SMDs and variance ratios as cobalt defines them, Love plot,
propensity-score overlap plot).

Examples
--------
>>> from msrwe.compare import CompareDesign
>>> CompareDesign(arms=("methotrexate", "cladribine")).reference
'methotrexate'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msrwe._lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from msrwe.compare.cohort import CompareCohort, build_compare_cohort, covariate_matrix
    from msrwe.compare.design import (
        COVARIATES,
        DEFAULT_COVARIATES,
        OPTIONAL_COVARIATES,
        OUTCOMES,
        CompareDesign,
    )

_LAZY: dict[str, str] = {
    "COVARIATES": "msrwe.compare.design",
    "DEFAULT_COVARIATES": "msrwe.compare.design",
    "OPTIONAL_COVARIATES": "msrwe.compare.design",
    "OUTCOMES": "msrwe.compare.design",
    "CompareDesign": "msrwe.compare.design",
    "CompareCohort": "msrwe.compare.cohort",
    "build_compare_cohort": "msrwe.compare.cohort",
    "covariate_matrix": "msrwe.compare.cohort",
}

__all__ = [
    "COVARIATES",
    "DEFAULT_COVARIATES",
    "OPTIONAL_COVARIATES",
    "OUTCOMES",
    "CompareCohort",
    "CompareDesign",
    "build_compare_cohort",
    "covariate_matrix",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
