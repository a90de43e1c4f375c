"""The ``export`` command: the store's chart tables as files, de-identified on request."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from msrwe.cli._common import console, guard, progress

__all__ = ["export", "register"]


@guard
def export(
    db: Path = typer.Option(..., "--db", help="The store written by msrwe import."),
    out: Path = typer.Option(..., "--out", help="Folder to write (replaced whole if it exists)."),
    deidentify: bool = typer.Option(
        False, "--deidentify",
        help="Random pseudonyms, shifted dates, birth year only (90+ grouped), no free text and "
        "no extra chart columns.",
    ),
    key: Path | None = typer.Option(
        None, "--key",
        help="With --deidentify: CSV file for the key table (id, pseudonym, shift), outside "
        "--out. Without it no key is kept.",
    ),
    dates: str = typer.Option(
        "shift", "--dates",
        help="With --deidentify: 'shift' (random per-patient shift, intervals kept) or 'offset' "
        "(days since the patient's first charted date).",
    ),
    sites: str = typer.Option("keep", "--sites", help="With --deidentify: 'keep' or 'code'."),
    keep_free_text: bool = typer.Option(
        False, "--keep-free-text",
        help="Keep verbatim adverse-event terms and reasons for admission (they may name people).",
    ),
    keep_extra_columns: bool = typer.Option(
        False, "--keep-extra-columns",
        help="Without --deidentify: keep the chart's own columns outside the contract.",
    ),
    fmt: str = typer.Option("parquet", "--format", help="parquet, csv or both."),
) -> None:
    """Export the chart tables, de-identified for sharing with --deidentify."""
    from msrwe.privacy import export_store

    with progress() as bar:
        bar.add_task("writing the export", total=None)
        summary = export_store(
            db, out, deidentify_data=deidentify, key_path=key, dates=dates,  # type: ignore[arg-type]
            sites=sites, keep_free_text=keep_free_text,  # type: ignore[arg-type]
            keep_extra_columns=keep_extra_columns, file_format=fmt,  # type: ignore[arg-type]
        )
    kind = "De-identified export" if summary.deidentified else "Export (identifiable)"
    table = Table(title=f"{kind} written to {summary.out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in summary.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if summary.dropped:
        left = sorted({f"{t}.{c}" for t, c, _ in summary.dropped})
        console.print(f"Columns left out: {', '.join(left)} (reasons in EXPORT.json).",
                      markup=False, highlight=False)
    if summary.deidentified:
        if summary.key is not None:
            console.print(f"Key table (keep it at the centre, never with the export): "
                          f"{summary.key}", markup=False, highlight=False)
        else:
            console.print("No key table was kept: the export cannot be linked back to the charts.")
    else:
        console.print("This export holds patient identifiers and dates as charted; use "
                      "--deidentify before sharing it.")


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to ``app``."""
    app.command("export")(export)
