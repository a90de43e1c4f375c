"""Descriptive layouts: exposure, dose intervals, events per administration, timing."""

from __future__ import annotations

import polars as pl

from msrwe.report.summary_tables import days_since_dose_table, describe_table, per_dose_table
from msrwe.tables.results import ResultsTable


def _exposure() -> pl.DataFrame:
    r = ResultsTable()
    for g, n in (("SPMS", 66), ("overall", 82)):
        r.add_stats("exposure", g, "patients", "", {"N": n, "treated": n},
                    label="Patients in the cohort")
        r.add_stats("exposure", g, "years_on_treatment", "",
                    {"total": 576.79, "n": n, "median": 7.2, "q1": 5.3, "q3": 8.9,
                     "min": 0.5, "max": 14.0}, label="Patient-years from first to last dose")
        r.add_stats("dose_intervals", g, "interval_days", "",
                    {"n": 3112, "median": 67.0, "q1": 61.0, "q3": 73.0, "window_low": 56,
                     "window_high": 77, "n_in_window": 2986, "pct_in_window": 95.95},
                    label="Days between consecutive doses")
    return r.to_polars()


def test_case1_counts_show_only_the_total():
    f = describe_table(_exposure(), "exposure", title="Exposure").frame
    row = f.row(0, named=True)
    assert row["row"] == "Patients in the cohort"
    assert (row["SPMS__n"], row["SPMS__median"], row["SPMS__total"]) == ("–", "–", "66")


def test_case2_distribution_with_total():
    f = describe_table(_exposure(), "exposure", title="Exposure").frame
    row = f.row(1, named=True)
    assert (row["overall__n"], row["overall__median"], row["overall__range"],
            row["overall__total"]) == ("82", "7.2 (5.3–8.9)", "0.5–14.0", "576.8")


def test_case3_dose_intervals_in_window_and_window_note():
    t = describe_table(_exposure(), "dose_intervals", title="Intervals")
    assert t.frame.row(0, named=True)["overall__window"] == "2986 (96.0%)"
    assert "Regimen window: 56–77 days." in t.html


def test_case4_variables_filter():
    t = describe_table(_exposure(), "exposure", title="E", variables=["years_on_treatment"])
    assert t.frame.get_column("row").to_list() == ["Patient-years from first to last dose"]


def test_per_dose_terms_sorted_by_events():
    r = ResultsTable()
    for term, ev in (("nausea", 5), ("headache", 14)):
        r.add_stats("ae_per_administration", "overall", "term", term,
                    {"administrations": 3194, "events": ev, "rate": ev / 3194,
                     "ci_low": 0.001, "ci_high": 0.01})
    f = per_dose_table(r.to_polars(), analysis="ae_per_administration").frame
    assert f.get_column("row").to_list() == ["headache", "nausea"]
    assert f.row(0)[1:] == ("14 / 3194", "0.004 (0.001–0.010)")


def test_days_since_dose_missing_bands():
    r = ResultsTable()
    r.add_stats("ae_by_days_since_dose", "overall", "any", "", {"events": 0},
                label="Any treatment-emergent adverse event")
    assert days_since_dose_table(r.to_polars(), analysis="ae_by_days_since_dose").frame.row(0) == (
        "Any treatment-emergent adverse event", "0", "–", "–", "–")


def test_per_dose_and_timing_pt_code_rows_sorted_by_events():
    # Case 5: with safety.ae_grouping = "pt_code" the code rows are event rows, most events first
    r = ResultsTable()
    for code, label, ev in (("10028813", "Nausea", 5), ("10019211", "Headache", 14)):
        r.add_stats("ae_per_administration", "overall", "pt_code", code,
                    {"administrations": 3194, "events": ev, "rate": ev / 3194}, label=label)
        r.add_stats("ae_by_days_since_dose", "overall", "pt_code", code, {"events": ev},
                    label=label)
    r.add_stats("ae_per_administration", "overall", "any", "",
                {"administrations": 3194, "events": 19, "rate": 19 / 3194}, label="Any")
    r.add_stats("ae_by_days_since_dose", "overall", "any", "", {"events": 19}, label="Any")
    expected = ["Any", "Headache (10019211)", "Nausea (10028813)"]
    per_dose = per_dose_table(r.to_polars(), analysis="ae_per_administration")
    by_day = days_since_dose_table(r.to_polars(), analysis="ae_by_days_since_dose")
    assert per_dose.frame.get_column("row").to_list() == expected
    assert by_day.frame.get_column("row").to_list() == expected
