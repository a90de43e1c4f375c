"""``import_folder`` writes each table to the staged store as soon as it is checked.

Issue 14: a registry's tables must not all sit in memory until the end of an import. The store
an import leaves must be exactly the one the former way gave (every table validated in memory,
then one ``write_import``): the chart tables, quarantine, warnings, import log, the rows kept to
check the rules across tables again, and the quarantine's patient links. A refused import still
leaves the store byte for byte as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

import msrwe.io._read as reader
from msrwe.errors import ImportRefused
from msrwe.io import import_folder, read_chart_folder
from msrwe.io._links import patient_links
from msrwe.io._merge import merge_with_store
from msrwe.store import write_import
from msrwe.synth import write_cohort


def _former_import(folder: Path, db: Path) -> None:
    """The import as it was before tables were staged one by one."""
    chart = read_chart_folder(folder)
    m = merge_with_store(db, chart, chart)
    links = m.with_rechecked_links(
        patient_links({name: c.frame for name, c in chart.checked.items()}, m.quarantine))
    write_import(db, tables=m.tables, quarantine=m.quarantine, warnings=m.warnings,
                 import_log=m.import_log, checked=m.checked, patient_links=links)


def _content(db: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables order by 1, 2"
        ).fetchall()
        out = {}
        for schema, name in names:
            frame = con.sql(f'select * from "{schema}"."{name}" order by rowid').pl()
            out[f"{schema}.{name}"] = frame.drop("imported_at", strict=False)
        return out
    finally:
        con.close()


def _same_stores(a: Path, b: Path) -> None:
    ca, cb = _content(a), _content(b)
    assert ca.keys() == cb.keys()
    for name, frame in cb.items():
        assert ca[name].schema == frame.schema, name
        assert ca[name].equals(frame, null_equal=True), name


@pytest.mark.parametrize("batched", [False, True])
def test_dirty_chart_then_a_new_patients_table(tmp_path, monkeypatch, batched):
    # case 1: a dirty synthetic chart into a new store; case 2: a patients table without some
    # patients imported on top (the stored tables are checked again: rows leave, none are lost)
    if batched:
        monkeypatch.setattr(reader, "BATCH_BYTES", 0)
        monkeypatch.setattr(reader, "BATCH_ROWS", 50)
    charts = tmp_path / "charts"
    write_cohort(charts, 200, seed=4, dirty=True)
    ours, former = tmp_path / "ours.duckdb", tmp_path / "former.duckdb"
    summary = import_folder(charts, ours)
    _former_import(charts, former)
    _same_stores(ours, former)
    assert summary.tables["visits"].quarantined > 0
    again = tmp_path / "again"
    again.mkdir()
    patients = pl.read_csv(charts / "patients.csv", infer_schema=False)
    patients.head(150).write_csv(again / "patients.csv")
    second = import_folder(again, ours)
    _former_import(again, former)
    _same_stores(ours, former)
    assert second.rechecked["visits"].quarantined > 0
    # case 3: the whole chart again over that store (every table replaced, rows come back)
    import_folder(charts, ours)
    _former_import(charts, former)
    _same_stores(ours, former)


def test_a_refused_file_leaves_the_store_as_it_was(tmp_path):
    # a binary visits file after patients was written to the staged copy: nothing changes
    charts = tmp_path / "charts"
    write_cohort(charts, 83, seed=2)
    db = tmp_path / "s.duckdb"
    import_folder(charts, db)
    before = db.read_bytes()
    bad = tmp_path / "bad"
    shutil.copytree(charts, bad)
    (bad / "visits.csv").write_bytes(b"patient_id,date\x00\x01\x02")
    with pytest.raises(ImportRefused, match="binary data"):
        import_folder(bad, db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "charts", "s.duckdb"]


def test_a_refused_first_import_creates_no_store(tmp_path):
    charts = tmp_path / "charts"
    write_cohort(charts, 83, seed=2)
    (charts / "relapses.csv").write_bytes(b"\x00\x00")
    db = tmp_path / "s.duckdb"
    with pytest.raises(ImportRefused):
        import_folder(charts, db)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts"]
