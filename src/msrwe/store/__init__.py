"""The embedded DuckDB store: one table per chart table, plus ``quarantine`` and ``import_log``.

Reading (:func:`read_table`) is what every later stage uses; writing (:func:`write_import`) is
what ``msrwe import`` uses.
"""

from msrwe.store._read import connect, has_table, read_table, table_names
from msrwe.store._write import CHECKED_SCHEMA, PROBLEM_TABLES, write_import

__all__ = [
    "CHECKED_SCHEMA",
    "PROBLEM_TABLES",
    "connect",
    "has_table",
    "read_table",
    "table_names",
    "write_import",
]
