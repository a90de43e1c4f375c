"""From a store to a report: analyze, then render (what ``msrwe report`` and ``msrwe demo`` do).

:func:`build_report` reads the store's bookkeeping tables once, runs
:func:`msrwe.pipeline.analyze` (unless given a result), exports the result with
:meth:`~msrwe.analysis.result.AnalysisResult.export` when asked (the same files as
``msrwe analyze --export``), and renders with :func:`msrwe.report.render_report`. When the
analysis cannot run for a reason the user can fix (no administrations, an empty cohort), the
report is a data report that says why; a bug is never turned into such a report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from msrwe._atomic import atomic_dir
from msrwe.analysis.result import AnalysisResult
from msrwe.errors import InputError, OptionError, StoreError
from msrwe.pipeline import run
from msrwe.report import render as _render
from msrwe.report.dataquality import overview_of
from msrwe.report.inputs import CHART_NAMES
from msrwe.report.render import RENDER_STEPS
from msrwe.store import Store, StoreQuality
from msrwe.study.config import Study

__all__ = ["build_report", "export_data_report"]


def export_data_report(
    out_dir: str | Path, charts: Mapping[str, pl.DataFrame | None], quality: StoreQuality
) -> list[Path]:
    """The data report's files: patients overview, quarantine, import warnings (CSV, Parquet).

    The folder is written whole or not at all; CSV text cells are written formula-inert.
    """
    from msrwe._csvsafe import neutralise_formulas

    out = Path(out_dir)
    frames = {"patients_overview": overview_of(charts), "quarantine": quality.quarantine,
              "import_warnings": quality.import_warnings}
    names = []
    with atomic_dir(out) as tmp:
        for name, df in frames.items():
            neutralise_formulas(df).write_csv(tmp / f"{name}.csv")
            df.write_parquet(tmp / f"{name}.parquet")
            names += [f"{name}.csv", f"{name}.parquet"]
    return [out / n for n in names]


def build_report(
    db: str | Path | None,
    out: str | Path,
    *,
    study: Study | str | Path | Mapping[str, Any] | None = None,
    analysis: AnalysisResult | str | Path | None = None,
    export: str | Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    keep_extra_columns: bool = False,
    min_cell: int | None = None,
    deidentify: bool = False,
    key_path: str | Path | None = None,
) -> Path:
    """Analyse a store (unless ``analysis`` is given) and write its report.

    Parameters
    ----------
    db
        The store written by ``msrwe import``; ``None`` only with a bundle as ``analysis``.
    out
        The report's file.
    study
        The study (see :func:`msrwe.pipeline.analyze`); not with a bundle, which has its own.
    analysis
        A result already computed (then the store is read only for its data quality), or the
        folder of an analysis bundle (``msrwe analyze --out DIR``,
        :func:`msrwe.pipeline.bundle.load_analysis`): then nothing is analysed and the store is
        not opened; the report is the one the same analysis renders in-process.
    export
        Also export the result here (:meth:`AnalysisResult.export`), or the data report's
        tables when the analysis could not run.
    progress
        ``progress(step, total, description)``: the analysis's steps, then the report's.
    keep_extra_columns
        Export birth dates, free text and the chart's extra columns too
        (:meth:`AnalysisResult.export`).
    min_cell
        Small-cell suppression of the report's counts (see :func:`msrwe.pipeline.analyze`);
        ``None`` takes the study's ``[privacy] min_cell``.
    deidentify
        Show random pseudonyms instead of patient identifiers wherever the report names a
        patient (:func:`msrwe.report.render_report`).
    key_path
        With ``deidentify``: where to write the key table (``patient_id, pseudonym``) as CSV;
        without it no key is kept.

    Returns
    -------
    pathlib.Path
        The report's path.

    Raises
    ------
    OptionError
        When ``out`` is a folder or the study file does not exist.
    StoreError
        When the store is missing or has no ``patients`` table.
    BundleError
        When ``analysis`` names a folder that is not a readable analysis bundle.
    """
    out_html = Path(out)
    if out_html.is_dir():
        raise OptionError(f"{out_html} is a folder; give the report's file name, e.g. "
                          f"{out_html / 'report.html'}.")
    if isinstance(study, str | Path) and not Path(study).is_file():
        raise OptionError(f"{study}: no study file here.")
    bundled = isinstance(analysis, str | Path)
    if bundled and study is not None:
        raise OptionError("the analysis was run with its own study (its study.toml); a study "
                          "cannot be given with it. Run `msrwe analyze --study` again to "
                          "change it.", option="--study")
    if db is None and not bundled:
        raise OptionError("give the store to analyse (--db) or an analysis (--analysis).")
    n_analysis = len(run.STEPS) if analysis is None else 0
    total = n_analysis + len(RENDER_STEPS)

    def analysis_step(i: int, _n: int, description: str) -> None:
        if progress is not None:
            progress(min(i, n_analysis), total, f"analysis: {description}")

    def render_step(i: int, _n: int, description: str) -> None:
        if progress is not None:
            progress(n_analysis + i, total, description)

    reason = ""
    charts: Mapping[str, pl.DataFrame | None] | None = None
    quality: Any
    if isinstance(analysis, str | Path):
        from msrwe.pipeline.bundle import load_analysis

        bundle = load_analysis(analysis)
        analysis, quality = bundle.result, bundle.quality
    else:
        with Store(Path(db)) as store:  # type: ignore[arg-type]  # StoreError when missing
            quality = store.quality()
            if analysis is None:
                try:
                    threshold = {} if min_cell is None else {"min_cell": min_cell}
                    analysis = run.analyze(store, study, progress=analysis_step, **threshold)
                except (InputError, StoreError) as exc:
                    reason = str(exc)
            # With a result the report shows no chart table; they are read for a data
            # report, and for the pseudonyms of a de-identified report.
            if analysis is None or deidentify:
                charts = run.read_chart_tables(store)  # StoreError without patients
    if charts is not None:
        charts = {k: charts.get(k) for k in CHART_NAMES}
    results_file = ""
    if export is not None:
        if analysis is not None:
            analysis.export(export, keep_extra_columns=keep_extra_columns)
            results_file = str(Path(export) / "results.csv")
        else:
            export_data_report(export, charts or {}, quality)
    if analysis is not None and min_cell is not None and analysis.min_cell != min_cell:
        analysis = analysis.suppress(min_cell)
    return _render.render_report(
        analysis, quality, out_html, charts=charts, reason=reason,
        store=Path(db).name if db is not None else "", results_file=results_file,
        progress=render_step, deidentify=deidentify, key_path=key_path,
    )
