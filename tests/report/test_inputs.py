"""Figure inputs: the regimen window is the one in force (resolved once by the analysis)."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from msrwe.report import DataQuality, render_report
from msrwe.report.inputs import from_analysis, results_window
from msrwe.study.config import Study
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
    assert results_window(_intervals(windows), "dose_intervals") == expected


def test_no_results_table_gives_no_window():
    # Case 6: a data report has no results table
    assert results_window(None, "dose_intervals") is None


def _datasets() -> dict[str, pl.DataFrame]:
    return {
        "adsl": pl.DataFrame({"patient_id": ["P1"], "group": ["SPMS"], "first_dose": [0]}),
        "addose": pl.DataFrame({"patient_id": ["P1"] * 3, "days": [0, 66, 130],
                                "interval_days": [None, 66, 64]}),
    }


def test_window_is_the_one_in_force():
    # Case 7: the figures shade the window the analysis resolved (InForce.interval_days)
    assert from_analysis(_datasets(), window=(56, 77)).window == (56.0, 77.0)


def test_no_window_in_force_gives_none():
    # Case 8: a drug without a known regimen and no exposure.interval_days
    assert from_analysis(_datasets()).window is None


def test_report_shades_the_window_in_force(store, analysis, tmp_path):
    # Case 9: end to end: the study states no window, the regimen's is in force
    bare = dataclasses.replace(
        analysis, study=Study(), in_force=dataclasses.replace(analysis.in_force,
                                                              interval_days=(56, 77)),
    )
    html = render_report(bare, DataQuality.from_store(store), tmp_path / "r.html").read_text()
    assert "Shaded: the regimen window, 56–77 days." in html
