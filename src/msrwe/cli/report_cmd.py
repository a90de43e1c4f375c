"""``msrwe report``: write the one-file HTML report of an analysis, or analyse a store first.

``--analysis DIR`` renders the analysis ``msrwe analyze --out DIR`` wrote (its ``analysis/``
bundle, :mod:`msrwe.pipeline.bundle`) without analysing again; without it the store (``--db``)
is analysed first. ``--out`` is the report's file (the one file this command makes);
``--export DIR`` writes the same files into the folder DIR as ``msrwe analyze --export DIR``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe._outputs import check_out_file, check_out_folder
from msrwe.cli._common import MIN_CELL, console, guard, out_folder, progress, shown

__all__ = ["register", "report"]


@guard
def report(
    db: Path | None = typer.Option(
        None, "--db", help="The DuckDB store to analyse and report on [default: msrwe.duckdb]; "
        "not with --analysis.", show_default=False,
    ),
    study: Path | None = typer.Option(
        None,
        "--study",
        help="The study file (TOML). Without it, every patient on the most-given drug.",
    ),
    analysis: Path | None = typer.Option(
        None, "--analysis",
        help="Render the analysis `msrwe analyze --out DIR` wrote (give DIR): nothing is "
        "analysed again and the store is not opened. The report is the one `msrwe report "
        "--db` writes from the same store and study.",
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
    min_cell: int | None = MIN_CELL,
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
    """Write a self-contained HTML report (opens with no internet) of an analysis or a store."""
    from msrwe.errors import OptionError
    from msrwe.pipeline import build_report

    if analysis is not None:
        for given, option in ((db, "--db"), (study, "--study")):
            if given is not None:
                raise OptionError(
                    f"{option} cannot be given with --analysis: the analysis was run on its own "
                    "store with its own study. Run `msrwe analyze` again to change them, or "
                    "leave out --analysis to analyse the store now.", option=option)
        from msrwe.pipeline.bundle import bundle_path

        bundle_path(analysis)  # a clear error before anything is written
    if analysis is None and db is None:
        db = Path("msrwe.duckdb")
    if key is not None and not deidentify:
        raise OptionError("a key table exists only for a de-identified report (--deidentify).",
                          option="--key")
    if export is not None and (min_cell is not None or deidentify):
        raise OptionError("--export writes every patient's datasets under their charted "
                          "identifiers; it cannot be combined with --min-cell or --deidentify. "
                          "Use `msrwe export --deidentify` to share datasets.",
                          option="--export")
    out_folder(out.parent, given=out)  # before minutes of analysis, not after
    check_out_file(out, kind="html", what="report", inputs=[study, analysis], db=db)
    if export is not None:
        out_folder(export, "--export")
        check_out_folder(export, what="export folder", inputs=[study, out, analysis], db=db)
    if key is not None:
        check_out_file(key, kind="csv", what="key table", option="--key",
                       inputs=[study, out, analysis], db=db)
    with progress() as bar:
        task = bar.add_task("report", total=None)

        def on_step(step: int, total: int, description: str) -> None:
            bar.update(task, description=description, total=total, completed=step - 1)

        path = build_report(db, out, study=study, analysis=analysis, export=export,
                            progress=on_step,
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
