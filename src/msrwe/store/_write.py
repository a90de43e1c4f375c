"""Writing an import into the DuckDB store, in one transaction.

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

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from msrwe.errors import StoreError
from msrwe.schema import BOOKKEEPING
from msrwe.store._read import connect

__all__ = ["PROBLEM_TABLES", "write_import"]

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


def _replace(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    view = "__msrwe_incoming"
    con.register(view, frame.to_arrow())
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

    Raises
    ------
    StoreError
        When the store cannot be opened or written; nothing is written then.
    """
    names = set(tables)
    created = not Path(db).exists()
    con = connect(db, read_only=False)
    try:
        con.execute("begin transaction")
        try:
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
            con.execute("commit")
        except (duckdb.Error, pl.exceptions.PolarsError) as exc:
            con.execute("rollback")
            con.close()
            if created:  # a store this import created is removed again, not left empty
                for leftover in (Path(db), Path(f"{db}.wal")):
                    leftover.unlink(missing_ok=True)
            unchanged = "no store was created" if created else "the store is unchanged"
            raise StoreError(
                f"{db}: the import could not be written ({exc}); {unchanged}. "
                "Is this an msrwe store?"
            ) from exc
    finally:
        con.close()


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
