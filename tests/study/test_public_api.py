import msrwe.study


def test_exported_names_are_exactly_the_intended_ones():
    assert sorted(msrwe.study.__all__) == sorted([
        "DATASET_NAMES", "AnalysisResult", "AnalysisSettings", "Cohort", "CohortCriteria",
        "ExposureSettings", "OutcomeSettings", "PriorTreatmentCriteria", "SafetySettings",
        "Study", "StudyInfo", "analyze", "build_cohort", "describe_methods", "load_study",
        "ANALYSES", "Analysis", "Column", "Context", "InForce", "KeyFact", "Output",
        "Provenance", "Stat", "Summary", "SummarySpec",
    ])
    for name in msrwe.study.__all__:
        assert getattr(msrwe.study, name) is not None
