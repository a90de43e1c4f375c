"""Every rule of the chart contract within a row, one numbered case each, on tiny hand-written
tables (cases 26-42, rules between rows and tables, are in test_rules_across.py).

Row numbers are as a spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from chart_helpers import chart, problems, rules, warnings

# ---------------------------------------------------------------- types


def test_case_01_valid_visits_are_imported_typed(tmp_path):
    # Case 1: a valid table is imported whole, with contract types
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss,fs_pyramidal,t25fw_s,scheduled
        A1,2015-01-01,6.0,3,7.5,yes
        A1,2015-06-01,6.5,4,8.25,N
        """,
    )
    v = result.tables["visits"]
    assert problems(result) == []
    assert v["date"].to_list() == [dt.date(2015, 1, 1), dt.date(2015, 6, 1)]
    assert v["edss"].to_list() == [6.0, 6.5]
    assert v["fs_pyramidal"].to_list() == [3, 4]
    assert v["t25fw_s"].to_list() == [7.5, 8.25]
    assert v["scheduled"].to_list() == [True, False]
    assert v.schema["fs_pyramidal"] == pl.Int64
    assert v.schema["sdmt"] == pl.Int64  # absent from the file, present as NULL
    assert v["sdmt"].null_count() == 2


def test_case_02_not_a_date(tmp_path):
    # Case 2: a date that is not ISO (or not a real day) is quarantined as not_a_date
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1,15/03/2015,6.0
        A1,2015-02-30,6.0
        A1,2015-03-01,6.0
        """,
    )
    assert rules(result, "visits") == [(2, "not_a_date"), (3, "not_a_date")]
    q = result.quarantine.row(0, named=True)
    assert q["value"] == "15/03/2015"
    assert "e.g. 2019-12-03" in q["message"]


def test_case_03_not_a_number(tmp_path):
    # Case 3: "6,5" (decimal comma), "nan" and text in a number column are not numbers
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss,t25fw_s
        A1,2015-01-01,"6,5",
        A1,2015-02-01,6.0,nan
        A1,2015-03-01,6.0,slow
        """,
    )
    assert rules(result, "visits") == [
        (2, "not_a_number"),
        (3, "not_a_number"),
        (4, "not_a_number"),
    ]


def test_case_04_not_an_integer(tmp_path):
    # Case 4: an FS grade of 2.5 is not a whole number; "3.0" is accepted as 3
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,fs_pyramidal
        A1,2015-01-01,2.5
        A1,2015-02-01,3.0
        """,
    )
    assert rules(result, "visits") == [(2, "not_an_integer")]
    assert result.tables["visits"]["fs_pyramidal"].to_list() == [3]


def test_case_05_booleans_and_defaults(tmp_path):
    # Case 5: true/false, yes/no, y/n, 1/0 in any case; empty scheduled means true; "maybe" fails
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss,scheduled
        A1,2015-01-01,6.0,TRUE
        A1,2015-02-01,6.0,no
        A1,2015-03-01,6.0,Y
        A1,2015-04-01,6.0,0
        A1,2015-05-01,6.0,
        A1,2015-06-01,6.0,maybe
        """,
    )
    assert rules(result, "visits") == [(7, "not_a_boolean")]
    assert result.tables["visits"]["scheduled"].to_list() == [True, False, True, False, True]


def test_case_06_missing_required_value(tmp_path):
    # Case 6: an empty required cell (visit date) is missing_required
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1,,6.0
        """,
    )
    assert rules(result, "visits") == [(2, "missing_required")]


def test_case_07_whitespace_is_trimmed(tmp_path):
    # Case 7: spaces around a value are not an error
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1 , 2015-01-01 , 6.0
        """,
    )
    assert problems(result) == []
    assert result.tables["visits"].row(0)[:3] == ("A1", dt.date(2015, 1, 1), 6.0)


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("edss", "rule"),
    [
        ("0", None),
        ("1.0", None),
        ("1.5", None),
        ("9.5", None),
        ("10", None),
        ("0.5", "edss_half_step"),
        ("6.25", "edss_half_step"),
        ("10.5", "out_of_range"),
        ("-1", "out_of_range"),
    ],
)
def test_case_08_edss_steps(tmp_path, edss, rule):
    # Case 8: EDSS takes 0, 1.0, 1.5, ..., 9.5, 10; 0.5 and quarter steps are invalid
    result = chart(tmp_path, visits=f"patient_id,date,edss\nA1,2015-01-01,{edss}\n")
    assert rules(result, "visits") == ([] if rule is None else [(2, rule)])


def test_case_09_edss_message_cites_kurtzke(tmp_path):
    # Case 9: the EDSS message says why, in clinical terms
    result = chart(tmp_path, visits="patient_id,date,edss\nA1,2015-01-01,0.5\n")
    message = result.quarantine["message"][0]
    assert message.startswith("EDSS 0.5 is not a valid score")
    assert "Kurtzke 1983" in message


@pytest.mark.parametrize(
    ("column", "top"),
    [
        ("fs_pyramidal", 6),
        ("fs_cerebellar", 5),
        ("fs_brainstem", 5),
        ("fs_sensory", 6),
        ("fs_bowel_bladder", 6),
        ("fs_visual", 6),
        ("fs_cerebral", 5),
        ("ambulation", 16),
        ("sdmt", 110),
    ],
)
def test_case_10_integer_ranges(tmp_path, column, top):
    # Case 10: FS grades, ambulation and SDMT have their own ranges (clinical-methods.md 1.3)
    result = chart(
        tmp_path,
        visits=f"""
        patient_id,date,{column}
        A1,2015-01-01,0
        A1,2015-02-01,{top}
        A1,2015-03-01,{top + 1}
        A1,2015-04-01,-1
        """,
    )
    assert rules(result, "visits") == [(4, "out_of_range"), (5, "out_of_range")]


def test_case_11_timed_tests_positive_and_777(tmp_path):
    # Case 11: T25FW and 9HPT must be > 0; 777 is the "unable because of MS" code of the 9HPT
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,t25fw_s,nhpt_dominant_s,nhpt_nondominant_s
        A1,2015-01-01,0,20,777
        A1,2015-02-01,7.5,-3,25
        A1,2015-03-01,7.5,777,25
        """,
    )
    assert rules(result, "visits") == [(2, "out_of_range"), (3, "out_of_range")]
    assert result.tables["visits"]["nhpt_dominant_s"].to_list() == [777.0]


def test_case_12_allowed_values(tmp_path):
    # Case 12: sex and phenotype take the contract's values only (case matters)
    result = chart(
        tmp_path,
        patients="""
        patient_id,sex,phenotype
        A1,F,SPMS
        A2,female,PPMS
        A3,M,spms
        A4,X,CIS
        """,
    )
    assert rules(result, "patients") == [(3, "not_allowed"), (4, "not_allowed")]
    assert "use one of F, M, X" in result.quarantine["message"][0]


def test_case_13_prms_recorded_as_ppms(tmp_path):
    # Case 13: PRMS is accepted and recorded as PPMS, with a warning (Lublin 2014)
    result = chart(tmp_path, patients="patient_id,phenotype\nA1,PRMS\n")
    assert result.tables["patients"]["phenotype"].to_list() == ["PPMS"]
    assert warnings(result, "patients") == [(2, "prms_recorded_as_ppms")]


def test_case_14_administrations(tmp_path):
    # Case 14: route and dose unit from the contract's lists; dose > 0; drug required
    result = chart(
        tmp_path,
        administrations="""
        patient_id,date,drug,route,dose,dose_unit
        A1,2015-01-01,methotrexate,intrathecal,12.5,mg
        A1,2015-02-01,methotrexate,spinal,12.5,mg
        A1,2015-03-01,methotrexate,intrathecal,0,mg
        A1,2015-04-01,methotrexate,intrathecal,12.5,ml
        A1,2015-05-01,,intrathecal,12.5,mg
        """,
    )
    assert rules(result, "administrations") == [
        (3, "not_allowed"),
        (4, "out_of_range"),
        (5, "not_allowed"),
        (6, "missing_required"),
    ]


def test_case_15_drug_names_lower_case(tmp_path):
    # Case 15: a generic name written "Methotrexate" is stored in lower case, with a warning
    result = chart(
        tmp_path,
        administrations="""
        patient_id,date,drug
        A1,2015-01-01,Methotrexate
        A1,2015-02-01,methotrexate
        """,
    )
    assert result.tables["administrations"]["drug"].to_list() == ["methotrexate"] * 2
    assert warnings(result, "administrations") == [(2, "recorded_in_lower_case")]


def test_case_16_adverse_event_values(tmp_path):
    # Case 16: CTCAE grade 1-5; seriousness criteria a ';' list; relatedness and outcome lists
    result = chart(
        tmp_path,
        adverse_events="""
        patient_id,onset_date,term,grade,serious_criteria,related,outcome
        A1,2015-01-01,headache,2,,possibly_related,recovered
        A1,2015-02-01,headache,6,,,
        A1,2015-03-01,meningitis,4,hospitalization; life_threatening,related,recovering
        A1,2015-04-01,fall,3,hospitalization;broken leg,,
        A1,2015-05-01,nausea,1,,maybe,
        A1,2015-06-01,nausea,1,,,better
        A1,2015-07-01,,1,,,
        """,
    )
    assert rules(result, "adverse_events") == [
        (3, "out_of_range"),
        (5, "not_allowed"),
        (6, "not_allowed"),
        (7, "not_allowed"),
        (8, "missing_required"),
    ]


def test_case_17_treatments_stop_reason(tmp_path):
    # Case 17: stop_reason from the contract's list
    result = chart(
        tmp_path,
        treatments="""
        patient_id,drug,start_date,stop_date,stop_reason
        A1,rituximab,2010-01-01,2012-01-01,inefficacy
        A1,ocrelizumab,2012-02-01,2013-01-01,bored
        """,
    )
    assert rules(result, "treatments") == [(3, "not_allowed")]


def test_case_18_mri_and_biomarkers(tmp_path):
    # Case 18: lesion counts >= 0, volumes > 0, biomarker value required and >= 0
    result = chart(
        tmp_path,
        mri="""
        patient_id,date,gd_lesions,t2_volume_ml
        A1,2015-01-01,0,12.5
        A1,2015-02-01,-1,12.5
        A1,2015-03-01,1,0
        """,
        biomarkers="""
        patient_id,date,marker,value,unit
        A1,2015-01-01,snfl,12.3,pg/mL
        A1,2015-02-01,snfl,,pg/mL
        A1,2015-03-01,snfl,-2,pg/mL
        """,
    )
    assert rules(result, "mri") == [(3, "out_of_range"), (4, "out_of_range")]
    assert rules(result, "biomarkers") == [(3, "missing_required"), (4, "out_of_range")]


# ---------------------------------------------------------------- rules within a row


def test_case_19_onset_after_diagnosis(tmp_path):
    # Case 19: MS onset may not come after the diagnosis
    result = chart(
        tmp_path,
        patients="""
        patient_id,ms_onset_date,diagnosis_date
        A1,1990-01-01,1991-01-01
        A2,1995-01-01,1991-01-01
        A3,1991-01-01,1991-01-01
        """,
    )
    assert problems(result) == [("patients", 3, "diagnosis_date", "onset_after_diagnosis")]


def test_case_20_spms_conversion_only_for_spms(tmp_path):
    # Case 20: an SPMS conversion date is allowed only when the phenotype is SPMS
    result = chart(
        tmp_path,
        patients="""
        patient_id,phenotype,spms_conversion_date
        A1,SPMS,2005-01-01
        A2,RRMS,2005-01-01
        A3,,2005-01-01
        A4,Secondary progressive,2005-01-01
        """,
    )
    # A4's phenotype is itself invalid: quarantined for that alone
    assert rules(result, "patients") == [(3, "spms_conversion_not_spms"), (5, "not_allowed")]
    assert "phenotype is RRMS" in result.quarantine["message"][0]


def test_case_21_stop_before_start(tmp_path):
    # Case 21: a treatment course cannot stop before it starts (same day is fine)
    result = chart(
        tmp_path,
        treatments="""
        patient_id,drug,start_date,stop_date
        A1,rituximab,2010-01-01,2009-12-31
        A1,ocrelizumab,2012-01-01,2012-01-01
        A1,siponimod,2013-01-01,
        """,
    )
    assert problems(result) == [("treatments", 2, "stop_date", "stop_before_start")]
    assert "2009-12-31, before it starts on 2010-01-01" in result.quarantine["message"][0]


def test_case_22_end_before_onset(tmp_path):
    # Case 22: an adverse event cannot end before its onset
    result = chart(
        tmp_path,
        adverse_events="""
        patient_id,onset_date,end_date,term
        A1,2015-01-10,2015-01-09,headache
        A1,2015-01-10,2015-01-12,headache
        """,
    )
    assert problems(result) == [("adverse_events", 2, "end_date", "end_before_onset")]


def test_case_23_discharge_before_admit(tmp_path):
    # Case 23: a hospital stay cannot end before admission
    result = chart(
        tmp_path,
        hospitalizations="""
        patient_id,admit_date,discharge_date
        A1,2015-01-10,2015-01-01
        A1,2015-02-10,2015-02-12
        """,
    )
    assert problems(result) == [("hospitalizations", 2, "discharge_date", "discharge_before_admit")]


def test_case_24_visit_without_measures_is_kept_and_flagged(tmp_path):
    # Case 24: a visit row with no measure is imported, with a warning
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss
        A1,2015-01-01,
        A1,2015-02-01,6.0
        """,
    )
    assert problems(result) == []
    assert result.tables["visits"].height == 2
    assert warnings(result, "visits") == [(2, "no_measures")]


def test_case_25_several_problems_in_one_row_are_each_listed(tmp_path):
    # Case 25: a row that breaks three rules gives three quarantine rows but counts once
    result = chart(
        tmp_path,
        visits="""
        patient_id,date,edss,fs_visual,scheduled
        A1,2015-01-01,0.5,9,maybe
        A1,2015-02-01,6.0,1,yes
        """,
    )
    assert rules(result, "visits") == [
        (2, "edss_half_step"),
        (2, "out_of_range"),
        (2, "not_a_boolean"),
    ]
    t = result.summary.tables["visits"]
    assert (t.read, t.imported, t.quarantined) == (2, 1, 1)
    assert result.summary.quarantined_by_rule == {
        "edss_half_step": 1,
        "not_a_boolean": 1,
        "out_of_range": 1,
    }
