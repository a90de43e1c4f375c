"""The Store handle: one connection, tables(), read(), quality(); bookkeeping declared once."""

from __future__ import annotations

import textwrap

import duckdb
import pytest

from msrwe.errors import StoreError
from msrwe.io import import_folder
from msrwe.io._frames import PROBLEM_SCHEMA
from msrwe.io._import import IMPORT_LOG_SCHEMA
from msrwe.schema import BOOKKEEPING
from msrwe.store import Store, opened, read_table, read_tables, table_names


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(text).strip() + "\n")


@pytest.fixture
def db(tmp_path):
    folder = tmp_path / "charts"
    _write(folder, "patients.csv", """
        patient_id,sex,phenotype
        A1,F,SPMS
        A2,M,PRMS
        """)
    _write(folder, "visits.csv", """
        patient_id,date,edss
        A1,2015-01-01,6.0
        A1,2015-06-01,0.25
        A2,2016-01-01,7.0
        """)
    path = tmp_path / "msrwe.duckdb"
    import_folder(folder, path)
    return path


# Case 1: one handle lists the tables, reads them and reads the bookkeeping
def test_case01_tables_read_quality(db):
    with Store(db) as store:
        assert store.tables() == [
            "import_log", "import_warnings", "patients", "quarantine", "visits"
        ]
        assert "visits" in store
        assert "relapses" not in store
        assert store.read("visits").height == 2  # the EDSS 0.25 row is quarantined
        q = store.quality()
    assert q.quarantine.select("table_name", "row_number", "column_name").rows() == [
        ("visits", 3, "edss")
    ]
    assert q.quarantined_rows == 1
    assert q.import_warnings.select("table_name", "row_number", "value").rows() == [
        ("patients", 3, "PRMS")
    ]
    assert q.import_log is not None
    assert q.import_log["table_name"].to_list() == ["patients", "visits"]


# Case 2: the bookkeeping frames have the declared columns and types
def test_case02_quality_frames_follow_the_declaration(db):
    with Store(db) as store:
        q = store.quality()
    assert dict(q.quarantine.schema) == BOOKKEEPING["quarantine"].polars_schema()
    assert dict(q.import_warnings.schema) == BOOKKEEPING["import_warnings"].polars_schema()
    assert q.import_log.columns == list(BOOKKEEPING["import_log"].column_names)


# Case 3: a store without bookkeeping tables gives empty frames and no import log
def test_case03_quality_of_a_hand_made_store(tmp_path):
    path = tmp_path / "s.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table patients (patient_id varchar)")
    con.close()
    with Store(path) as store:
        q = store.quality()
    assert q.quarantine.height == 0
    assert q.import_warnings.height == 0
    assert q.quarantine.columns == list(BOOKKEEPING["quarantine"].column_names)
    assert q.import_log is None


# Case 4: a missing table is named in the error; read_or_none gives None
def test_case04_missing_table(db):
    with Store(db) as store:
        with pytest.raises(StoreError, match="no table 'relapses'"):
            store.read("relapses")
        assert store.read_or_none("relapses") is None


# Case 5: a closed store refuses to read, with a message saying so
def test_case05_closed_store(db):
    store = Store(db)
    store.close()
    store.close()  # closing twice is harmless
    with pytest.raises(StoreError, match="was closed"):
        store.tables()
    assert "closed" in repr(store)


# Case 6: a missing store is refused when opened, before anything else
def test_case06_missing_store(tmp_path):
    with pytest.raises(StoreError, match="no store here"):
        Store(tmp_path / "nothing.duckdb")


# Case 7: opened() reuses an open store and leaves it open; the one-table functions take either
def test_case07_opened_and_wrappers(db):
    with Store(db) as store:
        with opened(store) as same:
            assert same is store
        assert store.tables()  # still open
        assert read_table(store, "patients").height == 2
        assert table_names(store) == store.tables()
    assert read_table(db, "patients").height == 2


# Case 8: the importer, the store and the schema agree on the bookkeeping columns
def test_case08_bookkeeping_declared_once(db):
    assert BOOKKEEPING["quarantine"].polars_schema() == PROBLEM_SCHEMA
    assert BOOKKEEPING["import_log"].polars_schema() == IMPORT_LOG_SCHEMA
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, spec in BOOKKEEPING.items():
            cols = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_name = ? order by ordinal_position", [name]
            ).fetchall()
            assert cols == [(c.name, c.sql_type) for c in spec.columns], name
    finally:
        con.close()


# Case 9: one connection serves every read of a handle
def test_case09_one_connection(db, monkeypatch):
    import msrwe.store._store as mod

    opened_count = []
    real = mod.connect
    monkeypatch.setattr(mod, "connect", lambda *a, **k: opened_count.append(1) or real(*a, **k))
    with Store(db) as store:
        for name in store.tables():
            store.read(name)
        store.quality()
    assert len(opened_count) == 1


# Case 10: several tables through one connection; a missing one is None; a store that msrwe
# import did not write (no patients table) is refused in words, by every reader that uses it.
def test_case10_read_tables(db, tmp_path):
    tables = read_tables(db, ("patients", "visits", "mri"))
    assert tables["patients"].height > 0
    assert tables["mri"] is None
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("create table visits (patient_id varchar)")
    con.close()
    with pytest.raises(StoreError, match=r"no 'patients' table\. Is this a store written by"):
        read_tables(other, ("patients",))
    from msrwe.privacy import export_store

    with pytest.raises(StoreError, match="no 'patients' table"):
        export_store(other, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_connections_print_no_progress_bar(tmp_path, monkeypatch):
    # DuckDB writes a progress bar to standard output for a query of more than two seconds (a
    # registry's table), into what `msrwe import --json` prints: the store's connections and the
    # staged copy an import writes have it off
    import polars as pl

    import msrwe.store._write as writer
    from msrwe.store import connect, write_import

    db = tmp_path / "s.duckdb"
    write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["A1"]})})
    setting = "select current_setting('enable_progress_bar')"
    with connect(db) as con:
        assert con.execute(setting).fetchall() == [(False,)]
    seen = []
    real = writer.quiet

    def spy(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        out = real(con)
        seen.append(out.execute(setting).fetchall())
        return out

    monkeypatch.setattr(writer, "quiet", spy)
    write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["A2"]})})
    assert seen == [[(False,)]]
