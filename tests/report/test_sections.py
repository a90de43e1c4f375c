"""Section building: the attrition flow and the settings text."""

from __future__ import annotations

import polars as pl

from msrwe.report.sections import Section, _attrition_block, settings_text
from msrwe.tables.results import ResultsTable


def _attrition(excluded: list[int]) -> pl.DataFrame:
    r = ResultsTable()
    remaining = 100
    for step, ex in enumerate(excluded):
        remaining -= ex
        r.add("attrition", "overall", "criterion", str(step), "excluded", ex,
              label=f"criterion {step}")
        r.add("attrition", "overall", "criterion", str(step), "remaining", remaining,
              label=f"criterion {step}")
    return r.to_polars()


def test_case1_flow_shows_only_criteria_that_removed_someone():
    sec = Section("cohort", "Cohort")
    _attrition_block(sec, _attrition([0, 0, 5, 0, 3]), pl.DataFrame(), "attrition")
    flow = sec.blocks[0]
    assert [s["criterion"] for s in flow["steps"]] == [
        "criterion 0", "criterion 2", "criterion 4"]
    assert [s["excluded"] for s in flow["steps"]] == ["", "5", "3"]
    table = sec.blocks[1]["table"].frame
    assert table.get_column("Excluded").to_list() == ["–", "0", "5", "0", "3"]
    assert table.get_column("Remaining").to_list() == ["100", "100", "95", "95", "92"]


def test_case2_nobody_removed_gives_two_boxes():
    sec = Section("cohort", "Cohort")
    _attrition_block(sec, _attrition([0, 0, 0]), pl.DataFrame(), "attrition")
    assert [s["criterion"] for s in sec.blocks[0]["steps"]] == [
        "criterion 0", "met every criterion"]


def test_case3_falls_back_to_the_attrition_frame():
    sec = Section("cohort", "Cohort")
    frame = pl.DataFrame({"step": [1, 0], "criterion": ["drug", "store"],
                          "excluded": [4, 0], "remaining": [6, 10]})
    _attrition_block(sec, ResultsTable().to_polars(), frame, "attrition")
    assert [s["criterion"] for s in sec.blocks[0]["steps"]] == ["store", "drug"]


def test_settings_text_is_toml_like():
    text = settings_text({"source": "study.toml", "cohort": {"drug": "methotrexate",
                          "phenotypes": ["SPMS", "PPMS"], "route": None,
                          "prior_treatment": {"min_drugs": 0}}})
    assert text.splitlines() == [
        'source = "study.toml"', "", "[cohort]", 'drug = "methotrexate"',
        'phenotypes = ["SPMS", "PPMS"]', 'route = ""  # not set', "",
        "[cohort.prior_treatment]", "min_drugs = 0"]
