"""Disability outcomes: confirmed worsening and improvement, PIRA and RAW (msprog-compatible).

Examples
--------
>>> from msrwe.derive.outcomes import detect_events, get_policy
>>> print(get_policy("trial"))
trial: +1.0 from a reference up to 5.5, +0.5 above 5.5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msrwe._lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
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

#: Public name -> module that defines it; loaded on first attribute access, so importing one
#: module of ``msrwe.derive.outcomes`` does not load all the others.
_LAZY: dict[str, str] = {
    "Component": "msrwe.derive.outcomes.composite",
    "CompositeDefinition": "msrwe.derive.outcomes.composite",
    "CompositeResult": "msrwe.derive.outcomes.composite",
    "EDSS_PLUS": "msrwe.derive.outcomes.composite",
    "LORSCHEIDER_2016": "msrwe.derive.outcomes.spms",
    "MSOutcomesResult": "msrwe.derive.outcomes.msoutcomes",
    "MSOutcomesSpms": "msrwe.derive.outcomes.msoutcomes_spms",
    "NhptResult": "msrwe.derive.outcomes.nhpt",
    "OutcomeOptions": "msrwe.derive.outcomes.options",
    "OutcomeResult": "msrwe.derive.outcomes.api",
    "POLICIES": "msrwe.derive.outcomes.thresholds",
    "RelapseIndep": "msrwe.derive.outcomes.options",
    "SpmsDefinition": "msrwe.derive.outcomes.spms",
    "ThresholdPolicy": "msrwe.derive.outcomes.thresholds",
    "derive_spms_conversion": "msrwe.derive.outcomes.spms",
    "detect_composite": "msrwe.derive.outcomes.composite",
    "detect_events": "msrwe.derive.outcomes.api",
    "detect_msoutcomes_events": "msrwe.derive.outcomes.msoutcomes",
    "detect_nhpt_events": "msrwe.derive.outcomes.nhpt",
    "evaluate_spms_rule": "msrwe.derive.outcomes.spms",
    "get_policy": "msrwe.derive.outcomes.thresholds",
    "make_options": "msrwe.derive.outcomes.options",
}

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), submodules=True)
