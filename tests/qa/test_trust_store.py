"""QA, issue #9 items 2 and 6 (import side): the store is never replaced by something else, and a
failed import (a full disk) leaves it byte for byte as it was, with nothing left behind.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import StoreError
from msrwe.io import import_folder
from msrwe.store import read_table, write_import

runner = CliRunner()


def _charts(tmp_path: Path, rows: int = 2) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    lines = "".join(f"P{i},F\n" for i in range(rows))
    (folder / "patients.csv").write_text("patient_id,sex\n" + lines, encoding="utf-8")
    return folder


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("patients.csv", b"patient_id,sex\nA1,F\n"),
        ("visits.parquet", None),
        ("notes.txt", b"x"),
    ],
)
def test_item2_db_that_is_a_csv_or_parquet_file_is_refused(tmp_path, name, content):
    # Item 2: `--db patients.csv` "imported" into an in-memory database and reported success;
    # a store path must be a DuckDB file or not exist, and the file is left as it was
    folder = _charts(tmp_path)
    db = tmp_path / name
    if content is None:
        pl.DataFrame({"patient_id": ["A1"]}).write_parquet(db)
    else:
        db.write_bytes(content)
    before = _digest(db)
    res = runner.invoke(app, ["import", str(folder), "--db", str(db)])
    assert res.exit_code == 1, res.output
    assert "is not an msrwe store" in " ".join(res.output.split())
    assert _digest(db) == before
    with pytest.raises(StoreError, match="not a DuckDB database file"):
        import_folder(folder, db)
    assert _digest(db) == before


def test_item6_injected_full_disk_at_commit_keeps_the_store_byte_identical(tmp_path, monkeypatch):
    # Item 6: a write that fails late (at the commit, or the staged copy's last checkpoint: an
    # import commits each statement on the copy) left DuckDB's blocks written into the store
    # file; the store is byte for byte as before and no temporary file is left
    folder = _charts(tmp_path)
    db = tmp_path / "s.duckdb"
    import_folder(folder, db)
    before = _digest(db)
    listing = sorted(os.listdir(tmp_path))
    (folder / "patients.csv").write_text("patient_id\nNEW\n", encoding="utf-8")
    real = duckdb.connect

    class Failing:
        def __init__(self, con):
            self._con = con

        def execute(self, sql, *args):
            if sql in ("commit", "checkpoint"):
                raise OSError(28, "No space left on device")
            return self._con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._con, name)

    import msrwe.store._write as w

    def connect(path, *a, **k):  # the staged copy (.s.duckdb.msrwe-XXXX) fails at its end
        con = real(path, *a, **k)
        return Failing(con) if ".msrwe-" in str(path) else con

    monkeypatch.setattr(w.duckdb, "connect", connect)
    with pytest.raises(StoreError, match=r"disk holding .* is full"):
        import_folder(folder, db)
    monkeypatch.undo()
    assert _digest(db) == before
    assert sorted(os.listdir(tmp_path)) == listing
    assert read_table(db, "patients")["patient_id"].to_list() == ["P0", "P1"]


def test_item6_injected_failure_for_a_new_store_leaves_nothing(tmp_path, monkeypatch):
    # Item 6: a new store that could not be written left a 0-byte .wal and an empty store
    import msrwe.store._write as w

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(w, "_replace", full)
    db = tmp_path / "new.duckdb"
    with pytest.raises(StoreError, match="no store was created"):
        write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["A1"]})})
    assert os.listdir(tmp_path) == []


_FULL_DISK = textwrap.dedent(
    """
    import hashlib, os, pathlib, sys
    from msrwe.errors import StoreError
    from msrwe.io import import_folder
    mnt, small, big = (pathlib.Path(a) for a in sys.argv[1:4])
    db = mnt / "s.duckdb"
    import_folder(small, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    try:
        import_folder(big, db)
    except StoreError as exc:
        print("REFUSED", exc)
    after = hashlib.sha256(db.read_bytes()).hexdigest()
    print("SAME" if after == before else "CHANGED", sorted(os.listdir(mnt)))
    """
)


def test_item6_real_full_disk_on_a_small_tmpfs(tmp_path):
    # Item 6 (the fault test of the import writer): a real 3 MB tmpfs fills up during the
    # import; the error is clear, the store is byte-identical and no temporary file is left
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare (util-linux) to mount a private tmpfs")
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m none {tmp_path}"],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a private tmpfs here: {probe.stderr.strip()}")
    small = tmp_path / "small"
    small.mkdir()
    (small / "patients.csv").write_text("patient_id\nA1\n", encoding="utf-8")
    big = tmp_path / "big"
    big.mkdir()
    with (big / "patients.csv").open("w", encoding="utf-8") as f:
        f.write("patient_id,site\n")
        f.writelines(f"P{i},site number {i * 7919 % 100003}\n" for i in range(200_000))
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "full.py"
    script.write_text(_FULL_DISK, encoding="utf-8")
    res = subprocess.run(
        [unshare, "-rm", "sh", "-c",
         f'mount -t tmpfs -o size=3m none "{mnt}" && "{sys.executable}" "{script}" '
         f'"{mnt}" "{small}" "{big}"'],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "REFUSED" in res.stdout, res.stdout
    assert "is full" in res.stdout
    assert "the store is unchanged" in res.stdout
    assert "SAME ['s.duckdb']" in res.stdout, res.stdout
