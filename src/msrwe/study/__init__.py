"""Studies: the study file, the cohort, and the analyses that fill the results table.

>>> from msrwe.study import Study
>>> Study.from_dict({"cohort": {"drug": "methotrexate"}}).cohort.min_administrations
1
"""

from msrwe.study.cohort import Cohort, build_cohort
from msrwe.study.config import (
    AnalysisSettings,
    CohortCriteria,
    ExposureSettings,
    OutcomeSettings,
    PriorTreatmentCriteria,
    SafetySettings,
    Study,
    StudyInfo,
    load_study,
)
from msrwe.study.methods import describe_methods
from msrwe.study.result import DATASET_NAMES, AnalysisResult
from msrwe.study.run import analyze

__all__ = [
    "DATASET_NAMES",
    "AnalysisResult",
    "AnalysisSettings",
    "Cohort",
    "CohortCriteria",
    "ExposureSettings",
    "OutcomeSettings",
    "PriorTreatmentCriteria",
    "SafetySettings",
    "Study",
    "StudyInfo",
    "analyze",
    "build_cohort",
    "describe_methods",
    "load_study",
]
