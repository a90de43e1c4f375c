"""QA, issue #9 items 13, 14 and 16 (import side): what msrwe prints or writes from cell values
cannot run as a formula or drive the terminal, and wrong inputs to the Python API and to
``msrwe outcomes`` give the project's errors.

Each test names the issue item it covers and fails on the code before the fix.
"""

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import InputError, OptionError
from msrwe.io import import_folder, read_chart_folder

runner = CliRunner()

HOSTILE = [
    "=HYPERLINK(\"http://evil\",\"x\")",
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3",
    "\tTAB",
    "\rCR",
]


def _store(tmp_path: Path, values: list[str]) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    rows = "".join(
        f'A{i},"{v.replace(chr(34), chr(34) * 2)}"\n' for i, v in enumerate(values)
    )
    (folder / "patients.csv").write_text("patient_id,sex\n" + rows, encoding="utf-8")
    db = tmp_path / "s.duckdb"
    import_folder(folder, db)
    return db


def test_item13_quarantine_csv_neutralises_formulas(tmp_path):
    # Item 13: `msrwe quarantine --csv` passed =HYPERLINK(...), +cmd|..., @SUM(...) through
    db = _store(tmp_path, HOSTILE)
    res = runner.invoke(app, ["quarantine", "--db", str(db), "--csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
    values = [r["value"] for r in rows]
    assert values, res.stdout
    for v in values:
        assert not v.startswith(("=", "+", "-", "@", "\t", "\r")), v
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in values
    for r in rows:
        assert r["row_number"].isdigit()  # numbers stay numbers


def test_item13_numbers_stay_numbers():
    # Item 13: "-5" and "+3.2" are numbers, not formulas, and numeric columns are untouched
    from msrwe.io import neutralise_formulas

    frame = pl.DataFrame({"t": ["-5", "+3.2", "-1e3", "-x", "=1"], "n": [-1.0, 2, 3, 4, 5]})
    out = neutralise_formulas(frame)
    assert out["t"].to_list() == ["-5", "+3.2", "-1e3", "'-x", "'=1"]
    assert out["n"].to_list() == frame["n"].to_list()


def test_item14_terminal_escapes_in_values_are_escaped_on_the_console(tmp_path):
    # Item 14: a cell holding ESC[2J (clear screen) or an OSC 8 link reached the terminal
    clear = "\x1b[2J\x1b[H"
    link = "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"
    db = _store(tmp_path, [clear, link])
    res = runner.invoke(app, ["quarantine", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output
    assert "\\x1b[2J" in res.output


def test_item14_terminal_escapes_in_error_messages_are_escaped(tmp_path):
    # Item 14: an error naming a value (a column name here) printed the escape sequence as is
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,\x1b[31mred,\x1b[31mRED\nA1,x,y\n")
    res = runner.invoke(app, ["import", str(folder), "--db", str(tmp_path / "s.duckdb")])
    assert res.exit_code == 1
    assert "\x1b" not in res.output
    assert "\\x1b[31mred" in res.output


@pytest.mark.parametrize("bad", [123, None, b"charts", ["charts"]])
def test_item16_a_wrong_path_type_is_an_option_error(bad):
    # Item 16: the Python API raised a bare TypeError for a wrong path type
    with pytest.raises(OptionError, match="must be a path"):
        import_folder(bad, "s.duckdb")
    with pytest.raises(OptionError, match="must be a path"):
        read_chart_folder(bad)


def test_item16_detect_events_refuses_nan_edss():
    # Item 16: NaN EDSS was accepted by detect_events (dropped as if missing)
    from msrwe.derive.outcomes import detect_events

    visits = pl.DataFrame({"patient_id": ["A", "A", "A"],
                           "date": ["2015-01-01", "2016-01-01", "2017-01-01"],
                           "edss": [2.0, float("nan"), 3.5]})
    with pytest.raises(InputError, match="NaN"):
        detect_events(visits)


def test_item16_outcomes_out_on_a_path_the_system_refuses(tmp_path):
    # Item 16: `outcomes --out /proc/self/x.csv` aborted natively (exit 134)
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id\nA1\n")
    (folder / "visits.csv").write_text(
        "patient_id,date,edss\nA1,2015-01-01,2.0\nA1,2016-01-01,3.5\nA1,2017-01-01,3.5\n"
    )
    db = tmp_path / "s.duckdb"
    import_folder(folder, db)
    res = runner.invoke(app, ["outcomes", "--db", str(db), "--out", "/proc/self/x.csv"])
    assert res.exit_code == 1
    assert "/proc/self/x.csv: cannot write here" in " ".join(res.output.split())
