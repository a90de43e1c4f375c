"""The public surface of msrwe.design is exactly the intended one."""

import msrwe.design as design

EXPECTED = {
    "Analysis", "Design", "DesignError", "DesignResult", "Effect", "Endpoint", "GridPoint",
    "NaturalHistoryParams", "Population", "Schedule", "calibration_record", "cox_by_trial",
    "design_results_table", "load_design", "logrank_by_trial", "parse_design",
    "published_params", "render_design_report", "schoenfeld_events", "schoenfeld_n",
    "schoenfeld_power", "simulate", "store_params", "write_design_outputs",
}


def test_all_is_exactly_the_intended_surface():
    assert set(design.__all__) == EXPECTED
    for name in design.__all__:
        assert getattr(design, name) is not None


def test_design_error_is_an_input_error():
    from msrwe.errors import InputError

    assert issubclass(design.DesignError, InputError)
