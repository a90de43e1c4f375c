"""Disability outcomes: ``msrwe.outcomes`` is an alias of :mod:`msrwe.derive.outcomes`.

Examples
--------
>>> from msrwe.outcomes import detect_events
>>> detect_events.__module__.startswith("msrwe.derive.outcomes")
True
"""

from msrwe.derive.outcomes import *  # noqa: F403
from msrwe.derive.outcomes import __all__ as _outcomes_all

__all__ = list(_outcomes_all)
