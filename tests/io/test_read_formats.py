"""Reading CSV, Excel and Parquet, encodings, and the fatal problems that refuse an import."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import xlsxwriter
from chart_helpers import problems, rules, warnings, write

from msrwe.errors import ImportRefused
from msrwe.io import read_chart_folder


@pytest.fixture
def folder(tmp_path):
    write(tmp_path, "patients.csv", "patient_id,sex\nA1,F\nA2,M\n")
    return tmp_path


def test_case_01_excel_sheet_named_after_the_table(folder):
    # Case 1: a workbook is read from the sheet named like the table; Excel dates are dates
    (folder / "patients.csv").unlink()
    wb = xlsxwriter.Workbook(folder / "patients.xlsx")
    wb.add_worksheet("notes").write_row(0, 0, ["nothing", "here"])
    ws = wb.add_worksheet("Patients")
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["patient_id", "sex", "birth_date"])
    ws.write_row(1, 0, ["A1", "F"])
    ws.write_datetime(1, 2, dt.datetime(1960, 5, 17), date_fmt)
    ws.write_row(2, 0, ["A2", "Q", "1962-01-01"])
    wb.close()
    result = read_chart_folder(folder)
    assert result.tables["patients"]["birth_date"].to_list() == [dt.date(1960, 5, 17)]
    assert rules(result, "patients") == [(3, "not_allowed")]


def test_case_02_excel_first_sheet_and_numbers(folder):
    # Case 2: without a sheet of that name, the first sheet; numeric cells become text then numbers
    wb = xlsxwriter.Workbook(folder / "visits.xlsx")
    ws = wb.add_worksheet("Sheet1")
    ws.write_row(0, 0, ["patient_id", "date", "edss", "fs_visual"])
    ws.write_row(1, 0, ["A1", "2015-01-01", 6.0, 2])
    ws.write_row(2, 0, ["A1", "2015-02-01", 0.5, 2])
    wb.close()
    result = read_chart_folder(folder)
    assert result.tables["visits"]["edss"].to_list() == [6.0]
    assert result.tables["visits"]["fs_visual"].to_list() == [2]
    assert rules(result, "visits") == [(3, "edss_half_step")]


def test_case_03_parquet_with_native_types(folder):
    # Case 3: Parquet dates and numbers are read through their text form and validated alike
    pl.DataFrame(
        {
            "patient_id": ["A1", "A2"],
            "date": [dt.date(2015, 1, 1), dt.date(2015, 1, 1)],
            "edss": [6.0, 0.5],
            "sdmt": [40, 41],
        }
    ).write_parquet(folder / "visits.parquet")
    result = read_chart_folder(folder)
    assert result.tables["visits"]["date"].to_list() == [dt.date(2015, 1, 1)]
    assert result.tables["visits"]["sdmt"].to_list() == [40]
    assert rules(result, "visits") == [(3, "edss_half_step")]


def test_case_04_utf8_bom(folder):
    # Case 4: a UTF-8 byte-order mark does not spoil the first column name
    (folder / "visits.csv").write_bytes(
        b"\xef\xbb\xbfpatient_id,date,edss\r\nA1,2015-01-01,6.0\r\n"
    )
    result = read_chart_folder(folder)
    assert problems(result) == []
    assert result.tables["visits"]["edss"].to_list() == [6.0]


def test_case_05_cp1252_fallback_with_warning(folder):
    # Case 5: a CSV that Excel on Windows wrote in cp1252 is read, with a warning naming the file
    (folder / "patients.csv").write_bytes(
        "patient_id,site\nA1,Hôpital Saint-Éloi\n".encode("cp1252")
    )
    result = read_chart_folder(folder)
    assert result.tables["patients"]["site"].to_list() == ["Hôpital Saint-Éloi"]
    assert warnings(result, "patients") == [(None, "encoding_fallback")]
    assert result.warnings["file"].to_list() == ["patients.csv"]


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("visits.csv", b"patient_id,date\x00,edss\nA1,2015-01-01,6\n", "binary data"),
        ("visits.csv", b"", "empty"),
        ("visits.csv", b"patient_id,edss\nA1,6.0\n", "required column 'date'"),
        ("visits.csv", b"patient_id,date,edss,edss\nA1,2015-01-01,6,6\n", "appears twice"),
        ("visits.xlsx", b"PK\x03\x04 not really a workbook", "not a readable Excel"),
        ("visits.parquet", b"PAR1 garbage", "not a readable Parquet"),
    ],
)
def test_case_06_fatal_problems_name_the_file(folder, name, content, needle):
    # Case 6: binary, empty, ragged, headless or duplicate-header files refuse the whole import
    (folder / name).write_bytes(content)
    with pytest.raises(ImportRefused, match=needle) as info:
        read_chart_folder(folder)
    assert name in str(info.value)


def test_case_07_missing_folder_and_missing_patients(tmp_path):
    # Case 7: a folder that does not exist, or one without a patients table, is refused
    with pytest.raises(ImportRefused, match="no such folder"):
        read_chart_folder(tmp_path / "nowhere")
    write(tmp_path, "visits.csv", "patient_id,date\nA1,2015-01-01\n")
    with pytest.raises(ImportRefused, match="no patients table"):
        read_chart_folder(tmp_path)


def test_case_08_two_files_for_one_table(folder):
    # Case 8: visits.csv and visits.parquet in one folder: which one is meant is not guessed
    write(folder, "visits.csv", "patient_id,date\nA1,2015-01-01\n")
    pl.DataFrame({"patient_id": ["A1"], "date": ["2015-01-01"]}).write_parquet(
        folder / "visits.parquet"
    )
    with pytest.raises(ImportRefused, match="keep one of them"):
        read_chart_folder(folder)


def test_case_09_other_files_are_ignored(folder):
    # Case 9: files that are not chart tables (notes, lock files) are left alone
    write(folder, "README.txt", "hello")
    write(folder, "notes.csv", "a,b\n1,2\n")
    (folder / "~$visits.xlsx").write_bytes(b"lock")
    result = read_chart_folder(folder)
    assert list(result.tables) == ["patients"]


def test_case_10_trailing_empty_columns_dropped(folder):
    # Case 10: trailing separators (a column with no name and no value) are dropped silently
    write(folder, "visits.csv", "patient_id,date,edss,\nA1,2015-01-01,6.0,\n")
    result = read_chart_folder(folder)
    assert result.summary.tables["visits"].extra_columns == ()
    write(folder, "visits.csv", "patient_id,date,edss,\nA1,2015-01-01,6.0,oops\n")
    with pytest.raises(ImportRefused, match="no name"):
        read_chart_folder(folder)


def test_case_11_quoted_fields_with_commas_and_newlines(folder):
    # Case 11: quoted cells may hold commas and line breaks; row numbers count records
    write(
        folder,
        "adverse_events.csv",
        'patient_id,onset_date,term\nA1,2015-01-01,"headache, severe\nafter LP"\nA1,2015-01-02,\n',
    )
    result = read_chart_folder(folder)
    assert result.tables["adverse_events"]["term"].to_list() == ["headache, severe\nafter LP"]
    assert rules(result, "adverse_events") == [(3, "missing_required")]


def test_case_12_semicolon_and_tab_separated(folder):
    # Case 12: a "CSV" with semicolons (European Excel) or tabs is read by its header's separator
    write(folder, "visits.csv", "patient_id;date;edss\nA1;2015-01-01;6.0\nA1;2015-02-01;6,5\n")
    write(folder, "relapses.csv", "patient_id\tonset_date\nA1\t2014-01-01\n")
    result = read_chart_folder(folder)
    assert result.tables["visits"]["edss"].to_list() == [6.0]
    assert rules(result, "visits") == [(3, "not_a_number")]
    assert result.tables["relapses"].height == 1


def test_case_13_excel_date_serial_hint(folder):
    # Case 13: a date cell holding an unformatted Excel serial number gets a hint, not a guess
    wb = xlsxwriter.Workbook(folder / "visits.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["patient_id", "date", "edss"])
    ws.write_row(1, 0, ["A1", 42005, 6.0])
    wb.close()
    result = read_chart_folder(folder)
    assert rules(result, "visits") == [(2, "not_a_date")]
    assert "Excel date serial number" in result.quarantine["message"][0]


def test_case_14_excel_repeated_column_name(folder):
    # Case 14: a workbook whose header repeats a name is refused, as a CSV would be
    wb = xlsxwriter.Workbook(folder / "visits.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["patient_id", "date", "edss", "edss"])
    ws.write_row(1, 0, ["A1", "2015-01-01", 6.0, 6.5])
    wb.close()
    with pytest.raises(ImportRefused, match="'edss' appears twice"):
        read_chart_folder(folder)


def test_case_15_excel_sheet_starting_lower_keeps_spreadsheet_rows(folder):
    # Case 15: a sheet whose header is on row 3 reports rows as Excel shows them (row 6 here)
    wb = xlsxwriter.Workbook(folder / "visits.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(2, 0, ["patient_id", "date", "edss"])
    ws.write_row(3, 0, ["A1", "2015-01-01", 6.0])
    ws.write_row(5, 0, ["A1", "2015-02-01", 0.5])
    wb.close()
    result = read_chart_folder(folder)
    assert rules(result, "visits") == [(6, "edss_half_step")]
