"""Generic report tables head their columns in words, never with the results' snake-case names."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from msrwe.report.stat_labels import stat_label
from msrwe.report.tables import generic_table
from msrwe.tables.results import ResultsTable

GOLDEN = Path(__file__).parents[1] / "results" / "pipeline" / "demo_results.csv"

CASES = [
    # (case, stat, heading)
    (1, "events_pct", "Events (%)"),
    (2, "median_ci_low", "Median, 95% CI low"),
    (3, "median_ci_high", "Median, 95% CI high"),
    (4, "eair_ci_low", "EAIR, 95% CI low"),
    (5, "n_above_uln", "n above ULN"),
    (6, "pct_in_window", "% in window"),
    (7, "n_31_plus", "n 31+"),
    (8, "n_8_30", "n 8–30"),
    (9, "cum_incidence_pct", "Cumulative incidence (%)"),
    (10, "person_years", "Patient-years"),
    (11, "ph_p_value", "Proportional hazards p"),
]


@pytest.mark.parametrize(("case", "stat", "heading"), CASES)
def test_heading(case, stat, heading):
    assert stat_label(stat) == heading, case


def test_every_demo_stat_has_a_heading_in_words():
    stats = {r["stat"] for r in csv.DictReader(GOLDEN.open(encoding="utf-8"))}
    assert len(stats) > 50
    raw = sorted(s for s in stats if "_" in stat_label(s))
    assert raw == []


def test_generic_table_headings():
    r = ResultsTable()
    r.add_stats("x", "overall", "time", "", {"events": 3, "events_pct": 30.0, "median": 2.0,
                                              "median_ci_low": 1.0, "median_ci_high": 3.0})
    t = generic_table(r.to_polars(), "x", title="X")
    heads = [re.sub(r"<[^>]+>", "", h).strip()
             for h in re.findall(r"<th[^>]*>(.*?)</th>", t.html, re.S)]
    assert "Events (%)" in heads
    assert "Median" in heads
    assert not [h for h in heads if "_" in h]
