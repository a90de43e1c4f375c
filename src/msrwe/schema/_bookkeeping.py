"""The store's bookkeeping tables, declared once: quarantine, import_warnings, import_log.

The importer builds its problem rows in these columns (:mod:`msrwe.io`), the store creates the
tables from them (:mod:`msrwe.store`), and the report reads them back
(:meth:`msrwe.store.Store.quality`). Each column is a :class:`~msrwe.schema.Column` of the same
kind as the chart contract's.

Examples
--------
>>> from msrwe.schema import BOOKKEEPING
>>> BOOKKEEPING["quarantine"].column_names
('table_name', 'file', 'row_number', 'column_name', 'value', 'rule', 'message')
>>> BOOKKEEPING["import_log"].sql()[:40]
'table_name VARCHAR, file VARCHAR, sha256'
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from msrwe.errors import DefinitionError
from msrwe.schema._model import Column

__all__ = ["BOOKKEEPING", "PROBLEM_COLUMNS", "StoreTable"]


@dataclass(frozen=True)
class StoreTable:
    """One bookkeeping table of the store: its columns and the order its rows are kept in.

    Parameters
    ----------
    name
        The table's name in the store.
    description
        What one row is.
    columns
        The columns, in stored order.
    order
        The columns that sort the rows (a stable order, so a re-import writes the same table).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    order: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = sorted(set(self.order) - set(self.column_names))
        if unknown:
            raise DefinitionError(f"store table {self.name}: order names unknown {unknown}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in stored order."""
        return tuple(c.name for c in self.columns)

    def polars_schema(self) -> dict[str, pl.DataType]:
        """The Polars schema of the table (name -> type), in stored order."""
        types: dict[str, pl.DataType] = {
            "text": pl.String(), "integer": pl.Int64(), "number": pl.Float64(),
            "date": pl.Date(), "boolean": pl.Boolean(),
        }
        return {c.name: types[c.dtype] for c in self.columns}

    def empty(self) -> pl.DataFrame:
        """An empty table with these columns and types."""
        return pl.DataFrame(schema=self.polars_schema())

    def sql(self) -> str:
        """The column list of ``create table`` (``name TYPE, ...``)."""
        return ", ".join(f"{c.name} {c.sql_type}" for c in self.columns)


#: Columns of ``quarantine`` and ``import_warnings``: one row per broken rule of a chart row.
PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("table_name", "text", "the chart table the row belongs to"),
    Column("file", "text", "the file the row was read from"),
    Column("row_number", "integer", "the row's number as a spreadsheet shows it (header = 1)"),
    Column("column_name", "text", "the column concerned (empty for a whole row)"),
    Column("value", "text", "the value as written in the file"),
    Column("rule", "text", "the stable code of the rule"),
    Column("message", "text", "what is wrong, in words a clinician understands"),
)

_PROBLEM_ORDER = ("table_name", "file", "row_number", "column_name", "rule", "value", "message")

#: The bookkeeping tables, by name.
BOOKKEEPING: dict[str, StoreTable] = {
    "quarantine": StoreTable(
        "quarantine",
        "one row per rule a refused chart row broke (the row is not imported)",
        PROBLEM_COLUMNS,
        _PROBLEM_ORDER,
    ),
    "import_warnings": StoreTable(
        "import_warnings",
        "one row per warning about a chart row that was imported",
        PROBLEM_COLUMNS,
        _PROBLEM_ORDER,
    ),
    "import_log": StoreTable(
        "import_log",
        "one row per chart file read: where it came from and what became of its rows",
        (
            Column("table_name", "text", "the chart table"),
            Column("file", "text", "the file read"),
            Column("sha256", "text", "SHA-256 checksum of the file"),
            Column("rows_read", "integer", "rows in the file"),
            Column("rows_imported", "integer", "rows stored"),
            Column("rows_quarantined", "integer", "rows refused"),
            Column("extra_columns", "text", "columns outside the contract, kept as they were"),
            Column("imported_at", "text", "when the file was imported (ISO 8601, UTC)"),
            Column("msrwe_version", "text", "the msrwe version that imported it"),
        ),
        ("table_name",),
    ),
}
