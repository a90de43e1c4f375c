"""The embedded DuckDB store: one table per chart table, plus ``quarantine`` and ``import_log``."""

from msrwe.store._read import connect, has_table, read_table, table_names

__all__ = ["connect", "has_table", "read_table", "table_names"]
