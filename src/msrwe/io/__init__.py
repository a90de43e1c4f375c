"""Reading chart files and importing them into the store, with row-level quarantine.

:func:`import_folder` reads every contract table of a folder (CSV, XLSX, Parquet), validates it
against :data:`msrwe.schema.CONTRACT`, and stores it; :func:`read_chart_folder` validates without
writing. A :class:`Mapping` (TOML file) adapts a site's own export.
"""

from msrwe.io._csvsafe import neutralise_formulas
from msrwe.io._import import (
    IMPORT_LOG_SCHEMA,
    ChartFolder,
    IgnoredFile,
    ImportSummary,
    TableSummary,
    import_folder,
    read_chart_folder,
)
from msrwe.io._mapping import ISO_DATE, Mapping, TableMapping, load_mapping
from msrwe.io._read import SUFFIXES, RawFile, read_raw

__all__ = [
    "IMPORT_LOG_SCHEMA",
    "ISO_DATE",
    "SUFFIXES",
    "ChartFolder",
    "IgnoredFile",
    "ImportSummary",
    "Mapping",
    "RawFile",
    "TableMapping",
    "TableSummary",
    "import_folder",
    "load_mapping",
    "neutralise_formulas",
    "read_chart_folder",
    "read_raw",
]
