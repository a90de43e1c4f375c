"""The report's tables: layout, order, and every printed number equal to the results table."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.report.tables import (
    ae_table,
    edss_table,
    frame_table,
    generic_table,
    group_order,
    table1_table,
    tte_table,
)
from msrwe.tables.results import ResultsTable


def _ae_results() -> pl.DataFrame:
    r = ResultsTable()
    # Case input: three terms whose overall frequency order differs from their insertion order.
    for term, n, pct, ev in (("Back pain", 2, 2.41, 2), ("Headache", 10, 12.048, 14),
                             ("Fatigue", 44, 53.012, 61)):
        r.add_stats("ae_incidence", "overall", "term", term,
                    {"N": 83, "n": n, "pct": pct, "ci_low": 5.93, "ci_high": 21.04,
                     "events": ev, "person_years": 250.0, "eair": 4.0, "eair_ci_low": 1.918,
                     "eair_ci_high": 7.356}, label=term, method="Clopper-Pearson")
    r.add_stats("ae_incidence", "overall", "any", "", {"N": 83, "n": 50, "pct": 60.24},
                label="Any adverse event")
    return r.to_polars()


def test_ae_rows_sorted_by_frequency_with_any_first():
    # Case 1: the summary row first, then terms by number of patients, most frequent first
    t = ae_table(_ae_results(), analysis="ae_incidence")
    assert t.frame.get_column("term").to_list() == [
        "Any adverse event", "Fatigue", "Headache", "Back pain"]


def test_ae_cell_format():
    # Case 2: n (%) [events] with one decimal; CI of %; EAIR with its exact CI
    t = ae_table(_ae_results(), analysis="ae_incidence")
    row = t.frame.filter(pl.col("term") == "Headache").row(0, named=True)
    assert row == {"term": "Headache", "overall__npe": "10 (12.0%) [14]",
                   "overall__ci": "5.9–21.0", "overall__eair": "4.00 (1.92–7.36)"}


def _ae_pt_code_results() -> pl.DataFrame:
    # Input: the study grouped events by MedDRA code (safety.ae_grouping = "pt_code"); the
    # label is the most common verbatim spelling; insertion order differs from frequency order.
    r = ResultsTable()
    r.add_stats("ae_incidence", "overall", "any", "", {"N": 83, "n": 50, "pct": 60.24},
                label="Any treatment-emergent adverse event")
    for code, label, n in (("10003988", "Back pain", 2), ("10019211", "Headache", 10),
                           ("10016256", "Fatigue", 44), ("10028813", "", 1)):
        r.add_stats("ae_incidence", "overall", "pt_code", code,
                    {"N": 83, "n": n, "pct": 100 * n / 83}, label=label)
    return r.to_polars()


def test_ae_pt_code_rows_are_terms_sorted_by_frequency():
    # Case 4: pt_code rows are event rows (sorted), not summary rows; the code follows the term
    t = ae_table(_ae_pt_code_results(), analysis="ae_incidence")
    assert t.frame.get_column("term").to_list() == [
        "Any treatment-emergent adverse event", "Fatigue (10016256)", "Headache (10019211)",
        "Back pain (10003988)", "10028813"]


def test_ae_term_column_heading_follows_the_grouping():
    # Case 5: the first column names the grouping actually present in the results
    pt = ae_table(_ae_pt_code_results(), analysis="ae_incidence").html
    assert "Preferred term (MedDRA code)" in pt
    assert "Adverse event (verbatim term)" not in pt
    assert "Adverse event (verbatim term)" in ae_table(_ae_results(), analysis="ae_incidence").html


def test_ae_label_equal_to_the_code_is_not_repeated():
    # Case 6: no MedDRA code charted: the grouping falls back to the term; shown once
    r = ResultsTable()
    r.add_stats("ae_incidence", "overall", "pt_code", "headache", {"N": 9, "n": 1, "pct": 11.1},
                label="Headache")
    t = ae_table(r.to_polars(), analysis="ae_incidence")
    assert t.frame.get_column("term").to_list() == ["Headache"]
    assert "Preferred term (MedDRA code)" in t.html


def test_ae_group_header_shows_n():
    t = ae_table(_ae_results(), analysis="ae_incidence")
    assert "Overall (N = 83)" in t.html


def test_edss_quarter_step_medians_are_not_rounded():
    # Case 3: a median of 0.25 is written as 0.25, not rounded to 0.2
    r = ResultsTable()
    r.add_stats("edss_change", "overall", "edss", "", {"n": 4, "baseline_median": 6.25,
                "last_median": 6.5, "change_median": 0.25, "improved": 0, "stable": 3,
                "worsened": 1, "statistic": 0.0, "p_value": 0.0001}, method="Wilcoxon")
    row = edss_table(r.to_polars(), analysis="edss_change").frame.row(0, named=True)
    assert (row["baseline"], row["change"], row["p"]) == ("6.25", "0.25", "<0.001")


def test_table1_layout():
    r = ResultsTable()
    r.add("table1", "A", "patients", "", "N", 2)
    r.add("table1", "overall", "patients", "", "N", 3)
    r.add_stats("table1", "A", "age", "", {"n": 2, "median": 45.0, "q1": 42.5, "q3": 47.5},
                label="Age")
    r.add_stats("table1", "overall", "age", "", {"n": 3, "median": 50.0, "q1": 45.0,
                "q3": 55.0}, label="Age")
    r.add_stats("table1", "overall", "sex", "F", {"n": 2, "pct": 66.667}, label="Sex")
    t = table1_table(r.to_polars(), analysis="table1")
    assert t.frame.columns == ["row", "A", "overall"]
    assert t.frame.rows() == [
        ("Patients, N", "2", "3"),
        ("Age, median (Q1–Q3)", "45.0 (42.5–47.5)", "50.0 (45.0–55.0)"),
        ("Sex, n (%)", "", ""),
        ("F", "–", "2 (66.7%)"),
    ]
    assert "gt_indent_2" in t.html


def test_tte_table_rows():
    r = ResultsTable()
    r.add_stats("time_to_cdw", "overall", "edss", "", {"n": 80, "events": 12, "median": 4.2})
    r.add_stats("time_to_cdw", "overall", "edss", "2", {"n_at_risk": 50, "survival": 0.8},
                label="2 years after the first dose")
    r.add_stats("time_to_cdw", "overall", "edss", "1", {"n_at_risk": 70, "survival": 0.9},
                label="1 years after the first dose")
    f = tte_table(r.to_polars(), analysis="time_to_cdw").frame
    assert f.get_column("row").to_list() == [
        "Patients", "Events", "Median, years (95% CI)", "1 years after the first dose",
        "2 years after the first dose"]
    assert f.get_column("overall").to_list()[2:] == ["4.20", "70 at risk; 0.900",
                                                     "50 at risk; 0.800"]


def test_generic_table_keeps_every_row_and_stat():
    r = ResultsTable()
    r.add_stats("dose_intervals", "overall", "interval_days", "", {"n": 100, "median": 66.5,
                "in_window": 80})
    r.add_stats("dose_intervals", "SPMS", "interval_days", "", {"n": 60, "median": 65.0})
    t = generic_table(r.to_polars(), "dose_intervals", title="Intervals")
    assert t.frame.columns == ["row", "SPMS__n", "SPMS__median", "overall__n",
                               "overall__median", "overall__in_window"]
    assert t.frame.row(0) == ("interval_days", "60", "65.00", "100", "66.50", "80")


def test_frame_table_truncates_and_says_so():
    t = frame_table(pl.DataFrame({"a": list(range(10))}), title="T", table_id="t",
                    max_rows=3)
    assert t.frame.height == 3
    assert "Showing the first 3 of 10 rows" in t.html


def test_missing_analysis_gives_a_message_not_an_error():
    t = ae_table(_ae_results(), analysis="ae_serious")
    assert "No results for this table." in t.html


def test_group_order_is_alphabetical_with_overall_last():
    assert group_order(["overall", "B", "unknown", "A", "B"]) == ["A", "B", "unknown", "overall"]


def _num(text: str) -> float:
    return float(text)


_NPE = re.compile(r"^(\d+) \((\d+\.\d)%\) \[(\d+)\]$")
_RANGE = re.compile(r"^(-?\d+\.\d+)–(-?\d+\.\d+)$")
_EAIR = re.compile(r"^(\d+\.\d+) \((\d+\.\d+)–(\d+\.\d+)\)$")


def _close(shown: str, value: float | None, digits: int) -> None:
    assert value is not None, f"{shown} shown for a missing value"
    assert _num(shown) == pytest.approx(round(value, digits), abs=10 ** -digits / 2 + 1e-9), (
        shown, value)


def test_every_ae_number_in_the_html_equals_the_results_table(
    full_report, analysis, read_table_cells
):
    """Parse the AE table out of the rendered report; check each number against results."""
    html = full_report.read_text()
    res = analysis.results.to_polars().filter(pl.col("analysis") == "ae_incidence")
    rows = read_table_cells(html, "tbl-ae-incidence")
    assert len(rows) == res.select("level").n_unique()
    checked = 0
    for row in rows:
        term = row.pop("__stub__")
        for col, text in row.items():
            group, kind = col.split("__")
            got = {s: v for s, v in res.filter(
                (pl.col("level") == term) & (pl.col("group") == group)
            ).select("stat", "value").iter_rows()}
            if kind == "npe":
                m = _NPE.match(text)
                assert m, text
                assert int(m[1]) == got["n"]
                assert int(m[3]) == got["events"]
                _close(m[2], got["pct"], 1)
            elif kind == "ci":
                m = _RANGE.match(text)
                assert m, text
                _close(m[1], got["ci_low"], 1)
                _close(m[2], got["ci_high"], 1)
            else:
                m = _EAIR.match(text)
                assert m, text
                _close(m[1], got["eair"], 2)
                _close(m[2], got["eair_ci_low"], 2)
                _close(m[3], got["eair_ci_high"], 2)
            checked += 1
    assert checked == len(rows) * 3 * res.select("group").n_unique()


def test_every_edss_number_in_the_html_equals_the_results_table(
    full_report, analysis, read_table_cells
):
    html = full_report.read_text()
    res = analysis.results.to_polars().filter(pl.col("analysis") == "edss_change")
    rows = read_table_cells(html, "tbl-edss-change")
    assert [r["__stub__"] for r in rows] == ["PPMS", "SPMS", "Overall"]
    for row in rows:
        group = "overall" if row["__stub__"] == "Overall" else row["__stub__"]
        got = {s: v for s, v in res.filter(pl.col("group") == group)
               .select("stat", "value").iter_rows()}
        assert int(row["n"]) == got["n"]
        _close(row["baseline"], got["baseline_median"], 2)
        _close(row["last"], got["last_median"], 2)
        _close(row["change"], got["change_median"], 2)
        for col in ("improved", "stable", "worsened"):
            assert int(row[col]) == got[col]
        _close(row["statistic"], got["statistic"], 1)
        _close(row["p"], got["p_value"], 3)


_ae_stats = st.fixed_dictionaries({
    "n": st.integers(0, 500), "pct": st.floats(0, 100, allow_nan=False),
    "events": st.integers(0, 2000), "ci_low": st.floats(0, 50, allow_nan=False),
    "ci_high": st.floats(50, 100, allow_nan=False), "eair": st.floats(0, 500, allow_nan=False),
    "eair_ci_low": st.floats(0, 100, allow_nan=False),
    "eair_ci_high": st.floats(100, 900, allow_nan=False),
})


@settings(max_examples=25, deadline=None)
@given(st.lists(_ae_stats, min_size=1, max_size=5))
def test_property_ae_cells_round_trip_through_the_html(read_table_cells, rows):
    """Whatever the values, each AE cell in the HTML shows the results value, rounded."""
    r = ResultsTable()
    for i, stats in enumerate(rows):
        r.add_stats("ae_incidence", "overall", "term", f"term {i}", {"N": 600, **stats})
    res = r.to_polars()
    cells = read_table_cells(ae_table(res, analysis="ae_incidence").html, "tbl-ae")
    assert len(cells) == len(rows)
    for row in cells:
        got = rows[int(row["__stub__"].split()[1])]
        m = _NPE.match(row["overall__npe"])
        assert m, row
        assert int(m[1]) == got["n"]
        assert int(m[3]) == got["events"]
        _close(m[2], got["pct"], 1)
        m = _EAIR.match(row["overall__eair"])
        assert m, row
        _close(m[1], got["eair"], 2)
        _close(m[3], got["eair_ci_high"], 2)
