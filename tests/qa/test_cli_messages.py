"""QA: what the command line prints when the user's input is wrong.

Each case is a defect found by using msrwe as a research coordinator would; the test fails
without its fix.
"""

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from msrwe.cli._common import guard
from msrwe.cli.main import app
from msrwe.errors import StudyFileError

runner = CliRunner()


def _analyze(tmp_path: Path, study: str) -> tuple[int, str]:
    """Run ``msrwe analyze`` on a store that has a patients table and the given study file.

    The study file is rejected before the store is analysed, so a one-table store is enough.
    """
    import duckdb

    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table patients as select 'P1' as patient_id")
    con.close()
    path = tmp_path / "study.toml"
    path.write_text(study)
    res = runner.invoke(app, ["analyze", "--db", str(db), "--study", str(path),
                              "--out", str(tmp_path / "out")])
    return res.exit_code, " ".join(res.output.split())


def test_case1_bracketed_words_of_an_error_are_printed():
    # Case 1: a message naming the study file's section "[cohort]" printed "Loosen the  settings."
    # (the console took [cohort] for a style tag and dropped it); the section must be shown.
    app_ = typer.Typer()

    @app_.command()
    @guard
    def cmd() -> None:
        raise StudyFileError("study.toml: no patient qualifies. Loosen the [cohort] settings.")

    res = runner.invoke(app_, [])
    assert res.exit_code == 1
    assert "Loosen the [cohort] settings." in res.output


def test_case2_unknown_section_is_named(tmp_path):
    # Case 2: "[studyy]" (a typo) printed "unknown section . A study file has the sections: , , ,"
    code, out = _analyze(tmp_path, '[studyy]\ntitle = "x"\n')
    assert code == 1
    assert "[studyy]" in out
    assert "[study]" in out
    assert "[cohort]" in out


@pytest.mark.parametrize(
    ("study", "shown"),
    [
        # Case 3: the section that takes the misspelt key is named ("[study] accepts: ...")
        ('[study]\ntitel = "x"\n', "[study] accepts"),
        # Case 4: a section given as a value ("cohort = 3") names the section
        ("cohort = 3\n", "[cohort]"),
    ],
)
def test_case3_4_section_names_survive(tmp_path, study, shown):
    code, out = _analyze(tmp_path, study)
    assert code == 1
    assert shown in out, out


def test_case5_a_path_with_brackets_is_printed_as_written(tmp_path):
    # Case 5: a store in a folder named "[old]" lost the folder name in the message
    missing = tmp_path / "[old]" / "x.duckdb"
    res = runner.invoke(app, ["quarantine", "--db", str(missing)])
    assert res.exit_code == 1
    assert "[old]" in res.output


def test_case6_quarantine_of_a_store_never_imported_into(tmp_path):
    # Case 6: `msrwe quarantine` on a DuckDB file without a quarantine table printed a plain
    # line without "error:" (unlike every other refusal); it goes through the same error path
    import duckdb

    db = tmp_path / "other.duckdb"
    duckdb.connect(str(db)).close()
    for extra in ([], ["--warnings"]):
        res = runner.invoke(app, ["quarantine", "--db", str(db), *extra])
        assert res.exit_code == 1
        out = " ".join(res.output.split())
        assert out.startswith("error: ")
        assert "import a chart folder into it first" in out
