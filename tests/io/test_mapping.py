"""Mapping files: renames, recodes and date formats from a site's export; malformed mappings."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter
from chart_helpers import problems, rules, write

from msrwe.errors import MappingError
from msrwe.io import SiteMapping, load_mapping, read_chart_folder

SITE_MAPPING = """
[defaults]
date_format = "%d/%m/%Y"

[patients.columns]
"Patient number" = "patient_id"
"MS course" = "phenotype"

[patients.values.phenotype]
"Secondary progressive" = "SPMS"
"Primary progressive" = "PPMS"

[visits]
file = "Clinic_Visits.xlsx"
date_format = "%Y-%m-%d"

[visits.columns]
"Patient number" = "patient_id"
"Visit date" = "date"
"EDSS score" = "edss"

[relapses.columns]
"Patient number" = "patient_id"
"Onset" = "onset_date"
"Confirmed?" = "confirmed"

[relapses.values.confirmed]
"Oui" = true
"Non" = false
"""


def test_case_01_a_site_export_through_a_mapping(tmp_path):
    # Case 1: renames, recodes, a default date format and a table's own file and format
    write(tmp_path, "site.toml", SITE_MAPPING)
    write(
        tmp_path,
        "patients.csv",
        """
        Patient number,MS course,diagnosis_date
        A1,Secondary progressive,03/12/1991
        A2,Primary progressive,31/01/1993
        A3,Relapsing,01/01/1990
        """,
    )
    wb = xlsxwriter.Workbook(tmp_path / "Clinic_Visits.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Patient number", "Visit date", "EDSS score"])
    ws.write_row(1, 0, ["A1", "2015-01-01", 6.5])
    wb.close()
    write(
        tmp_path,
        "relapses.csv",
        """
        Patient number,Onset,Confirmed?
        A1,02/03/2014,Oui
        A2,15/06/2014,non
        A2,16/06/2014,Non
        """,
    )
    result = read_chart_folder(tmp_path, tmp_path / "site.toml")
    p = result.tables["patients"]
    assert p["phenotype"].to_list() == ["SPMS", "PPMS"]
    assert p["diagnosis_date"].to_list() == [dt.date(1991, 12, 3), dt.date(1993, 1, 31)]
    assert rules(result, "patients") == [(4, "not_allowed")]
    assert result.quarantine.filter(result.quarantine["rule"] == "not_allowed")["value"][0] == (
        "Relapsing"
    )
    assert result.tables["visits"]["edss"].to_list() == [6.5]
    assert result.summary.tables["visits"].file == "Clinic_Visits.xlsx"
    r = result.tables["relapses"]
    assert r["onset_date"].to_list() == [dt.date(2014, 3, 2), dt.date(2014, 6, 16)]
    assert r["confirmed"].to_list() == [True, False]
    # recodes match the site's value exactly: "non" is neither "Non" nor a yes/no word
    assert rules(result, "relapses") == [(3, "not_a_boolean")]


def test_case_02_date_format_message_names_the_format(tmp_path):
    # Case 2: with a d/m/Y format, a bad date's message shows the expected form
    write(tmp_path, "site.toml", '[defaults]\ndate_format = "%d/%m/%Y"\n')
    write(tmp_path, "patients.csv", "patient_id,birth_date\nA1,1960-13-45\n")
    result = read_chart_folder(tmp_path, tmp_path / "site.toml")
    assert problems(result) == [("patients", 2, "birth_date", "not_a_date")]
    assert "day/month/year, e.g. 03/12/2019" in result.quarantine["message"][0]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[visit]\nfile = 'x.csv'\n", r"\[visit\] is not a chart table"),
        ("[visits]\nfiles = 'x.csv'\n", "unknown key 'visits.files'"),
        ("[defaults]\nformat = '%d'\n", "unknown key 'defaults.format'"),
        ("[visits]\ndate_format = 'dd/mm/yyyy'\n", "strftime format"),
        ("[visits.columns]\n'EDSS score' = 'edss_score'\n", "'edss_score' is not a column"),
        ("[visits.columns]\n'A' = 'edss'\n'B' = 'edss'\n", "two site columns"),
        ("[visits.values.score]\n'x' = 1\n", r"\[visits.values.score\] names no column"),
        ("[visits.values.edss]\n'x' = [1, 2]\n", "must be text, a number or true/false"),
        ("[visits\n", "not valid TOML"),
    ],
)
def test_case_03_malformed_mapping_names_the_key(tmp_path, text, needle):
    # Case 3: every mistake in a mapping file is a MappingError naming the key
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(MappingError, match=needle):
        load_mapping(path)


def test_case_04_missing_mapping_file_and_mapped_file(tmp_path):
    # Case 4: a missing mapping file, or a mapped file missing from the folder, is named
    with pytest.raises(MappingError, match="no mapping file"):
        load_mapping(tmp_path / "none.toml")
    write(tmp_path, "patients.csv", "patient_id\nA1\n")
    mapping = SiteMapping.from_dict({"visits": {"file": "Visits 2024.csv"}})
    with pytest.raises(Exception, match="no such file"):
        read_chart_folder(tmp_path, mapping)


def test_case_05_numbers_recoded(tmp_path):
    # Case 5: a recode may give a number ("unable" -> 777 for the 9-hole peg test)
    write(tmp_path, "patients.csv", "patient_id\nA1\n")
    write(tmp_path, "visits.csv", "patient_id,date,nhpt_dominant_s\nA1,2015-01-01,unable\n")
    mapping = SiteMapping.from_dict({"visits": {"values": {"nhpt_dominant_s": {"unable": 777}}}})
    result = read_chart_folder(tmp_path, mapping)
    assert result.tables["visits"]["nhpt_dominant_s"].to_list() == [777.0]
    assert problems(result) == []


def test_case_06_dates_quoted_as_the_file_writes_them(tmp_path):
    # Case 6: a date after death is quoted in the site's own format in the quarantine value
    write(tmp_path, "site.toml", '[defaults]\ndate_format = "%d/%m/%Y"\n')
    write(tmp_path, "patients.csv", "patient_id,death_date\nA1,01/06/2020\n")
    write(tmp_path, "relapses.csv", "patient_id,onset_date\nA1,15/07/2020\nA1,15/05/2020\n")
    result = read_chart_folder(tmp_path, tmp_path / "site.toml")
    assert problems(result) == [("relapses", 2, "onset_date", "date_after_death")]
    assert result.quarantine["value"][0] == "15/07/2020"


def test_case_07_mapping_of_the_wrong_type(tmp_path):
    # Case 7: a mapping that is neither a path nor a Mapping is an OptionError naming the parameter
    from msrwe.errors import OptionError

    write(tmp_path, "patients.csv", "patient_id\nA1\n")
    with pytest.raises(OptionError, match="'mapping' parameter"):
        read_chart_folder(tmp_path, {"visits": {}})  # type: ignore[arg-type]


def test_case_old_name_mapping_warns():
    # The earlier public name msrwe.io.Mapping still works, with a DeprecationWarning
    import msrwe.io

    with pytest.warns(DeprecationWarning, match="msrwe.io.Mapping is now msrwe.io.SiteMapping"):
        old = msrwe.io.Mapping
    assert old is SiteMapping
    with pytest.raises(AttributeError):
        _ = msrwe.io.NoSuchName
