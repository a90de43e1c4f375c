"""A 10,000-patient report renders in well under a minute (figures sample, tables aggregate)."""

from __future__ import annotations

import time

import pytest

from msrwe.report import render_report

pytestmark = pytest.mark.slow


def test_ten_thousand_patients_under_a_minute(tmp_path, builders):
    make_store, make_analysis = builders
    db = make_store(tmp_path / "big.duckdb", n=10_000)
    analysis = make_analysis(db)
    start = time.perf_counter()
    out = render_report(db, tmp_path / "r.html", analysis=analysis)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"{elapsed:.1f} s"
    html = out.read_text()
    assert "150 of 10000 patients are shown" in html
    assert "random sample of at most 200 patients" in html
    assert out.stat().st_size < 15_000_000
