"""REDCap: msrwe's project template, and importing a project's export or API into the store.

:func:`write_template` writes a data dictionary that covers the whole chart contract;
:func:`import_redcap` reads a flat export (CSV, JSON) or CDISC ODM XML with the project's
dictionary and an optional mapping; :func:`fetch_redcap` pulls the same through the REDCap API.
See docs/sources.md.
"""

from msrwe.sources.redcap._convert import Converted, convert
from msrwe.sources.redcap._dictionary import (
    DICTIONARY_COLUMNS,
    Dictionary,
    Field,
    parse_dictionary,
    read_dictionary,
)
from msrwe.sources.redcap._export import read_export
from msrwe.sources.redcap._import import (
    INCOMPLETE_OPTIONS,
    RedcapImport,
    import_redcap,
    import_redcap_frame,
)
from msrwe.sources.redcap._mapping import (
    RedcapMapping,
    SourceTable,
    load_redcap_mapping,
    template_mapping,
)
from msrwe.sources.redcap._odm import odm_dictionary, read_odm
from msrwe.sources.redcap._synth import redcap_export, write_redcap_export
from msrwe.sources.redcap._template import EDSS_STEPS, TEMPLATE_FORMS, template_rows, write_template

__all__ = [
    "DICTIONARY_COLUMNS",
    "EDSS_STEPS",
    "INCOMPLETE_OPTIONS",
    "TEMPLATE_FORMS",
    "Converted",
    "Dictionary",
    "Field",
    "RedcapImport",
    "RedcapMapping",
    "SourceTable",
    "convert",
    "import_redcap",
    "import_redcap_frame",
    "load_redcap_mapping",
    "odm_dictionary",
    "parse_dictionary",
    "read_dictionary",
    "read_export",
    "read_odm",
    "redcap_export",
    "template_mapping",
    "template_rows",
    "write_redcap_export",
    "write_template",
]
