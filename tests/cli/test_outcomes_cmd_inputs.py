"""``msrwe outcomes`` refuses, in the user's terms, what it cannot analyse."""

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.io import import_folder


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("outcomes_inputs")
    charts = root / "charts"
    charts.mkdir()
    (charts / "patients.csv").write_text("patient_id,phenotype\nA1,SPMS\nA2,PPMS\n")
    (charts / "visits.csv").write_text(
        "patient_id,date,edss\n"
        "A1,2015-01-01,4.0\nA1,2015-04-01,5.0\nA1,2015-07-01,5.0\nA1,2015-10-01,5.0\n"
        "A2,2015-01-01,6.0\nA2,2015-06-01,6.0\n"
    )
    import_folder(charts, root / "s.duckdb")
    return root / "s.duckdb"


def run(*args):
    return CliRunner().invoke(app, ["outcomes", *map(str, args)])


# Case 1: an outcome with no value in the store is refused, naming the columns
def test_case1_outcome_without_data(db, tmp_path):
    res = run("--db", db, "--outcome", "t25fw", "--out", tmp_path / "e.csv")
    assert res.exit_code == 1
    assert "No visit in the store has a value for t25fw_s" in res.output
    assert not (tmp_path / "e.csv").exists()


# Case 2: --subjects naming nobody in the store is refused
def test_case2_unknown_subjects(db, tmp_path):
    res = run("--db", db, "--subjects", "NOPE,NADA", "--out", tmp_path / "e.csv")
    assert res.exit_code == 1
    assert "--subjects: none of NOPE, NADA has a visit in the store" in res.output


# Case 3: an invalid option value names the command-line flag
def test_case3_option_errors_name_the_flag(db, tmp_path):
    res = run("--db", db, "--baseline", "rolling", "--out", tmp_path / "e.csv")
    assert res.exit_code == 1
    assert "The option --baseline must be one of" in res.output
    assert "parameter of detect_events" not in res.output


# Case 4: an --out below a file is refused before any work
def test_case4_out_below_a_file(db, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("x")
    res = run("--db", db, "--out", blocker / "e.csv")
    assert res.exit_code == 1
    assert "Traceback" not in res.output


# Case 5: the happy path still works and finds A1's confirmed worsening
def test_case5_events_found(db, tmp_path):
    res = run("--db", db, "--out", tmp_path / "e.csv")
    assert res.exit_code == 0, res.output
    assert "A1" in (tmp_path / "e.csv").read_text()


# Case 6: a threshold policy the outcome has not names the flag too
def test_case6_bad_threshold_policy_names_the_flag(db, tmp_path):
    res = run("--db", db, "--delta-fun", "nonsense", "--out", tmp_path / "e.csv")
    assert res.exit_code == 1
    assert "The option --delta-fun must be one of" in res.output
