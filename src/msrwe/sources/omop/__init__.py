"""OMOP CDM 5.4: import an OMOP database into the store, and write a chart as OMOP.

- :data:`CDM`: msrwe's declaration of the CDM 5.4 tables it reads and writes;
- :func:`load_concepts`: the concept file (TOML) saying which concept ids mean EDSS, FS scores,
  9HPT, T25FW, SDMT, relapse, MS, each drug and route; :func:`default_concepts_path` is msrwe's
  documented default;
- :func:`import_omop` (``msrwe import-omop``), :func:`chart_to_omop` and
  :func:`write_omop_duckdb` (``msrwe export-omop``, ``msrwe synth --format omop``).

See docs/sources.md ("OMOP CDM") and ``../shared/reference/interop-privacy.md`` section 4.2.
"""

from msrwe.sources.omop._cdm import CDM, CdmColumn, CdmTable, create_sql
from msrwe.sources.omop._concepts import Concepts, default_concepts_path, load_concepts
from msrwe.sources.omop._export import chart_to_omop, export_omop, write_omop_duckdb
from msrwe.sources.omop._import import OmopImport, import_omop, read_omop_chart
from msrwe.sources.omop._source import read_omop

__all__ = [
    "CDM",
    "CdmColumn",
    "CdmTable",
    "Concepts",
    "OmopImport",
    "chart_to_omop",
    "create_sql",
    "default_concepts_path",
    "export_omop",
    "import_omop",
    "load_concepts",
    "read_omop",
    "read_omop_chart",
    "write_omop_duckdb",
]
