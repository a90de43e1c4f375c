"""The public names of msrwe.io, msrwe.schema and msrwe.store are exactly the intended ones."""

from __future__ import annotations

import msrwe.io
import msrwe.schema
import msrwe.store


def test_case_01_io_exports():
    # Case 1: msrwe.io exports the import functions, the summary types and the mapping types
    assert sorted(msrwe.io.__all__) == sorted(
        [
            "IMPORT_LOG_SCHEMA",
            "ISO_DATE",
            "SUFFIXES",
            "ChartFolder",
            "IgnoredFile",
            "ImportSummary",
            "RawFile",
            "SiteMapping",
            "TableMapping",
            "TableSummary",
            "import_folder",
            "load_mapping",
            "neutralise_formulas",
            "read_chart_folder",
            "read_raw",
            # chart tables built in memory by the REDCap/OMOP/FHIR importers
            "ORIGIN",
            "SOURCE_ROW",
            "FramesImport",
            "SourceCount",
            "count_sources",
            "file_sha256",
            "import_frames",
            "read_frames",
        ]
    )
    for name in msrwe.io.__all__:
        assert hasattr(msrwe.io, name)


def test_case_02_schema_exports():
    # Case 2: msrwe.schema exports the contract, its building blocks and its generators
    assert sorted(msrwe.schema.__all__) == sorted(
        [
            "BOOKKEEPING",
            "CONTRACT",
            "DTYPES",
            "OUTCOMES",
            "PHENOTYPES",
            "PHENOTYPE_ALIASES",
            "POLARS_TYPES",
            "PROBLEM_COLUMNS",
            "RELATEDNESS",
            "ROUTES",
            "SERIOUS_CRITERIA",
            "STOP_REASONS",
            "Column",
            "Contract",
            "DType",
            "DateOrder",
            "OnlyWhen",
            "StoreTable",
            "Table",
            "column_rule_text",
            "contract_markdown",
            "pandera_schema",
        ]
    )
    for name in msrwe.schema.__all__:
        assert hasattr(msrwe.schema, name)


def test_case_03_store_exports():
    # Case 3: msrwe.store offers the Store handle, its one-table and several-table reads,
    # write_import, and the analysis's narrow types with their conversions back and forth
    assert sorted(msrwe.store.__all__) == [
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


def test_case_04_importing_io_does_not_load_pandas():
    # Case 4: the import path stays light: pandera (and pandas) load only for pandera_schema()
    import subprocess
    import sys

    code = "import sys, msrwe.io; print('pandera' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
