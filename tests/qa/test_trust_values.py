"""QA, issue #9 items 7, 16 (import side), 17 and 22: wrong values and mappings are not accepted.

Each test names the issue item it covers and fails on the code before the fix.
"""

from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import ImportRefused, MappingError
from msrwe.io import SiteMapping as Mapping
from msrwe.io import import_folder, read_chart_folder
from msrwe.store import read_table

runner = CliRunner()


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir(exist_ok=True)
    files.setdefault("patients", "patient_id,sex,birth_date\nA1,F,1960-01-01\nA2,M,\n")
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _rules(chart, table: str) -> list[tuple[int, str]]:
    q = chart.quarantine.filter(chart.quarantine["table_name"] == table)
    return list(zip(q["row_number"].to_list(), q["rule"].to_list(), strict=True))


def test_item7_two_digit_year_read_as_year_15_is_quarantined(tmp_path):
    # Item 7: %d/%m/%Y accepted 03/04/15 as the year 15 AD and said "Nothing quarantined"
    folder = _folder(
        tmp_path,
        patients="patient_id,birth_date\nA1,03/04/15\nA2,03/04/1962\n",
        visits="patient_id,date,edss\nA2,01/02/2015,3.0\nA2,01/02/15,3.5\n",
    )
    mapping = Mapping.from_dict({"defaults": {"date_format": "%d/%m/%Y"}})
    chart = read_chart_folder(folder, mapping)
    assert _rules(chart, "patients") == [(2, "implausible_date")]
    assert _rules(chart, "visits") == [(3, "implausible_date")]
    message = chart.quarantine["message"][0]
    assert "before 1900-01-01" in message
    assert "two digits" in message
    assert "dd/mm/yyyy" in message


def test_item7_dates_after_today_are_quarantined_and_the_span_is_configurable(tmp_path):
    # Item 7: a visit in the future (a typo of the year) was imported
    future = (date.today() + timedelta(days=400)).isoformat()
    folder = _folder(
        tmp_path,
        visits=f"patient_id,date,edss\nA2,{future},3.0\nA2,1950-01-01,3.0\nA2,2015-01-01,3.0\n",
    )
    chart = read_chart_folder(folder)
    assert _rules(chart, "visits") == [(2, "implausible_date")]
    assert "after" in chart.quarantine["message"][0]
    stricter = Mapping.from_dict({"defaults": {"earliest_date": date(1980, 1, 1),
                                               "latest_date": "2099-12-31"}})
    chart = read_chart_folder(folder, stricter)
    assert _rules(chart, "visits") == [(3, "implausible_date")]


def test_item7_a_two_digit_year_format_is_refused_with_the_fix(tmp_path):
    # Item 7: a mapping with %y read 03/04/15 silently as some century
    with pytest.raises(MappingError, match=r"two-digit year.*'%d/%m/%Y'"):
        Mapping.from_dict({"visits": {"date_format": "%d/%m/%y"}})


def test_item7_age_over_110_is_quarantined(tmp_path):
    # Item 7: a visit 120 years after the birth date was imported
    folder = _folder(tmp_path, visits="patient_id,date\nA1,2015-01-01\nA1,2071-01-01\n")
    later = Mapping.from_dict({"defaults": {"latest_date": "2099-01-01"}})
    chart = read_chart_folder(folder, later)
    assert _rules(chart, "visits") == [(3, "age_over_110")]
    assert "110th birthday" in chart.quarantine["message"][0]


def test_item7_t25fw_over_180_s_is_quarantined_but_777_is_a_code(tmp_path):
    # Item 7: a 25-foot walk of 400 s (the MSFC stops a trial at 180 s) was imported
    folder = _folder(
        tmp_path,
        visits="patient_id,date,t25fw_s\nA1,2015-01-01,400\nA1,2016-01-01,777\nA1,2017-01-01,9.5\n",
    )
    chart = read_chart_folder(folder)
    assert _rules(chart, "visits") == [(2, "out_of_range")]
    assert chart.tables["visits"]["t25fw_s"].to_list() == [777.0, 9.5]


def test_item7_doses_far_above_the_usual_or_beyond_the_label_are_warned(tmp_path):
    # Item 7: a 10,000 mg rituximab infusion and a mitoxantrone total of 168 mg/m2 passed
    # silently; they are imported with a warning (a dose can be real; the chart decides)
    rows = "".join(f"A2,201{i}-01-01,mitoxantrone,12,mg/m2\n" for i in range(7))
    rows += "".join(f"A2,201{i}-06-01,mitoxantrone,24,mg/m2\n" for i in range(3))
    folder = _folder(
        tmp_path,
        administrations="patient_id,date,drug,dose,dose_unit\n"
        "A1,2015-01-01,rituximab,10000,mg\nA1,2015-07-01,rituximab,1000,mg\n" + rows,
    )
    chart = read_chart_folder(folder)
    assert chart.quarantine.height == 0
    w = chart.warnings
    assert w.filter(w["rule"] == "dose_above_usual")["row_number"].to_list() == [2]
    over = w.filter(w["rule"] == "cumulative_above_label")
    assert over.height >= 1
    assert "140 mg/m2" in over["message"][0]
    assert chart.tables["administrations"].height == 12


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.csv", "sub/../../outside.csv"])
def test_item17_a_mapping_file_outside_the_folder_is_refused(tmp_path, name):
    # Item 17: `file = "/abs/path/outside.csv"` read a file outside the chart folder
    with pytest.raises(MappingError, match="outside the chart folder"):
        Mapping.from_dict({"visits": {"file": name}})


@pytest.mark.parametrize("fmt", ["%Q-%Z", "%d/%m", "%Y-%m-%d %H:%M"])
def test_item17_a_date_format_that_is_not_a_date_is_refused(fmt):
    # Item 17: `date_format = "%Q-%Z"` was accepted and turned every date into a type error
    with pytest.raises(MappingError, match="date_format"):
        Mapping.from_dict({"defaults": {"date_format": fmt}})


def test_item16_a_column_named_like_msrwe_bookkeeping_is_refused(tmp_path):
    # Item 16: an extra column `__msrwe_row` gave a polars DuplicateError traceback
    folder = _folder(tmp_path, visits="patient_id,date,__msrwe_row\nA1,2015-01-01,x\n")
    with pytest.raises(ImportRefused, match=r"__msrwe_row.*rename it"):
        read_chart_folder(folder)


def test_item16_columns_differing_only_in_case_are_refused(tmp_path):
    # Item 16: extra columns `Note` and `note` became `Note` and `note_1` without notice
    folder = _folder(tmp_path, visits="patient_id,date,Note,note\nA1,2015-01-01,a,b\n")
    res = runner.invoke(app, ["import", str(folder), "--db", str(tmp_path / "s.duckdb")])
    assert res.exit_code == 1
    assert "'Note' and 'note' differ only in case" in " ".join(res.output.split())
    assert not (tmp_path / "s.duckdb").exists()


def test_item22_a_constant_column_from_the_mapping(tmp_path):
    # Item 22: an export without a unit column lost every dose unit; the mapping gives it
    folder = _folder(
        tmp_path,
        administrations="patient_id,date,drug,dose\nA1,2015-01-01,rituximab,1000\n"
        "A1,2015-01-15,rituximab,1000\n",
    )
    mapping = folder.parent / "site.toml"
    mapping.write_text('[administrations.constants]\ndose_unit = "mg"\nroute = "iv"\n')
    import_folder(folder, tmp_path / "s.duckdb", mapping=mapping)
    admin = read_table(tmp_path / "s.duckdb", "administrations")
    assert admin["dose_unit"].to_list() == ["mg", "mg"]
    assert admin["route"].to_list() == ["iv", "iv"]


def test_item22_a_constant_is_checked_and_cannot_hide_a_column(tmp_path):
    # Item 22: a constant breaks the rules like any cell, and a file that has the column too
    # is refused rather than silently overwritten
    folder = _folder(tmp_path, administrations="patient_id,date,drug,dose_unit\n"
                     "A1,2015-01-01,rituximab,mg\n")
    with pytest.raises(ImportRefused, match=r"constants.*has the column 'dose_unit' too"):
        read_chart_folder(folder, Mapping.from_dict(
            {"administrations": {"constants": {"dose_unit": "mg"}}}))
    with pytest.raises(MappingError, match="names no column"):
        Mapping.from_dict({"administrations": {"constants": {"unit": "mg"}}})
    (folder / "administrations.csv").write_text("patient_id,date,drug\nA1,2015-01-01,rituximab\n")
    chart = read_chart_folder(folder, Mapping.from_dict(
        {"administrations": {"constants": {"dose_unit": "ml"}}}))
    assert _rules(chart, "administrations") == [(2, "not_allowed")]
