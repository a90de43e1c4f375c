"""Derivations: chart tables in, analysis tables out (admiral style; inputs are never changed).

- :mod:`msrwe.derive.outcomes`: confirmed disability worsening and improvement, PIRA and RAW
  (msprog-compatible), threshold policies, composites and the SPMS conversion rule.
- The other modules of this package derive baselines, prior treatments and exposures.

Examples
--------
>>> from msrwe.derive.outcomes import detect_events
>>> callable(detect_events)
True
"""

__all__: list[str] = []
