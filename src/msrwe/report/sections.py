"""The report's sections, in the order of a paper, as plain data for the template.

A section is a :class:`Section` (id, title, blocks; :mod:`msrwe.report._section`); a block is
text, a table, a figure, the attrition flow or preformatted settings. :func:`analysis_sections`
lays out the full report from the results table and the figure inputs; :func:`data_sections` the
data report; :func:`appendix_sections` (:mod:`msrwe.report.appendix`) the data-quality appendix
both share.

Examples
--------
The summary section holds one table of each summary table:

>>> from msrwe.analysis.summary import Summary, SummaryTable
>>> cohort = SummaryTable("Cohort", ("group", "N"), (("A", "12"), ("B", "10")))
>>> sec = summary_section(Summary((cohort,)))
>>> sec.id, sec.title, [b["kind"] for b in sec.blocks], sec.blocks[0]["table"].title
('summary', 'Summary', ['table'], 'Cohort')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from msrwe.analysis.base import Analysis, Output
from msrwe.analysis.summary import Summary
from msrwe.report import figures as fg
from msrwe.report import summary_tables as st
from msrwe.report import tables as tb
from msrwe.report._section import Section
from msrwe.report.appendix import appendix_sections, settings_text
from msrwe.report.comparison import add_comparison_figures, add_comparison_tables
from msrwe.report.course_strip import course_strip_figure
from msrwe.report.formatting import MISSING, fmt_int
from msrwe.report.inputs import MEASURES, FigureInputs, column_names, dataset_frame

__all__ = [
    "FIGURES",
    "RENDERERS",
    "Section",
    "analysis_sections",
    "appendix_sections",
    "data_sections",
    "known_analyses",
    "settings_text",
    "summary_section",
]

def known_analyses(analyses: Sequence[Analysis] = ()) -> dict[str, str]:
    """Every declared output and its heading; other analyses go under "Other results"."""
    return {o.name: o.title for a in analyses for o in a.outputs}


#: Rows of the per-patient overview shown in the HTML (all go to the exported files).
OVERVIEW_MAX_ROWS = 300


def _present(results: pl.DataFrame, analysis: str) -> bool:
    return results.filter(pl.col("analysis") == analysis).height > 0


def _has_ae_stats(results: pl.DataFrame, analysis: str) -> bool:
    stats = set(results.filter(pl.col("analysis") == analysis).get_column("stat").to_list())
    return {"n", "pct"} <= stats


def _attrition_block(
    sec: Section, results: pl.DataFrame, attrition: pl.DataFrame, name: str
) -> None:
    rows = results.filter(pl.col("analysis") == name)
    if rows.height:
        wide = (
            rows.pivot(on="stat", index=["level", "label"], values="value",
                       aggregate_function="first", maintain_order=True)
        )
        steps = [
            {"criterion": lab or lev, "excluded": fmt_int(r.get("excluded")),
             "remaining": fmt_int(r.get("remaining"))}
            for lev, lab, r in ((d["level"], d["label"], d) for d in wide.to_dicts())
        ]
    elif attrition.height:
        steps = [
            {"criterion": d["criterion"], "excluded": fmt_int(d["excluded"]),
             "remaining": fmt_int(d["remaining"])}
            for d in attrition.sort("step").to_dicts()
        ]
    else:
        sec.text("The analysis reported no attrition steps.", "muted")
        return
    frame = pl.DataFrame(
        {"Criterion": [s["criterion"] for s in steps],
         "Excluded": [int(s["excluded"]) if s["excluded"].isdigit() and i else None
                      for i, s in enumerate(steps)],
         "Remaining": [int(s["remaining"]) if s["remaining"].isdigit() else None
                       for s in steps]},
        schema={"Criterion": pl.String, "Excluded": pl.Int64, "Remaining": pl.Int64},
    )
    steps = [{**s, "excluded": "" if i == 0 or s["excluded"] in ("0", MISSING)
              else s["excluded"]} for i, s in enumerate(steps)]
    # The diagram shows the criteria that removed someone; the table lists every criterion.
    shown = [steps[0]] + [s for s in steps[1:-1] if s["excluded"]] + steps[-1:]
    if len(steps) > 1 and not any(s["excluded"] for s in steps[1:]):
        shown = [steps[0], {**steps[-1], "criterion": "met every criterion"}]
    alt = "Attrition flow: " + "; ".join(f"{s['criterion']}: {s['remaining']}" for s in shown)
    sec.blocks.append({"kind": "flow", "steps": shown, "alt": alt})
    sec.table(tb.frame_table(frame, title="Patients removed by each criterion",
                            table_id="tbl-attrition"))


def _trajectories(sec: Section, fi: FigureInputs, *, edss: bool, performance: bool) -> None:
    v = fi.visits
    if v is None:
        return
    names = column_names(v)
    if edss and "edss" in names:
        sec.figure(fg.trajectory_figure(
            v.rename({"edss": "value"}), fig_id="fig-edss", title="EDSS over time",
            ylabel="EDSS", group="group" if "group" in names else None, ylim=(0, 10),
            xlabel=fi.years_label,
        ))
    if performance:
        def measured(col: str) -> bool:
            return col in names and v.lazy().select(pl.col(col).drop_nulls().len()).collect(
                engine="streaming").item() > 0

        for col, label, unit, cap in MEASURES:
            if col.startswith("nhpt_") and col != "nhpt_s" and measured("nhpt_s"):
                continue
            if measured(col):
                sec.figure(fg.trajectory_figure(
                    v.drop("value", strict=False).rename({col: "value"}),
                    fig_id=f"fig-{col.replace('_', '-')}", title=label,
                    ylabel=f"{label.split(',')[0]}, {unit.lower()}",
                    group="group" if "group" in names else None, cap=cap,
                    xlabel=fi.years_label,
                ))


def _swimmer(sec: Section, fi: FigureInputs) -> None:
    if fi.followup is not None:  # one row per patient: collected (the events stay queries)
        followup = fi.followup.lazy().collect(engine="streaming")
        sec.figure(fg.swimmer_figure(followup, doses=fi.doses,
                                    adverse_events=fi.adverse_events, relapses=fi.relapses,
                                    labels=fi.pseudonymised, xlabel=fi.years_label))


def _tid(name: str) -> str:
    return f"tbl-{name.replace('_', '-')}"


def _incidence(sec: Section, results: pl.DataFrame, out: Output, *,
               ci_in_one_cell: bool = False, **_: Any) -> None:
    """Incidence table, then the other variables' summaries (e.g. length of stay)."""
    name, title, tid = out.name, out.title, _tid(out.name)
    if not _has_ae_stats(results, name):
        sec.table(tb.generic_table(results, name, title=title, table_id=tid,
                                   ci_in_one_cell=ci_in_one_cell))
        return
    sec.table(tb.ae_table(results, analysis=name, title=title, table_id=tid,
                          ci_in_one_cell=ci_in_one_cell))
    rows = results.filter(pl.col("analysis") == name)
    with_pct = rows.filter(pl.col("stat") == "pct").get_column("variable").unique().to_list()
    other = [v for v in rows.get_column("variable").unique(maintain_order=True).to_list()
             if v not in with_pct]
    if other:
        sec.table(st.describe_table(results, name, title=f"{title}: summaries",
                                    table_id=f"{tid}-summary", variables=other))


def _comparison(sec: Section, results: pl.DataFrame, out: Output, **_: Any) -> None:
    """The comparison's tables (docs/compare.md), its design read back from the results."""
    from msrwe.compare.design import CompareDesign

    design = CompareDesign.from_results(results)
    if design is not None:
        add_comparison_tables(sec, results, design)


def _comparison_figures(sec: Section, results: pl.DataFrame, fi: FigureInputs,
                        analysis: Analysis) -> None:
    from msrwe.compare.design import CompareDesign

    design = CompareDesign.from_results(results)
    if design is not None:
        add_comparison_figures(sec, design, fi.datasets, min_at_risk=fi.min_at_risk)


#: Table renderers by :attr:`msrwe.analysis.base.Output.display`:
#: ``renderer(section, results, output, attrition=...)`` adds the output's blocks.
RENDERERS: dict[str, Callable[..., None]] = {
    "attrition": lambda sec, results, out, attrition, **_: _attrition_block(
        sec, results, attrition, out.name),
    "table1": lambda sec, results, out, **_: sec.table(
        tb.table1_table(results, analysis=out.name, title=out.title)),
    "distribution": lambda sec, results, out, **_: sec.table(
        st.describe_table(results, out.name, title=out.title)),
    "generic": lambda sec, results, out, ci_in_one_cell=False, **_: sec.table(
        tb.generic_table(results, out.name, title=out.title, ci_in_one_cell=ci_in_one_cell)),
    "incidence": _incidence,
    "per_dose": lambda sec, results, out, **_: sec.table(
        st.per_dose_table(results, analysis=out.name, title=out.title, table_id=_tid(out.name))),
    "days_since_dose": lambda sec, results, out, **_: sec.table(
        st.days_since_dose_table(results, analysis=out.name, title=out.title,
                                 table_id=_tid(out.name))),
    "change": lambda sec, results, out, **_: sec.table(
        tb.edss_table(results, analysis=out.name, title=out.title, table_id=_tid(out.name))),
    "time_to_event": lambda sec, results, out, **_: sec.table(
        tb.tte_table(results, analysis=out.name, title=out.title, table_id=_tid(out.name))),
    "comparison": _comparison,
}


def _km(sec: Section, results: pl.DataFrame, fi: FigureInputs, analysis: Analysis) -> None:
    if fi.tte is None or not {"time_days", "event"} <= set(column_names(fi.tte)):
        return
    first = next((o.name for o in analysis.outputs if o.display == "time_to_event"), "")
    tte = results.filter((pl.col("analysis") == first)
                         & (pl.col("group") == "overall") & (pl.col("level") == ""))
    got = dict(tte.select("stat", "value").iter_rows())
    sec.figure(fg.km_figure(fi.tte, group="group" if "group" in column_names(fi.tte) else None,
                            counts=(got.get("n"), got.get("events")) if got else None,
                            min_at_risk=fi.min_at_risk, xlabel=fi.years_label))


#: Figures by the names analyses declare in :attr:`msrwe.analysis.base.Analysis.figures`.
#: ``figure(section, results, figure_inputs, analysis)`` adds the figure to the section.
FIGURES: dict[str, Callable[[Section, pl.DataFrame, FigureInputs, Analysis], None]] = {
    "dose_intervals": lambda sec, results, fi, a: (
        sec.figure(fg.interval_figure(fi.doses, window=fi.window)) if fi.doses is not None
        else None),
    "swimmer": lambda sec, results, fi, a: _swimmer(sec, fi),
    "km": _km,
    "trajectories": lambda sec, results, fi, a: _trajectories(sec, fi, edss=True,
                                                              performance=True),
    "comparison": _comparison_figures,
    "course_strip": lambda sec, results, fi, a: sec.figure(course_strip_figure(
        dataset_frame(fi.datasets, "adlublin"), groups=dataset_frame(fi.datasets, "adsl"))),
}


def summary_section(summary: Summary) -> Section:
    """The analysis's summary tables (:meth:`msrwe.analysis.result.AnalysisResult.summary`)."""
    sec = Section("summary", "Summary")
    for i, t in enumerate(summary.tables):
        frame = pl.DataFrame([list(r) for r in t.rows], schema=list(t.header), orient="row")
        sec.table(tb.frame_table(frame, title=t.title, subtitle=t.caption or None,
                                 table_id=f"tbl-summary-{i + 1}"))
    return sec


def analysis_sections(
    results: pl.DataFrame,
    *,
    attrition: pl.DataFrame,
    methods: str,
    fi: FigureInputs,
    analyses: Sequence[Analysis] = (),
    step: Callable[[str], None] = lambda _: None,
    ci_in_one_cell: bool = False,
) -> list[Section]:
    """The paper-style sections, generated from the declared analyses, then the methods.

    Each analysis adds its outputs (by their ``display``) and its figures to its section;
    analyses sharing a section id share the section, in the order of ``analyses``. Rows of an
    analysis no declaration names go under "Other results", so no row is left out.

    Parameters
    ----------
    results
        The long results table.
    attrition
        The attrition frame (used when the results table has no ``attrition`` rows).
    methods
        The methods paragraph.
    fi
        What the figures draw.
    analyses
        The declared analyses that ran, in report order
        (:attr:`msrwe.analysis.result.AnalysisResult.analyses`).
    step
        Called with a description before each section (figures are slow).
    ci_in_one_cell
        Show estimates with their confidence interval in one cell (``[report]
        ci_in_one_cell``); renderers take it as a keyword.

    Returns
    -------
    list[Section]
    """
    out: list[Section] = []
    by_id: dict[str, Section] = {}
    for a in analyses:
        sid, stitle = a.section
        if sid not in by_id:
            step(f"{stitle.lower()}")
            by_id[sid] = Section(sid, stitle)
            out.append(by_id[sid])
        sec = by_id[sid]
        for o in a.outputs:
            if not o.display:
                continue
            if not _present(results, o.name):
                if o.missing:
                    sec.text(o.missing, "muted")
                continue
            render = o.display if callable(o.display) else RENDERERS[o.display]
            render(sec, results, o, attrition=attrition, fi=fi, ci_in_one_cell=ci_in_one_cell)
        for fig in a.figures:
            (fig if callable(fig) else FIGURES[fig])(sec, results, fi, a)

    known = known_analyses(analyses)
    others = [a for a in results.get_column("analysis").unique(maintain_order=True).to_list()
              if a not in known]
    if others:
        sec = Section("other-results", "Other results")
        for a in others:
            sec.table(tb.generic_table(results, a, title=a.replace("_", " ").capitalize(),
                                       ci_in_one_cell=ci_in_one_cell))
        out.append(sec)

    meth = Section("methods", "Methods")
    paragraphs = [p.strip() for p in (methods or "").split("\n") if p.strip()]
    for p in paragraphs or ["The analysis did not state its methods."]:
        meth.text(p, "methods")
    out.append(meth)
    return out


def data_sections(
    overview: pl.DataFrame,
    *,
    fi: FigureInputs,
    reason: str,
    step: Callable[[str], None] = lambda _: None,
) -> list[Section]:
    """The data report: why no analysis, the per-patient overview and what the charts show.

    Parameters
    ----------
    overview
        One row per patient (:func:`msrwe.report.dataquality.overview_of`).
    fi
        Figure inputs from the store.
    reason
        Why the analysis could not run, shown to the reader.
    step
        Called before each slow step.

    Returns
    -------
    list[Section]
    """
    out: list[Section] = []
    ov = Section("patients", "Patients")
    ov.text(f"This is a data report: the analysis could not run ({reason}). It shows what the "
            "store holds, so the charts can be checked and completed.", "callout")
    ov.table(tb.frame_table(
        overview, title="Per-patient overview", table_id="tbl-overview",
        labels={"patient_id": "Patient", "phenotype": "Phenotype", "sex": "Sex", "site": "Site",
                "n_visits": "Visits", "first_visit": "First visit", "last_visit": "Last visit",
                "edss_first": "First EDSS", "edss_last": "Last EDSS", "n_doses": "Doses",
                "n_adverse_events": "Adverse events", "n_relapses": "Relapses"},
        max_rows=OVERVIEW_MAX_ROWS,
    ))
    out.append(ov)
    step("figures")
    figs = Section("charts", "What the charts show")
    figs.text("Time zero is each patient's first visit or dose, whichever came first.", "muted")
    _swimmer(figs, fi)
    if fi.doses is not None:
        figs.figure(fg.interval_figure(fi.doses, window=fi.window))
    _trajectories(figs, fi, edss=True, performance=True)
    if len(figs.blocks) == 1:
        figs.text("The store holds no dated visits or doses to draw.", "muted")
    out.append(figs)
    return out


def __getattr__(name: str) -> Any:
    if name == "KNOWN_ANALYSES":
        import warnings
        from importlib import import_module

        warnings.warn("KNOWN_ANALYSES is deprecated: the analyses declare their outputs; use "
                      "known_analyses(msrwe.pipeline.ANALYSES)", DeprecationWarning, stacklevel=2)
        # a string import, as the package's lazy names: report never depends on the pipeline
        return known_analyses(import_module("msrwe.pipeline").ANALYSES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
