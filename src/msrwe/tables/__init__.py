"""Long results tables (analysis, group, variable, level, stat, value) and their renderings."""

from msrwe.tables.results import RESULT_COLUMNS, RESULT_SCHEMA, ResultsTable, read_results
from msrwe.tables.table1 import compute_table1, lublin_table1

__all__ = [
    "RESULT_COLUMNS",
    "RESULT_SCHEMA",
    "ResultsTable",
    "compute_table1",
    "lublin_table1",
    "read_results",
]
