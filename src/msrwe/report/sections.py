"""The report's sections, in the order of a paper, as plain data for the template.

A section is a :class:`Section` (id, title, blocks); a block is text, a table, a figure, the
attrition flow or preformatted settings. :func:`analysis_sections` lays out the full report from
the results table and the figure inputs; :func:`data_sections` the data report;
:func:`appendix_sections` the data-quality appendix both share.

Examples
--------
>>> s = Section("methods", "Methods")
>>> s.text("Defined as in section 2.")
>>> s.blocks[0]["kind"]
'text'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from msrwe.report import figures as fg
from msrwe.report import summary_tables as st
from msrwe.report import tables as tb
from msrwe.report.dataquality import (
    import_log,
    issue_rows,
    patient_overview,
    quarantine_summary,
    quarantined_rows,
)
from msrwe.report.formatting import MISSING, fmt_int
from msrwe.report.inputs import MEASURES, FigureInputs

__all__ = [
    "KNOWN_ANALYSES",
    "Section",
    "analysis_sections",
    "appendix_sections",
    "data_sections",
    "settings_text",
]

#: Analyses with a place in the report, with their headings; any other analysis of the results
#: table is shown under "Other results", so no row is left out.
KNOWN_ANALYSES: dict[str, str] = {
    "attrition": "Attrition",
    "table1": "Table 1",
    "exposure": "Exposure",
    "dose_intervals": "Intervals between doses",
    "exposure_alerts": "Exposure alerts",
    "ae_incidence": "Adverse events",
    "ae_serious": "Serious adverse events",
    "ae_related": "Adverse events by relatedness",
    "ae_infection": "Infections",
    "hospitalization": "Hospital stays",
    "ae_per_administration": "Adverse events per administration",
    "ae_by_days_since_dose": "Adverse events by days since the last dose",
    "cohort": "Patients in the cohort",
    "edss_change": "EDSS from baseline to last assessment",
    "nhpt_change": "9-hole peg test from baseline to last assessment",
    "t25fw_change": "Timed 25-foot walk from baseline to last assessment",
    "edss_slope": "EDSS slope (mixed model)",
    "time_to_cdw": "Time to confirmed disability worsening (EDSS)",
    "time_to_cdw_nhpt": "Time to confirmed worsening of the 9-hole peg test",
    "time_to_cdw_t25fw": "Time to confirmed worsening of the timed 25-foot walk",
}

#: Rows of the per-patient overview shown in the HTML (all go to the exported files).
OVERVIEW_MAX_ROWS = 300
#: Quarantined rows listed one by one in the appendix (all are summarised).
ISSUE_MAX_ROWS = 200


@dataclass
class Section:
    """One numbered section of the report."""

    id: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    appendix: bool = False

    def text(self, text: str, cls: str = "") -> None:
        """Add a paragraph."""
        self.blocks.append({"kind": "text", "text": text, "cls": cls})

    def heading(self, text: str) -> None:
        """Add a sub-heading."""
        self.blocks.append({"kind": "heading", "text": text})

    def table(self, table: tb.ReportTable) -> None:
        """Add a rendered table."""
        self.blocks.append({"kind": "table", "table": table})

    def figure(self, fig: fg.ReportFigure | None) -> None:
        """Add a figure (``None`` is skipped)."""
        if fig is not None:
            self.blocks.append({"kind": "figure", "figure": fig, "number": 0})

    def pre(self, text: str) -> None:
        """Add preformatted text."""
        self.blocks.append({"kind": "pre", "text": text})


def number_figures(sections: Sequence[Section]) -> list[fg.ReportFigure]:
    """Number figures in reading order; return them."""
    figs = []
    for s in sections:
        for b in s.blocks:
            if b["kind"] == "figure":
                figs.append(b["figure"])
                b["number"] = len(figs)
    return figs


def _present(results: pl.DataFrame, analysis: str) -> bool:
    return results.filter(pl.col("analysis") == analysis).height > 0


def _has_ae_stats(results: pl.DataFrame, analysis: str) -> bool:
    stats = set(results.filter(pl.col("analysis") == analysis).get_column("stat").to_list())
    return {"n", "pct"} <= stats


def _attrition_block(sec: Section, results: pl.DataFrame, attrition: pl.DataFrame) -> None:
    rows = results.filter(pl.col("analysis") == "attrition")
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
    if edss and "edss" in v.columns:
        sec.figure(fg.trajectory_figure(
            v.rename({"edss": "value"}), fig_id="fig-edss", title="EDSS over time",
            ylabel="EDSS", group="group" if "group" in v.columns else None, ylim=(0, 10),
        ))
    if performance:
        def measured(col: str) -> bool:
            return col in v.columns and v.get_column(col).drop_nulls().len() > 0

        for col, label, unit, cap in MEASURES:
            if col.startswith("nhpt_") and col != "nhpt_s" and measured("nhpt_s"):
                continue
            if measured(col):
                sec.figure(fg.trajectory_figure(
                    v.drop("value", strict=False).rename({col: "value"}),
                    fig_id=f"fig-{col.replace('_', '-')}", title=label,
                    ylabel=f"{label.split(',')[0]}, {unit.lower()}",
                    group="group" if "group" in v.columns else None, cap=cap,
                ))


def _swimmer(sec: Section, fi: FigureInputs) -> None:
    if fi.followup is not None:
        sec.figure(fg.swimmer_figure(fi.followup, doses=fi.doses,
                                    adverse_events=fi.adverse_events, relapses=fi.relapses))


def analysis_sections(
    results: pl.DataFrame,
    *,
    attrition: pl.DataFrame,
    methods: str,
    fi: FigureInputs,
    step: Callable[[str], None] = lambda _: None,
) -> list[Section]:
    """The paper-style sections: cohort, Table 1, exposure, safety, efficacy, methods.

    Parameters
    ----------
    results
        The long results table (with Table 1 rows).
    attrition
        The attrition frame of the analysis (used when the results table has no ``attrition``
        rows).
    methods
        The methods paragraph.
    fi
        What the figures draw.
    step
        Called with a description before each slow step (figures).

    Returns
    -------
    list[Section]
    """
    out: list[Section] = []
    cohort = Section("cohort", "Cohort")
    _attrition_block(cohort, results, attrition)
    cohort.table(tb.table1_table(results))
    out.append(cohort)

    step("exposure figures")
    exposure = Section("exposure", "Exposure")
    for name in ("exposure", "dose_intervals"):
        if _present(results, name):
            exposure.table(st.describe_table(results, name, title=KNOWN_ANALYSES[name]))
    if _present(results, "exposure_alerts"):
        exposure.table(tb.generic_table(results, "exposure_alerts",
                                        title=KNOWN_ANALYSES["exposure_alerts"]))
    if fi.doses is not None:
        exposure.figure(fg.interval_figure(fi.doses, window=fi.window))
    _swimmer(exposure, fi)
    out.append(exposure)

    safety = Section("safety", "Safety")
    if _present(results, "ae_incidence"):
        safety.table(tb.ae_table(results))
    else:
        safety.text("The results table holds no adverse-event incidence.", "muted")
    for name in ("ae_serious", "ae_related", "ae_infection", "hospitalization"):
        if not _present(results, name):
            continue
        title, tid = KNOWN_ANALYSES[name], f"tbl-{name.replace('_', '-')}"
        if not _has_ae_stats(results, name):
            safety.table(tb.generic_table(results, name, title=title, table_id=tid))
            continue
        safety.table(tb.ae_table(results, analysis=name, title=title, table_id=tid))
        rows = results.filter(pl.col("analysis") == name)
        with_pct = rows.filter(pl.col("stat") == "pct").get_column("variable").unique()
        other = [v for v in rows.get_column("variable").unique(maintain_order=True).to_list()
                 if v not in with_pct.to_list()]
        if other:
            safety.table(st.describe_table(results, name, title=f"{title}: summaries",
                                           table_id=f"{tid}-summary", variables=other))
    if _present(results, "ae_per_administration"):
        safety.table(st.per_dose_table(results))
    if _present(results, "ae_by_days_since_dose"):
        safety.table(st.days_since_dose_table(results))
    out.append(safety)

    step("efficacy figures")
    eff = Section("efficacy", "Disability outcomes")
    for name in ("edss_change", "nhpt_change", "t25fw_change"):
        if _present(results, name):
            eff.table(tb.edss_table(results, analysis=name, title=KNOWN_ANALYSES[name],
                                    table_id=f"tbl-{name.replace('_', '-')}"))
    if _present(results, "edss_slope"):
        eff.table(tb.generic_table(results, "edss_slope", title=KNOWN_ANALYSES["edss_slope"]))
    for name in ("time_to_cdw", "time_to_cdw_nhpt", "time_to_cdw_t25fw"):
        if _present(results, name):
            eff.table(tb.tte_table(results, analysis=name, title=KNOWN_ANALYSES[name],
                                   table_id=f"tbl-{name.replace('_', '-')}"))
    if fi.tte is not None and {"time_days", "event"} <= set(fi.tte.columns):
        tte = results.filter((pl.col("analysis") == "time_to_cdw")
                             & (pl.col("group") == "overall") & (pl.col("level") == ""))
        got = dict(tte.select("stat", "value").iter_rows())
        eff.figure(fg.km_figure(fi.tte, group="group" if "group" in fi.tte.columns else None,
                                counts=(got.get("n"), got.get("events")) if got else None))
    _trajectories(eff, fi, edss=True, performance=True)
    out.append(eff)

    others = [a for a in results.get_column("analysis").unique(maintain_order=True).to_list()
              if a not in KNOWN_ANALYSES]
    if others:
        sec = Section("other-results", "Other results")
        for a in others:
            sec.table(tb.generic_table(results, a, title=a.replace("_", " ").capitalize()))
        out.append(sec)

    meth = Section("methods", "Methods")
    paragraphs = [p.strip() for p in (methods or "").split("\n") if p.strip()]
    for p in paragraphs or ["The analysis did not state its methods."]:
        meth.text(p, "methods")
    out.append(meth)
    return out


def data_sections(
    db: str | Path, *, fi: FigureInputs, reason: str, step: Callable[[str], None] = lambda _: None
) -> list[Section]:
    """The data report: why no analysis, the per-patient overview and what the charts show.

    Parameters
    ----------
    db
        The store.
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
    overview = patient_overview(db)
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


def settings_text(study: dict[str, Any], prefix: str = "") -> str:
    """The settings in force as TOML-like text (sections, then ``key = value``).

    Examples
    --------
    >>> print(settings_text({"cohort": {"drug": "methotrexate", "min_administrations": 18}}))
    [cohort]
    drug = "methotrexate"
    min_administrations = 18
    """
    lines: list[str] = []
    flat = {k: v for k, v in study.items() if not isinstance(v, dict)}
    for k, v in flat.items():
        lines.append(f"{k} = {_toml_value(v)}")
    for k, v in study.items():
        if isinstance(v, dict):
            name = f"{prefix}.{k}" if prefix else k
            if lines:
                lines.append("")
            lines.append(f"[{name}]")
            body = settings_text(v, name)
            lines.extend(body.splitlines())
    return "\n".join(lines)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    if v is None:
        return '""  # not set'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)


def appendix_sections(
    db: str | Path,
    *,
    files: pl.DataFrame | None,
    study: dict[str, Any] | None,
    study_file: tuple[str, str] | None = None,
) -> list[Section]:
    """The data-quality appendix (import log, quarantine, warnings) and the settings in force.

    Parameters
    ----------
    db
        The store.
    files
        Input files with checksums, when known (shown in the appendix).
    study
        The settings in force, or ``None`` in a data report without a study.
    study_file
        The study file's path and SHA-256, when one was given.

    Returns
    -------
    list[Section]
    """
    dq = Section("data-quality", "Appendix A. Data quality", appendix=True)
    log = import_log(db)
    shown = log if log is not None and log.height else files
    if shown is not None and shown.height:
        dq.table(tb.frame_table(
            shown, title="Files imported", table_id="tbl-import-log",
            subtitle="SHA-256 checksums identify exactly which chart files this report used.",
            labels={"table_name": "Table", "file": "File", "sha256": "SHA-256",
                    "rows_read": "Rows read", "rows_imported": "Imported",
                    "rows_quarantined": "Quarantined", "extra_columns": "Extra columns",
                    "imported_at": "Imported at", "msrwe_version": "msrwe"},
        ))
    else:
        dq.text("The store holds no import log.", "muted")
    q = quarantine_summary(db)
    n_rows, n_problems = quarantined_rows(db)
    dq.heading("Quarantine: rows left out of the analysis")
    if n_rows:
        extra = f" ({n_problems} problems)" if n_problems != n_rows else ""
        dq.text(f"{n_rows} chart rows broke a rule of the data contract{extra} and were left "
                "out. Each problem is listed with its file, row, column, value and the rule it "
                "broke; correct them at the source and import again.")
        dq.table(tb.frame_table(
            q, title="Quarantined rows by table, column and rule", table_id="tbl-quarantine",
            labels={"table_name": "Table", "column_name": "Column", "rule": "Rule",
                    "rows": "Rows", "example_value": "Example value", "message": "Message"},
        ))
        dq.table(tb.frame_table(
            issue_rows(db, "quarantine"), title="Quarantined rows", table_id="tbl-quarantine-rows",
            labels={"table_name": "Table", "file": "File", "row_number": "Row",
                    "column_name": "Column", "value": "Value", "rule": "Rule",
                    "message": "Message"},
            max_rows=ISSUE_MAX_ROWS,
        ))
    else:
        dq.text("No row was quarantined: every chart row met the data contract.")
    w = quarantine_summary(db, "import_warnings")
    dq.heading("Warnings: rows kept with a note")
    if w.height:
        dq.table(tb.frame_table(
            w, title="Rows kept with a warning", table_id="tbl-warnings",
            labels={"table_name": "Table", "column_name": "Column", "rule": "Rule",
                    "rows": "Rows", "example_value": "Example value", "message": "Message"},
        ))
    else:
        dq.text("No warnings.")
    out = [dq]
    if study:
        settings_sec = Section("settings", "Appendix B. Settings in force", appendix=True)
        settings_sec.text("Every definition used, with defaults filled in. Re-running msrwe "
                          "with these settings on the same store gives the same report.")
        if study_file is not None:
            settings_sec.text(f"Study file {study_file[0]}, SHA-256 {study_file[1]}.", "mono")
        settings_sec.pre(settings_text(study))
        out.append(settings_sec)
    return out
