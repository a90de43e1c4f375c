"""The report section "Comparative effectiveness", built from the results table and datasets.

Everything shown is read from the ``compare_*`` rows of the results table (the tables) or the
comparison's datasets ``adcmpps`` and ``adcmptte`` (the figures), never recomputed:

1. the emulated target trial in words (eligibility, strategies, assignment, index, follow-up,
   outcomes, estimand, analysis) and the comparison's attrition;
2. the baseline table by arm before and after adjustment, with SMDs and variance ratios;
3. the Love plot and the propensity-score overlap plot (with the share in equipoise);
4. adjusted Kaplan-Meier curves with numbers at risk;
5. the effects: hazard ratios (adjusted and naive), E-values, the PH test, RMST; relapse rates;
6. a methods paragraph generated from the settings.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from msrwe.compare.design import OUTCOMES, CompareDesign
from msrwe.compare.methods import target_trial
from msrwe.compare.run import ComparisonResult
from msrwe.report.comparison_figures import (
    forest_figure,
    km_figures,
    love_figure,
    overlap_figure,
)
from msrwe.report.figures import ReportFigure
from msrwe.report.formatting import fmt_ci, fmt_num, fmt_p
from msrwe.report.tables import ReportTable, frame_table
from msrwe.stats import DEFAULT_MIN_AT_RISK

__all__ = [
    "add_comparison_figures",
    "add_comparison_tables",
    "comparison_html",
    "comparison_page",
    "comparison_section",
]


def _est_ci(s: dict[str, float | None], est: str, lo: str, hi: str, digits: int = 2) -> str:
    return f"{fmt_num(s.get(est), digits)} ({fmt_ci(s.get(lo), s.get(hi), digits)})"


def _stats(results: pl.DataFrame, analysis: str, **where: str) -> dict[str, float | None]:
    d = results.filter(pl.col("analysis") == analysis)
    for col, val in where.items():
        d = d.filter(pl.col(col) == val)
    return dict(zip(d["stat"].to_list(), d["value"].to_list(), strict=True))


def _baseline_frame(results: pl.DataFrame, design: CompareDesign, comp: str) -> pl.DataFrame:
    bal = results.filter(pl.col("analysis") == "compare_balance", pl.col("group") == comp)
    ref = design.reference
    rows = []
    for cov in bal["variable"].unique(maintain_order=True).to_list():
        s = _stats(bal, "compare_balance", variable=cov)
        rows.append({
            "covariate": cov,
            f"{comp} before": fmt_num(s.get(f"mean_{comp}_before"), 2),
            f"{ref} before": fmt_num(s.get(f"mean_{ref}_before"), 2),
            "SMD before": fmt_num(s.get("smd_before"), 3),
            f"{comp} after": fmt_num(s.get(f"mean_{comp}_after"), 2),
            f"{ref} after": fmt_num(s.get(f"mean_{ref}_after"), 2),
            "SMD after": fmt_num(s.get("smd_after"), 3),
            "VR before": fmt_num(s.get("vr_before"), 2),
            "VR after": fmt_num(s.get("vr_after"), 2),
        })
    return pl.DataFrame(rows)


def _effects_frame(results: pl.DataFrame, design: CompareDesign) -> pl.DataFrame:
    rows = []
    eff = results.filter(pl.col("analysis") == "compare_effect")
    for (comp, outcome), d in eff.group_by(["group", "variable"], maintain_order=True):
        s = _stats(d, "compare_effect")
        coh_c = _stats(results, "compare_cohort", group=str(comp), variable=str(outcome),
                       level=str(comp))
        coh_r = _stats(results, "compare_cohort", group=design.reference,
                       variable=str(outcome), level=str(comp))
        rows.append({
            "comparison": f"{comp} vs {design.reference}",
            "outcome": OUTCOMES.get(str(outcome), str(outcome)),
            "events (comparator / reference)":
                f"{fmt_num(coh_c.get('events'), 0)} / {fmt_num(coh_r.get('events'), 0)}",
            "HR (95% CI)": _est_ci(s, "hr", "hr_ci_low", "hr_ci_high"),
            "p": fmt_p(s.get("p_value")),
            "naive HR (95% CI)": _est_ci(s, "hr_naive", "hr_naive_ci_low", "hr_naive_ci_high"),
            "E-value (CI)": f"{fmt_num(s.get('e_value'), 2)} ({fmt_num(s.get('e_value_ci'), 2)})",
            "PH test p": fmt_p(s.get("ph_p_value")),
            "RMST difference (years)": fmt_num(s.get("rmst_diff"), 2),
            "improved, % (comparator / reference)":
                f"{fmt_num(coh_c.get('improved_pct'), 1)} / "
                f"{fmt_num(coh_r.get('improved_pct'), 1)}",
        })
    return pl.DataFrame(rows)


def _arr_frame(results: pl.DataFrame, design: CompareDesign) -> pl.DataFrame:
    rows = []
    for comp in design.comparators:
        rr = _stats(results, "compare_arr", group="overall", level=comp)
        if not rr:
            continue
        arm_c = _stats(results, "compare_arr", group=comp, level=comp)
        arm_r = _stats(results, "compare_arr", group=design.reference, level=comp)
        rows.append({
            "comparison": f"{comp} vs {design.reference}",
            "ARR comparator (95% CI)": _est_ci(arm_c, "arr", "arr_ci_low", "arr_ci_high", 3),
            "ARR reference (95% CI)": _est_ci(arm_r, "arr", "arr_ci_low", "arr_ci_high", 3),
            "rate ratio (95% CI)": _est_ci(rr, "rate_ratio", "rate_ratio_ci_low",
                                           "rate_ratio_ci_high"),
            "E-value (CI)": f"{fmt_num(rr.get('e_value'), 2)} ({fmt_num(rr.get('e_value_ci'), 2)})",
        })
    return pl.DataFrame(rows)


def _cohort_frame(results: pl.DataFrame, design: CompareDesign) -> pl.DataFrame:
    rows = []
    for arm in design.arms:
        s = _stats(results, "compare_cohort", group=arm, variable="patients", level="")
        row = {"arm": arm + (" (reference)" if arm == design.reference else ""),
               "eligible": fmt_num(s.get("n_eligible"), 0)}
        for comp in design.comparators:
            a = _stats(results, "compare_cohort", group=arm, variable="patients", level=comp)
            key = "n_matched" if design.method == "matching" else "ess"
            head = ("matched" if design.method == "matching" else "effective sample size")
            row[f"{head}, {comp} vs {design.reference}"] = fmt_num(a.get(key),
                                                                   0 if key == "n_matched" else 1)
        rows.append(row)
    return pl.DataFrame(rows)


def _covariates_in_force(results: pl.DataFrame, design: CompareDesign) -> tuple[str, ...]:
    cols = set(results.filter(pl.col("analysis") == "compare_balance")["variable"].to_list())
    return design.covariates_for(has_mri="mri_active" in cols, has_snfl="snfl" in cols)


def _attrition_frame(results: pl.DataFrame) -> pl.DataFrame:
    a = results.filter(pl.col("analysis") == "compare_attrition")
    if a.is_empty():
        return pl.DataFrame()
    wide = a.pivot(on="stat", index=["level", "label"], values="value")
    return wide.select(
        pl.col("level").cast(pl.Int64).alias("step"), pl.col("label").alias("criterion"),
        pl.col("excluded").cast(pl.Int64), pl.col("remaining").cast(pl.Int64),
    ).sort("step")


class _Blocks(Protocol):
    """What the section builders add to: :class:`msrwe.report.sections.Section` or a page."""

    def text(self, text: str, cls: str = "") -> None: ...
    def heading(self, text: str) -> None: ...
    def table(self, table: ReportTable) -> None: ...
    def figure(self, fig: ReportFigure | None) -> None: ...


@dataclass
class _Page:
    """A stand-alone list of blocks (the same API as the report's ``Section``)."""

    id: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def text(self, text: str, cls: str = "") -> None:
        self.blocks.append({"kind": "text", "text": text, "cls": cls})

    def heading(self, text: str) -> None:
        self.blocks.append({"kind": "heading", "text": text})

    def table(self, table: ReportTable) -> None:
        self.blocks.append({"kind": "table", "table": table})

    def figure(self, fig: ReportFigure | None) -> None:
        if fig is not None:
            self.blocks.append({"kind": "figure", "figure": fig, "number": 0})


def add_comparison_tables(sec: _Blocks, results: pl.DataFrame, design: CompareDesign) -> None:
    """The section's text, tables, Love plots and forest plot, all read from the results."""
    res = results.filter(pl.col("analysis").str.starts_with("compare_"))
    sec.text(
        f"Which is more effective: {' or '.join((*design.comparators, design.reference))}? "
        "The comparison emulates the target trial below from the same charts; confounding by "
        "indication is handled by the propensity score, and the naive estimate is shown "
        "beside the adjusted one so that the effect of adjustment can be seen."
    )
    trial = pl.DataFrame(target_trial(design, _covariates_in_force(res, design)),
                         schema=["element", "emulation"], orient="row")
    sec.table(frame_table(trial, title="The emulated target trial", table_id="tbl-compare-trial"))
    att = _attrition_frame(res)
    if att.height:
        sec.table(frame_table(att, title="Who entered the comparison",
                              table_id="tbl-compare-attrition"))
    sec.table(frame_table(_cohort_frame(res, design), title="Patients per arm",
                          table_id="tbl-compare-cohort"))
    notes = res.filter(pl.col("analysis") == "compare_cohort", pl.col("variable") == "notes")
    for note in notes["label"].to_list():
        sec.text(note, cls="note")
    sec.heading("Baseline characteristics and balance")
    for comp in design.comparators:
        frame = _baseline_frame(res, design, comp)
        if frame.height:
            sec.table(frame_table(
                frame, title=f"Baseline by arm before and after adjustment: {comp} vs "
                f"{design.reference}", table_id=f"tbl-compare-baseline-{comp}",
                notes=["Means (proportions for 0/1 covariates). SMD: standardised mean "
                       "difference as cobalt defines it (the unadjusted sample's SD of the "
                       "comparator arm for matching or ATT weights, the pooled SD otherwise); "
                       "|SMD| < 0.1 is balanced. VR: variance ratio, 0.5-2 is balanced. No p "
                       "values are given for balance."]))
        eq = _stats(res, "compare_overlap", group=comp, variable="preference_score")
        if eq:
            sec.text(f"{comp} vs {design.reference}: {fmt_num(eq.get('equipoise_pct'), 1)}% of "
                     "patients are in equipoise (preference score 0.3-0.7).")
        sec.figure(love_figure(res, comp, design.reference, threshold=0.1))
    sec.heading("Outcomes")
    eff = _effects_frame(res, design)
    if eff.height:
        sec.table(frame_table(eff, title="Time to confirmed worsening: hazard ratios",
                              table_id="tbl-compare-effect",
                              notes=["HR: comparator vs reference, robust 95% CI. E-value: how "
                                     "strong an unmeasured confounder would have to be to "
                                     "explain the estimate away (its CI limit in brackets)."]))
    arr = _arr_frame(res, design)
    if arr.height:
        sec.table(frame_table(arr, title="Annualised relapse rates", table_id="tbl-compare-arr"))
    sec.figure(forest_figure(res))


def add_comparison_figures(
    sec: _Blocks, design: CompareDesign, datasets: Mapping[str, pl.DataFrame], *,
    min_at_risk: int = DEFAULT_MIN_AT_RISK,
) -> None:
    """The propensity-score overlap plots and the adjusted Kaplan-Meier curves (datasets).

    The curves stop where fewer than ``min_at_risk`` patients remain at risk (the study's
    ``[analysis] km_min_at_risk``).
    """
    if "adcmpps" in datasets:
        scores = datasets["adcmpps"]  # read once (a bundle reads a dataset when asked for it)
        for comp in design.comparators:
            sec.figure(overlap_figure(scores, comp, design.reference))
    if "adcmptte" in datasets:
        for fig in km_figures(datasets["adcmptte"], design.reference, labels=OUTCOMES,
                              min_at_risk=min_at_risk):
            sec.figure(fig)


def comparison_section(
    results: pl.DataFrame,
    design: CompareDesign,
    datasets: Mapping[str, pl.DataFrame] | None = None,
    *,
    methods: str = "",
    section_id: str = "sec-compare",
) -> _Page:
    """The "Comparative effectiveness" section as blocks (tables, then figures, then methods).

    Parameters
    ----------
    results
        The results table (its ``compare_*`` rows are read; the rest is ignored).
    design
        The ``[compare]`` design (:meth:`CompareDesign.from_results` reads it back from the
        results).
    datasets
        ``adcmpps`` and ``adcmptte`` for the overlap plots and the Kaplan-Meier curves.
    methods
        The comparison's methods paragraph; empty leaves it out.
    section_id
        HTML id of the section.
    """
    page = _Page(section_id, "Comparative effectiveness")
    add_comparison_tables(page, results, design)
    add_comparison_figures(page, design, datasets or {})
    if methods:
        page.heading("Methods of the comparison")
        page.text(methods)
    return page


def comparison_html(result: ComparisonResult) -> str:
    """The section as a standalone HTML fragment (headings, tables, figures, text)."""
    sec = comparison_section(result.results.to_polars(), result.design, result.datasets,
                             methods=result.methods)
    parts = [f'<section id="{sec.id}"><h2>{html.escape(sec.title)}</h2>']
    n = 0
    for b in sec.blocks:
        kind = b["kind"]
        if kind == "text":
            cls = f' class="{b["cls"]}"' if b["cls"] else ""
            parts.append(f"<p{cls}>{html.escape(b['text'])}</p>")
        elif kind == "heading":
            parts.append(f"<h3>{html.escape(b['text'])}</h3>")
        elif kind == "table":
            parts.append(f'<div class="table-block">{b["table"].html}</div>')
        elif kind == "figure":
            n += 1
            f = b["figure"]
            parts.append(
                f'<figure id="{f.id}"><img src="{f.src}" alt="{html.escape(f.alt)}">'
                f"<figcaption><b>Figure {n}. {html.escape(f.title)}.</b> "
                f"{html.escape(f.caption)}</figcaption></figure>"
            )
    parts.append("</section>")
    return "\n".join(parts)


def comparison_page(result: ComparisonResult, *, title: str) -> str:
    """A self-contained HTML page of the section (the report's stylesheet, no network).

    Examples
    --------
    >>> comparison_page.__name__
    'comparison_page'
    """
    from importlib import resources

    css = resources.files("msrwe.report").joinpath("static/report.css").read_text("utf-8")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f'<body><main class="report"><h1>{html.escape(title)}</h1>\n'
        f"{comparison_html(result)}\n</main></body></html>\n"
    )
