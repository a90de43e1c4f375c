"""FHIR R4: import Bundles and Bulk Data NDJSON into the store; write a chart as FHIR.

Resources are parsed and validated with ``fhir.resources`` (R4B models); codes come from the
concept file shared with OMOP (:func:`msrwe.sources.omop.load_concepts`). See docs/sources.md
("FHIR R4") and ``../shared/reference/interop-privacy.md`` section 4.3.
"""

from msrwe.sources.fhir._export import chart_to_fhir, write_fhir_bundle
from msrwe.sources.fhir._import import FhirImport, import_fhir, read_fhir_chart
from msrwe.sources.fhir._read import RESOURCE_TYPES, FhirRecord, read_fhir

__all__ = [
    "RESOURCE_TYPES",
    "FhirImport",
    "FhirRecord",
    "chart_to_fhir",
    "import_fhir",
    "read_fhir",
    "read_fhir_chart",
    "write_fhir_bundle",
]
