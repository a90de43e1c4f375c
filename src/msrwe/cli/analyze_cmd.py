"""``msrwe analyze``: the study's declared analyses into ``results.csv``/``.parquet``.

Options mean the same in every command: ``--out`` is a folder for a command that writes several
files (``synth``, ``analyze``, ``demo``) and the file for a command that writes one
(``report``); ``--export DIR`` writes :meth:`msrwe.analysis.result.AnalysisResult.export`'s files
into the folder DIR in both ``analyze`` and ``report``.
"""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import typer

from msrwe._outputs import check_out_file, check_out_folder
from msrwe.cli._common import (
    MIN_CELL,
    console,
    err_console,
    guard,
    out_folder,
    peak_rss_mb,
    progress,
    shown,
)

__all__ = ["analyze", "register"]


@guard
def analyze(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to analyse."),
    study: Path | None = typer.Option(
        None,
        "--study",
        help="The study file (TOML). Without it, every patient on the most-given drug.",
    ),
    out: Path = typer.Option(
        Path("results"), "--out",
        help="Folder for results.csv/.parquet and the analysis the report renders "
        "(the folder analysis/: `msrwe report --analysis` reads it instead of analysing again; "
        "it is patient-level, keep it at the centre).",
    ),
    export: Path | None = typer.Option(
        None,
        "--export",
        help="Also write into this folder the results, the datasets (adsl, addose, advs, adae, "
        "adtte, adevents, ...), the attrition table, the methods paragraph, the settings in "
        "force (settings.json and study.toml) and the provenance: the same files as "
        "`msrwe report --export`.",
    ),
    keep_extra_columns: bool = typer.Option(
        False, "--keep-extra-columns",
        help="Also export birth dates, free text and the chart's extra columns (names, "
        "record numbers, notes); by default they stay in the store.",
    ),
    quiet: bool = typer.Option(False, "--quiet", help="Print only the paths written."),
    timings: bool = typer.Option(
        False, "--timings",
        help="Print on stderr the seconds each step took (reading the store, the cohort, each "
        "analysis), the slowest first, and how much each step raised the peak memory (RSS) "
        "of the run: which analysis of a large store costs what. Each step also prints one "
        "'done' line as it ends.",
    ),
    aggregate_only: bool = typer.Option(
        False,
        "--aggregate-only",
        help="Write into --out only a site package of non-disclosive results (counts, "
        "person-time, Kaplan-Meier step tables, estimates with intervals, manifest.json) for "
        "`msrwe pool` (docs/federated.md).",
    ),
    site: str = typer.Option("site", "--site", help="The site's label in its package."),
    min_cell: int | None = MIN_CELL,
) -> None:
    """Analyse a store: cohort and attrition, then every declared analysis, into one table."""
    from msrwe.pipeline.run import analyze as run_analysis
    from msrwe.store import Store

    if aggregate_only and export is not None:
        from msrwe.errors import OptionError

        raise OptionError("--aggregate-only writes only the site package; it cannot be "
                          "combined with --export, which writes patient-level datasets.",
                          option="--export")

    if min_cell is not None and export is not None:
        from msrwe.errors import OptionError

        raise OptionError("--min-cell withholds small counts from outputs that leave the "
                          "centre; --export writes every patient's datasets. Use one or the "
                          "other.", option="--export")
    out_folder(out)  # before minutes of analysis, not after
    for name, kind in (("results.csv", "csv"), ("results.parquet", "parquet")):
        check_out_file(out / name, kind=kind, what="results table", inputs=[study], db=db)
    if not aggregate_only:
        from msrwe.pipeline.bundle import check_bundle_folder

        check_bundle_folder(out)
    if export is not None:
        out_folder(export, "--export")
        check_out_folder(export, what="export folder", inputs=[study], db=db)
    with progress() as bar:
        task = bar.add_task("analysing", total=None)

        marks: list[tuple[float, float, str]] = []
        start_mb = peak_rss_mb()

        def on_step(i: int, total: int, description: str) -> None:
            marks.append((time.perf_counter(), peak_rss_mb(), description))
            if timings and len(marks) > 1:
                _print_step_done(marks[-2], marks[-1])
            bar.update(task, description=description, total=total, completed=i - 1)

        with Store(db) as store:
            result = run_analysis(store, study, progress=on_step, min_cell=min_cell)
            quality = store.quality()
        marks.append((time.perf_counter(), peak_rss_mb(), ""))
        if timings:
            _print_step_done(marks[-2], marks[-1])
    if timings:
        _print_timings(marks, start_mb)
    if aggregate_only:
        from msrwe.federated import write_package

        console.print(f"Wrote the site package {shown(write_package(result, out, site=site))}")
        return
    from msrwe.pipeline.bundle import save_analysis

    written = list(result.results.write(out))
    if export is not None:  # before the bundle: an export into --out replaces the folder whole
        result.export(export, keep_extra_columns=keep_extra_columns)
    bundle = save_analysis(result, out, quality=quality)
    if not quiet:
        for table in result.summary().as_rich():
            console.print(table)
    console.print(f"Wrote {len(result.results)} result rows to {shown(written[0])} and "
                  f"{shown(written[1])}")
    console.print(f"The analysis for the report: {shown(bundle)} (msrwe report --analysis "
                  f"{shown(out)})")
    if result.min_cell is not None:
        console.print(f"Counts from 1 to {result.min_cell - 1} are withheld (small-cell "
                      "suppression): their value is empty and their method starts with "
                      "'suppressed'.")
    if export is not None:
        console.print("Results, datasets, attrition, methods, settings and provenance in "
                      f"{shown(export)}")


def _print_step_done(before: tuple[float, float, str], after: tuple[float, float, str]) -> None:
    """One line as each step ends, so a run stopped on the way (out of memory) still tells."""
    (t0, m0, what), (t1, m1, _) = before, after
    err_console.print(f"done {what}: {t1 - t0:.1f} s, peak {m1:,.0f} MB (+{m1 - m0:,.0f})",
                      highlight=False, soft_wrap=True)


def _print_timings(marks: list[tuple[float, float, str]], start_mb: float) -> None:
    """Each step's seconds and peak-RSS growth, the slowest first, then the run's peak."""
    steps = [(t1 - t0, m1 - m0, what) for (t0, m0, what), (t1, m1, _) in pairwise(marks)]
    err_console.print(" seconds   peak +MB  step", highlight=False)
    for seconds, grew, what in sorted(steps, key=lambda x: -x[0]):
        err_console.print(f"{seconds:8.2f} s  {grew:>7,.0f} MB  {what}", highlight=False,
                          soft_wrap=True)
    err_console.print(f"peak memory (RSS) {marks[-1][1]:,.0f} MB; {start_mb:,.0f} MB before "
                      "the analysis (Python and the libraries)", highlight=False,
                      soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command to ``app``."""
    app.command("analyze")(analyze)
