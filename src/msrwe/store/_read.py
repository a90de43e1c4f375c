"""Opening the DuckDB store, with errors a research coordinator understands."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from msrwe._duckdb import quiet
from msrwe.errors import StoreError

__all__ = ["connect"]


def connect(db: str | Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store, with a clear error when it is missing or locked.

    Parameters
    ----------
    db
        Path of the DuckDB file written by ``msrwe import``.
    read_only
        Open without the right to write (the default), so readers never change the store.

    Returns
    -------
    duckdb.DuckDBPyConnection
        An open connection; close it when done.
    """
    path = Path(db)
    if read_only and not path.exists():
        raise StoreError(
            f"{path}: no store here. Run `msrwe import CHART_FOLDER --db {path}` first."
        )
    if path.is_dir():
        raise StoreError(
            f"{path} is a folder, not a store file; give a file name such as "
            f"--db {path / 'msrwe.duckdb'}"
        )
    if not read_only and not path.parent.exists():
        raise StoreError(
            f"{path}: the folder {path.parent} does not exist; create it first or give "
            "another --db path."
        )
    _refuse_other_files(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:  # locked by another process, not a DuckDB file, ...
        raise StoreError(_why_not_opened(path, exc)) from exc
    quiet(con)
    return con


#: DuckDB writes these four bytes at offset 8 of every database file.
_DUCKDB_MAGIC = b"DUCK"


def _refuse_other_files(path: Path) -> None:
    """Refuse an existing file that is not a DuckDB database (a CSV, a Parquet file, a report).

    DuckDB would open some of them as something else (a CSV as a read-only view in memory), so
    an import "succeeded" and stored nothing. An empty file (0 bytes) holds nothing and is used
    as a new store.
    """
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store ({exc.strerror or exc}).") from exc
    if head[8:12] != _DUCKDB_MAGIC:
        raise StoreError(
            f"{path} is not an msrwe store (it is not a DuckDB database file); give another "
            "--db path, such as msrwe.duckdb. The file was left as it was."
        )


def _why_not_opened(path: Path, exc: duckdb.Error) -> str:
    """DuckDB's reason for not opening ``path``, in words a research coordinator understands."""
    text = str(exc)
    if "not a valid DuckDB database file" in text:
        return (
            f"{path} is not an msrwe store (it is not a DuckDB database file); give another "
            "--db path. The file was left as it was."
        )
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        who = f" (process {pid.group(1)})" if pid else ""
        return (
            f"{path}: the store is open in another program{who}, for example another msrwe "
            "command, a notebook or a DuckDB shell. Close it or wait for it to finish, then "
            "run the command again."
        )
    if "Permission denied" in text or "Read-only file system" in text:
        return f"{path}: msrwe has no permission to open or write this file ({text})."
    return f"{path}: cannot open the store ({text})."
