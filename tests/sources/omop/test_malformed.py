"""Malformed OMOP sources: clear errors naming the OMOP table and row id; nothing lost.

A two-patient chart is written as OMOP by msrwe, then broken with SQL, case by case:

1. an EDSS of 0.5 (measurement 2): the visit is quarantined; the message names the person, the
   date, the assessment observation and measurement ids; the measurement rows count as quarantined.
2. a measurement of a person_id not in person: quarantined, naming "person 999".
3. two different EDSS values on one day: rule omop_conflicting_values naming both measurements.
4. a CDM table without one of its columns: refused, naming the table and the column.
5. no person table: refused.
6. a measurement concept the concept file does not name: read and counted as ignored (the
   visit stays: its assessment observation is there).
7. only a year of birth: 1 July assumed, with a warning.
8. a drug with concept 0: its drug_source_value (lower case) is the drug.
9. concept files: one concept id for two items, a missing section, a non-integer id -> MappingError.
10. an unreachable PostgreSQL: refused, and the password appears in no message.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from msrwe.errors import ImportRefused, MappingError
from msrwe.sources.omop import (
    chart_to_omop,
    default_concepts_path,
    import_omop,
    load_concepts,
    write_omop_duckdb,
)
from msrwe.store import read_table

D = dt.date


def _chart() -> dict[str, pl.DataFrame]:
    return {
        "patients": pl.DataFrame({
            "patient_id": ["P1", "P2"], "sex": ["F", "M"],
            "birth_date": [D(1970, 3, 2), D(1965, 8, 9)],
            "diagnosis_date": [D(2000, 1, 1), D(2001, 2, 3)],
            "phenotype": ["SPMS", "PPMS"],
        }),
        "visits": pl.DataFrame({
            "patient_id": ["P1", "P1", "P2"],
            "date": [D(2010, 1, 5), D(2010, 7, 5), D(2010, 2, 1)],
            "edss": [6.0, 6.5, 4.0],
        }),
        "administrations": pl.DataFrame({
            "patient_id": ["P1"], "date": [D(2010, 1, 5)], "drug": ["methotrexate"],
            "route": ["intrathecal"], "dose": [12.5], "dose_unit": ["mg"],
        }),
    }


@pytest.fixture
def cdm(tmp_path) -> Path:
    return write_omop_duckdb(chart_to_omop(_chart()), tmp_path / "cdm.duckdb")


def _sql(path: Path, *statements: str) -> None:
    con = duckdb.connect(str(path))
    for s in statements:
        con.execute(s)
    con.close()


def _counts(result) -> dict:
    return {c.source: c for c in result.sources}


def test_case1_invalid_edss(cdm, tmp_path):
    _sql(cdm, "UPDATE measurement SET value_as_number = 0.5 WHERE measurement_id = 2")
    result = import_omop(cdm, tmp_path / "s.duckdb")
    q = read_table(tmp_path / "s.duckdb", "quarantine")
    assert q.height == 1
    row = q.row(0, named=True)
    assert row["table_name"] == "visits"
    assert row["column_name"] == "edss"
    assert row["value"] == "0.5"
    assert row["message"].startswith("person 1, 2010-07-05: observation ")
    assert "measurement 2 (edss)" in row["message"]
    assert read_table(tmp_path / "s.duckdb", "visits").height == 2
    m = _counts(result)["measurement"]
    assert (m.read, m.imported, m.quarantined, m.ignored) == (3, 2, 1, 0)


def test_case2_unknown_person(cdm, tmp_path):
    _sql(cdm, "UPDATE measurement SET person_id = 999 WHERE measurement_id = 3")
    import_omop(cdm, tmp_path / "s.duckdb")
    q = read_table(tmp_path / "s.duckdb", "quarantine")
    assert q.height == 1
    assert "person 999" in q["message"][0]
    assert q["table_name"][0] == "visits"


def test_case3_conflicting_values(cdm, tmp_path):
    _sql(cdm, "INSERT INTO measurement (measurement_id, person_id, measurement_concept_id, "
              "measurement_date, measurement_type_concept_id, value_as_number) "
              "VALUES (77, 1, 2000000001, DATE '2010-01-05', 0, 7.0)")
    import_omop(cdm, tmp_path / "s.duckdb")
    q = read_table(tmp_path / "s.duckdb", "quarantine")
    assert q["rule"].to_list() == ["omop_conflicting_values"]
    assert "measurements 1, 77 give different values" in q["message"][0]


def test_case4_missing_column(cdm, tmp_path):
    _sql(cdm, "ALTER TABLE measurement DROP COLUMN value_as_number")
    with pytest.raises(ImportRefused, match="table measurement has no column value_as_number"):
        import_omop(cdm, tmp_path / "s.duckdb")
    assert not (tmp_path / "s.duckdb").exists()


def test_case5_no_person(cdm, tmp_path):
    _sql(cdm, "DROP TABLE person")
    with pytest.raises(ImportRefused, match="no OMOP person table"):
        import_omop(cdm, tmp_path / "s.duckdb")


def test_case6_unknown_concept_ignored(cdm, tmp_path):
    _sql(cdm, "UPDATE measurement SET measurement_concept_id = 3004249 WHERE measurement_id = 3")
    result = import_omop(cdm, tmp_path / "s.duckdb")
    m = _counts(result)["measurement"]
    assert (m.read, m.imported, m.ignored) == (3, 2, 1)
    visits = read_table(tmp_path / "s.duckdb", "visits").sort("patient_id", "date")
    assert visits["edss"].to_list() == [6.0, 6.5, None]  # the visit itself is an observation


def test_case7_year_of_birth_only(cdm, tmp_path):
    _sql(cdm, "UPDATE person SET month_of_birth = NULL, day_of_birth = NULL WHERE person_id = 2")
    import_omop(cdm, tmp_path / "s.duckdb")
    p = read_table(tmp_path / "s.duckdb", "patients").sort("patient_id")
    assert p["birth_date"].to_list() == [D(1970, 3, 2), D(1965, 7, 1)]
    w = read_table(tmp_path / "s.duckdb", "import_warnings")
    assert w.filter(pl.col("rule") == "omop_birth_year_only")["row_number"].to_list() == [2]


def test_case8_drug_without_concept(cdm, tmp_path):
    _sql(cdm, "UPDATE drug_exposure SET drug_concept_id = 0, drug_source_value = 'Natalizumab'")
    import_omop(cdm, tmp_path / "s.duckdb")
    assert read_table(tmp_path / "s.duckdb", "administrations")["drug"].to_list() == [
        "natalizumab"]


def test_case9_concept_files(tmp_path):
    text = default_concepts_path().read_text()
    bad = tmp_path / "dup.toml"
    bad.write_text(text.replace("concept_id = 2000000002,", "concept_id = 2000000001,"))
    with pytest.raises(MappingError, match=r"\[measurement\] edss and fs_pyramidal"):
        load_concepts(bad)
    bad.write_text(text.replace("[route]", "[routes]"))
    with pytest.raises(MappingError, match=r"no \[route\] section"):
        load_concepts(bad)
    bad.write_text(text.replace("concept_id = 2000000013,", 'concept_id = "sdmt",'))
    with pytest.raises(MappingError, match="sdmt: concept_id must be a whole number"):
        load_concepts(bad)


def test_case10_unreachable_postgres_keeps_the_password_out(tmp_path):
    url = f"postgresql://omop:s3cret-pw@/cdm?host={tmp_path}&port=1"
    with pytest.raises(ImportRefused) as info:
        import_omop(url, tmp_path / "s.duckdb")
    assert "cannot connect" in str(info.value)
    assert "s3cret-pw" not in str(info.value)
    assert "s3cret-pw" not in repr(info.value.__cause__)
    assert not (tmp_path / "s.duckdb").exists()
