"""Figure inputs: the regimen window comes from the results table, like every other number."""

from __future__ import annotations

import polars as pl
import pytest

from msrwe.report import render_report
from msrwe.report.inputs import from_analysis, results_window
from msrwe.study.result import AnalysisResult
from msrwe.tables.results import ResultsTable


def _intervals(windows: dict[str, tuple[float | None, float | None]]) -> pl.DataFrame:
    r = ResultsTable()
    for group, (low, high) in windows.items():
        r.add_stats("dose_intervals", group, "interval_days", "",
                    {"n": 40, "median": 66.0, "window_low": low, "window_high": high})
    r.add_stats("exposure", "overall", "administrations", "", {"total": 44})
    return r.to_polars()


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        # Case 1: the overall row's window (56-77 days, intrathecal methotrexate)
        ({"SPMS": (56, 77), "overall": (56, 77)}, (56.0, 77.0)),
        # Case 2: overall preferred to a group listed before it
        ({"PPMS": (50, 80), "overall": (56, 77)}, (56.0, 77.0)),
        # Case 3: no overall row: the first group with both ends
        ({"SPMS": (None, 77), "PPMS": (60, 70)}, (60.0, 70.0)),
        # Case 4: no complete window: none
        ({"overall": (56, None)}, None),
        # Case 5: no dose_intervals rows at all: none
        ({}, None),
    ],
)
def test_results_window(windows, expected):
    assert results_window(_intervals(windows)) == expected


def test_no_results_table_gives_no_window():
    # Case 6: a data report has no results table
    assert results_window(None) is None


def _datasets() -> dict[str, pl.DataFrame]:
    return {
        "adsl": pl.DataFrame({"patient_id": ["P1"], "group": ["SPMS"], "first_dose": [0]}),
        "addose": pl.DataFrame({"patient_id": ["P1"] * 3, "days": [0, 66, 130],
                                "interval_days": [None, 66, 64]}),
    }


def test_window_from_the_results_when_the_study_states_none():
    # Case 7: study.exposure.interval_days empty; the analysis used the drug's 56-77 days
    fi = from_analysis(_datasets(), study={"exposure": {"interval_days": []}},
                       results=_intervals({"overall": (56, 77)}))
    assert fi.window == (56.0, 77.0)


def test_results_window_wins_over_the_study():
    # Case 8: the window in the results is the one the numbers were computed with
    fi = from_analysis(_datasets(), study={"exposure": {"interval_days": [50, 90]}},
                       results=_intervals({"overall": (56, 77)}))
    assert fi.window == (56.0, 77.0)


def test_study_window_when_the_results_have_none():
    # Case 9: results without dose_intervals rows: the study's setting is used
    fi = from_analysis(_datasets(), study={"exposure": {"interval_days": [56, 77]}},
                       results=_intervals({}))
    assert fi.window == (56.0, 77.0)


def test_report_shades_the_window_of_the_results(store, analysis, tmp_path):
    # Case 10: end to end: no interval_days in the study, the window only in the results
    results = ResultsTable()
    results.extend(analysis.results)
    for g in ("SPMS", "PPMS", "overall"):
        results.add_stats("dose_intervals", g, "interval_days", "",
                          {"n": 40, "median": 66.0, "window_low": 56, "window_high": 77},
                          label="Days between consecutive doses")
    study = {k: v for k, v in analysis.study.items() if k != "exposure"}
    bare = AnalysisResult(results=results, datasets=analysis.datasets,
                          attrition=analysis.attrition, methods=analysis.methods, study=study)
    html = render_report(store, tmp_path / "r.html", analysis=bare).read_text()
    assert "Shaded: the regimen window, 56–77 days." in html
    assert "Regimen window: 56–77 days." in html
