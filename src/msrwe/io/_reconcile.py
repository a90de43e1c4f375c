r"""After an import, the rules across tables hold over the whole store, not only the folder.

An import replaces the tables its folder holds; the store's other tables stay. Their rows were
checked against the patients of an earlier import, so they are checked again against the new
ones: a row whose patient is gone (or whose dates now fall outside the patient's life) moves to
the quarantine, and a row that was quarantined only because of such a rule comes back when its
cause is gone. This works because every import also keeps, in the schema
:data:`~msrwe.store.CHECKED_SCHEMA`, each table's rows that passed the table's own rules but
broke a rule across tables (``visits``), and the row number of each stored row
(``visits__row_numbers``, in the order of the stored table). A store written before this
existed has no such rows: its tables are still checked again (rows can leave, without a row
number), but nothing can come back.

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.io import import_folder
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "patients.csv").write_text("patient_id\nA1\n")
>>> _ = (folder / "visits.csv").write_text("patient_id,date\nA1,2015-01-01\nB2,2016-01-01\n")
>>> db = folder / "s.duckdb"
>>> _ = import_folder(folder, db)
>>> (folder / "visits.csv").unlink()
>>> _ = (folder / "patients.csv").write_text("patient_id\nA1\nB2\n")
>>> summary = import_folder(folder, db)
>>> r = summary.rechecked["visits"]
>>> r.released, r.quarantined, r.imported
(1, 0, 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from msrwe.io._cross import CROSS_RULES, cross_check
from msrwe.io._frames import ROW, empty_problems, sort_problems
from msrwe.io._validate import CheckedTable
from msrwe.schema import CONTRACT

__all__ = ["ROW_NUMBERS", "Rechecked", "StoredState", "reconcile", "stored_state"]

#: The suffix of the table that holds the row numbers of a stored table.
ROW_NUMBERS = "__row_numbers"


@dataclass(frozen=True)
class Rechecked:
    """What re-checking one stored table (not in the imported folder) changed.

    Parameters
    ----------
    table, file
        The table and the file it was imported from earlier.
    imported
        Its rows in the store now.
    released
        Rows that had been quarantined by a rule across tables and are now imported.
    quarantined
        Rows that were imported and are now quarantined by a rule across tables.
    """

    table: str
    file: str
    imported: int
    released: int
    quarantined: int


@dataclass(frozen=True)
class StoredState:
    """What the store holds for the tables an import does not replace."""

    checked: dict[str, pl.DataFrame]
    legacy: set[str]
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    log: pl.DataFrame | None


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {r[0] for r in rows}


def stored_state(db: Path, replaced: set[str]) -> StoredState | None:
    """Read the store's tables that an import of ``replaced`` keeps (``None``: no store yet)."""
    from msrwe.store import CHECKED_SCHEMA, connect

    if not db.exists() or db.stat().st_size == 0:
        return None
    con = connect(db)
    try:
        main = _tables(con, "main")
        kept = [t for t in CONTRACT.names if t in main and t not in replaced]
        if not kept:
            return None
        checked_tables = _tables(con, CHECKED_SCHEMA)
        checked: dict[str, pl.DataFrame] = {}
        legacy: set[str] = set()
        for name in kept:
            frame = con.sql(f'select * from "{name}" order by rowid').pl()
            numbers = None
            if name in checked_tables and f"{name}{ROW_NUMBERS}" in checked_tables:
                numbers = con.sql(
                    f'select "{ROW}" from {CHECKED_SCHEMA}."{name}{ROW_NUMBERS}" order by rowid'
                ).pl()
            if numbers is not None and numbers.height == frame.height:
                held = con.sql(f'select * from {CHECKED_SCHEMA}."{name}"').pl()
                checked[name] = pl.concat(
                    [frame.with_columns(numbers.get_column(ROW)), held], how="diagonal_relaxed"
                )
            else:  # an older store (or a table changed by hand): no row numbers
                legacy.add(name)
                stand_in = -pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
                checked[name] = frame.with_columns(stand_in.alias(ROW))

        def problems(table: str) -> pl.DataFrame:
            if table not in main:
                return empty_problems()
            frame = con.sql(
                f'select * from "{table}" where table_name in (select unnest(?))', params=[kept]
            ).pl()
            return frame.select([pl.col(c).cast(t) for c, t in empty_problems().schema.items()])

        log = (
            con.sql(
                "select * from import_log where table_name in (select unnest(?))", params=[kept]
            ).pl()
            if "import_log" in main
            else None
        )
        return StoredState(checked, legacy, problems("quarantine"), problems("import_warnings"),
                           log)
    finally:
        con.close()


def reconcile(
    new: dict[str, CheckedTable], stored: StoredState
) -> tuple[
    dict[str, pl.DataFrame],
    pl.DataFrame,
    pl.DataFrame,
    pl.DataFrame,
    dict[str, Rechecked],
    dict[str, pl.DataFrame],
]:
    """Check the rules across tables again for the stored tables, against the new patients.

    Parameters
    ----------
    new
        The imported folder's tables after their own rules (with ``patients``).
    stored
        The store's other tables (:func:`stored_state`).

    Returns
    -------
    tuple
        For the stored tables whose rows change: table -> its rows now; all their quarantine
        rows; all their warning rows; their import_log rows; what changed, per table; and what
        the store keeps for the next re-check (see the module).
    """
    files: dict[str, str] = {}
    if stored.log is not None:
        files = dict(zip(stored.log["table_name"], stored.log["file"], strict=True))
    again = {
        name: CheckedTable(
            CONTRACT[name], files.get(name, name), frame, empty_problems(), empty_problems(), ()
        )
        for name, frame in stored.checked.items()
    }
    cross = cross_check({"patients": new["patients"], **again})
    tables: dict[str, pl.DataFrame] = {}
    quarantine_parts, warning_parts, log_parts = [empty_problems()], [empty_problems()], []
    changes: dict[str, Rechecked] = {}
    keep: dict[str, pl.DataFrame] = {}
    is_cross = pl.col("rule").is_in(list(CROSS_RULES))
    for name, frame in stored.checked.items():
        old_q = stored.quarantine.filter(pl.col("table_name") == name)
        failures = cross[name]
        after = set(failures["row_number"].to_list())
        if name in stored.legacy:  # rows of an older store: none can come back
            own = old_q
            released, newly = 0, len(after)
            # their numbers are stand-ins (negative): the quarantine says "no row number"
            failures = failures.with_columns(
                pl.when(pl.col("row_number") > 0).then(pl.col("row_number")).alias("row_number")
            )
        else:
            own = old_q.filter(~is_cross)
            old_cross = old_q.filter(is_cross)
            before = set(old_cross["row_number"].drop_nulls().to_list())
            released, newly = len(before - after), len(after - before)
            same = sorted(sort_problems(old_cross).rows()) == sorted(
                sort_problems(failures).rows()
            )
            if released == 0 and newly == 0 and same:
                continue  # nothing changed, not even the reason a row is held
        if name in stored.legacy and released == 0 and newly == 0:
            continue
        kept = frame.filter(~pl.col(ROW).is_in(sorted(after)))
        tables[name] = kept.drop(ROW)
        if name not in stored.legacy:
            keep[name] = frame.filter(pl.col(ROW).is_in(sorted(after)))
            keep[f"{name}{ROW_NUMBERS}"] = kept.select(ROW)
        quarantine_parts.extend([own, failures])
        warnings = stored.warnings.filter(pl.col("table_name") == name)
        warning_parts.append(warnings.filter(
            pl.col("row_number").is_null() | ~pl.col("row_number").is_in(sorted(after))
        ))
        if stored.log is not None:
            own_rows = own["row_number"].drop_nulls().n_unique() + own["row_number"].null_count()
            log_parts.append(stored.log.filter(pl.col("table_name") == name).with_columns(
                pl.lit(kept.height, dtype=pl.Int64).alias("rows_imported"),
                pl.lit(own_rows + len(after), dtype=pl.Int64).alias("rows_quarantined"),
            ))
        changes[name] = Rechecked(name, files.get(name, name), kept.height, released, newly)
    quarantine = sort_problems(pl.concat(quarantine_parts))
    warnings_all = sort_problems(pl.concat(warning_parts))
    log = pl.concat(log_parts) if log_parts else pl.DataFrame()
    return tables, quarantine, warnings_all, log, changes, keep
