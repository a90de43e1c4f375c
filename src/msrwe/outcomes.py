"""Deprecated: ``msrwe.outcomes`` was an alias of :mod:`msrwe.derive.outcomes`; import from there.

Every name still resolves, with a :class:`DeprecationWarning`; the module will be removed.

Examples
--------
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from msrwe.outcomes import detect_events
>>> detect_events.__module__, caught[0].category.__name__
('msrwe.derive.outcomes.api', 'DeprecationWarning')
"""

from __future__ import annotations

import warnings
from typing import Any

__all__: list[str] = []  # nothing new is exported from here; see msrwe.derive.outcomes


def __getattr__(name: str) -> Any:
    import msrwe.derive.outcomes as target

    if name.startswith("__") or not hasattr(target, name):
        raise AttributeError(f"module 'msrwe.outcomes' has no attribute {name!r}")
    warnings.warn(
        f"msrwe.outcomes is deprecated; import {name} from msrwe.derive.outcomes instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(target, name)
