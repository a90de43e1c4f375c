"""The REDCap template covers the whole chart contract, in REDCap's dictionary layout.

Case 1: the header is REDCap's 18 columns in order; every row has 18 cells.
Case 2: every contract column has exactly one field (record_id for patient_id), on its form.
Case 3: dates are date_ymd; EDSS is a dropdown of Kurtzke's 20 steps; ranges carry the contract's.
Case 4: identifiers (privacy identifier / birth_date) are tagged Identifier? = y, nothing else.
Case 5: every form but the patient's is a repeating instrument; the command writes the files.
Case 6: the template's dictionary reads back and its default mapping names only its fields.
"""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.schema import CONTRACT
from msrwe.sources.redcap import (
    DICTIONARY_COLUMNS,
    EDSS_STEPS,
    TEMPLATE_FORMS,
    read_dictionary,
    template_mapping,
    template_rows,
)


def _dictionary(tmp_path):
    res = CliRunner().invoke(app, ["redcap", "template", "--out", str(tmp_path / "t")])
    assert res.exit_code == 0, res.output
    path = tmp_path / "t" / "msrwe_redcap_dictionary.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return path, rows


def test_case1_layout(tmp_path):
    _, rows = _dictionary(tmp_path)
    assert tuple(rows[0]) == DICTIONARY_COLUMNS
    assert len(DICTIONARY_COLUMNS) == 18
    assert DICTIONARY_COLUMNS[10] == "Identifier?"
    assert all(len(r) == 18 for r in rows)
    assert rows[1][0] == "record_id"  # the record identifier is the first field


def test_case2_every_contract_column_has_a_field():
    by_annotation = {r[17].removeprefix("msrwe: "): r for r in template_rows()}
    for table in CONTRACT.names:
        form = TEMPLATE_FORMS[table].form
        for col in CONTRACT[table].column_names:
            key = f"{table}.{col}"
            if col == "patient_id" and table != "patients":
                continue
            assert key in by_annotation, key
            assert by_annotation[key][1] == form
    names = [r[0] for r in template_rows()]
    assert len(names) == len(set(names))
    assert all(n.islower() and n[0].isalpha() and n.replace("_", "").isalnum() for n in names)


def test_case3_validation():
    rows = {r[0]: r for r in template_rows()}
    for table in CONTRACT.names:
        for col in CONTRACT[table].columns:
            if col.dtype == "date":
                field = rows[col.name if table == "patients" else
                             f"{TEMPLATE_FORMS[table].prefix}_{col.name}"]
                assert field[3] == "text"
                assert field[7] == "date_ymd"
    edss = rows["vis_edss"]
    assert edss[3] == "dropdown"
    labels = [c.split(",", 1)[1].strip() for c in edss[5].split("|")]
    assert tuple(labels) == EDSS_STEPS
    assert len(EDSS_STEPS) == 20
    assert "0.5" not in labels
    assert (rows["vis_sdmt"][7], rows["vis_sdmt"][8], rows["vis_sdmt"][9]) == ("integer", "0",
                                                                              "110")
    assert rows["vis_fs_pyramidal"][9] == "6"
    assert rows["vis_nhpt_dominant_s"][7] == "number"
    assert rows["vis_nhpt_nondominant_s"][0] == "vis_nhpt_nondominant_s"
    assert rows["vis_t25fw_s"][7] == "number"
    assert rows["vis_scheduled"][3] == "yesno"
    assert rows["ae_serious_criteria"][3] == "checkbox"
    assert rows["adm_route"][3] == "dropdown"


def test_case4_identifiers():
    tagged = {r[0] for r in template_rows() if r[10] == "y"}
    assert tagged == {"record_id", "birth_date"}


def test_case5_repeating_and_files(tmp_path):
    _dictionary(tmp_path)
    rep = (tmp_path / "t" / "msrwe_redcap_repeating_instruments.csv").read_text().splitlines()
    forms = {line.split(",")[0] for line in rep[1:]}
    assert forms == {d.form for d in TEMPLATE_FORMS.values()} - {"patient"}
    expected = {"visit", "relapse", "administration", "adverse_event", "hospital_stay",
                "treatment", "mri", "biomarker"}
    assert forms == expected
    assert "import-redcap" in (tmp_path / "t" / "README.txt").read_text()


def test_case6_reads_back(tmp_path):
    path, _ = _dictionary(tmp_path)
    d = read_dictionary(path)
    assert d.record_id == "record_id"
    assert d.fields["birth_date"].identifier
    for src in template_mapping().tables.values():
        for col, field in src.columns.items():
            assert field in d.fields, (src.table, col)
