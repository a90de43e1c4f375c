"""Disability outcomes: confirmed worsening and improvement, PIRA and RAW (msprog-compatible).

Examples
--------
>>> from msrwe.derive.outcomes import detect_events, get_policy
>>> print(get_policy("trial"))
trial: +1.0 from a reference up to 5.5, +0.5 above 5.5
"""

from msrwe.derive.outcomes.api import OutcomeResult, detect_events
from msrwe.derive.outcomes.composite import (
    EDSS_PLUS,
    Component,
    CompositeDefinition,
    CompositeResult,
    detect_composite,
)
from msrwe.derive.outcomes.msoutcomes import MSOutcomesResult, detect_msoutcomes_events
from msrwe.derive.outcomes.msoutcomes_spms import MSOutcomesSpms
from msrwe.derive.outcomes.nhpt import NhptResult, detect_nhpt_events
from msrwe.derive.outcomes.options import OutcomeOptions, RelapseIndep, make_options
from msrwe.derive.outcomes.spms import (
    LORSCHEIDER_2016,
    SpmsDefinition,
    derive_spms_conversion,
    evaluate_spms_rule,
)
from msrwe.derive.outcomes.thresholds import POLICIES, ThresholdPolicy, get_policy

__all__ = [
    "EDSS_PLUS",
    "LORSCHEIDER_2016",
    "POLICIES",
    "Component",
    "CompositeDefinition",
    "CompositeResult",
    "MSOutcomesResult",
    "MSOutcomesSpms",
    "NhptResult",
    "OutcomeOptions",
    "OutcomeResult",
    "RelapseIndep",
    "SpmsDefinition",
    "ThresholdPolicy",
    "derive_spms_conversion",
    "detect_composite",
    "detect_events",
    "detect_msoutcomes_events",
    "detect_nhpt_events",
    "evaluate_spms_rule",
    "get_policy",
    "make_options",
]
