"""Render the one-file HTML report: :func:`render_report`.

Two modes. With an :class:`~msrwe.study.result.AnalysisResult` (given, or computed here by
``msrwe.study.run.analyze``) the report follows a paper: provenance, attrition, Table 1, exposure,
safety, disability outcomes, methods. When the analysis cannot run (say the store holds no
administrations) it is a data report: the per-patient overview and what the charts show. Both end
with the data-quality appendix (import log, quarantine, warnings).

Every number in the tables is read from the results table; Table 1 rows are added to it from
``adsl`` (:mod:`msrwe.tables.table1`) when the analysis did not write them. CSS and images are
inline, so the file opens anywhere without a network.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from msrwe._version import __version__
from msrwe.errors import InputError, OptionError, StoreError
from msrwe.report import sections as sec
from msrwe.report.dataquality import issue_rows, patient_overview
from msrwe.report.inputs import from_analysis, from_store
from msrwe.store import table_names
from msrwe.tables.results import ResultsTable
from msrwe.tables.table1 import compute_table1

__all__ = ["RENDER_STEPS", "ProgressCallback", "render_report"]

#: ``progress(step, total, description)``, called at the start of each step (as in
#: :func:`msrwe.study.run.analyze`); ``total`` includes the analysis's steps when it runs here.
ProgressCallback = Callable[[int, int, str], None]
#: The report's own steps (the analysis adds its own when :func:`render_report` runs it).
RENDER_STEPS: tuple[str, ...] = (
    "reading the store",
    "drawing the figures",
    "writing the appendix",
    "writing the files",
)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


def _try_analyze(
    db: Path, study: Any, progress: Callable[[int, int, str], None] | None = None
) -> tuple[Any | None, str]:
    """Run the analysis; on a user-facing error return ``None`` and the reason."""
    try:
        from msrwe.study.run import analyze
    except ModuleNotFoundError as exc:
        if exc.name not in ("msrwe.study.run",):
            raise
        return None, "this msrwe has no analysis module"
    try:
        return analyze(db, study, progress=progress), ""
    except (InputError, StoreError) as exc:
        return None, str(exc)


def _analysis_steps() -> int:
    try:
        from msrwe.study.run import STEPS
    except ImportError:
        return 0
    return len(STEPS)


def _files_frame(provenance: dict[str, Any]) -> pl.DataFrame | None:
    files = provenance.get("files") or provenance.get("input_files")
    if not files:
        return None
    if isinstance(files, dict):
        return pl.DataFrame({"file": list(files), "sha256": [str(v) for v in files.values()]})
    if isinstance(files, list) and files and isinstance(files[0], dict):
        return pl.DataFrame(files)
    return None


def _write_frames(out: Path, frames: dict[str, pl.DataFrame]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in frames.items():
        csv, pq = out / f"{name}.csv", out / f"{name}.parquet"
        df.write_csv(csv)
        df.write_parquet(pq)
        written += [csv, pq]
    return written


def _keyfacts(results: pl.DataFrame) -> list[dict[str, str]]:
    from msrwe.report.formatting import fmt_int, fmt_num

    facts = []
    n = results.filter(
        (pl.col("analysis") == "cohort") & (pl.col("variable") == "patients")
        & (pl.col("stat") == "N")
    )
    if not n.height:
        n = results.filter(
            (pl.col("analysis") == "table1") & (pl.col("variable") == "patients")
            & (pl.col("stat") == "N")
        )
    if n.height:
        total = n.filter(pl.col("group") == "overall")
        facts.append({"key": "patients", "label": "patients in the cohort",
                      "value": fmt_int((total if total.height else n).get_column("value")[0])})
        groups = n.filter(pl.col("group") != "overall")
        for g, v in groups.select("group", "value").iter_rows():
            facts.append({"key": f"patients-{g}", "label": f"{g}", "value": fmt_int(v)})
    def pick(analysis: str, variable: str, stat: str, level: str = "") -> float | None:
        rows = results.filter(
            (pl.col("analysis") == analysis) & (pl.col("group") == "overall")
            & (pl.col("variable") == variable) & (pl.col("level") == level)
            & (pl.col("stat") == stat)
        ).get_column("value")
        return rows[0] if len(rows) else None

    fu = pick("table1", "followup_years", "median")
    if fu is not None:
        facts.append({"key": "followup", "label": "years of follow-up, median",
                      "value": fmt_num(fu, 1)})
    ev = pick("time_to_cdw", "edss", "events")
    if ev is not None:
        facts.append({"key": "cdw-events", "label": "patients with confirmed EDSS worsening",
                      "value": fmt_int(ev)})
    ae = pick("ae_incidence", "any", "n")
    if ae is not None:
        facts.append({"key": "any-ae", "label": "patients with an adverse event",
                      "value": fmt_int(ae)})
    return facts[:8]


def _store_facts(db: Path) -> list[dict[str, str]]:
    from msrwe.report.dataquality import import_log, patient_overview, quarantined_rows
    from msrwe.report.formatting import fmt_int

    facts = [{"key": "patients", "label": "patients in the store",
              "value": fmt_int(patient_overview(db).height)}]
    log = import_log(db)
    if log is not None and "rows_read" in log.columns:
        facts.append({"key": "rows-read", "label": "chart rows read",
                      "value": fmt_int(log.get_column("rows_read").sum())})
    facts.append({"key": "quarantined", "label": "rows quarantined",
                  "value": fmt_int(quarantined_rows(db)[0])})
    return facts


def render_report(
    db: str | Path,
    out_html: str | Path,
    *,
    study: Any = None,
    analysis: Any = None,
    export_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write the self-contained HTML report of a store.

    Parameters
    ----------
    db
        The DuckDB store written by ``msrwe import``.
    out_html
        Where to write the report (parent folders are created).
    study
        The study (path of a TOML file, mapping, :class:`~msrwe.study.config.Study`) used when
        the analysis is run here; ``None`` uses the default study of the store.
    analysis
        An :class:`~msrwe.study.result.AnalysisResult` already computed; when ``None`` the
        analysis is run, and if it cannot run the report is a data report saying why.
    export_dir
        Also write the results table (with the Table 1 rows) and the derived datasets (CSV and
        Parquet) here: ``adsl``, ``addose``, ``advs``, ``adae``, ``adtte``, ``adevents``, plus
        ``attrition.csv`` and ``methods.txt``; in a data report the per-patient overview, the
        quarantine and the warnings.
    progress
        Called as ``progress(step, total, description)`` at the start of each step: the
        report's :data:`RENDER_STEPS` and, when the analysis runs here, its steps.

    Returns
    -------
    pathlib.Path
        The path of the written report.

    Raises
    ------
    StoreError
        When the store is missing or has no ``patients`` table.
    OptionError
        When ``out_html`` is a folder.

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> con = duckdb.connect(str(tmp / "s.duckdb"))
    >>> _ = con.execute("create table patients as select 'P1' as patient_id, 'SPMS' as phenotype")
    >>> con.close()
    >>> out = render_report(tmp / "s.duckdb", tmp / "r.html", analysis=None)
    >>> "Appendix A. Data quality" in out.read_text()
    True
    """
    db, out_html = Path(db), Path(out_html)
    if out_html.is_dir():
        raise OptionError(f"{out_html} is a folder; give the report's file name, e.g. "
                          f"{out_html / 'report.html'}.")
    n_analysis = _analysis_steps() if analysis is None else 0
    total = len(RENDER_STEPS) + n_analysis
    done = 0

    def tell(description: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, total), total, description)

    def tell_analysis(i: int, _total: int, description: str) -> None:
        if progress is not None:
            progress(min(1 + i, total), total, f"analysis: {description}")

    tell(RENDER_STEPS[0])
    names = table_names(db)
    if "patients" not in names:
        raise StoreError(f"{db}: the store has no 'patients' table. Run `msrwe import` first.")
    study_path = Path(study) if isinstance(study, str | Path) else None
    if study_path is not None and not study_path.is_file():
        raise OptionError(f"{study_path}: no study file here.")

    reason = ""
    if analysis is None:
        analysis, reason = _try_analyze(db, study, tell_analysis)
        done += n_analysis

    if analysis is not None:
        results = ResultsTable()
        results.extend(analysis.results)
        frame = results.to_polars()
        adsl = analysis.datasets.get("adsl")
        if not frame.filter(pl.col("analysis") == "table1").height and adsl is not None:
            results.extend(compute_table1(adsl))
            frame = results.to_polars()
        study_dict = dict(analysis.study or {})
        tell(RENDER_STEPS[1])
        fi = from_analysis(analysis.datasets, db=db, study=study_dict, results=frame)
        body = sec.analysis_sections(frame, attrition=analysis.attrition,
                                   methods=analysis.methods, fi=fi)
        prov_in = dict(analysis.provenance or {})
        title = (study_dict.get("study") or {}).get("title") or "msrwe analysis"
        subtitle = (study_dict.get("study") or {}).get("description") or ""
        kicker = "Real-world evidence report"
        keyfacts = _keyfacts(frame)
        notice = ""
    else:
        results, frame, study_dict = None, None, {}
        tell(RENDER_STEPS[1])
        fi = from_store(db)
        body = sec.data_sections(db, fi=fi, reason=reason)
        prov_in, title, subtitle = {}, "Chart data report", f"Store {db.name}"
        kicker = "Data report"
        keyfacts = _store_facts(db)
        notice = ""

    tell(RENDER_STEPS[2])
    appendix = sec.appendix_sections(
        db, files=_files_frame(prov_in), study=study_dict or None,
        study_file=(str(study_path), _sha256(study_path)) if study_path else None,
    )
    sections = body + appendix
    sec.number_figures(sections)
    files = _files_frame(prov_in)
    if files is None:
        from msrwe.report.dataquality import import_log

        files = import_log(db)
    provenance = {
        "version": __version__,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "store": str(db),
        "study_source": str(study_path) if study_path else study_dict.get("source", ""),
        "study_sha256": _sha256(study_path) if study_path else "",
        "files": [] if files is None else files.to_dicts(),
        "results": "",
    }

    tell(RENDER_STEPS[3])
    if export_dir is not None:
        out_dir = Path(export_dir)
        if analysis is not None:
            dataclasses.replace(analysis, results=results).export(out_dir)
            if analysis.attrition.width:
                analysis.attrition.write_csv(out_dir / "attrition.csv")
            (out_dir / "methods.txt").write_text(analysis.methods + "\n", encoding="utf-8")
        else:
            _write_frames(out_dir, {"patients_overview": patient_overview(db),
                                    "quarantine": issue_rows(db, "quarantine"),
                                    "import_warnings": issue_rows(db, "import_warnings")})
        provenance["results"] = str(out_dir / "results.csv") if analysis is not None else ""
    html = _environment().get_template("report.html.j2").render(
        title=title, subtitle=subtitle, kicker=kicker, provenance=provenance,
        sections=sections, keyfacts=keyfacts, notice=notice, css=_css(),
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(html, encoding="utf-8")
    return out_html
