"""Derivations: chart tables in, analysis tables out (admiral style; inputs are never changed).

- :mod:`msrwe.derive.outcomes`: confirmed disability worsening and improvement, PIRA and RAW
  (msprog-compatible), threshold policies, composites and the SPMS conversion rule.
- :mod:`~msrwe.derive.baseline`, :mod:`~msrwe.derive.prior_treatments`,
  :mod:`~msrwe.derive.exposure`, :mod:`~msrwe.derive.adverse_events` and
  :mod:`~msrwe.derive.phenotype`: baselines, prior-treatment failure, exposure, ADAE-style
  adverse events and the data-driven phenotype.

Examples
--------
>>> from msrwe.derive.outcomes import detect_events
>>> callable(detect_events)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msrwe._lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from msrwe.derive.adverse_events import derive_adae
    from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment
    from msrwe.derive.exposure import derive_exposure, derive_exposure_alerts, derive_vars_dose
    from msrwe.derive.phenotype import derive_phenotype, describe_phenotype
    from msrwe.derive.prior_treatments import derive_prior_courses, derive_vars_prior_failure
    from msrwe.derive.relapses import filter_confirmed_relapses

#: Public name -> module that defines it; loaded on first attribute access, so importing one
#: module of ``msrwe.derive`` does not load all the others.
_LAZY: dict[str, str] = {
    "derive_adae": "msrwe.derive.adverse_events",
    "derive_exposure": "msrwe.derive.exposure",
    "derive_exposure_alerts": "msrwe.derive.exposure",
    "derive_phenotype": "msrwe.derive.phenotype",
    "derive_prior_courses": "msrwe.derive.prior_treatments",
    "derive_vars_baseline": "msrwe.derive.baseline",
    "derive_vars_dose": "msrwe.derive.exposure",
    "derive_vars_last_on_treatment": "msrwe.derive.baseline",
    "derive_vars_prior_failure": "msrwe.derive.prior_treatments",
    "describe_phenotype": "msrwe.derive.phenotype",
    "filter_confirmed_relapses": "msrwe.derive.relapses",
}

__all__ = [
    "derive_adae",
    "derive_exposure",
    "derive_exposure_alerts",
    "derive_phenotype",
    "derive_prior_courses",
    "derive_vars_baseline",
    "derive_vars_dose",
    "derive_vars_last_on_treatment",
    "derive_vars_prior_failure",
    "describe_phenotype",
    "filter_confirmed_relapses",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), submodules=True)
