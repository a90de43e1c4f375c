"""``msrwe demo``: synth, import, analyse and report in one go."""

import tomllib

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.cli.main import app


@pytest.mark.slow
def test_demo_writes_charts_store_study_results_and_report(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    # Case 1: every artefact the demo promises is there and named in the output
    for name in ("charts", "msrwe.duckdb", "study.toml", "results", "report.html"):
        assert (out / name).exists(), name
    assert "report.html" in res.output
    assert "msrwe serve --db" in " ".join(res.output.split())  # how to start the web app
    # Case 2: the study used is the published series' design, analysed by phenotype
    study = tomllib.loads((out / "study.toml").read_text())
    assert study["cohort"]["min_administrations"] == 18
    assert study["analysis"]["group_by"] == "phenotype"
    # Case 3: the dirty demo quarantines rows and says so in the report's appendix
    html = (out / "report.html").read_text()
    assert "quarantine" in html.lower()
    # Case 4: the results table beside the report holds the per-subtype EDSS comparison
    results = pl.read_csv(out / "results" / "results.csv")
    groups = set(results.filter(pl.col("analysis") == "edss_change")["group"])
    assert {"SPMS", "PPMS", "overall"} <= groups
    # Case 5: the comparison of three drugs: the naive HR is biased, the adjusted one is not
    comp = pl.read_csv(out / "compare" / "results" / "results.csv")
    eff = comp.filter(pl.col("analysis") == "compare_effect", pl.col("variable") == "edss")
    hr = dict(eff.filter(pl.col("stat") == "hr").select("group", "value").iter_rows())
    naive = dict(eff.filter(pl.col("stat") == "hr_naive").select("group", "value").iter_rows())
    assert set(hr) == {"rituximab", "cladribine"}
    assert all(naive[g] > 1.0 > hr[g] for g in hr)
    assert "Comparative effectiveness" in (out / "compare" / "report.html").read_text()


def test_demo_study_is_a_valid_study_file(tmp_path):
    from msrwe.study.config import Study

    path = tmp_path / "study.toml"
    path.write_text(DEMO_STUDY)
    study = Study.from_toml(path)
    assert study is not None


def test_demo_refuses_a_dirty_cohort_too_small_to_plant_errors(tmp_path):
    res = CliRunner().invoke(
        app, ["demo", "--dirty", "--out", str(tmp_path / "d"), "--patients", "5"]
    )
    assert res.exit_code == 1
    assert "Traceback" not in res.output
