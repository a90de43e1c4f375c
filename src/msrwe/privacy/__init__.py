"""Privacy when data leave a centre: de-identified exports and small-cell suppression.

See interop-privacy.md section 5 and docs/privacy.md.

Examples
--------
>>> from msrwe.privacy import deidentify, export_store
>>> callable(deidentify) and callable(export_store)
True
"""

from msrwe.privacy._deidentify import Deidentified, deidentify, pseudonym_key
from msrwe.privacy._export import ExportSummary, export_store
from msrwe.privacy._suppress import (
    check_min_cell,
    display_frame,
    is_count,
    suppress_counts,
    suppress_results,
    suppress_table,
    suppression_code,
)
from msrwe.schema._release import analysis_columns, withheld_columns

__all__ = [
    "Deidentified",
    "ExportSummary",
    "analysis_columns",
    "check_min_cell",
    "deidentify",
    "display_frame",
    "export_store",
    "is_count",
    "pseudonym_key",
    "suppress_counts",
    "suppress_results",
    "suppress_table",
    "suppression_code",
    "withheld_columns",
]
