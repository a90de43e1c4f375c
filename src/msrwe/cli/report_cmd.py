"""``msrwe report``: analyse a store and write the one-file HTML report.

``--out`` is the report's file (the one file this command makes); ``--export DIR`` writes the
same files into the folder DIR as ``msrwe analyze --export DIR``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe._outputs import check_out_file, check_out_folder
from msrwe.cli._common import console, guard, out_folder, progress, shown

__all__ = ["register", "report"]


@guard
def report(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to report on."),
    study: Path | None = typer.Option(
        None,
        "--study",
        help="The study file (TOML). Without it, every patient on the most-given drug.",
    ),
    out: Path = typer.Option(Path("report.html"), "--out", help="The report's file."),
    export: Path | None = typer.Option(
        None,
        "--export",
        help="Also write into this folder the results, the datasets, the attrition table, the "
        "methods paragraph, the settings in force and the provenance: the same files as "
        "`msrwe analyze --export`.",
    ),
    keep_extra_columns: bool = typer.Option(
        False, "--keep-extra-columns",
        help="Also export birth dates, free text and the chart's extra columns (names, "
        "record numbers, notes); by default they stay in the store.",
    ),
    min_cell: int | None = typer.Option(
        None, "--min-cell", min=2, max=1000,
        help="Small-cell suppression: counts from 1 to N-1 are withheld (shown as <N) with "
        "complementary suppression so no total gives them back (docs/privacy.md); overrides "
        "the study's [privacy] min_cell.",
    ),
    deidentify: bool = typer.Option(
        False, "--deidentify",
        help="Name patients by random pseudonyms wherever the report shows one (appendix, "
        "swimmer plot, data overview); birth dates and free text are never shown.",
    ),
    key: Path | None = typer.Option(
        None, "--key",
        help="With --deidentify: CSV file for the key table (patient_id, pseudonym), kept "
        "apart from the report; without it no key is kept.",
    ),
) -> None:
    """Analyse the store and write a self-contained HTML report (opens with no internet)."""
    from msrwe.errors import OptionError
    from msrwe.pipeline import build_report

    if key is not None and not deidentify:
        raise OptionError("a key table exists only for a de-identified report (--deidentify).",
                          option="--key")
    if export is not None and (min_cell is not None or deidentify):
        raise OptionError("--export writes every patient's datasets under their charted "
                          "identifiers; it cannot be combined with --min-cell or --deidentify. "
                          "Use `msrwe export --deidentify` to share datasets.",
                          option="--export")
    out_folder(out.parent, given=out)  # before minutes of analysis, not after
    check_out_file(out, kind="html", what="report", inputs=[study], db=db)
    if export is not None:
        out_folder(export, "--export")
        check_out_folder(export, what="export folder", inputs=[study, out], db=db)
    if key is not None:
        check_out_file(key, kind="csv", what="key table", option="--key",
                       inputs=[study, out], db=db)
    with progress() as bar:
        task = bar.add_task("report", total=None)

        def on_step(step: int, total: int, description: str) -> None:
            bar.update(task, description=description, total=total, completed=step - 1)

        path = build_report(db, out, study=study, export=export, progress=on_step,
                            keep_extra_columns=keep_extra_columns, min_cell=min_cell,
                            deidentify=deidentify, key_path=key)
        bar.update(task, description="done", total=1, completed=1)
    if export is not None:
        console.print(f"Results and datasets: {shown(export)}")
    console.print(f"[bold green]Report:[/] {shown(path.resolve())}")
    if key is not None:
        console.print(f"Pseudonym key (keep it at the centre): {shown(key)}")


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report)
