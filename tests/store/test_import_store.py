"""The store an import writes: layout, types, atomicity, idempotence, replacement by table."""

from __future__ import annotations

import hashlib
import textwrap

import duckdb
import polars as pl
import pytest

from msrwe.errors import ImportRefused, StoreError
from msrwe.io import import_folder
from msrwe.schema import CONTRACT, pandera_schema
from msrwe.store import read_table, table_names, write_import


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text).strip() + "\n")


@pytest.fixture
def charts(tmp_path):
    folder = tmp_path / "charts"
    _write(
        folder,
        "patients.csv",
        """
        patient_id,sex,birth_date,phenotype,death_date,site
        A1,F,1960-01-01,SPMS,,Lyon
        A2,M,1962-01-01,PRMS,2020-01-01,Lyon
        """,
    )
    _write(
        folder,
        "visits.csv",
        """
        patient_id,date,edss,scheduled,rater
        A1,2015-01-01,6.0,yes,DW
        A1,2015-06-01,0.5,no,DW
        A2,2021-01-01,7.0,,DW
        A2,2015-01-01,,,DW
        """,
    )
    return folder


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        tables = con.execute("select table_schema, table_name from information_schema.tables")
        for schema, name in tables.fetchall():
            out[schema, name] = con.sql(f'select * from "{schema}"."{name}"').fetchall()
        return out
    finally:
        con.close()


def test_case_01_layout_and_types(charts, tmp_path):
    # Case 1: one typed table per contract table in contract order, extras last as text
    db = tmp_path / "s.duckdb"
    import_folder(charts, db)
    assert {"patients", "visits", "quarantine", "import_warnings", "import_log"} <= set(
        table_names(db)
    )
    visits = read_table(db, "visits")
    assert visits.columns == [*CONTRACT["visits"].column_names, "rater"]
    assert visits.schema["date"] == pl.Date
    assert visits.schema["edss"] == pl.Float64
    assert visits.schema["fs_visual"] == pl.Int64
    assert visits.schema["scheduled"] == pl.Boolean
    assert visits.schema["rater"] == pl.String
    for name in ("patients", "visits"):
        pandera_schema(name).validate(read_table(db, name))


def test_case_02_quarantine_and_log_columns(charts, tmp_path):
    # Case 2: quarantine, import_warnings and import_log have the promised columns
    db = tmp_path / "s.duckdb"
    import_folder(charts, db)
    q = read_table(db, "quarantine")
    assert q.columns == [
        "table_name",
        "file",
        "row_number",
        "column_name",
        "value",
        "rule",
        "message",
    ]
    assert sorted(q["rule"].to_list()) == ["date_after_death", "edss_half_step"]
    assert read_table(db, "import_warnings").columns == q.columns
    log = read_table(db, "import_log")
    assert log.columns == [
        "table_name",
        "file",
        "sha256",
        "rows_read",
        "rows_imported",
        "rows_quarantined",
        "extra_columns",
        "imported_at",
        "msrwe_version",
    ]
    visits = log.filter(pl.col("table_name") == "visits").row(0, named=True)
    assert (visits["rows_read"], visits["rows_imported"], visits["rows_quarantined"]) == (4, 2, 2)
    assert visits["sha256"] == _digest(charts / "visits.csv")
    assert visits["extra_columns"] == "rater"


def test_case_03_reimport_changes_nothing(charts, tmp_path):
    # Case 3: importing the same folder twice gives identical store content, log included
    db = tmp_path / "s.duckdb"
    import_folder(charts, db)
    first = _content(db)
    import_folder(charts, db)
    assert _content(db) == first


def test_case_04_refused_import_leaves_store_byte_for_byte(charts, tmp_path):
    # Case 4: a fatal problem leaves the store file exactly as it was
    db = tmp_path / "s.duckdb"
    import_folder(charts, db)
    before = _digest(db)
    (charts / "relapses.csv").write_bytes(b"patient_id,onset_date\n\x00\x01\x02")
    with pytest.raises(ImportRefused, match=r"relapses\.csv"):
        import_folder(charts, db)
    assert _digest(db) == before


def test_case_05_refused_import_creates_no_store(charts, tmp_path):
    # Case 5: a refused first import does not leave an empty store behind
    db = tmp_path / "new.duckdb"
    (charts / "visits.csv").write_text("patient_id,edss\nA1,6\n")
    with pytest.raises(ImportRefused):
        import_folder(charts, db)
    assert not db.exists()


def test_case_06_folder_replaces_only_its_tables(charts, tmp_path):
    # Case 6: a folder replaces the tables it contains (and their quarantine); others are kept
    db = tmp_path / "s.duckdb"
    _write(charts, "relapses.csv", "patient_id,onset_date\nA1,2014-01-01\nA1,2099-13-01\n")
    import_folder(charts, db)
    (charts / "relapses.csv").unlink()
    _write(charts, "visits.csv", "patient_id,date,edss\nA1,2016-01-01,6.5\n")
    import_folder(charts, db)
    assert read_table(db, "visits")["edss"].to_list() == [6.5]
    assert read_table(db, "relapses").height == 1
    q = read_table(db, "quarantine")
    assert q["table_name"].to_list() == ["relapses"]


def test_case_07_store_error_for_a_non_duckdb_file(charts, tmp_path):
    # Case 7: a store path that is not a DuckDB file is a StoreError, not a traceback
    db = tmp_path / "not-a-store.duckdb"
    db.write_text("hello")
    with pytest.raises(StoreError):
        import_folder(charts, db)


def test_case_08_write_import_directly(tmp_path):
    # Case 8: write_import stores tables and keeps earlier rows of other tables in quarantine
    db = tmp_path / "s.duckdb"
    q1 = pl.DataFrame(
        {
            "table_name": ["visits"],
            "file": ["visits.csv"],
            "row_number": [2],
            "column_name": ["edss"],
            "value": ["0.5"],
            "rule": ["edss_half_step"],
            "message": ["m"],
        }
    )
    write_import(db, tables={"visits": pl.DataFrame({"patient_id": ["A1"]})}, quarantine=q1)
    write_import(db, tables={"relapses": pl.DataFrame({"patient_id": ["A1"]})})
    assert read_table(db, "quarantine")["table_name"].to_list() == ["visits"]
    assert set(table_names(db)) >= {"visits", "relapses"}


def test_case_09_foreign_quarantine_table_is_a_store_error(charts, tmp_path):
    # Case 9: a store whose quarantine table is not msrwe's is refused with a StoreError
    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table quarantine (x integer)")
    con.execute("insert into quarantine values (1)")
    con.close()
    with pytest.raises(StoreError, match="unchanged"):
        import_folder(charts, db)
    con = duckdb.connect(str(db), read_only=True)
    names = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    con.close()
    assert names == {"quarantine"}


ALL_TABLES = {
    "patients.csv": """
        patient_id,sex,birth_date,ms_onset_date,diagnosis_date,phenotype,spms_conversion_date,site
        A1,F,1960-01-01,1990-01-01,1991-01-01,SPMS,2005-01-01,Lyon
        A2,M,1962-01-01,1992-01-01,1993-01-01,PRMS,,Lyon
        """,
    "visits.csv": """
        patient_id,date,edss,fs_pyramidal,fs_visual,ambulation,t25fw_s,nhpt_dominant_s,sdmt,scheduled
        A1,2015-01-01,6.0,3,2,5,7.5,777,40,yes
        A1,2015-02-01,0.5,3,2,5,7.5,20,40,yes
        A2,2015-01-01,,,,,,,,
        """,
    "relapses.csv": "patient_id,onset_date,confirmed,steroids\nA1,2014-01-01,,yes\n",
    "administrations.csv": """
        patient_id,date,drug,route,dose,dose_unit,bsa_m2,weight_kg
        A1,2015-01-01,Methotrexate,intrathecal,12.5,mg,1.8,70
        """,
    "treatments.csv": """
        patient_id,drug,start_date,stop_date,stop_reason
        A1,rituximab,2010-01-01,2012-01-01,inefficacy
        A1,ocrelizumab,2012-01-01,2011-01-01,
        """,
    "adverse_events.csv": """
        patient_id,onset_date,end_date,term,grade,serious,serious_criteria,related,infection,outcome
        A1,2015-01-02,2015-01-05,headache,2,no,,possibly_related,no,recovered
        A1,2015-03-01,,meningitis,4,yes,hospitalization;life_threatening,related,yes,recovering
        """,
    "hospitalizations.csv": """
        patient_id,admit_date,discharge_date,reason,related
        A1,2015-03-01,2015-03-10,meningitis,related
        """,
    "mri.csv": "patient_id,date,gd_lesions,new_t2_lesions,t2_volume_ml\nA1,2015-01-01,0,1,12.5\n",
    "biomarkers.csv": "patient_id,date,marker,value,unit\nA1,2015-01-01,snfl,12.3,pg/mL\n",
}


def test_case_10_every_stored_table_passes_its_pandera_schema(tmp_path):
    # Case 10: the two views generated from the contract agree: what the importer stores, the
    # pandera schema accepts, for all nine tables; and each table has the contract's columns
    folder = tmp_path / "all"
    for name, text in ALL_TABLES.items():
        _write(folder, name, text)
    db = tmp_path / "s.duckdb"
    summary = import_folder(folder, db)
    assert list(summary.tables) == list(CONTRACT.names)
    for name in CONTRACT.names:
        stored = read_table(db, name)
        assert stored.columns[: len(CONTRACT[name].column_names)] == list(
            CONTRACT[name].column_names
        )
        pandera_schema(name).validate(stored)
    rules = sorted(read_table(db, "quarantine")["rule"].to_list())
    assert rules == ["edss_half_step", "stop_before_start"]
    warned = sorted(read_table(db, "import_warnings")["rule"].to_list())
    assert warned == ["no_measures", "prms_recorded_as_ppms", "recorded_in_lower_case"]
