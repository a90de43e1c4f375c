"""QA, issue #9 item 14 (the rest): control characters are escaped in every console message.

Terminal escape sequences in cell values reached the console (screen clear, OSC-8 links). The
error messages and the quarantine listing escaped them; the other paths did not: the import
table (a table or file name, the folder), the "ignored" lines, the analysis summary (a group
label from the chart), the quarantine header (the store's path), warnings, and rich markup in a
path (``[/]``) crashed the message. Each test names its case and fails on a792698.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app

runner = CliRunner()

#: Screen clear, an OSC-8 hyperlink, a right-to-left override, a bell.
CLEAR = "\x1b[2J\x1b[H"
LINK = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
BIDI = "\u202egnp.exe"
HOSTILE = (CLEAR, LINK, BIDI, "\x07")


def _clean(output: str) -> str:
    """Check no control character is in ``output``; return it without whitespace (the console
    wraps long lines)."""
    for bad in ("\x1b", "\u202e", "\x07", "\x9b"):
        assert bad not in output, f"{bad!r} reached the console:\n{output!r}"
    return "".join(output.split())


# Case 1: the import summary escapes a hostile folder name, file name and ignored file
def test_item14_case1_import_summary(tmp_path: Path):
    folder = tmp_path / f"charts{CLEAR}"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,sex\nA1,F\nA2,Q\n")
    (folder / "notes\x1b]8;;evil\x1b\\click\x1b]8;;\x1b\\.txt").write_text("x")
    db = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["import", str(folder), "--db", str(db)], terminal_width=200)
    assert res.exit_code == 0, res.output
    flat = _clean(res.output)
    assert "charts\\x1b[2J" in flat  # shown, escaped
    assert "Ignorednotes\\x1b]8;;evil" in flat


# Case 2: the quarantine listing escapes the store's path and the cell values
def test_item14_case2_quarantine_listing(tmp_path: Path):
    folder = tmp_path / "charts"
    folder.mkdir()
    rows = "".join(f'A{i},"{v}"\n' for i, v in enumerate(HOSTILE))
    (folder / "patients.csv").write_text("patient_id,sex\n" + rows, encoding="utf-8")
    db = tmp_path / f"s{BIDI}[bold].duckdb"
    imp = runner.invoke(app, ["import", str(folder), "--db", str(db)], terminal_width=200)
    assert imp.exit_code == 0, imp.output
    _clean(imp.output)
    res = runner.invoke(app, ["quarantine", "--db", str(db)], terminal_width=200)
    assert res.exit_code == 0, res.output
    flat = _clean(res.output)
    assert "s\\u202egnp.exe[bold].duckdb" in flat  # markup in a path is text, not a crash
    assert "'\\x1b[2J\\x1b[H'" in flat


# Case 3: the analysis summary escapes a group label that came from the chart (four sites of
# six patients; the negative-binomial fits of such small groups no longer overflow)
def test_item14_case3_analysis_summary_group_labels(tmp_path: Path):
    from msrwe.synth import write_cohort

    charts = tmp_path / "charts"
    write_cohort(charts, 24, seed=3)
    patients = charts / "patients.csv"
    with patients.open(newline="", encoding="utf-8") as f:
        data = list(csv.DictReader(f))
    for i, row in enumerate(data):
        row["site"] = ["plain", f"evil{CLEAR}", f"link{LINK}", f"rtl{BIDI}[/]"][i % 4]
    with patients.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    db = tmp_path / "s.duckdb"
    assert runner.invoke(app, ["import", str(charts), "--db", str(db)]).exit_code == 0
    study = tmp_path / "study.toml"
    study.write_text('[cohort]\ndrug = "methotrexate"\n[analysis]\ngroup_by = "site"\n')
    res = runner.invoke(app, ["analyze", "--db", str(db), "--study", str(study), "--out",
                              str(tmp_path / "out")], terminal_width=250)
    assert res.exit_code == 0, res.output
    flat = _clean(res.output)
    assert "evil\\x1b[2J" in flat
    assert "rtl\\u202egnp.exe[/]" in flat


# Case 4: a warning for the user is escaped too
def test_item14_case4_warnings(capsys: pytest.CaptureFixture[str]):
    from msrwe.cli._common import show_warning

    show_warning(UserWarning(f"value {CLEAR} in [bold]x[/]"), UserWarning, "f.py", 1)
    flat = _clean(capsys.readouterr().err)
    assert "\\x1b[2J" in flat
    assert "[bold]x[/]" in flat


# Case 5: every console of the commands escapes what it prints, whatever the caller passed
def test_item14_case5_consoles_escape_everything(capsys: pytest.CaptureFixture[str]):
    from rich.table import Table

    from msrwe.cli._common import console, err_console

    t = Table("value")
    for v in HOSTILE:
        t.add_row(v)
    console.print(t)
    console.print(f"line one\nline two {LINK}")
    err_console.print(BIDI)
    out = capsys.readouterr()
    _clean(out.out)
    _clean(out.err)
    assert "line one\nline two" in out.out  # line breaks stay line breaks
