import pytest

import msrwe.analysis
import msrwe.pipeline
import msrwe.study


def test_exported_names_are_exactly_the_intended_ones():
    assert sorted(msrwe.study.__all__) == sorted([
        "AnalysisSettings", "Cohort", "CohortCriteria", "ExposureSettings", "OutcomeSettings",
        "PriorTreatmentCriteria", "PrivacySettings", "ReportSettings", "SafetySettings", "Study",
        "StudyInfo", "build_cohort",
        "describe_methods", "load_study",
    ])
    for name in msrwe.study.__all__:
        assert getattr(msrwe.study, name) is not None


@pytest.mark.parametrize(("name", "where"), [
    ("analyze", msrwe.pipeline), ("AnalysisResult", msrwe.analysis),
    ("DATASET_NAMES", msrwe.analysis),
])
def test_moved_names_still_work_with_a_warning(name, where):
    with pytest.warns(DeprecationWarning, match=f"moved to {where.__name__}"):
        assert getattr(msrwe.study, name) is getattr(where, name)
