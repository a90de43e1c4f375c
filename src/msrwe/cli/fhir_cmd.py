"""The ``import-fhir`` command (FHIR R4 Bundles and Bulk Data NDJSON)."""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe.cli._common import guard, progress
from msrwe.cli.omop_cmd import print_source_summary

__all__ = ["import_fhir_cmd", "register"]


@guard
def import_fhir_cmd(
    source: Path = typer.Argument(
        ..., help="A FHIR Bundle or resource (.json), a Bulk Data file (.ndjson), or a folder."),
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to write."),
    concepts: Path | None = typer.Option(
        None, "--concepts", help="Concept file (TOML) giving the codes; default: msrwe's own."),
) -> None:
    """Import FHIR R4 resources into the store, through the chart rules."""
    from msrwe.sources.fhir import import_fhir

    with progress() as bar:
        bar.add_task(f"importing FHIR resources from {source.name}", total=None)
        result = import_fhir(source, db, concepts)
    print_source_summary(result.sources, result.chart, source.name, db, "Resource types")


def register(app: typer.Typer) -> None:
    """Add ``import-fhir`` to ``app``."""
    app.command("import-fhir")(import_fhir_cmd)
