"""QA, issue #9 items 4 and 6 (workbooks): Excel error cells and formulas without a value are
quarantined with their cell reference, the sheet read is chosen and named, and a workbook that
would exhaust memory or makes the reader panic is refused.

Each test names the issue item it covers and fails on the code before the fix.
"""

import zipfile
from pathlib import Path

import openpyxl
import pytest

from msrwe.errors import ImportRefused
from msrwe.io import SiteMapping as Mapping
from msrwe.io import import_folder, read_chart_folder


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id\nA1\nA2\n", encoding="utf-8")
    return folder


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


VISITS = [
    ["patient_id", "date", "edss"],
    ["A1", "2015-01-01", 3.0],
    ["A1", "2016-01-01", "#N/A"],
    ["A1", "2017-01-01", "=1/0"],
    ["A2", "2017-01-01", "#DIV/0!"],
    ["A2", "2018-01-01", "#VALUE!"],
]


def test_item4_error_cells_and_uncached_formulas_are_quarantined_with_the_cell(tmp_path):
    # Item 4: #N/A, #DIV/0!, #VALUE! and a formula without a saved value became empty EDSS
    # values, silently; each row is quarantined with the cell reference and the error
    folder = _folder(tmp_path)
    _book(folder / "visits.xlsx", {"Clinic visits": VISITS})
    chart = read_chart_folder(folder)
    q = chart.quarantine
    assert q.select("row_number", "column_name", "value", "rule").rows() == [
        (3, "edss", "#N/A", "excel_error"),
        (4, "edss", "=1/0", "formula_without_value"),
        (5, "edss", "#DIV/0!", "excel_error"),
        (6, "edss", "#VALUE!", "excel_error"),
    ]
    assert "Clinic visits!C3" in q["message"][0]
    assert "Clinic visits!C4" in q["message"][1]
    assert chart.tables["visits"].height == 1
    t = chart.summary.tables["visits"]
    assert (t.read, t.imported, t.quarantined, t.sheet) == (5, 1, 4, "Clinic visits")


def test_item4_the_sheet_named_after_the_table_is_read_and_named(tmp_path):
    # Item 4: other sheets were ignored and the summary did not say which sheet was read
    folder = _folder(tmp_path)
    _book(folder / "visits.xlsx", {"Notes": [["x"], ["y"]], "Visits": VISITS[:2]})
    summary = import_folder(folder, tmp_path / "s.duckdb")
    assert summary.tables["visits"].sheet == "Visits"
    assert summary.to_json_dict()["tables"]["visits"]["sheet"] == "Visits"


def test_item4_several_candidate_sheets_are_refused_with_their_names(tmp_path):
    # Item 4: a workbook whose data sits on a second sheet was read from the first sheet
    folder = _folder(tmp_path)
    _book(folder / "visits.xlsx", {"Readme": [["about"]], "Clinic visits": VISITS[:2],
                                   "Empty": []})
    with pytest.raises(ImportRefused, match=r"'Readme', 'Clinic visits'.*sheet = \"Readme\""):
        read_chart_folder(folder)


def test_item4_the_mapping_names_the_sheet(tmp_path):
    # Item 4: `sheet = "Clinic visits"` in a mapping picks the sheet; a wrong name lists them
    folder = _folder(tmp_path)
    _book(folder / "visits.xlsx", {"Readme": [["about"]], "Clinic visits": VISITS[:2]})
    chart = read_chart_folder(folder, Mapping.from_dict({"visits": {"sheet": "Clinic visits"}}))
    assert chart.tables["visits"]["edss"].to_list() == [3.0]
    with pytest.raises(ImportRefused, match="the workbook's sheets are 'Readme', 'Clinic"):
        read_chart_folder(folder, Mapping.from_dict({"visits": {"sheet": "Visits 2020"}}))


def test_item6_a_zip_bomb_is_refused_before_it_is_decompressed(tmp_path, monkeypatch):
    # Item 6: a 2 MB workbook expanding to a 2 GB cell took 6.5 GB and then panicked; the sizes
    # of the parts are checked first (the limit is lowered so that the test stays small)
    folder = _folder(tmp_path)
    path = folder / "visits.xlsx"
    _book(path, {"visits": VISITS[:2]})
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"<sst>" + b"A" * (8 << 20) + b"</sst>")
    monkeypatch.setattr("msrwe.io._excel.MAX_XLSX_BYTES", 4 << 20, raising=False)
    with pytest.raises(ImportRefused, match="would expand to more than"):
        read_chart_folder(folder)


def test_item6_a_panic_of_the_excel_reader_is_refused(tmp_path, monkeypatch):
    # Item 6: a Rust panic of the reader (pyo3's PanicException is a BaseException, not an
    # Exception) escaped as a traceback; it is refused like an unreadable workbook
    folder = _folder(tmp_path)
    _book(folder / "visits.xlsx", {"visits": VISITS[:2]})
    panic = type("PanicException", (BaseException,), {})
    import fastexcel

    def boom(*args, **kwargs):
        raise panic("capacity overflow")

    monkeypatch.setattr(fastexcel, "read_excel", boom)
    with pytest.raises(ImportRefused, match="the Excel reader failed on this workbook"):
        read_chart_folder(folder)
