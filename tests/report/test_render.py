"""render_report: both modes, the appendix, exports, errors and progress."""

from __future__ import annotations

import dataclasses
import re

import polars as pl
import pytest

import msrwe.report.render as render_mod
from msrwe.analysis.result import AnalysisResult, Provenance
from msrwe.errors import OptionError, StoreError, StudyFileError
from msrwe.pipeline import ANALYSES, build_report
from msrwe.report import DataQuality, render_report
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

SECTIONS = ["cohort", "exposure", "safety", "efficacy", "methods", "data-quality", "settings"]


def test_full_report_has_every_section_in_paper_order(full_report):
    html = full_report.read_text()
    pos = [html.find(f'<section id="{s}"') for s in SECTIONS]
    assert all(p > 0 for p in pos)
    assert pos == sorted(pos)


def test_full_report_has_every_figure_with_caption_and_alt(full_report):
    html = full_report.read_text()
    figures = re.findall(r'<figure id="([^"]+)">\s*<img src="data:image/svg\+xml;base64,'
                         r'[A-Za-z0-9+/=]+" alt="([^"]+)">\s*<figcaption><strong>Figure (\d+)',
                         html)
    ids = [f[0] for f in figures]
    assert ids == ["fig-intervals", "fig-swimmer", "fig-km", "fig-edss", "fig-t25fw-s",
                   "fig-nhpt-dominant-s", "fig-nhpt-nondominant-s"]
    assert [int(f[2]) for f in figures] == list(range(1, 8))
    assert all(len(f[1]) > 40 for f in figures)


def test_nothing_is_loaded_from_the_network(full_report):
    html = full_report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "<script" not in html


def test_key_numbers_and_methods(full_report, analysis):
    html = full_report.read_text()
    assert "3 (33.3%) [4]" in html  # headache, from the results table
    assert analysis.methods in html
    assert "Intrathecal methotrexate in progressive MS (test)" in html


def test_appendix_lists_the_quarantine(full_report):
    html = full_report.read_text()
    assert "3 chart rows broke a rule" in html
    assert "EDSS 0.5 is not a valid score" in html
    assert "PRMS recorded as PPMS" in html  # warnings


def test_report_export_is_the_result_export(full_report, analysis, tmp_path):
    # report --export writes exactly what AnalysisResult.export writes
    out = full_report.parent / "export"
    direct = analysis.export(tmp_path / "direct")
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in direct)
    assert (out / "methods.txt").read_text().strip() == analysis.methods
    assert pl.read_csv(out / "attrition.csv").height == 3
    for name in ("adsl", "addose", "advs", "adae", "adtte"):
        assert (out / f"{name}.csv").exists()
        assert (out / f"{name}.parquet").exists()
    for name in ("settings.json", "study.toml", "provenance.json"):
        assert (out / name).exists()


def test_data_report_when_the_analysis_cannot_run(store, tmp_path, monkeypatch):
    def refuse(db, study, progress=None):
        raise StudyFileError("the store has no administrations, so no one was treated.")

    import msrwe.pipeline.run as run

    monkeypatch.setattr(run, "analyze", refuse)
    out = build_report(store, tmp_path / "r.html", export=tmp_path / "x")
    html = out.read_text()
    assert "the store has no administrations" in html
    assert "Per-patient overview" in html
    assert '<section id="data-quality"' in html
    assert 'id="fig-swimmer"' in html
    assert (tmp_path / "x" / "patients_overview.csv").exists()
    assert pl.read_csv(tmp_path / "x" / "quarantine.csv").height == 3


def test_bugs_in_the_analysis_are_not_hidden(store, tmp_path, monkeypatch):
    def broken(db, study, progress=None):
        raise KeyError("a bug")

    import msrwe.pipeline.run as run

    monkeypatch.setattr(run, "analyze", broken)
    with pytest.raises(KeyError):
        build_report(store, tmp_path / "r.html")


def test_progress_is_monotonic_and_ends_at_total(store, analysis, tmp_path):
    calls = []
    render_report(analysis, DataQuality.from_store(store), tmp_path / "r.html",
                  progress=lambda i, n, d: calls.append((i, n, d)))
    steps = [c[0] for c in calls]
    assert steps == sorted(steps)
    assert calls[-1][0] == calls[-1][1] == len(render_mod.RENDER_STEPS)


def test_errors(store, tmp_path):
    with pytest.raises(OptionError, match="is a folder"):
        build_report(store, tmp_path)
    with pytest.raises(StoreError, match="no store here"):
        build_report(tmp_path / "none.duckdb", tmp_path / "r.html")
    with pytest.raises(OptionError, match="no study file"):
        build_report(store, tmp_path / "r.html", study=tmp_path / "missing.toml")


def test_the_old_call_still_works_with_a_warning(store, analysis, tmp_path):
    with pytest.warns(DeprecationWarning, match="render_report"):
        out = render_report(store, tmp_path / "r.html", analysis=analysis)
    assert '<section id="safety"' in out.read_text()


def test_text_from_the_charts_is_escaped(store, tmp_path):
    r = ResultsTable()
    r.add_stats("ae_incidence", "<b>group</b>", "term", "<script>alert(1)</script>",
                {"N": 5, "n": 1, "pct": 20.0, "events": 1})
    result = AnalysisResult(results=r, methods="EDSS < 6 & > 3 <img src=x>",
                            study=Study.from_dict({"study": {"title": "<i>Title</i>"}}))
    html = render_report(result, DataQuality.from_store(store), tmp_path / "r.html").read_text()
    assert "<script" not in html
    assert "<img src=x>" not in html
    assert "<i>Title</i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "EDSS &lt; 6 &amp; &gt; 3" in html


def test_an_analysis_without_datasets_still_renders(store, tmp_path):
    html = render_report(AnalysisResult(results=ResultsTable(), study=Study(), analyses=ANALYSES),
                         DataQuality.from_store(store),
                         tmp_path / "r.html").read_text()
    assert "<figure" not in html
    assert "The analysis reported no attrition steps." in html
    assert '<section id="data-quality"' in html


def test_study_file_checksum_is_in_the_report(store, analysis, tmp_path):
    import hashlib

    study = tmp_path / "study.toml"
    study.write_text('[cohort]\ndrug = "methotrexate"\n')
    prov = Provenance.build(store, import_log=None, study=analysis.study, study_file=study)
    result = dataclasses.replace(analysis, provenance=prov)
    html = render_report(result, DataQuality.from_store(store), tmp_path / "r.html").read_text()
    digest = hashlib.sha256(study.read_bytes()).hexdigest()
    assert f"SHA-256 {digest}." in html
    assert digest[:16] in html.split('<section id="cohort"')[0]  # in the title block too
