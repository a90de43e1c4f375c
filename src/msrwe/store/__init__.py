"""The embedded DuckDB store: one table per chart table, plus the bookkeeping tables.

:class:`Store` is the handle every later stage reads through: one connection for
:meth:`~Store.tables`, :meth:`~Store.read` and :meth:`~Store.quality` (``quarantine``,
``import_warnings`` and ``import_log``, whose columns ``msrwe.schema.BOOKKEEPING`` declares).
:func:`read_table`, :func:`table_names` and :func:`has_table` open one connection per call.
Writing (:func:`write_import`) is what ``msrwe import`` uses.
"""

from msrwe.store._narrow import ANALYSIS_TYPES, as_held, as_stored
from msrwe.store._read import connect
from msrwe.store._store import (
    Store,
    StoreQuality,
    has_table,
    opened,
    patient_id_enum,
    read_table,
    read_tables,
    table_names,
)
from msrwe.store._write import CHECKED_SCHEMA, PROBLEM_TABLES, write_import

__all__ = [
    "ANALYSIS_TYPES",
    "CHECKED_SCHEMA",
    "PROBLEM_TABLES",
    "Store",
    "StoreQuality",
    "as_held",
    "as_stored",
    "connect",
    "has_table",
    "opened",
    "patient_id_enum",
    "read_table",
    "read_tables",
    "table_names",
    "write_import",
]
