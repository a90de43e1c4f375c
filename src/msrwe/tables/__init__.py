"""Long results tables (analysis, group, variable, level, stat, value) and their renderings."""

from msrwe.tables.results import RESULT_COLUMNS, RESULT_SCHEMA, ResultsTable, read_results

__all__ = ["RESULT_COLUMNS", "RESULT_SCHEMA", "ResultsTable", "read_results"]
