"""Fixtures of the report tests: a hand-made store and analysis result (session-scoped)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_builders import make_analysis, make_store


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("store") / "s.duckdb")


@pytest.fixture(scope="session")
def analysis(store: Path):
    return make_analysis(store)


@pytest.fixture(scope="session")
def full_report(tmp_path_factory: pytest.TempPathFactory, store: Path, analysis) -> Path:
    from msrwe.report import render_report

    out = tmp_path_factory.mktemp("full")
    return render_report(store, out / "report.html", analysis=analysis, export_dir=out / "export")
