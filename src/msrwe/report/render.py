"""Render the one-file HTML report: :func:`render_report` renders what it is given.

With an :class:`~msrwe.analysis.result.AnalysisResult` the report follows a paper: key facts, the
summary, then one section per declared analysis (cohort, Table 1, exposure, safety, disability
outcomes), methods. Without one (the analysis could not run, say the store holds no
administrations) it is a data report: the per-patient overview and what the charts show. Both end
with the data-quality appendix (import log, quarantine, warnings) and, with a result, the
settings in force as a study file.

The report never runs the analysis and never reads the store: the caller composes
import -> analyze -> render (:func:`msrwe.pipeline.report.build_report`, ``msrwe report``).
CSS and images are inline, so the file opens anywhere without a network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from msrwe._atomic import atomic_path, atomic_write_text
from msrwe._version import __version__
from msrwe.analysis.base import Analysis
from msrwe.analysis.result import AnalysisResult
from msrwe.errors import OptionError
from msrwe.report import sections as sec
from msrwe.report._section import number_figures
from msrwe.report.appendix import appendix_sections
from msrwe.report.dataquality import DataQuality, overview_of
from msrwe.report.formatting import fmt_int, fmt_num, small_cells
from msrwe.report.inputs import (
    FigureInputs,
    column_names,
    dataset_frame,
    from_analysis,
    from_charts,
)

__all__ = ["RENDER_STEPS", "ProgressCallback", "key_facts", "render_report"]

#: ``progress(step, total, description)``, called at the start of each step.
ProgressCallback = Callable[[int, int, str], None]
#: The report's steps.
RENDER_STEPS: tuple[str, ...] = (
    "laying out the sections",
    "drawing the figures",
    "writing the appendix",
    "writing the file",
)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("msrwe.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _css() -> str:
    return resources.files("msrwe.report").joinpath("static/report.css").read_text("utf-8")


def key_facts(results: pl.DataFrame, analyses: Sequence[Analysis]) -> list[dict[str, str]]:
    """The key facts the analyses declare, read from the results (``overall`` rows).

    Examples
    --------
    >>> from msrwe.study.cohort import CohortCounts
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> r.add("cohort", "overall", "patients", "", "N", 12)
    >>> [f["value"] for f in key_facts(r.to_polars(), [CohortCounts()])]
    ['12']
    """
    facts: list[dict[str, str]] = []
    for a in analyses:
        for f in a.facts:
            rows = results.filter(
                (pl.col("analysis") == f.output) & (pl.col("variable") == f.variable)
                & (pl.col("level") == f.level) & (pl.col("stat") == f.stat)
            )
            overall = rows.filter(pl.col("group") == "overall").get_column("value")
            if not len(overall) or overall[0] is None:
                continue

            def fmt(v: float | None, f: Any = f) -> str:
                return fmt_int(v) if f.digits is None else fmt_num(v, f.digits)

            facts.append({"key": f.key, "label": f.label, "value": fmt(overall[0])})
            if f.per_group:
                groups = rows.filter(pl.col("group") != "overall")
                for g, v in groups.select("group", "value").iter_rows():
                    facts.append({"key": f"{f.key}-{g}", "label": str(g), "value": fmt(v)})
    return facts[:8]


def _data_facts(overview: pl.DataFrame, quality: DataQuality) -> list[dict[str, str]]:
    facts = [{"key": "patients", "label": "patients in the store",
              "value": fmt_int(overview.height)}]
    log = quality.import_log
    if log is not None and "rows_read" in log.columns:
        facts.append({"key": "rows-read", "label": "chart rows read",
                      "value": fmt_int(log.get_column("rows_read").sum())})
    facts.append({"key": "quarantined", "label": "rows quarantined",
                  "value": fmt_int(quality.quarantined_rows)})
    return facts


def _renamed(frames: Mapping[str, Any], pseudonyms: Mapping[str, str]) -> dict[str, Any]:
    """Frames with ``patient_id`` replaced by its pseudonym (other frames as they are)."""
    out: dict[str, Any] = {}
    for name, df in frames.items():
        if isinstance(df, pl.DataFrame) and "patient_id" in df.columns:
            df = df.with_columns(_pseudonym_of(pseudonyms))
        out[name] = df
    return out


def _pseudonym_of(pseudonyms: Mapping[str, str]) -> pl.Expr:
    return pl.col("patient_id").cast(pl.String).replace_strict(pseudonyms, default=None)


class _RenamedDatasets(Mapping[str, pl.DataFrame]):
    """An analysis's datasets with ``patient_id`` replaced by its pseudonym, as they are read.

    Lazy as the datasets it wraps: :meth:`scan` (what the figures read,
    :func:`msrwe.report.inputs.dataset_frame`) renames inside the query, so a bundle's dataset
    is still read only as far as a figure asks.
    """

    def __init__(self, datasets: Mapping[str, pl.DataFrame],
                 pseudonyms: Mapping[str, str]) -> None:
        self._datasets = datasets
        self._pseudonyms = pseudonyms

    def __getitem__(self, name: str) -> pl.DataFrame:
        return _renamed({name: self._datasets[name]}, self._pseudonyms)[name]

    def __contains__(self, name: object) -> bool:
        return name in self._datasets

    def __iter__(self) -> Iterator[str]:
        return iter(self._datasets)

    def __len__(self) -> int:
        return len(self._datasets)

    def scan(self, name: str) -> pl.LazyFrame:
        lf = dataset_frame(self._datasets, name)
        if lf is None:
            raise KeyError(name)
        if "patient_id" in column_names(lf):
            lf = lf.with_columns(_pseudonym_of(self._pseudonyms))
        return lf


def _patient_ids(datasets: Mapping[str, Any]) -> list[pl.Series]:
    """Each dataset's distinct patients (as text, in order of first appearance)."""
    ids = []
    for name in datasets:
        lf = dataset_frame(datasets, name)
        if lf is not None and "patient_id" in column_names(lf):
            ids.append(lf.select(pl.col("patient_id").cast(pl.String).unique(
                maintain_order=True)).collect().get_column("patient_id"))
    return ids


def _pseudonyms(
    result: AnalysisResult | None,
    charts: Mapping[str, pl.DataFrame | None] | None,
    quality: Any,
    out_html: Path,
    key_path: str | Path | None,
) -> dict[str, str]:
    """A pseudonym for every patient the report could name; the key written apart if asked."""
    from msrwe.privacy import pseudonym_key
    from msrwe.schema import CONTRACT

    ids: list[pl.Series] = []
    for df in (charts or {}).values():
        if df is not None and "patient_id" in df.columns:
            ids.append(df.get_column("patient_id").cast(pl.String))
    if result is not None:  # read one column of one dataset at a time (issue 14)
        ids += _patient_ids(result.datasets)
    id_cols = [(t.name, c.name) for t in CONTRACT for c in t.columns if c.privacy == "identifier"]
    for rows in (quality.quarantine, quality.import_warnings):
        if rows is not None and rows.height and "column_name" in rows.columns:
            named = rows.filter(pl.struct("table_name", "column_name").map_elements(
                lambda r: (r["table_name"], r["column_name"]) in id_cols,
                return_dtype=pl.Boolean))
            ids.append(named.get_column("value").cast(pl.String).str.strip_chars())
    key = pseudonym_key(pl.concat(ids) if ids else pl.Series("patient_id", [], pl.String))
    if key_path is not None:
        from msrwe._csvsafe import neutralise_formulas

        target = Path(key_path)
        if target.resolve() == out_html.resolve():
            raise OptionError(f"{target}: the key table must not overwrite the report; keep it "
                              "at the centre, apart from the report.", option="--key")
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            neutralise_formulas(key).write_csv(tmp)
    return dict(key.iter_rows())


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def render_report(
    result: AnalysisResult | None,
    quality: DataQuality | Any = None,
    out: str | Path | None = None,
    *,
    charts: Mapping[str, pl.DataFrame | None] | None = None,
    reason: str = "",
    store: str = "",
    results_file: str = "",
    progress: ProgressCallback | None = None,
    deidentify: bool = False,
    key_path: str | Path | None = None,
    **legacy: Any,
) -> Path:
    """Write the self-contained HTML report of what it is given.

    Parameters
    ----------
    result
        The analysis (:func:`msrwe.pipeline.analyze`), or ``None`` for a data report.
    quality
        The store's bookkeeping tables: :class:`~msrwe.report.dataquality.DataQuality` (or
        anything with ``quarantine``, ``import_warnings``, ``import_log`` and
        ``quarantined_rows``, as ``msrwe.store.Store.quality()``).
    out
        Where to write the report (parent folders are created; written atomically).
    charts
        For a data report: the chart tables (``patients``, ``visits``, ``administrations``,
        ``adverse_events``, ``relapses``) it shows.
    reason
        For a data report: why the analysis could not run.
    store
        For a data report: the store's name, shown under the title.
    results_file
        Where the results table was exported, named in the report's footer.
    progress
        Called as ``progress(step, total, description)`` at the start of each of
        :data:`RENDER_STEPS`.
    deidentify
        Name patients by random pseudonyms (:func:`msrwe.privacy.pseudonym_key`) wherever the
        report shows a patient (the appendix, the data report's overview, the swimmer plot,
        whose bars it then labels); birth dates, free text and extra chart columns stay
        withheld whatever ``[study] show_identifiers`` says.
    key_path
        With ``deidentify``: write the key table (``patient_id, pseudonym``) here as CSV, apart
        from the report; without it no key is kept.
    **legacy
        Refused here; :func:`msrwe.report.render_report` accepts the deprecated call.

    Returns
    -------
    pathlib.Path
        The path of the written report.

    Raises
    ------
    OptionError
        When ``out`` is a folder.

    Notes
    -----
    ``msrwe.report.render_report`` is this function, and also accepts the old call
    ``render_report(db, out_html, study=..., analysis=..., export_dir=...)`` with a
    :class:`DeprecationWarning` (it then composes the steps with
    :func:`msrwe.pipeline.report.build_report`).
    """
    if legacy:
        raise TypeError(f"render_report() got unexpected arguments: {', '.join(legacy)}")
    if out is None or quality is None:
        raise TypeError("render_report(result, quality, out) needs the quality and the path")
    out_html = Path(out)
    if out_html.is_dir():
        raise OptionError(f"{out_html} is a folder; give the report's file name, e.g. "
                          f"{out_html / 'report.html'}.")
    total = len(RENDER_STEPS)

    def tell(i: int) -> None:
        if progress is not None:
            progress(i + 1, total, RENDER_STEPS[i])

    tell(0)
    pseudonyms: dict[str, str] | None = None
    if deidentify:
        pseudonyms = _pseudonyms(result, charts, quality, out_html, key_path)
        charts = _renamed(charts or {}, pseudonyms)
    min_cell = result.min_cell if result is not None else None
    notice = ""
    if result is not None:
        frame = result.results.to_polars()
        tell(1)
        if min_cell is not None:
            from msrwe.privacy import display_frame

            frame = display_frame(frame)
            fi = FigureInputs()  # every figure is drawn from patient-level data
            notice = (
                f"Small-cell suppression: counts from 1 to {min_cell - 1} are shown as "
                f"<{min_cell}; a value shown as – may also be withheld so that such a count "
                "cannot be recovered from a total or a percentage. Figures drawn from "
                "patient-level data are left out (docs/privacy.md)."
            )
        else:
            datasets = (result.datasets if pseudonyms is None
                        else _RenamedDatasets(result.datasets, pseudonyms))
            fi = from_analysis(datasets, window=result.in_force.interval_days,
                               min_at_risk=result.study.analysis.km_min_at_risk)
            fi = dataclasses.replace(fi, pseudonymised=pseudonyms is not None)
        with small_cells(min_cell):
            body = [
                sec.summary_section(result.summary()),
                *sec.analysis_sections(frame, attrition=result.attrition,
                                       methods=result.methods, fi=fi,
                                       analyses=result.analyses,
                                       ci_in_one_cell=result.study.report.ci_in_one_cell),
            ]
        title = result.study.study.title
        subtitle = result.study.study.description
        kicker = "Real-world evidence report"
        with small_cells(min_cell):
            facts = key_facts(frame, result.analyses)
        prov = result.provenance
        files = prov.files_frame()
        provenance = {
            "store": prov.store,
            "study_source": prov.study_source,
            "study_sha256": prov.study_sha256,
            "files": [dict(f) for f in prov.files],
        }
        study_toml: str | None = result.study.to_toml()
        study_file = (prov.study_source, prov.study_sha256) if prov.study_sha256 else None
    else:
        charts = charts or {}
        overview = overview_of(charts)
        if pseudonyms is not None:
            overview = overview.sort("patient_id")
        tell(1)
        fi = dataclasses.replace(from_charts(charts), pseudonymised=pseudonyms is not None)
        body = sec.data_sections(overview, fi=fi, reason=reason or "no analysis was given")
        title, subtitle, kicker = "Chart data report", f"Store {store}" if store else "", (
            "Data report")
        facts = _data_facts(overview, quality)
        files = None
        log = quality.import_log
        provenance = {"store": store, "study_source": "", "study_sha256": "",
                      "files": [] if log is None else log.to_dicts()}
        study_toml, study_file = None, None

    tell(2)
    show_ids = bool(result is not None and result.study.study.show_identifiers)
    sections = body + appendix_sections(quality, files=files, study_toml=study_toml,
                                        study_file=study_file, show_identifiers=show_ids,
                                        pseudonyms=pseudonyms, min_cell=min_cell)
    number_figures(sections)
    provenance.update({
        "version": __version__,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "results": results_file,
    })

    tell(3)
    html = _environment().get_template("report.html.j2").render(
        title=title, subtitle=subtitle, kicker=kicker, provenance=provenance,
        sections=sections, keyfacts=facts, notice=notice, css=_css(),
    )
    _write_atomic(out_html, html)
    return out_html
