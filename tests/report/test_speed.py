"""A 10,000-patient report samples its figures and aggregates its tables.

Its speed (under a minute) is measured by ``bench/report_speed.py``, not by a timed test.
"""

from __future__ import annotations

import pytest

from msrwe.report import DataQuality, render_report

pytestmark = pytest.mark.slow


def test_ten_thousand_patients_sampled_figures(tmp_path, builders):
    make_store, make_analysis = builders
    db = make_store(tmp_path / "big.duckdb", n=10_000)
    analysis = make_analysis(db)
    out = render_report(analysis, DataQuality.from_store(db), tmp_path / "r.html")
    html = out.read_text()
    assert "150 of 10000 patients are shown" in html
    assert "random sample of at most 200 patients" in html
    assert out.stat().st_size < 15_000_000
