"""QA, issue #9 items 3 and 15: every file of a chart folder is imported or listed as ignored with
the reason, and CSV files are read as Excel and Python's csv module read them.

Each test names the issue item it covers and fails on the code before the fix.
"""

import gzip
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import ImportRefused
from msrwe.io import import_folder, read_chart_folder

runner = CliRunner()

PATIENTS = "patient_id,sex\nA1,F\nA2,M\n"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    return folder


def _ignored(chart) -> dict[str, str]:
    return {i.file: i.reason for i in chart.summary.ignored}


def test_item3_near_misses_of_a_table_name_are_read(tmp_path):
    # Item 3: `Relapse.csv`, `adverse-events.csv`, `visits.txt`, `treatments.tsv` and
    # `administrations.csv.gz` were skipped without a word; they are read as their tables
    folder = _folder(tmp_path)
    (folder / "Relapse.csv").write_text("patient_id,onset_date\nA1,2015-01-01\n")
    (folder / "adverse-events.csv").write_text("patient_id,onset_date,term\nA1,2015-01-01,x\n")
    (folder / "visits.txt").write_text("patient_id,date,edss\nA1,2015-01-01,3.0\n")
    (folder / "treatments.tsv").write_text(
        "patient_id\tdrug\tstart_date\nA1\trituximab\t2015-01-01\n"
    )
    with gzip.open(folder / "administrations.csv.gz", "wt") as f:
        f.write("patient_id,date,drug\nA1,2015-01-01,rituximab\nA2,2015-02-01,rituximab\n")
    chart = read_chart_folder(folder)
    assert {n: t.file for n, t in chart.summary.tables.items()} == {
        "patients": "patients.csv",
        "visits": "visits.txt",
        "relapses": "Relapse.csv",
        "administrations": "administrations.csv.gz",
        "treatments": "treatments.tsv",
        "adverse_events": "adverse-events.csv",
    }
    assert chart.tables["administrations"].height == 2
    assert chart.tables["treatments"]["drug"].to_list() == ["rituximab"]
    assert chart.summary.ignored == ()


def test_item3_everything_else_is_listed_with_the_reason(tmp_path):
    # Item 3: a hidden `.mri.csv`, a dangling link, a folder named `visits.csv`, a misspelt
    # `vists.csv` and a Word file were skipped without a word
    folder = _folder(tmp_path)
    (folder / ".mri.csv").write_text("patient_id,date\nA1,2015-01-01\n")
    os.symlink(tmp_path / "gone.csv", folder / "relapses.csv")
    (folder / "visits.csv").mkdir()
    (folder / "vists.csv").write_text("patient_id,date\nA1,2015-01-01\n")
    (folder / "notes.docx").write_bytes(b"PK")
    (folder / "~$patients.xlsx").write_bytes(b"x")
    ignored = _ignored(read_chart_folder(folder))
    assert "hidden file (named like the mri table)" in ignored[".mri.csv"]
    assert "link to a file that does not exist" in ignored["relapses.csv"]
    assert "a folder (named like the visits table)" in ignored["visits.csv"]
    assert "did you mean visits?" in ignored["vists.csv"]
    assert "files of type .docx are not read" in ignored["notes.docx"]
    assert "lock file" in ignored["~$patients.xlsx"]


def test_item3_ignored_files_in_json_and_console(tmp_path):
    # Item 3: the import summary lists ignored files, in JSON and on the console
    folder = _folder(tmp_path)
    (folder / "vists.csv").write_text("patient_id,date\nA1,2015-01-01\n")
    db = str(tmp_path / "s.duckdb")
    res = runner.invoke(app, ["import", str(folder), "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["ignored"] == [
        {"file": "vists.csv", "reason": "the name is not a chart table; did you mean visits?"}
    ]
    res = runner.invoke(app, ["import", str(folder), "--db", db])
    assert "Ignored vists.csv: the name is not a chart table; did you mean visits?" in " ".join(
        res.output.split()
    )
    summary = import_folder(folder, db)
    assert [i.file for i in summary.ignored] == ["vists.csv"]


def test_item3_two_files_for_one_table_are_refused(tmp_path):
    # Item 3: `visits.csv` and `Visit.tsv` both hold visits: the import says which to keep
    folder = _folder(tmp_path)
    (folder / "visits.csv").write_text("patient_id,date\nA1,2015-01-01\n")
    (folder / "Visit.tsv").write_text("patient_id\tdate\nA1\t2015-01-01\n")
    with pytest.raises(ImportRefused, match="both"):
        read_chart_folder(folder)


def _visits(folder: Path, body: bytes) -> None:
    (folder / "visits.csv").write_bytes(b"patient_id,date,edss,note\n" + body)


def test_item15_stray_quotes_inside_a_cell_are_read_as_excel_does(tmp_path):
    # Item 15: `height 5'3"` and `said "fine" today` refused the whole file with
    # "CSV malformed: expected 0 rows, actual 4 rows"
    folder = _folder(tmp_path)
    _visits(folder, b"A1,2015-01-01,3.0,height 5'3\"\nA1,2016-01-01,3.5,said \"fine\" today\n"
            b'A2,2016-01-01,3.5,"quoted, with comma"\n')
    chart = read_chart_folder(folder)
    assert chart.tables["visits"]["note"].to_list() == [
        "height 5'3\"", 'said "fine" today', "quoted, with comma"
    ]


def test_item15_an_unclosed_quote_names_the_row(tmp_path):
    # Item 15: an unclosed quote named no row
    folder = _folder(tmp_path)
    _visits(folder, b'A1,2015-01-01,3.0,ok\nA1,2016-01-01,3.5,"never closed\nA2,2016-01-01,3,x\n')
    with pytest.raises(ImportRefused, match=r"row 3 \(line 3\): a quote .* never closed"):
        read_chart_folder(folder)


def test_item15_too_many_and_too_few_cells_are_quarantined_with_the_row(tmp_path):
    # Item 15: a row with too many cells named no row, and a row with 2 of 16 cells was
    # accepted silently; both are quarantined with their row number
    folder = _folder(tmp_path)
    _visits(folder, b"A1,2015-01-01,3.0,ok\nA1,2016-01-01,3.5,x,surplus\nA2,2016-01-01\n"
            b"A2,2017-01-01,4.0,\n")
    chart = read_chart_folder(folder)
    q = chart.quarantine
    assert list(zip(q["row_number"], q["rule"], strict=True)) == [
        (3, "too_many_cells"), (4, "short_row")
    ]
    assert "2 of the 4 cells" in q["message"][1]
    assert chart.tables["visits"].height == 2
    t = chart.summary.tables["visits"]
    assert (t.read, t.imported, t.quarantined) == (4, 2, 2)


def test_item15_short_rows_without_any_quote_are_found_too(tmp_path):
    # Item 15: the fast reader (no quote in the file) also quarantines a short row
    folder = _folder(tmp_path)
    _visits(folder, b"A1,2015-01-01,3.0,ok\nA1,2016-01-01\nA2,2016-01-01,3,\n")
    chart = read_chart_folder(folder)
    assert chart.quarantine.select("row_number", "rule").rows() == [(3, "short_row")]


def test_item15_cr_only_line_ends(tmp_path):
    # Item 15: CR-only line endings (old Mac exports) gave a bogus duplicate-column error
    folder = _folder(tmp_path)
    (folder / "visits.csv").write_bytes(
        b"patient_id,date,edss\rA1,2015-01-01,3.0\rA2,2016-01-01,4.0\r"
    )
    chart = read_chart_folder(folder)
    assert chart.tables["visits"]["edss"].to_list() == [3.0, 4.0]
