"""CDISC ODM XML (REDCap's project export) and malformed REDCap sources.

Case 1: the clinic project as ODM (fixtures/clinic_project/project.xml, written by make_odm.py
        from dictionary.csv and export_raw.csv) imports, with the dictionary its metadata holds,
        to the same tables and quarantine as the flat export; that dictionary equals the CSV's.
Case 2: hostile XML (entity expansion) and malformed XML are refused, naming the file.
Case 3: malformed sources: no record id column, a file that is not a dictionary, a mapping naming
        an unknown column or a missing field, a checkbox column the export lacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from msrwe.errors import ImportRefused, MappingError, OptionError
from msrwe.sources.redcap import (
    import_redcap,
    load_redcap_mapping,
    odm_dictionary,
    read_dictionary,
)
from msrwe.store import read_table

FIX = Path(__file__).parent / "fixtures" / "clinic_project"


def test_case1_odm_equals_flat(tmp_path):
    # the ODM file carries its own metadata: no --dictionary needed
    odm = import_redcap(FIX / "project.xml", None, tmp_path / "o.duckdb",
                        mapping=FIX / "mapping.toml")
    flat = import_redcap(FIX / "export_raw.csv", FIX / "dictionary.csv", tmp_path / "f.duckdb",
                         mapping=FIX / "mapping.toml")
    for table in ("patients", "visits", "administrations", "adverse_events"):
        a, b = read_table(tmp_path / "o.duckdb", table), read_table(tmp_path / "f.duckdb", table)
        assert a.sort(a.columns).equals(b.sort(b.columns)), table
    qa = read_table(tmp_path / "o.duckdb", "quarantine").select("rule", "message").sort("rule")
    qb = read_table(tmp_path / "f.duckdb", "quarantine").select("rule", "message").sort("rule")
    assert qa.equals(qb)
    assert qa.height == 2
    assert {c.source: c.read for c in odm.forms} == {c.source: c.read for c in flat.forms}
    from_odm = odm_dictionary((FIX / "project.xml").read_bytes(), source="project.xml")
    from_csv = read_dictionary(FIX / "dictionary.csv")
    assert list(from_odm.fields) == list(from_csv.fields)
    for name, f in from_csv.fields.items():
        g = from_odm.fields[name]
        assert (g.form, g.field_type, g.choices, g.validation, g.identifier) == (
            f.form, f.field_type, f.choices, f.validation, f.identifier), name
    with pytest.raises(OptionError, match="dictionary is required"):
        import_redcap(FIX / "export_raw.csv", None, None)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><ClinicalData>&lol2;</ClinicalData></ODM>
"""


def test_case2_hostile_and_malformed_xml(tmp_path):
    (tmp_path / "bomb.xml").write_bytes(BOMB)
    with pytest.raises(ImportRefused, match=r"bomb\.xml: .*entities"):
        import_redcap(tmp_path / "bomb.xml", FIX / "dictionary.csv", None)
    (tmp_path / "cut.xml").write_text("<ODM><ClinicalData>")
    with pytest.raises(ImportRefused, match=r"cut\.xml: the XML is malformed"):
        import_redcap(tmp_path / "cut.xml", FIX / "dictionary.csv", None)
    (tmp_path / "other.xml").write_text("<html/>")
    with pytest.raises(ImportRefused, match="not a CDISC ODM"):
        import_redcap(tmp_path / "other.xml", FIX / "dictionary.csv", None)


def test_case3_malformed_sources(tmp_path):
    (tmp_path / "e.csv").write_text("id,gender\n1,1\n")
    with pytest.raises(ImportRefused, match="no 'study_id' column"):
        import_redcap(tmp_path / "e.csv", FIX / "dictionary.csv", None,
                      mapping=FIX / "mapping.toml")
    with pytest.raises(ImportRefused, match="not a REDCap data dictionary"):
        read_dictionary(FIX / "export_raw.csv")
    (tmp_path / "m.toml").write_text('[visits]\nform = "neuro_exam"\n[visits.columns]\n'
                                     'exam_date = "date"\nedss_score = "edds"\n')
    with pytest.raises(MappingError, match="edss_score = 'edds': visits has no column 'edds'"):
        load_redcap_mapping(tmp_path / "m.toml")
    (tmp_path / "n.toml").write_text('[visits]\nform = "neuro_exam"\n[visits.columns]\n'
                                     'exam_dt = "date"\n')
    with pytest.raises(ImportRefused, match=r"no field 'exam_dt' \(visits\.date\)"):
        import_redcap(FIX / "export_raw.csv", FIX / "dictionary.csv", None,
                      mapping=tmp_path / "n.toml")
    (tmp_path / "c.toml").write_text('[adverse_events]\nform = "safety"\n'
                                     '[adverse_events.columns]\nae_onset = "onset_date"\n'
                                     'ae_term = "term"\n"ae_flags___9" = "infection"\n')
    with pytest.raises(ImportRefused, match="no checkbox column 'ae_flags___9'"):
        import_redcap(FIX / "export_raw.csv", FIX / "dictionary.csv", None,
                      mapping=tmp_path / "c.toml")
    (tmp_path / "r.toml").write_text('[visits]\nform = "neuro_exam"\n[visits.columns]\n'
                                     'edss_score = "edss"\n')
    with pytest.raises(ImportRefused, match=r"nothing gives visits.date \(required\)"):
        import_redcap(FIX / "export_raw.csv", FIX / "dictionary.csv", None,
                      mapping=tmp_path / "r.toml")
