"""Studies: the study file, the cohort, and the declared analyses that fill the results table.

``analyze(store, study)`` builds the cohort, resolves what is in force, runs every analysis of
:data:`ANALYSES` the study turns on and returns one typed :class:`AnalysisResult`. An analysis
is a subclass of :class:`Analysis` (see ``docs/architecture.md``).

>>> from msrwe.study import Study
>>> Study.from_dict({"cohort": {"drug": "methotrexate"}}).cohort.min_administrations
1
"""

from msrwe.study.analysis import Analysis, Column, Context, KeyFact, Output, Stat, SummarySpec
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
from msrwe.study.registry import ANALYSES
from msrwe.study.result import DATASET_NAMES, AnalysisResult, InForce, Provenance
from msrwe.study.run import analyze
from msrwe.study.summary import Summary

__all__ = [
    "ANALYSES",
    "DATASET_NAMES",
    "Analysis",
    "AnalysisResult",
    "AnalysisSettings",
    "Cohort",
    "CohortCriteria",
    "Column",
    "Context",
    "ExposureSettings",
    "InForce",
    "KeyFact",
    "OutcomeSettings",
    "Output",
    "PriorTreatmentCriteria",
    "Provenance",
    "SafetySettings",
    "Stat",
    "Study",
    "StudyInfo",
    "Summary",
    "SummarySpec",
    "analyze",
    "build_cohort",
    "describe_methods",
    "load_study",
]
