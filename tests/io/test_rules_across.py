"""The chart contract's rules between rows and tables, and the import's accounting.

Numbered cases continue those of test_rules.py (cases 1-25: types, values, rules within a row).
Row numbers are as a spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from chart_helpers import balanced, chart, problems, rules

# ---------------------------------------------------------------- duplicates


def test_case_26_exact_duplicate_keeps_the_first(tmp_path):
    # Case 26: an exact repeat is quarantined ("same as row 2"); the first is imported
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1,2015-01-01,6.0
        A1,2015-01-01,6.0
        A1,2015-01-01,6
        """,
    )
    assert rules(result, "visits") == [(3, "duplicate_row"), (4, "duplicate_row")]
    assert "repeats row 2" in result.quarantine["message"][0]
    assert result.tables["visits"].height == 1


def test_case_27_conflicting_key_quarantines_all(tmp_path):
    # Case 27: two visits of one patient on one date with different EDSS: both are quarantined
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1,2015-01-01,6.0
        A1,2015-01-01,6.5
        A1,2015-02-01,6.5
        """,
    )
    assert rules(result, "visits") == [(2, "duplicate_key"), (3, "duplicate_key")]
    assert "rows 2, 3" in result.quarantine["message"][0]
    assert result.tables["visits"]["date"].to_list() == [dt.date(2015, 2, 1)]


def test_case_28_duplicate_patient_ids(tmp_path):
    # Case 28: a patient listed twice with different data is quarantined, and so are their visits
    result = chart(
        tmp_path,
        patients="""
        patient_id,sex
        A1,F
        A1,M
        A2,M
        """,
        visits="""
        patient_id,date,edss
        A1,2015-01-01,6.0
        A2,2015-01-01,4.0
        """,
    )
    assert rules(result, "patients") == [(2, "duplicate_key"), (3, "duplicate_key")]
    assert rules(result, "visits") == [(2, "unknown_patient")]
    assert (
        "was quarantined"
        in result.quarantine.filter(pl.col("table_name") == "visits")["message"][0]
    )


def test_case_29_repeat_of_a_row_without_key(tmp_path):
    # Case 29: tables without a key (relapses) still lose exact repeats
    result = chart(
        tmp_path,
        relapses="""
        patient_id,onset_date,confirmed
        A1,2015-01-01,yes
        A1,2015-01-01,yes
        A1,2015-01-01,no
        """,
    )
    assert rules(result, "relapses") == [(3, "duplicate_row")]


# ---------------------------------------------------------------- rules across tables


def test_case_30_unknown_patient(tmp_path):
    # Case 30: a row of a patient missing from patients is quarantined
    result = chart(
        tmp_path,
        relapses="""
        patient_id,onset_date
        A1,2015-01-01
        B7,2015-01-01
        """,
    )
    assert problems(result) == [("relapses", 3, "patient_id", "unknown_patient")]
    assert result.quarantine["message"][0] == "patient B7 is not in the patients table"


def test_case_31_dated_after_death(tmp_path):
    # Case 31: nothing of a patient may be dated after the death (A2 died 2020-06-30)
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A2,2020-06-30,8.0
        A2,2020-07-01,8.0
        """,
        treatments="""
        patient_id,drug,start_date,stop_date
        A2,rituximab,2019-01-01,2021-01-01
        """,
    )
    assert problems(result) == [
        ("treatments", 2, "stop_date", "date_after_death"),
        ("visits", 3, "date", "date_after_death"),
    ]


def test_case_32_dated_before_birth(tmp_path):
    # Case 32: no date of a patient may come before the birth, in patients or elsewhere
    result = chart(
        tmp_path,
        patients="""
        patient_id,birth_date,ms_onset_date,death_date
        A1,1960-01-01,1955-01-01,
        A2,1960-01-01,1990-01-01,1950-01-01
        A3,1960-01-01,1990-01-01,
        """,
        mri="""
        patient_id,date,gd_lesions
        A3,1959-12-31,0
        A3,2015-01-01,0
        """,
    )
    assert problems(result) == [
        ("mri", 2, "date", "date_before_birth"),
        ("patients", 2, "ms_onset_date", "date_before_birth"),
        ("patients", 3, "death_date", "date_before_birth"),
        ("patients", 3, "ms_onset_date", "date_after_death"),
    ]


def test_case_33_death_date_in_patients(tmp_path):
    # Case 33: a diagnosis after the death is quarantined in the patients table itself
    result = chart(
        tmp_path,
        patients="""
        patient_id,diagnosis_date,death_date
        A1,2021-01-01,2020-01-01
        """,
    )
    assert problems(result) == [("patients", 2, "diagnosis_date", "date_after_death")]


# ---------------------------------------------------------------- accounting and extras


def test_case_34_extra_columns_are_kept_as_text(tmp_path):
    # Case 34: columns outside the contract are kept, as text, and reported
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss,Rater,room
        A1,2015-01-01,6.0,Dr Who,12
        """,
    )
    v = result.tables["visits"]
    assert v.columns[-2:] == ["Rater", "room"]
    assert v["room"].to_list() == ["12"]
    assert result.summary.tables["visits"].extra_columns == ("Rater", "room")


def test_case_35_header_case_is_ignored(tmp_path):
    # Case 35: "Patient_ID" and "EDSS" are the contract's patient_id and edss
    result = chart(tmp_path, visits="Patient_ID,Date,EDSS\nA1,2015-01-01,6.0\n")
    assert result.tables["visits"]["edss"].to_list() == [6.0]
    assert result.summary.tables["visits"].extra_columns == ()


def test_case_36_blank_rows_are_skipped_but_numbering_follows_the_file(tmp_path):
    # Case 36: an empty line is not a row, but later rows keep their spreadsheet numbers
    folder = tmp_path
    (folder / "patients.csv").write_text("patient_id\nA1\n")
    (folder / "visits.csv").write_text(
        "patient_id,date,edss\nA1,2015-01-01,6.0\n,,\nA1,2015-02-01,0.5\n"
    )
    from msrwe.io import read_chart_folder

    result = read_chart_folder(folder)
    assert rules(result, "visits") == [(4, "edss_half_step")]
    t = result.summary.tables["visits"]
    assert (t.read, t.imported, t.quarantined) == (2, 1, 1)


def test_case_37_accounting_balances(tmp_path):
    # Case 37: read = imported + quarantined for every table, whatever breaks
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1,2015-01-01,6.0
        A1,2015-01-01,6.0
        Z9,2015-01-01,0.5
        A1,x,6.0
        """,
    )
    assert balanced(result)
    t = result.summary.tables["visits"]
    assert (t.read, t.imported, t.quarantined) == (4, 1, 3)


# ---------------------------------------------------------------- the remaining columns

REQUIRED_CELLS = [
    ("patients", "patient_id,sex\nA1,F\n,M\n"),
    ("relapses", "patient_id,onset_date\nA1,\n"),
    ("administrations", "patient_id,date,drug\nA1,2015-01-01,\n"),
    ("treatments", "patient_id,drug,start_date\nA1,rituximab,\n"),
    ("treatments", "patient_id,drug,start_date\nA1,,2015-01-01\n"),
    ("adverse_events", "patient_id,onset_date,term\nA1,,headache\n"),
    ("hospitalizations", "patient_id,admit_date\nA1,\n"),
    ("mri", "patient_id,date\n,2015-01-01\n"),
    ("biomarkers", "patient_id,date,marker,value\nA1,2015-01-01,,3\n"),
]


@pytest.mark.parametrize(("table", "text"), REQUIRED_CELLS)
def test_case_38_every_required_cell(tmp_path, table, text):
    # Case 38: an empty required cell in any table is quarantined as missing_required
    if table == "patients":  # the second patient has no identifier
        assert rules(chart(tmp_path, patients=text), table) == [(3, "missing_required")]
    else:
        assert rules(chart(tmp_path, **{table: text}), table) == [(2, "missing_required")]


def test_case_39_relapse_booleans(tmp_path):
    # Case 39: confirmed defaults to true when empty; steroids stays empty when empty
    result = chart(
        tmp_path,
        relapses="""
        patient_id,onset_date,confirmed,steroids
        A1,2014-01-01,,yes
        A1,2015-01-01,no,
        A1,2016-01-01,sometimes,
        """,
    )
    r = result.tables["relapses"]
    assert r["confirmed"].to_list() == [True, False]
    assert r["steroids"].to_list() == [True, None]
    assert rules(result, "relapses") == [(4, "not_a_boolean")]


def test_case_40_hospitalization_relatedness_and_ae_flags(tmp_path):
    # Case 40: relatedness uses the adverse-event list; serious and infection are booleans
    result = chart(
        tmp_path,
        hospitalizations="""
        patient_id,admit_date,related
        A1,2015-01-01,unrelated
        A1,2015-02-01,probably
        """,
        adverse_events="""
        patient_id,onset_date,term,serious,infection,pt_code
        A1,2015-01-01,pneumonia,yes,1,10035664
        A1,2015-02-01,cold,perhaps,0,
        """,
    )
    assert rules(result, "hospitalizations") == [(3, "not_allowed")]
    assert rules(result, "adverse_events") == [(3, "not_a_boolean")]
    ae = result.tables["adverse_events"]
    assert ae.row(0, named=True)["infection"] is True
    assert ae.row(0, named=True)["pt_code"] == "10035664"


def test_case_41_body_size_and_lesion_counts(tmp_path):
    # Case 41: BSA and weight > 0; new and enlarging T2 lesion counts >= 0; brain volume > 0
    result = chart(
        tmp_path,
        administrations="""
        patient_id,date,drug,dose,dose_unit,bsa_m2,weight_kg
        A1,2015-01-01,mitoxantrone,12,mg/m2,1.8,70
        A1,2015-02-01,mitoxantrone,12,mg/m2,0,70
        A1,2015-03-01,mitoxantrone,12,mg/m2,1.8,-70
        """,
        mri="""
        patient_id,date,new_t2_lesions,enlarging_t2_lesions,brain_volume_ml
        A1,2015-01-01,0,0,1400
        A1,2015-02-01,-1,0,1400
        A1,2015-03-01,0,-2,1400
        A1,2015-04-01,0,0,0
        """,
    )
    assert rules(result, "administrations") == [(3, "out_of_range"), (4, "out_of_range")]
    assert rules(result, "mri") == [(3, "out_of_range"), (4, "out_of_range"), (5, "out_of_range")]


def test_case_42_patient_quarantined_for_own_dates_takes_their_rows(tmp_path):
    # Case 42: a patient quarantined by a rule across tables (onset before birth) is unknown
    # to the other tables, so the store never holds visits of a patient it does not hold
    result = chart(
        tmp_path,
        patients="""
        patient_id,birth_date,ms_onset_date
        A1,1960-01-01,1950-01-01
        A2,1960-01-01,1990-01-01
        """,
        visits="""
        patient_id,date,edss
        A1,2015-01-01,6.0
        A2,2015-01-01,6.0
        """,
    )
    assert problems(result) == [
        ("patients", 2, "ms_onset_date", "date_before_birth"),
        ("visits", 2, "patient_id", "unknown_patient"),
    ]
    assert result.tables["visits"]["patient_id"].to_list() == ["A2"]
    assert "(row 2) but it was quarantined" in result.quarantine["message"][1]
