"""A clinic's own REDCap project (not the template) imported through a mapping file.

The fixture (fixtures/clinic_project, written for these tests) is a longitudinal project with
events, a labels export, radio/dropdown choices, checkboxes and two repeating instruments.

Case 1: the expected rows, decoded through the dictionary and the mapping.
Case 2: a label that is no choice and an invalid EDSS are quarantined, the messages naming the
        record, event, instance and REDCap field; the rest is imported.
Case 3: an incomplete form is imported with a warning, or left out with --incomplete skip.
Case 4: accounting per form: read = imported + quarantined + ignored; an unmapped form is ignored.
Case 5: the same project exported with raw codes (and a raw-code mapping) gives the same store.
Case 6: a multi-site export's data access group gives the site when the centre field is empty.
Case 7: a value outside the dictionary's validation range (which REDCap lets a user confirm) is
        imported with a warning naming the field and its range.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from msrwe.sources.redcap import import_redcap
from msrwe.store import read_table

FIX = Path(__file__).parent / "fixtures" / "clinic_project"


@pytest.fixture
def imported(tmp_path):
    db = tmp_path / "c.duckdb"
    result = import_redcap(FIX / "export_labels.csv", FIX / "dictionary.csv", db,
                           mapping=FIX / "mapping.toml")
    return db, result


def test_case1_rows(imported):
    db, _ = imported
    patients = read_table(db, "patients").sort("patient_id")
    assert patients.select("patient_id", "sex", "phenotype", "site").rows() == [
        ("1001", "F", "SPMS", "North"), ("1002", "M", "PPMS", "South")]
    assert str(patients["birth_date"][0]) == "1968-03-14"
    visits = read_table(db, "visits").sort("patient_id", "date")
    assert visits.select("patient_id", "edss", "fs_pyramidal", "t25fw_s").rows() == [
        ("1001", 6.0, 3, 9.8), ("1001", 6.5, 4, 11.2), ("1002", 5.0, 2, 8.1)]
    adm = read_table(db, "administrations").sort("patient_id", "date")
    assert adm.select("drug", "route", "dose").rows() == [
        ("rituximab", "iv", 1000.0), ("rituximab", "iv", 500.0), ("methotrexate", "intrathecal",
                                                                   12.0)]
    ae = read_table(db, "adverse_events").sort("patient_id")
    assert ae.select("term", "serious", "infection", "serious_criteria").rows() == [
        ("Pneumonia", True, True, "hospitalization"),
        ("Headache after LP", False, False, None)]


def test_case2_quarantine_messages(imported):
    db, _result = imported
    q = read_table(db, "quarantine").sort("row_number")
    assert q.select("table_name", "row_number", "column_name", "value", "rule").rows() == [
        ("visits", 8, "edss", "5.25", "edss_half_step"),
        ("administrations", 10, "drug", "Natalizumabb", "redcap_not_a_choice"),
    ]
    edss, drug = q["message"].to_list()
    assert edss.startswith("record 1002, event Follow-up (Arm 1: Clinic), field edss_score: ")
    assert drug.startswith("record 1002, event Follow-up (Arm 1: Clinic), dmt_infusion "
                           "instance 2, field inf_drug: 'Natalizumabb' is not a choice")
    assert "Rituximab" in drug
    assert set(q["file"]) == {"export_labels.csv"}


def test_case3_incomplete(imported, tmp_path):
    db, _ = imported
    w = read_table(db, "import_warnings")
    assert w.select("row_number", "rule").rows() == [(3, "redcap_form_incomplete")]
    assert w["message"][0].startswith("record 1001, event Follow-up (Arm 1: Clinic): ")
    db2 = tmp_path / "skip.duckdb"
    result = import_redcap(FIX / "export_labels.csv", FIX / "dictionary.csv", db2,
                           mapping=FIX / "mapping.toml", incomplete="skip")
    visits = read_table(db2, "visits")
    assert visits.height == 2  # 1001's incomplete follow-up left out (1002's is quarantined)
    assert read_table(db2, "import_warnings").height == 0
    forms = {c.source: c for c in result.forms}
    assert forms["neuro_exam"].ignored == 2  # both incomplete exams


def test_case4_accounting(imported):
    _, result = imported
    forms = {c.source: (c.read, c.imported, c.quarantined, c.ignored) for c in result.forms}
    assert forms == {
        "demographics": (2, 2, 0, 0),
        "contact": (1, 0, 0, 1),
        "neuro_exam": (4, 3, 1, 0),
        "dmt_infusion": (4, 3, 1, 0),
        "safety": (2, 2, 0, 0),
    }


def test_case5_raw_codes_same_store(imported, tmp_path):
    db, _ = imported
    labels = pl.read_csv(FIX / "export_labels.csv", infer_schema=False)
    codes = {
        "gender": {"Female": "1", "Male": "2"},
        "ms_course": {"Secondary progressive": "2", "Primary progressive": "3"},
        "inf_drug": {"Rituximab": "1", "Methotrexate (intrathecal)": "3"},
        "inf_route": {"Intravenous": "1", "Intrathecal": "2"},
        "neuro_exam_complete": {"Complete": "2", "Incomplete": "0"},
    }
    raw = labels.with_columns(
        [pl.col(c).replace(m) for c, m in codes.items()]
        + [pl.col(c).replace({"Checked": "1", "Unchecked": "0"})
           for c in labels.columns if "___" in c]
        + [pl.col("redcap_repeat_instrument").replace({"DMT Infusion": "dmt_infusion",
                                                       "Safety": "safety"})]
    )
    (tmp_path / "raw.csv").write_text(raw.write_csv())
    mapping = (FIX / "mapping.toml").read_text()
    for old, new in (('Female = "F"', '"1" = "F"'), ('Male = "M"', '"2" = "M"'),
                     ('"Secondary progressive" = "SPMS"', '"2" = "SPMS"'),
                     ('"Primary progressive" = "PPMS"', '"3" = "PPMS"')):
        mapping = mapping.replace(old, new)
    (tmp_path / "raw.toml").write_text(mapping)
    db2 = tmp_path / "raw.duckdb"
    import_redcap(tmp_path / "raw.csv", FIX / "dictionary.csv", db2, mapping=tmp_path / "raw.toml")
    for table in ("patients", "visits", "administrations", "adverse_events"):
        a = read_table(db, table).sort(pl.all())
        b = read_table(db2, table).sort(pl.all())
        assert a.equals(b), table


def test_case6_data_access_group(tmp_path):
    raw = pl.read_csv(FIX / "export_raw.csv", infer_schema=False)
    raw = raw.with_columns(
        pl.when(pl.col("study_id") == "1002").then(None).otherwise(pl.col("center"))
        .alias("center"),
        pl.when(pl.col("study_id") == "1002").then(pl.lit("south_clinic"))
        .otherwise(pl.lit("north_clinic")).alias("redcap_data_access_group"),
    )
    (tmp_path / "dag.csv").write_text(raw.write_csv())
    db = tmp_path / "dag.duckdb"
    import_redcap(tmp_path / "dag.csv", FIX / "dictionary.csv", db, mapping=FIX / "mapping.toml")
    sites = read_table(db, "patients").sort("patient_id")["site"].to_list()
    assert sites == ["North", "south_clinic"]


def test_case7_outside_validation(tmp_path):
    raw = pl.read_csv(FIX / "export_raw.csv", infer_schema=False)
    raw = raw.with_columns(
        pl.when(pl.col("inf_dose") == "1000").then(pl.lit("2500")).otherwise(pl.col("inf_dose"))
        .alias("inf_dose"))
    (tmp_path / "big.csv").write_text(raw.write_csv())
    db = tmp_path / "big.duckdb"
    import_redcap(tmp_path / "big.csv", FIX / "dictionary.csv", db, mapping=FIX / "mapping.toml")
    assert 2500.0 in read_table(db, "administrations")["dose"].to_list()
    w = read_table(db, "import_warnings").filter(pl.col("rule") == "redcap_outside_validation")
    assert w.select("row_number", "column_name", "value").rows() == [(4, "dose", "2500")]
    assert w["message"][0].startswith(
        "record 1001, event followup_arm_1, dmt_infusion instance 1, field inf_dose: '2500' is "
        "outside the range REDCap's dictionary gives the field inf_dose (0 to 2000)")
