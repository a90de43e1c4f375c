"""Reading chart files and importing them into the store, with row-level quarantine.

:func:`import_folder` reads every contract table of a folder (CSV, XLSX, Parquet), validates it
against :data:`msrwe.schema.CONTRACT`, and stores it; :func:`read_chart_folder` validates without
writing. A :class:`SiteMapping` (TOML file) adapts a site's own export (``msrwe.io.Mapping`` is
its deprecated earlier name).
"""

import warnings
from typing import Any

from msrwe._csvsafe import neutralise_formulas
from msrwe.io._frames_import import (
    ORIGIN,
    SOURCE_ROW,
    FramesImport,
    SourceCount,
    count_sources,
    file_sha256,
    import_frames,
    read_frames,
)
from msrwe.io._import import (
    IMPORT_LOG_SCHEMA,
    ChartFolder,
    IgnoredFile,
    ImportSummary,
    TableSummary,
    import_folder,
    read_chart_folder,
)
from msrwe.io._mapping import ISO_DATE, SiteMapping, TableMapping, load_mapping
from msrwe.io._read import SUFFIXES, RawFile, read_raw

__all__ = [
    "IMPORT_LOG_SCHEMA",
    "ISO_DATE",
    "ORIGIN",
    "SOURCE_ROW",
    "SUFFIXES",
    "ChartFolder",
    "FramesImport",
    "IgnoredFile",
    "ImportSummary",
    "RawFile",
    "SiteMapping",
    "SourceCount",
    "TableMapping",
    "TableSummary",
    "count_sources",
    "file_sha256",
    "import_folder",
    "import_frames",
    "load_mapping",
    "neutralise_formulas",
    "read_chart_folder",
    "read_frames",
    "read_raw",
]


def __getattr__(name: str) -> Any:
    if name == "Mapping":
        warnings.warn(
            "msrwe.io.Mapping is now msrwe.io.SiteMapping (the old name clashed with "
            "collections.abc.Mapping); the old name will be removed.",
            DeprecationWarning,
            stacklevel=2,
        )
        return SiteMapping
    raise AttributeError(f"module 'msrwe.io' has no attribute {name!r}")
