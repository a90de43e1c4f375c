"""QA: chart files a site really sends, read by ``msrwe import``.

Each case is a defect found by importing odd files as a research coordinator would; the test
fails without its fix.
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import ImportRefused
from msrwe.io import read_chart_folder

runner = CliRunner()

PATIENTS = (
    "patient_id,sex,birth_date,phenotype\n"
    "A1,F,1960-01-01,SPMS\n"
    "A2,M,1962-01-01,PPMS\n"
)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text(PATIENTS, encoding="utf-8")
    return folder


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_case1_utf16_csv_is_read_as_text(tmp_path, encoding):
    # Case 1: Excel's "Unicode Text" export (UTF-16 with a byte-order mark, here tab-separated,
    # with an accented name) was refused as "binary data (NUL bytes)"; it is read losslessly,
    # without the Windows-1252 warning, since nothing was guessed.
    folder = _folder(tmp_path)
    text = "patient_id\tsex\tsite\nA1\tF\tSaint-Étienne\nA2\tM\tLyon\n"
    data = text.encode(encoding)
    if encoding != "utf-16":  # utf-16 writes its own byte-order mark
        data = "\ufeff".encode(encoding) + data
    (folder / "patients.csv").write_bytes(data)
    result = read_chart_folder(folder)
    assert result.tables["patients"]["site"].to_list() == ["Saint-Étienne", "Lyon"]
    assert result.tables["patients"]["sex"].to_list() == ["F", "M"]
    assert result.warnings.filter(result.warnings["rule"] == "encoding_fallback").height == 0


def test_case2_utf16_garbage_is_refused_with_the_encoding_named(tmp_path):
    # Case 2: a UTF-16 byte-order mark followed by a lone surrogate cannot be decoded
    folder = _folder(tmp_path)
    (folder / "visits.csv").write_bytes(b"\xff\xfe" + "patient_id,date\n".encode("utf-16-le")
                                        + b"\x00\xd8")
    with pytest.raises(ImportRefused, match="UTF-16"):
        read_chart_folder(folder)


def test_case3_header_with_too_many_columns_is_refused(tmp_path):
    # Case 3: a visits file whose header has 200,000 columns (a transposed export) made the
    # import read it whole and the process was killed for lack of memory (exit 137, no message).
    folder = _folder(tmp_path)
    header = "patient_id,date," + ",".join(f"v{i}" for i in range(1500))
    (folder / "visits.csv").write_text(header + "\nA1,2015-01-01\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"visits\.csv: the header row has 1,502 columns"):
        read_chart_folder(folder)


def test_case4_header_longer_than_a_mebibyte_is_refused(tmp_path):
    # Case 4: a first line of 2 MB (no line break) is not a header: refused before reading
    folder = _folder(tmp_path)
    (folder / "visits.csv").write_text("patient_id," + "x" * 2_000_000 + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="longer than 1 MiB"):
        read_chart_folder(folder)


def test_case5_wide_header_via_the_command_exits_1_and_leaves_no_store(tmp_path):
    # Case 5: through the command: a message naming the file, exit 1, no store created
    folder = _folder(tmp_path)
    header = "patient_id;date;" + ";".join(f"v{i}" for i in range(2000))
    (folder / "visits.csv").write_text(header + "\nA1;2015-01-01\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["import", str(folder), "--db", str(db)])
    assert res.exit_code == 1
    assert "visits.csv" in res.output
    assert "columns" in res.output
    assert not db.exists()


def test_case6_a_wide_but_plausible_export_is_still_read(tmp_path):
    # Case 6: 300 extra columns (a REDCap-style export) stay under the limit and are kept
    folder = _folder(tmp_path)
    header = "patient_id,date,edss," + ",".join(f"extra_{i}" for i in range(300))
    (folder / "visits.csv").write_text(
        header + "\nA1,2015-01-01,6.5" + "," * 300 + "\n", encoding="utf-8"
    )
    result = read_chart_folder(folder)
    assert result.tables["visits"]["edss"].to_list() == [6.5]


@pytest.mark.parametrize("name", ["patients.xls", "patients.xlsx"])
def test_case7_broken_workbook_says_what_to_do(tmp_path, name):
    # Case 7: a file named .xls/.xlsx that is not a workbook printed the Excel reader's
    # multi-line report ("calamine error: ... Context: 0: Could not open workbook ..."); the
    # message gives the likely causes and the fix on one line
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / name).write_bytes(b"patient_id,sex\nA1,F\n")
    with pytest.raises(ImportRefused) as info:
        read_chart_folder(folder)
    message = str(info.value)
    assert message.startswith(str(folder / name))
    assert "save it again as .xlsx" in message
    assert "\n" not in message
    assert "Context:" not in message
