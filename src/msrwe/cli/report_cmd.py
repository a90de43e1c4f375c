"""``msrwe report``: analyse a store and write the one-file HTML report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from msrwe.cli._common import console, guard, out_folder, progress

__all__ = ["register", "report"]


@guard
def report(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to report on."),
    study: Path | None = typer.Option(
        None,
        "--study",
        help="The study file (TOML). Without it, every patient on the most-given drug.",
    ),
    out: Path = typer.Option(Path("report.html"), "--out", help="Where to write the report."),
    export: Path | None = typer.Option(
        None,
        "--export",
        help="Also write the results table and the per-patient, per-dose, per-visit, "
        "per-adverse-event and time-to-event datasets (CSV and Parquet) into this folder.",
    ),
) -> None:
    """Analyse the store and write a self-contained HTML report (opens with no internet)."""
    from msrwe.report import render_report

    out_folder(out.parent, given=out)  # before minutes of analysis, not after
    if export is not None:
        out_folder(export, "--export")
    with progress() as bar:
        task = bar.add_task("report", total=None)

        def on_step(step: int, total: int, description: str) -> None:
            bar.update(task, description=description, total=total, completed=step - 1)

        path = render_report(db, out, study=study, export_dir=export, progress=on_step)
        bar.update(task, description="done", total=1, completed=1)
    if export is not None:
        console.print(f"Results and datasets: {export}")
    console.print(f"[bold green]Report:[/] {escape(str(path.resolve()))}")


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report)
