"""Privacy when data leave a centre: de-identified exports (interop-privacy.md section 5).

Examples
--------
>>> from msrwe.privacy import deidentify, export_store
>>> callable(deidentify) and callable(export_store)
True
"""

from msrwe.privacy._deidentify import Deidentified, deidentify
from msrwe.privacy._export import ExportSummary, export_store
from msrwe.schema._release import analysis_columns, withheld_columns

__all__ = ["Deidentified", "ExportSummary", "analysis_columns", "deidentify", "export_store",
           "withheld_columns"]
