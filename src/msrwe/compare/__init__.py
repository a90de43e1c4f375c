"""Comparative effectiveness (issue 10).

The statistics of the comparison live in their own modules, imported by their full path:
:mod:`msrwe.compare.propensity` (propensity model, preference score, equipoise),
:mod:`msrwe.compare.matching` (MatchIt-style nearest-neighbour matching),
:mod:`msrwe.compare.weighting` (IPTW, ATT and overlap weights, truncation, ESS) and
:mod:`msrwe.compare.balance` (SMDs and variance ratios as cobalt defines them, Love plot,
propensity-score overlap plot).
"""

__all__: list[str] = []
