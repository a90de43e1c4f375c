"""The public surface of the top-level package is exactly the intended one (httpx style)."""

import msrwe

EXPECTED = {
    "CONTRACT", "EDSS_PLUS", "AnalysisResult", "DefinitionError", "ImportRefused",
    "ImportSummary", "InputError", "MappingError", "MsrweError", "OptionError", "OutcomeResult",
    "ResultsTable", "StoreError", "Study", "StudyFileError", "__version__", "analyze",
    "detect_composite", "detect_events", "import_folder", "load_study", "make_cohort",
    "pandera_schema", "read_chart_folder", "render_report", "write_cohort",
}


def test_all_is_exactly_the_intended_surface():
    assert set(msrwe.__all__) == EXPECTED
    assert len(msrwe.__all__) == len(set(msrwe.__all__))


def test_every_public_name_resolves():
    for name in msrwe.__all__:
        assert getattr(msrwe, name) is not None, name


def test_unknown_attribute_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        msrwe.nope  # noqa: B018


def test_outcomes_alias_module_is_deprecated():
    import pytest

    from msrwe import outcomes
    from msrwe.derive import outcomes as derived

    with pytest.warns(DeprecationWarning, match="import detect_events from msrwe.derive.outcomes"):
        assert outcomes.detect_events is derived.detect_events
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        outcomes.nope  # noqa: B018
