"""Writing an import into the DuckDB store, on a copy renamed over it only when all is written.

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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from msrwe._duckdb import quiet
from msrwe.errors import StoreError
from msrwe.schema import BOOKKEEPING
from msrwe.store._read import connect

__all__ = [
    "CHECKED_SCHEMA",
    "PROBLEM_TABLES",
    "QUARANTINE_PATIENTS",
    "StagedImport",
    "staged_import",
    "write_import",
]

#: The row number column of a chart table while it is staged (``msrwe.io._frames.ROW``).
ROW = "__msrwe_row"

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
    with _staged(Path(db)) as con:
        _write_all(con, tables=tables, quarantine=quarantine, warnings=warnings,
                   import_log=import_log, checked=checked, patient_links=patient_links,
                   replaced=set(tables))


def _write_all(
    con: duckdb.DuckDBPyConnection,
    *,
    tables: Mapping[str, pl.DataFrame],
    quarantine: pl.DataFrame | None,
    warnings: pl.DataFrame | None,
    import_log: Callable[[str], pl.DataFrame] | pl.DataFrame | None,
    checked: Mapping[str, pl.DataFrame] | None,
    patient_links: pl.DataFrame | None,
    replaced: set[str],
) -> None:
    """The body of :func:`write_import`, on the staged copy.

    ``replaced`` names every chart table the import writes: those of ``tables``, and those
    :meth:`StagedImport.spill` wrote already.
    """
    names = set(replaced)
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


#: The most rows of a whole table written beside the reading of the next one.
BESIDE_ROWS = 1_000_000


class StagedImport:
    """An import being written: the staged copy of the store (each write commits on its own).

    :func:`staged_import` gives it. A chart table can be written as soon as it is checked
    (:meth:`spill`), so that an import never holds every table in memory at once; the rows the
    rules across tables quarantine later are removed before the end (:meth:`settle`), and
    :meth:`write` writes everything else. Nothing reaches the store unless all of it is written.
    """

    def __init__(self, db: Path, con: duckdb.DuckDBPyConnection) -> None:
        self._db = db
        self._con = con
        self.spilled: set[str] = set()
        # Batches are written by one thread beside the checks of the next batch (DuckDB's
        # insert runs on one core, and lets go of Python's lock while it works); at most one
        # write is under way, so at most two batches are in memory.
        self._writer: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def _submit(self, work: Callable[[], None]) -> None:
        """Run ``work`` on the writer thread, after the write under way."""
        self.drain()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="msrwe-store")
        self._pending = self._writer.submit(work)

    def drain(self) -> None:
        """Wait for the write under way; its error, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _close(self) -> None:
        """Wait for the writer (ignoring its error: the import is being abandoned) and stop it."""
        try:
            self.drain()
        except Exception:  # noqa: BLE001 - an error of the block is already on its way
            pass
        finally:
            if self._writer is not None:
                self._writer.shutdown()
                self._writer = None

    def _fail(self, exc: BaseException) -> StoreError:
        unchanged = "the store is unchanged" if self._db.exists() else "no store was created"
        return StoreError(
            f"{self._db}: the import could not be written "
            f"({_disk_words(exc, self._db.parent)}); {unchanged}."
        )

    def spill(self, name: str, frame: pl.DataFrame) -> None:
        """Write the rows of chart table ``name``, with their row numbers (:data:`ROW`).

        The writer thread writes them while the next table is checked (see
        :meth:`_TableSink.append`); a table of more than :data:`BESIDE_ROWS` rows (a registry's
        table that could not be read in batches) is written before the next table is read, so
        that two such tables are never in memory at once.
        """
        self.sink(name).append(frame)
        if frame.height > BESIDE_ROWS:
            self.drain()

    def sink(self, name: str) -> _TableSink:
        """A writer of chart table ``name`` batch by batch (:class:`msrwe.io._batched.RowSink`)."""
        return _TableSink(self, name)

    def settle(self, name: str, failed: list[int], hold: list[int] | None = None) -> pl.DataFrame:
        """Remove the rows numbered ``failed`` from spilled table ``name``, and its row numbers.

        Parameters
        ----------
        name
            The table.
        failed
            The row numbers of every quarantined row of the table (not all of them are written).
        hold
            Those of them to give back: the rows that passed the table's own rules but broke a
            rule across tables (default: every row of ``failed`` the table holds).

        Returns
        -------
        polars.DataFrame
            The rows of ``hold`` that the table holds (with :data:`ROW`), in its order: what the
            store keeps to check the rules across tables again.
        """
        self.drain()
        con, table = self._con, f'"{name}"'
        try:
            held = None
            if failed:
                held = _rows_of(con, name, failed if hold is None else hold)
                with _numbers(con, failed) as view:
                    con.execute(f'delete from {table} where "{ROW}" in (select row from {view})')
            if held is None:
                held = con.sql(f"select * from {table} limit 0").pl()
            con.execute(f'alter table {table} drop column "{ROW}"')
        except (duckdb.Error, pl.exceptions.PolarsError, OSError) as exc:
            raise self._fail(exc) from exc
        return held

    def write(self, *, replaced: set[str], **parts: Any) -> None:
        """Write the rest of the import, as :func:`write_import` does (its keyword arguments).

        ``replaced`` names every chart table of the import, spilled or in ``tables``.
        """
        self.drain()
        try:
            _write_all(self._con, replaced=replaced | self.spilled, **parts)
        except (duckdb.Error, pl.exceptions.PolarsError, OSError) as exc:
            raise self._fail(exc) from exc


@contextmanager
def _numbers(
    con: duckdb.DuckDBPyConnection, numbers: list[int] | pl.Series
) -> Iterator[str]:
    """Row numbers as a view of one column ``row`` for the block; its name."""
    view = "__msrwe_numbers"
    con.register(view, pl.DataFrame({"row": numbers}, schema={"row": pl.Int64()}).to_arrow())
    try:
        yield view
    finally:
        con.unregister(view)


def _rows_of(
    con: duckdb.DuckDBPyConnection, name: str, numbers: list[int] | pl.Series
) -> pl.DataFrame:
    """The rows of staged table ``name`` whose :data:`ROW` is in ``numbers``, in stored order."""
    with _numbers(con, numbers) as view:
        return con.sql(f'select * from "{name}" where "{ROW}" in (select row from {view}) '
                       "order by rowid").pl()


class _TableSink:
    """Writes one chart table into the staged store batch by batch, and reads rows back."""

    def __init__(self, staged: StagedImport, name: str) -> None:
        self._staged = staged
        self._name = name
        self._created = False

    def append(self, frame: pl.DataFrame) -> None:
        """Add typed rows (with :data:`ROW`): the first batch replaces the table.

        The rows are written by the writer thread; an error is raised by a later call (the next
        batch, :meth:`rows`, or any method of the :class:`StagedImport`).
        """
        staged, name, first = self._staged, self._name, not self._created
        con, view = staged._con, "__msrwe_incoming"
        try:
            arrow = _arrow(frame)
        except pl.exceptions.PolarsError as exc:
            raise staged._fail(exc) from exc

        def work() -> None:
            try:
                con.register(view, arrow)
                try:
                    if first:
                        con.execute(f'create or replace table "{name}" as select * from {view}')
                    else:
                        con.execute(f'insert into "{name}" select * from {view}')
                finally:
                    con.unregister(view)
            except (duckdb.Error, OSError) as exc:
                raise staged._fail(exc) from exc

        staged._submit(work)
        self._created = True
        staged.spilled.add(name)

    def rows(self, numbers: pl.Series) -> pl.DataFrame:
        """The rows written whose :data:`ROW` is in ``numbers``, in the order written."""
        self._staged.drain()
        try:
            return _rows_of(self._staged._con, self._name, numbers)
        except (duckdb.Error, pl.exceptions.PolarsError, OSError) as exc:
            raise self._staged._fail(exc) from exc


@contextmanager
def staged_import(db: str | Path) -> Iterator[StagedImport]:
    """An import written table by table into a staged copy of the store (see :class:`StagedImport`).

    The copy replaces the store when the block ends without an exception; otherwise the store is
    left byte for byte as it was (an exception of the block goes through unchanged).
    """
    escaped: list[BaseException] = []
    try:
        # Each statement commits on its own: the copy is renamed over the store only at the end,
        # so it needs no transaction to be all or nothing, and DuckDB keeps every row appended
        # inside one open transaction in memory until its commit (measured: about 150 bytes
        # per row of a visits table, most of a registry import's memory).
        with _staged(Path(db), transaction=False) as con:
            staged = StagedImport(Path(db), con)
            try:
                yield staged
                staged.drain()
            except Exception as exc:  # noqa: BLE001 - the block's own error, passed on as it is
                escaped.append(exc)
                raise _Abandon from None
            finally:
                staged._close()
    except _Abandon:
        raise escaped[0] from None


class _Abandon(Exception):
    """Leaves :func:`_staged` without its handling of store errors (the block's own error)."""


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
def _staged(db: Path, *, transaction: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a copy of the store, renamed over it only when everything is written.

    DuckDB writes large tables into the database file before the commit, so a failure (a full
    disk) inside a transaction still changes the file's bytes. The import is written to a copy in
    the same folder instead (a new, hidden file ``.NAME.msrwe-XXXX``), checkpointed, and renamed
    over the store: a failure or a crash leaves the store byte for byte as it was and removes the
    copy. The store is first opened for writing, so a store open in another program, or a file
    that is not a store, is refused before anything is copied.

    With ``transaction`` the writes to the copy are also one transaction; without it each
    statement commits on its own (the copy is private until the rename either way).
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
        work = quiet(duckdb.connect(str(tmp)))
        try:
            if transaction:
                work.execute("begin transaction")
            yield work
            if transaction:
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
