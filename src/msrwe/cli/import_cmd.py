"""The ``import`` and ``quarantine`` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from msrwe.cli._common import console, guard, progress, safe_text, shown

__all__ = ["import_charts", "quarantine", "register"]


@guard
def import_charts(
    folder: Path = typer.Argument(..., help="The folder of chart files (CSV, XLSX, Parquet)."),
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to write."),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="A TOML file that adapts a site's own export to the contract."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary on stdout."),
) -> None:
    """Validate a folder of chart files and store it; rows that break a rule are quarantined."""
    from msrwe.io import import_folder

    with progress() as bar:
        bar.add_task(f"importing {folder}", total=None)
        summary = import_folder(folder, db, mapping=mapping)
    if as_json:
        typer.echo(json.dumps(summary.to_json_dict(), indent=2))
        return
    table = Table(title=f"Imported {shown(folder)} into {shown(db)}")
    for name, justify in (
        ("table", "left"),
        ("file", "left"),
        ("read", "right"),
        ("imported", "right"),
        ("quarantined", "right"),
        ("extra columns", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in summary.tables.values():
        table.add_row(
            shown(t.table),
            escape(safe_text(t.file + (f" (sheet {t.sheet!r})" if t.sheet else ""))),
            str(t.read),
            str(t.imported),
            f"[red]{t.quarantined}[/]" if t.quarantined else "0",
            escape(safe_text(", ".join(t.extra_columns))),
        )
    console.print(table)
    for r in summary.rechecked.values():
        parts = []
        if r.quarantined:
            parts.append(f"{r.quarantined} now quarantined (their patient or dates changed)")
        if r.released:
            parts.append(f"{r.released} released from the quarantine (the cause is gone)")
        if not parts:
            parts.append("the reasons of quarantined rows changed")
        console.print(
            f"Re-checked {escape(safe_text(r.table))} ({escape(safe_text(r.file))}, not in this "
            f"folder) against the new patients: {'; '.join(parts)}; rows in the store: "
            f"{r.imported}.",
            highlight=False,
        )
    for ignored in summary.ignored:
        what = f"{safe_text(ignored.file)}: {safe_text(ignored.reason)}"
        console.print(f"[yellow]Ignored[/] {escape(what)}", highlight=False)
    if any(r.quarantined for r in summary.rechecked.values()) and not (
        summary.quarantined_by_rule
    ):
        console.print(f"See why: msrwe quarantine --db {shown(db)}")
    elif summary.quarantined_by_rule:
        by_rule = ", ".join(f"{rule} {n}" for rule, n in summary.quarantined_by_rule.items())
        console.print(f"Quarantined by rule: {shown(by_rule)}")
        console.print(f"See why: msrwe quarantine --db {shown(db)}")
    else:
        console.print("Nothing quarantined.")
    flagged = sum(t.warnings for t in summary.tables.values())
    if flagged:
        console.print(
            f"{flagged} row{'s' if flagged != 1 else ''} imported with a warning: "
            f"msrwe quarantine --db {shown(db)} --warnings"
        )


@guard
def quarantine(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to read."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the quarantine as CSV on stdout."),
    show_warnings: bool = typer.Option(
        False, "--warnings", help="List the rows imported with a warning instead."
    ),
) -> None:
    """List the rows the last imports quarantined, and why."""
    from msrwe.errors import StoreError
    from msrwe.store import has_table, read_table

    name = "import_warnings" if show_warnings else "quarantine"
    if not has_table(db, name):
        raise StoreError(
            f"{db} has no {name} table: import a chart folder into it first "
            f"(msrwe import CHART_FOLDER --db {db})."
        )
    rows = read_table(db, name)
    if as_csv:
        from msrwe.io import neutralise_formulas

        text = neutralise_formulas(rows).write_csv()
        if sys.stdout.isatty():  # on a terminal, a value's escape sequence is shown, not run
            text = "\n".join(safe_text(line) for line in text.split("\n"))
        typer.echo(text, nl=False)
        return
    from msrwe.tables.formatting import plural

    what = "warning" if show_warnings else "quarantined problem"
    if rows.height == 0:
        console.print(f"No {what}s.")
        return
    console.print(f"[bold]{escape(safe_text(plural(rows.height, what) + f' in {db}'))}[/]",
                  highlight=False)
    current = None
    for r in rows.iter_rows(named=True):
        if r["file"] != current:
            current = r["file"]
            console.print(
                f"\n[bold]{escape(safe_text(current or ''))}[/] ({r['table_name']})",
                highlight=False,
            )
        where = f"row {r['row_number']}" if r["row_number"] is not None else "file"
        cell = f"{r['column_name']} = {r['value']!r}" if r["column_name"] else ""
        console.print(
            f"  {where:<9} {escape(safe_text(cell))}  [dim]{r['rule']}[/]", highlight=False
        )
        console.print(Padding(Text(safe_text(r["message"] or "")), (0, 0, 0, 12)))


def register(app: typer.Typer) -> None:
    """Add the ``import`` and ``quarantine`` commands to ``app``."""
    app.command("import")(import_charts)
    app.command("quarantine")(quarantine)
