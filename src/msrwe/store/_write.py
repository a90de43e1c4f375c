"""Writing an import into the DuckDB store, in one transaction on a copy renamed over it.

The tables of the imported folder replace those of the store; their rows in ``quarantine``,
``import_warnings`` and ``import_log`` are replaced too; everything else is kept. Either all of
it is written or none of it.

Examples
--------
>>> import tempfile, pathlib, polars as pl
>>> from msrwe.store import write_import, read_table
>>> db = pathlib.Path(tempfile.mkdtemp()) / "msrwe.duckdb"
>>> write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["A1"]})})
>>> read_table(db, "patients")["patient_id"].to_list()
['A1']
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from msrwe.errors import StoreError
from msrwe.schema import BOOKKEEPING
from msrwe.store._read import connect

__all__ = ["CHECKED_SCHEMA", "PROBLEM_TABLES", "QUARANTINE_PATIENTS", "write_import"]

#: The schema of the rows kept to re-check the rules across tables (see :func:`write_import`).
CHECKED_SCHEMA = "msrwe_checked"

#: The table (in :data:`CHECKED_SCHEMA`) linking each quarantined row to the patient its raw
#: ``patient_id`` names: ``table_name, file, row_number, patient_id`` (see :func:`write_import`).
QUARANTINE_PATIENTS = "quarantine_patients"

#: The bookkeeping tables of an import, and the columns that sort them (from ``schema``).
PROBLEM_TABLES: dict[str, list[str]] = {
    name: list(table.order) for name, table in BOOKKEEPING.items()
}


def _existing(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame | None:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = ?",
        [name],
    ).fetchall()
    if not found or not found[0][0]:
        return None
    return con.sql(f'select * from "{name}"').pl()


def _arrow(frame: pl.DataFrame) -> object:
    """``frame`` as Arrow without copying its text (string views, which DuckDB reads as VARCHAR).

    The oldest Arrow layout that Polars exports by default copies every text cell into a new
    buffer: at registry scale that is most of an import's time and a second copy of the tables.
    """
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def _replace(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    view = "__msrwe_incoming"
    con.register(view, _arrow(frame))
    try:
        con.execute(f'create or replace table "{name}" as select * from {view}')
    finally:
        con.unregister(view)


def _merge(
    old: pl.DataFrame | None, new: pl.DataFrame, replaced: set[str], order: list[str]
) -> pl.DataFrame:
    if old is not None and old.height:
        kept = old.filter(~pl.col("table_name").is_in(sorted(replaced)))
        kept = kept.select([pl.col(c).cast(new.schema[c]) for c in new.columns])
        new = pl.concat([kept, new])
    return new.sort(order, nulls_last=False, maintain_order=True)


def write_import(
    db: str | Path,
    *,
    tables: Mapping[str, pl.DataFrame],
    quarantine: pl.DataFrame | None = None,
    warnings: pl.DataFrame | None = None,
    import_log: Callable[[str], pl.DataFrame] | pl.DataFrame | None = None,
    checked: Mapping[str, pl.DataFrame] | None = None,
    patient_links: pl.DataFrame | None = None,
) -> None:
    """Store the tables of one import, replacing what the store held for those tables.

    Parameters
    ----------
    db
        The store (created when missing).
    tables
        Chart table name -> its imported rows.
    quarantine, warnings
        Problem rows (columns table_name, file, row_number, column_name, value, rule, message).
    import_log
        The provenance rows, or a function of the import time (ISO 8601 text) that makes them.
        A table whose file, hash and counts are unchanged keeps its earlier ``imported_at``, so
        re-importing the same folder leaves the store's content identical.
    checked
        Name -> rows kept in the schema :data:`CHECKED_SCHEMA` so that a later import can check
        the rules across tables over the whole store (see :mod:`msrwe.io._reconcile`).
    patient_links
        ``table_name, row_number, patient_id`` of chart rows that may be quarantined (the raw
        ``patient_id`` as the row holds it, null when blank): the table
        :data:`QUARANTINE_PATIENTS` is rebuilt from them and from its earlier links, for the
        quarantine rows as stored after this import (a row linked here wins over an earlier
        link). Without it, the earlier links of the tables written are dropped (a store without
        the table stays without it).

    Raises
    ------
    StoreError
        When the store cannot be opened or written (a full disk); the store is then byte for
        byte as it was, and no temporary file is left.
    """
    names = set(tables)
    with _staged(Path(db)) as con:
        for name, frame in tables.items():
            _replace(con, name, frame)
        for name, frame in (("quarantine", quarantine), ("import_warnings", warnings)):
            spec = BOOKKEEPING[name]
            new = frame if frame is not None else spec.empty()
            merged = _merge(_existing(con, name), new, names, PROBLEM_TABLES[name])
            con.execute(f'create table if not exists "{name}" ({spec.sql()})')
            _replace(con, name, merged)
        if import_log is not None:
            now = datetime.now(UTC).isoformat(timespec="seconds")
            log = import_log(now) if callable(import_log) else import_log
            old = _existing(con, "import_log")
            log = _keep_times(old, log)
            merged = _merge(old, log, names, PROBLEM_TABLES["import_log"])
            con.execute(
                f"create table if not exists import_log ({BOOKKEEPING['import_log'].sql()})"
            )
            _replace(con, "import_log", merged)
        for name, frame in (checked or {}).items():
            con.execute(f"create schema if not exists {CHECKED_SCHEMA}")
            _replace(con, f'{CHECKED_SCHEMA}"."{name}', frame)
        _link_patients(con, patient_links, names)


_LINK_SCHEMA = {"table_name": pl.String(), "row_number": pl.Int64(), "patient_id": pl.String()}


def _link_patients(
    con: duckdb.DuckDBPyConnection, links: pl.DataFrame | None, replaced: set[str]
) -> None:
    """Rebuild :data:`QUARANTINE_PATIENTS` for the quarantine as it is now stored."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?",
        [CHECKED_SCHEMA, QUARANTINE_PATIENTS],
    ).fetchall()
    target = f"{CHECKED_SCHEMA}.{QUARANTINE_PATIENTS}"
    old = (
        con.sql(f"select table_name, row_number, patient_id from {target}").pl()
        if found and found[0][0]
        else None
    )
    if links is None:
        if old is None:
            return
        old = old.filter(~pl.col("table_name").is_in(sorted(replaced)))
    fresh = (links if links is not None else pl.DataFrame(schema=_LINK_SCHEMA)).select(
        [pl.col(c).cast(t) for c, t in _LINK_SCHEMA.items()]
    )
    old = (old if old is not None else pl.DataFrame(schema=_LINK_SCHEMA)).select(
        [pl.col(c).cast(t) for c, t in _LINK_SCHEMA.items()]
    )
    both = pl.concat([fresh.with_columns(pl.lit(0).alias("rank")),
                      old.with_columns(pl.lit(1).alias("rank"))])
    con.register("__msrwe_links", _arrow(both))
    try:
        con.execute(f"create schema if not exists {CHECKED_SCHEMA}")
        # the first link of each row (this import's before earlier ones); a blank ID links none
        con.execute(
            f"create or replace table {target} as "
            "with best as (select table_name, row_number, patient_id from __msrwe_links "
            "where row_number is not null qualify row_number() over "
            "(partition by table_name, row_number order by rank, patient_id) = 1) "
            "select distinct q.table_name, q.file, q.row_number, b.patient_id "
            "from quarantine q join best b using (table_name, row_number) "
            "where b.patient_id is not null order by 1, 2, 3"
        )
    finally:
        con.unregister("__msrwe_links")


#: Below this much free space, a failed write is reported as a full disk.
_LOW_SPACE = 64 << 20


def _disk_words(exc: BaseException, folder: Path) -> str:
    """The reason a write failed, in words.

    A full disk is the usual one, and DuckDB reports it only as "Current transaction is
    aborted", so the free space of the store's disk is looked at too.
    """
    text = str(exc)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left" in text or (
        free is not None and free < _LOW_SPACE
    ):
        left = f"; {free / 2**20:.1f} MB free" if free is not None else ""
        return (
            f"the disk holding {folder} is full{left}. An import needs room for a copy of "
            "the store: free some space and import again"
        )
    if isinstance(exc, OSError):
        return exc.strerror or text
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _staged(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a copy of the store, renamed over it only when everything is written.

    DuckDB writes large tables into the database file before the commit, so a failure (a full
    disk) inside a transaction still changes the file's bytes. The import is written to a copy in
    the same folder instead (a new, hidden file ``.NAME.msrwe-XXXX``), checkpointed, and renamed
    over the store: a failure or a crash leaves the store byte for byte as it was and removes the
    copy. The store is first opened for writing, so a store open in another program, or a file
    that is not a store, is refused before anything is copied.
    """
    created = not db.exists()
    try:
        con = connect(db, read_only=False)  # the lock, and "is this a store"
        try:
            con.execute("checkpoint")  # fold a pending .wal into the file before copying it
        except duckdb.Error as exc:
            raise StoreError(
                f"{db}: cannot prepare the store ({_disk_words(exc, db.parent)})."
            ) from exc
        finally:
            con.close()
    finally:
        if created:  # connect() made an empty store: the real one is the renamed copy
            for leftover in (db, Path(f"{db}.wal")):
                leftover.unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{db.name}.msrwe-", dir=db.parent)
    os.close(fd)
    tmp = Path(name)
    unchanged = "no store was created" if created else "the store is unchanged"
    try:
        if created:
            tmp.unlink()
        else:
            shutil.copyfile(db, tmp)
        work = duckdb.connect(str(tmp))
        try:
            work.execute("begin transaction")
            yield work
            work.execute("commit")
            work.execute("checkpoint")
        finally:
            work.close()
        os.replace(tmp, db)
    except (duckdb.Error, pl.exceptions.PolarsError, OSError) as exc:
        raise StoreError(
            f"{db}: the import could not be written ({_disk_words(exc, db.parent)}); {unchanged}."
        ) from exc
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)


def _keep_times(old: pl.DataFrame | None, log: pl.DataFrame) -> pl.DataFrame:
    """Keep the earlier ``imported_at`` of tables whose file and counts did not change."""
    if old is None or old.height == 0:
        return log
    same = [
        "table_name",
        "file",
        "sha256",
        "rows_read",
        "rows_imported",
        "rows_quarantined",
        "extra_columns",
        "msrwe_version",
    ]
    earlier = old.select([pl.col(c).cast(log.schema[c]) for c in [*same, "imported_at"]])
    joined = log.join(
        earlier.rename({"imported_at": "__msrwe_then"}), on=same, how="left", nulls_equal=True
    )
    return joined.with_columns(
        pl.coalesce("__msrwe_then", "imported_at").alias("imported_at")
    ).select(log.columns)
