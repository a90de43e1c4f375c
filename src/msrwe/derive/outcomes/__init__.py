"""Disability outcomes: confirmed worsening and improvement, PIRA and RAW (msprog-compatible).

Examples
--------
>>> from msrwe.derive.outcomes import detect_events, get_policy
>>> print(get_policy("trial"))
trial: +1.0 from a reference up to 5.5, +0.5 above 5.5
"""

from msrwe.derive.outcomes.api import OutcomeResult, detect_events
from msrwe.derive.outcomes.options import OutcomeOptions, RelapseIndep, make_options
from msrwe.derive.outcomes.thresholds import POLICIES, ThresholdPolicy, get_policy

__all__ = [
    "POLICIES",
    "OutcomeOptions",
    "OutcomeResult",
    "RelapseIndep",
    "ThresholdPolicy",
    "detect_events",
    "get_policy",
    "make_options",
]
