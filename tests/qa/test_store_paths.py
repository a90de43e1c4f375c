"""QA: ``--db`` paths that are wrong in the ways users get them wrong.

Each case is a defect found by pointing msrwe at a bad store; the test fails without its fix.
"""

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import StoreError
from msrwe.store import read_table, write_import

runner = CliRunner()


def _charts(tmp_path: Path) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,sex\nA1,F\n", encoding="utf-8")
    return folder


def _out(res) -> str:
    return " ".join(res.output.split())


def test_case1_store_in_a_missing_folder_names_the_folder(tmp_path):
    # Case 1: "--db nowhere/x.duckdb" printed DuckDB's "IO Error: Cannot open file ...";
    # the message names the missing folder, exit 1, and creates nothing
    folder = _charts(tmp_path)
    db = tmp_path / "nowhere" / "x.duckdb"
    res = runner.invoke(app, ["import", str(folder), "--db", str(db)])
    assert res.exit_code == 1
    assert f"the folder {db.parent} does not exist" in _out(res)
    assert not db.parent.exists()


@pytest.mark.parametrize("command", [["import", "CHARTS"], ["quarantine"], ["analyze"]])
def test_case2_store_path_that_is_a_folder(tmp_path, command):
    # Case 2: "--db charts" (a folder) printed "IO Error: Could not read from file ...: Is a
    # directory"; every command says it is a folder and suggests a file name
    folder = _charts(tmp_path)
    args = [str(folder) if a == "CHARTS" else a for a in command]
    res = runner.invoke(app, [*args, "--db", str(folder)])
    assert res.exit_code == 1
    assert "is a folder, not a store file" in _out(res)


@pytest.mark.parametrize("command", [["import", "CHARTS"], ["quarantine"]])
def test_case3_store_that_is_not_duckdb_is_named_and_kept(tmp_path, command):
    # Case 3: a file that is not a DuckDB database: "is not an msrwe store", and the file is
    # byte for byte as it was (not overwritten, not truncated)
    folder = _charts(tmp_path)
    db = tmp_path / "notes.duckdb"
    db.write_text("my notes\n")
    args = [str(folder) if a == "CHARTS" else a for a in command]
    res = runner.invoke(app, [*args, "--db", str(db)])
    assert res.exit_code == 1
    assert "is not an msrwe store" in _out(res)
    assert "IO Error" not in res.output
    assert db.read_text() == "my notes\n"


def test_case4_store_held_open_by_another_process(tmp_path):
    # Case 4: another program holding the store printed DuckDB's lock error with a URL; the
    # message says the store is open elsewhere and what to do, and the store is unchanged
    folder = _charts(tmp_path)
    db = tmp_path / "s.duckdb"
    write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["OLD"]})})
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ok', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ok"
        res = runner.invoke(app, ["import", str(folder), "--db", str(db)])
        assert res.exit_code == 1
        assert "open in another program" in _out(res)
        assert "Close it or wait" in _out(res)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert read_table(db, "patients")["patient_id"].to_list() == ["OLD"]


def test_case5_failed_write_to_a_new_store_leaves_no_empty_file(tmp_path, monkeypatch):
    # Case 5: when writing a new store failed, the transaction was rolled back but an empty
    # DuckDB file stayed behind (the docs promise the store is "not even created")
    import msrwe.store._write as w

    def broken(con, name, frame):
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(w, "_replace", broken)
    db = tmp_path / "new.duckdb"
    with pytest.raises(StoreError, match="no store was created"):
        write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["A1"]})})
    assert not db.exists()
    assert not Path(f"{db}.wal").exists()


def test_case6_failed_write_to_an_existing_store_keeps_it(tmp_path, monkeypatch):
    # Case 6: the same failure on an existing store keeps the store and its rows
    import msrwe.store._write as w

    db = tmp_path / "old.duckdb"
    write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["OLD"]})})

    def broken(con, name, frame):
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(w, "_replace", broken)
    with pytest.raises(StoreError, match="the store is unchanged"):
        write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["NEW"]})})
    monkeypatch.undo()
    assert read_table(db, "patients")["patient_id"].to_list() == ["OLD"]
