"""``msrwe outcomes --study``: the same events the analysis finds under the study's definitions."""

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.cli.main import app
from msrwe.io import import_folder
from msrwe.pipeline import analyze
from msrwe.synth import write_cohort


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("outcomes_study")
    write_cohort(root / "charts", 40, seed=7)
    import_folder(root / "charts", root / "s.duckdb")
    (root / "study.toml").write_text(DEMO_STUDY)
    return root


def test_case1_events_equal_the_analysis_events(store):
    out = store / "ev.csv"
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store / "s.duckdb"), "--study",
                                   str(store / "study.toml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    written = pl.read_csv(out, try_parse_dates=True)
    expected = analyze(store / "s.duckdb", store / "study.toml").datasets["adevents"].filter(
        pl.col("param") == "CDW_EDSS")
    assert written.height == expected.height
    assert written["patient_id"].to_list() == expected["patient_id"].to_list()
    assert set(written["param"]) <= {"CDW_EDSS"}


def test_case2_describe_prints_the_study_methods(store):
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store / "s.duckdb"), "--study",
                                   str(store / "study.toml"), "--out", str(store / "e.csv"),
                                   "--describe"])
    assert res.exit_code == 0, res.output
    assert "Kaplan-Meier" in res.output


def test_case3_an_outcome_the_study_does_not_analyse_is_refused(store):
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store / "s.duckdb"), "--study",
                                   str(store / "study.toml"), "--outcome", "sdmt",
                                   "--out", str(store / "e.csv")])
    assert res.exit_code == 1
    assert "--outcome must be one of" in res.output
    assert "Traceback" not in res.output
