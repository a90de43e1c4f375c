"""Figures of a comparison: Love plot, propensity-score overlap, adjusted KM curves, forest plot.

Each function takes rows of the results table or the comparison's datasets and returns a
:class:`~msrwe.report.figures.ReportFigure` (an SVG data URI with title, caption and alt text),
or ``None`` when there is nothing to draw. The figures show shapes; the tables beside them
carry the numbers.
"""

from __future__ import annotations

import base64
import io

import matplotlib as mpl
import numpy as np
import polars as pl
from matplotlib.figure import Figure

from msrwe.compare.balance import love_plot, ps_overlap_plot
from msrwe.report.figures import PALETTE, ReportFigure
from msrwe.stats import DEFAULT_MIN_AT_RISK, kaplan_meier

__all__ = ["forest_figure", "km_figures", "love_figure", "overlap_figure"]

_RC = {
    # labels come from the charts (group names, drugs): drawn as written, never as mathematics
    "text.parse_math": False,
    "svg.hashsalt": "msrwe", "svg.fonttype": "path", "font.family": "DejaVu Sans",
    "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 10, "axes.titleweight": "bold", "legend.frameon": False,
    "legend.fontsize": 8,
}
#: KM curves stop where fewer patients than this remain at risk (the CORe/MSBase recipe); the
#: default of the study's ``[analysis] km_min_at_risk``.
MIN_AT_RISK = DEFAULT_MIN_AT_RISK


def _encode(fig: Figure) -> str:
    buf = io.BytesIO()
    with mpl.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _new(width: float, height: float, nrows: int = 1, ncols: int = 1,
         **kw: object) -> tuple[Figure, np.ndarray]:
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)  # type: ignore[arg-type]
    return fig, axes


def love_figure(results: pl.DataFrame, comparison: str, reference: str, *,
                threshold: float = 0.1) -> ReportFigure | None:
    """The Love plot of one comparison (:func:`msrwe.compare.balance.love_plot`)."""
    bal = results.filter(pl.col("analysis") == "compare_balance",
                         pl.col("group") == comparison,
                         pl.col("stat").is_in(["smd_before", "smd_after"]))
    if bal.is_empty():
        return None
    wide = bal.pivot(on="stat", index="variable", values="value").rename(
        {"variable": "covariate"})
    with mpl.rc_context(_RC):
        fig = love_plot(wide, threshold=threshold, title=f"{comparison} vs {reference}")
    return ReportFigure(
        id=f"fig-compare-love-{comparison}", title=f"Covariate balance (Love plot): "
        f"{comparison} vs {reference}",
        caption=f"Absolute standardised mean differences before (open) and after (filled) "
        f"adjustment; the dashed line is the {threshold:g} threshold of balance.",
        alt="Dot plot of absolute standardised mean differences per covariate before and "
        "after adjustment.", src=_encode(fig),
    )


def overlap_figure(ps: pl.DataFrame, comparison: str, reference: str) -> ReportFigure | None:
    """Propensity-score overlap of one comparison (``balance.ps_overlap_plot``)."""
    if ps.is_empty():
        return None
    d = ps.filter(pl.col("comparison") == comparison)
    if d.is_empty():
        return None
    with mpl.rc_context(_RC):
        fig = ps_overlap_plot(d.select("treat", "ps"), labels=(reference, comparison),
                              title=f"{comparison} vs {reference}")
    return ReportFigure(
        id=f"fig-compare-overlap-{comparison}",
        title=f"Propensity-score overlap: {comparison} vs {reference}",
        caption="Distribution of the propensity score in each arm before adjustment. Regions "
        "where one arm has no patients are outside the common support.",
        alt="Mirrored histograms of the propensity score of the two arms.",
        src=_encode(fig),
    )


def km_figures(tte: pl.DataFrame, reference: str, *, labels: dict[str, str],
               min_at_risk: int = MIN_AT_RISK) -> list[ReportFigure]:
    """Adjusted (weighted) Kaplan-Meier curves per comparison and outcome, numbers at risk.

    Each curve stops where fewer than ``min_at_risk`` patients remain at risk.
    """
    out: list[ReportFigure] = []
    if tte.is_empty():
        return out
    for (comp, outcome), d in tte.group_by(["comparison", "outcome"], maintain_order=True):
        with mpl.rc_context(_RC):
            fig, axes = _new(5.2, 3.8, 2, 1, height_ratios=[4, 1])
            ax, tab = axes[0][0], axes[1][0]
            horizon = float(d["time"].max())
            ticks = np.arange(0, np.floor(horizon) + 1)
            rows = []
            for i, (arm, t) in enumerate(((comp, 1), (reference, 0))):
                a = d.filter(pl.col("treat") == t)
                if a.is_empty():
                    continue
                times = a["time"].to_numpy()
                grid = np.unique(np.concatenate([[0.0], times]))
                km = kaplan_meier(times, a["event"].to_numpy(), at=grid,
                                  weights=a["weight"].to_numpy(),
                                  min_at_risk=min_at_risk).table
                km = km.filter(pl.col("survival").is_not_null())
                ax.step(km["time"].to_numpy(), km["survival"].to_numpy(), where="post",
                        color=PALETTE[1 - i], label=str(arm))
                rows.append((str(arm), [int(np.sum(times >= x)) for x in ticks]))
            ax.set_ylim(0, 1.02)
            ax.set_ylabel("free of the event")
            ax.set_title(f"{labels.get(str(outcome), outcome)}: {comp} vs {reference}")
            ax.legend(loc="lower left")
            ax.set_xlim(0, max(horizon, 1))
            tab.set_xlim(ax.get_xlim())
            tab.axis("off")
            for j, (arm, counts) in enumerate(rows):
                tab.text(-0.02, 0.7 - 0.45 * j, arm, ha="right", va="center",
                         transform=tab.get_yaxis_transform())
                for x, c in zip(ticks, counts, strict=True):
                    tab.text(x, 0.7 - 0.45 * j, str(c), ha="center", va="center")
            tab.set_title("Numbers at risk (years from index)", fontsize=8, loc="left")
        out.append(ReportFigure(
            id=f"fig-compare-km-{comp}-{outcome}".replace("_", "-"),
            title=f"Adjusted Kaplan-Meier curves: {labels.get(str(outcome), outcome)}, "
            f"{comp} vs {reference}",
            caption="Kaplan-Meier curves weighted by the matching or propensity-score weights; "
            f"curves stop where fewer than {min_at_risk} patients remain at risk; the numbers "
            "at risk (unweighted) are under the plot.",
            alt=f"Step curves of the share free of {outcome} over years from index, per arm.",
            src=_encode(fig),
        ))
    return out


def forest_figure(results: pl.DataFrame) -> ReportFigure | None:
    """Naive and adjusted hazard and rate ratios with their CIs on a log scale."""
    eff = results.filter(pl.col("analysis") == "compare_effect")
    arr = results.filter(pl.col("analysis") == "compare_arr", pl.col("group") == "overall")
    rows: list[tuple[str, str, float | None, float | None, float | None]] = []

    def val(d: pl.DataFrame, stat: str) -> float | None:
        v = d.filter(pl.col("stat") == stat)["value"]
        return None if v.is_empty() else v.item(0)

    for (comp, outcome), d in eff.group_by(["group", "variable"], maintain_order=True):
        rows.append((f"{outcome}, {comp}", "adjusted HR", val(d, "hr"), val(d, "hr_ci_low"),
                     val(d, "hr_ci_high")))
        rows.append((f"{outcome}, {comp}", "naive HR", val(d, "hr_naive"),
                     val(d, "hr_naive_ci_low"), val(d, "hr_naive_ci_high")))
    for (comp,), d in arr.group_by(["level"], maintain_order=True):
        rows.append((f"relapses, {comp}", "adjusted rate ratio", val(d, "rate_ratio"),
                     val(d, "rate_ratio_ci_low"), val(d, "rate_ratio_ci_high")))
    rows = [r for r in rows if r[2] is not None and r[3] is not None and r[4] is not None]
    if not rows:
        return None
    with mpl.rc_context(_RC):
        fig, axes = _new(6.0, 0.32 * len(rows) + 1.0)
        ax = axes[0][0]
        y = np.arange(len(rows))
        for i, (_name, kind, est, lo, hi) in enumerate(rows):
            colour = PALETTE[1] if kind.startswith("naive") else PALETTE[0]
            ax.plot([lo, hi], [i, i], color=colour, linewidth=1.4)
            ax.scatter([est], [i], color=colour, marker="o" if kind.startswith("naive") else "s",
                       zorder=3)
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yticks(y, [f"{n} ({k})" for n, k, *_ in rows])
        ax.invert_yaxis()
        ax.set_xlabel("ratio, comparator vs reference (log scale)")
    return ReportFigure(
        id="fig-compare-forest", title="Naive and adjusted effects",
        caption="Hazard ratios of confirmed worsening and relapse rate ratios with 95% "
        "confidence intervals: unadjusted (naive, circles) and adjusted (squares). Left of 1 "
        "favours the comparator.",
        alt="Forest plot of naive and adjusted hazard and rate ratios.", src=_encode(fig),
    )
