"""The ``import-omop`` and ``export-omop`` commands (OMOP CDM 5.4)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from msrwe.cli._common import console, guard, progress, shown

__all__ = ["export_omop_cmd", "import_omop_cmd", "print_source_summary", "register"]


def print_source_summary(counts: list, chart: object, source: str, db: Path,
                         what: str) -> None:
    """Print read / imported / quarantined / ignored per source table, then per chart table."""
    from msrwe.io import ChartFolder

    assert isinstance(chart, ChartFolder)
    per = Table(title=f"{what} read from {source}")
    for name in (what.split()[0].lower(), "read", "imported", "quarantined", "ignored"):
        per.add_column(name, justify="right" if name in ("read", "imported", "quarantined",
                                                          "ignored") else "left")
    for c in counts:
        per.add_row(c.source, f"{c.read:,}", f"{c.imported:,}",
                    f"[red]{c.quarantined:,}[/]" if c.quarantined else "0", f"{c.ignored:,}")
    console.print(per)
    tables = Table(title=f"Chart tables stored in {db}")
    for name in ("table", "rows", "imported", "quarantined"):
        tables.add_column(name, justify="left" if name == "table" else "right")
    for t in chart.summary.tables.values():
        tables.add_row(t.table, f"{t.read:,}", f"{t.imported:,}",
                       f"[red]{t.quarantined:,}[/]" if t.quarantined else "0")
    console.print(tables)
    if chart.summary.quarantined_by_rule:
        by_rule = ", ".join(f"{r} {n}" for r, n in chart.summary.quarantined_by_rule.items())
        console.print(f"Quarantined by rule: {shown(by_rule)}. See why: msrwe quarantine --db "
                      f"{shown(db)}",
                      highlight=False)
    else:
        console.print("Nothing quarantined.")
    if chart.warnings.height:
        console.print(f"{chart.warnings.height} warning(s): msrwe quarantine --db {shown(db)} "
                      "--warnings", highlight=False)


@guard
def import_omop_cmd(
    source: str = typer.Option(
        ..., "--source",
        help="The OMOP CDM 5.4 database: a DuckDB file or postgresql://user@host/db "
        "(give a password through PGPASSWORD or ~/.pgpass, never on the command line)."),
    concepts: Path | None = typer.Option(
        None, "--concepts", help="Concept file (TOML); default: msrwe's documented default."),
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to write."),
    schema: str | None = typer.Option(
        None, "--schema", help="Database schema holding the CDM tables (default: main/public)."),
) -> None:
    """Import an OMOP CDM 5.4 database into the store, through the chart rules."""
    from msrwe.sources.omop import import_omop
    from msrwe.sources.omop._source import describe_source

    shown = describe_source(source)
    with progress() as bar:
        bar.add_task(f"importing OMOP tables from {shown}", total=None)
        result = import_omop(source, db, concepts, schema=schema)
    print_source_summary(result.sources, result.chart, shown, db, "OMOP tables")


@guard
def export_omop_cmd(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to read."),
    out: Path = typer.Option(..., "--out", help="The OMOP DuckDB database to write (new file)."),
    concepts: Path | None = typer.Option(
        None, "--concepts", help="Concept file (TOML); default: msrwe's documented default."),
) -> None:
    """Write the store's chart as an OMOP CDM 5.4 DuckDB database (for OHDSI network studies)."""
    from msrwe.sources.omop import export_omop

    with progress() as bar:
        bar.add_task(f"writing OMOP tables to {out}", total=None)
        counts = export_omop(db, out, concepts)
    table = Table(title=f"OMOP CDM 5.4 tables written to {out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print("person_source_value holds the chart's patient ids: de-identify the store "
                  "first (msrwe export --deidentify) before the database leaves the hospital.",
                  highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``import-omop`` and ``export-omop`` to ``app``."""
    app.command("import-omop")(import_omop_cmd)
    app.command("export-omop")(export_omop_cmd)
