"""Studies: the study file, the cohort, and the built-in analyses (exposure, safety, efficacy).

The analyses are declared (:class:`msrwe.analysis.Analysis`) and run by
:func:`msrwe.pipeline.analyze`; ``msrwe.study.analyze``, ``AnalysisResult`` and
``DATASET_NAMES`` still work from here, with a deprecation warning naming their new place.

>>> from msrwe.study import Study
>>> Study.from_dict({"cohort": {"drug": "methotrexate"}}).cohort.min_administrations
1
"""

import warnings
from importlib import import_module
from typing import Any

from msrwe.study.cohort import Cohort, build_cohort
from msrwe.study.config import (
    AnalysisSettings,
    CohortCriteria,
    ExposureSettings,
    OutcomeSettings,
    PriorTreatmentCriteria,
    PrivacySettings,
    ReportSettings,
    SafetySettings,
    Study,
    StudyInfo,
    load_study,
)
from msrwe.study.methods import describe_methods

__all__ = [
    "AnalysisSettings",
    "Cohort",
    "CohortCriteria",
    "ExposureSettings",
    "OutcomeSettings",
    "PriorTreatmentCriteria",
    "PrivacySettings",
    "ReportSettings",
    "SafetySettings",
    "Study",
    "StudyInfo",
    "build_cohort",
    "describe_methods",
    "load_study",
]

#: Names that moved: name -> the package that now has it.
_MOVED = {
    "analyze": "msrwe.pipeline",
    "AnalysisResult": "msrwe.analysis",
    "DATASET_NAMES": "msrwe.analysis",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        where = _MOVED[name]
        warnings.warn(f"msrwe.study.{name} moved to {where}.{name}", DeprecationWarning,
                      stacklevel=2)
        # a string import, as msrwe's lazy names: study never depends on the pipeline above it
        return getattr(import_module(where), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
