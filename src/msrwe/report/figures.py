"""The report's figures, drawn with matplotlib and embedded as SVG data URIs.

Each function takes small, plainly named Polars frames and returns a :class:`ReportFigure`
(title, caption, alt text and the SVG) or ``None`` when there is nothing to draw. Drawing stays
fast for large cohorts: individual lines are sampled (the caption says so), medians use every
patient, and lines are drawn as one ``LineCollection``. The figures never print a number that the
report's tables should carry; they show shapes, the tables give the numbers.

Examples
--------
>>> visits = pl.DataFrame({"patient_id": ["1", "1", "2", "2"], "days": [0, 400, 0, 380],
...                        "value": [6.0, 6.5, 4.0, 4.0]})
>>> fig = trajectory_figure(visits, fig_id="fig-edss", title="EDSS", ylabel="EDSS")
>>> fig.src.startswith("data:image/svg+xml;base64,"), "2 patients" in fig.caption
(True, True)
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import polars as pl
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from msrwe.stats import DEFAULT_MIN_AT_RISK
from msrwe.stats import kaplan_meier as stats_kaplan_meier
from msrwe.tables.groups import MISSING_GROUP

__all__ = [
    "PALETTE",
    "ReportFigure",
    "interval_figure",
    "km_figure",
    "swimmer_figure",
    "trajectory_figure",
]

#: Okabe-Ito colours, safe for colour-blind readers and in greyscale print.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)
_DAYS_PER_YEAR = 365.25
P = ParamSpec("P")
R = TypeVar("R")
_RC = {
    # labels come from the charts (group names, drugs): drawn as written, never as mathematics
    "text.parse_math": False,
    "svg.hashsalt": "msrwe",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 8,
}


@dataclass(frozen=True)
class ReportFigure:
    """One embedded figure.

    Attributes
    ----------
    id
        HTML id of the ``<figure>``.
    title
        Short title, bold at the start of the caption.
    caption
        What the figure shows and how it was drawn (sampling, medians).
    alt
        Text alternative for screen readers and when images are off.
    src
        The image as a ``data:image/svg+xml;base64,`` URI.
    """

    id: str
    title: str
    caption: str
    alt: str
    src: str


def _styled(func: Callable[P, R]) -> Callable[P, R]:
    """Draw inside the report's matplotlib style (global rcParams are left untouched)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def _encode(fig: Figure) -> str:
    buf = io.BytesIO()
    with mpl.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _new(
    width: float, height: float, nrows: int = 1, ncols: int = 1, **kw: object
) -> tuple[Figure, np.ndarray]:
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)  # type: ignore[arg-type]
    return fig, axes


def _sample_ids(ids: Sequence[str], k: int, seed: int) -> list[str]:
    if len(ids) <= k:
        return list(ids)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(np.asarray(ids, dtype=object), size=k, replace=False).tolist())


def _spread(values: np.ndarray, k: int) -> np.ndarray:
    """``k`` of the sorted ``values``, evenly spaced along them (all when there are fewer).

    Examples
    --------
    >>> _spread(np.arange(10.0), 4).tolist()
    [0.0, 3.0, 6.0, 9.0]
    """
    if len(values) <= k:
        return values
    return values[np.unique(np.linspace(0, len(values) - 1, k).round().astype(int))]


def _groups(df: pl.DataFrame, group: str | None) -> list[tuple[str, pl.DataFrame]]:
    if group is None or group not in df.columns:
        return [("All patients", df)]
    out = []
    for (g,), sub in sorted(
        df.partition_by(group, as_dict=True).items(), key=lambda kv: str(kv[0][0])
    ):
        out.append((MISSING_GROUP if g is None else str(g), sub))
    return out


@_styled
def trajectory_figure(
    visits: pl.DataFrame,
    *,
    fig_id: str,
    title: str,
    ylabel: str,
    group: str | None = None,
    max_lines: int = 200,
    bin_days: float = 365.25,
    min_per_bin: int = 5,
    ylim: tuple[float, float] | None = None,
    cap: float | None = None,
    seed: int = 2019,
    xlabel: str = "Years since the first dose",
) -> ReportFigure | None:
    """Each patient's course over time, with the median of all patients per half-year.

    Parameters
    ----------
    visits
        Columns ``patient_id``, ``days`` (since the first dose or first visit) and ``value``;
        plus ``group`` when given. Rows with a missing value are ignored.
    fig_id, title, ylabel
        HTML id, title and y-axis label.
    group
        Column to draw one panel per group.
    max_lines
        At most this many patients are drawn as lines (a random sample, fixed by ``seed``).
    bin_days, min_per_bin
        The median line joins the median value of every ``bin_days`` bin that holds at least
        ``min_per_bin`` patients.
    ylim
        Fixed y-axis range.
    cap
        Values above ``cap`` (e.g. 777 s for "unable") are left out of lines and medians.
    seed
        Seed of the sample.
    xlabel
        The time axis's label: what day 0 is.

    Returns
    -------
    ReportFigure or None
        ``None`` when no patient has a value.

    Examples
    --------
    >>> trajectory_figure(pl.DataFrame({"patient_id": [], "days": [], "value": []}),
    ...                   fig_id="f", title="t", ylabel="y") is None
    True
    """
    cols = ["patient_id", "days", "value"] + ([group] if group else [])
    df = visits.select(cols).filter(pl.col("value").is_not_null() & pl.col("days").is_not_null())
    df = df.with_columns(pl.col("value").cast(pl.Float64), pl.col("days").cast(pl.Float64))
    n_capped = 0
    if cap is not None:
        n_capped = df.filter(pl.col("value") > cap).height
        df = df.filter(pl.col("value") <= cap)
    if df.is_empty():
        return None
    panels = _groups(df, group)
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    fig, axes = _new(3.4 * ncols if ncols > 1 else 7.0, 3.0 * nrows + 0.4, nrows, ncols,
                     sharey=True)
    n_total = df.get_column("patient_id").n_unique()
    sampled_any = False
    for i, (name, sub) in enumerate(panels):
        ax = axes[i // ncols][i % ncols]
        color = PALETTE[i % len(PALETTE)]
        ids = sub.get_column("patient_id").unique().sort().to_list()
        keep = _sample_ids(ids, max_lines, seed)
        sampled_any |= len(keep) < len(ids)
        lines = sub.filter(pl.col("patient_id").is_in(keep)).sort("patient_id", "days")
        segs = [
            np.column_stack((p.get_column("days").to_numpy() / _DAYS_PER_YEAR,
                             p.get_column("value").to_numpy()))
            for p in lines.partition_by("patient_id", maintain_order=True)
        ]
        alpha = float(np.clip(2.0 / np.sqrt(max(len(keep), 1)), 0.12, 0.6))
        ax.add_collection(LineCollection(segs, colors=color, alpha=alpha, linewidths=0.8))
        med = (
            sub.with_columns((pl.col("days") / bin_days).floor().alias("_bin"))
            .group_by("_bin")
            .agg(pl.col("value").median().alias("m"), pl.col("patient_id").n_unique().alias("k"))
            .filter(pl.col("k") >= min_per_bin)
            .sort("_bin")
        )
        if med.height:
            x = (med.get_column("_bin").to_numpy() + 0.5) * bin_days / _DAYS_PER_YEAR
            ax.plot(x, med.get_column("m").to_numpy(), color="black", lw=2.2,
                    marker="o", ms=3, label="median of the group")
        ax.autoscale_view()
        if ylim:
            ax.set_ylim(*ylim)
        ax.set_title(f"{name} (n = {len(ids)})", loc="left")
        ax.set_xlabel(xlabel)
        if i % ncols == 0:
            ax.set_ylabel(ylabel)
        ax.grid(alpha=0.25, lw=0.5)
    for j in range(len(panels), nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    if axes[0][0].get_legend_handles_labels()[0]:
        axes[0][0].legend(loc="upper left")
    sample_note = (
        f" Individual lines show a random sample of at most {max_lines} patients per panel;"
        " medians use every patient." if sampled_any else ""
    )
    cap_note = (
        f" {n_capped} values above {cap:g} (e.g. unable to perform) are not drawn."
        if n_capped and cap is not None else ""
    )
    caption = (
        f"Thin lines: one per patient ({n_total} patients with a value). Thick line: median of "
        f"all values in each {bin_days / 30.4375:.0f}-month bin holding at least {min_per_bin} "
        f"patients.{sample_note}{cap_note}"
    )
    alt = (
        f"Line chart of {ylabel} against {xlabel.lower()} for {n_total} patients"
        + (f" in {len(panels)} groups" if len(panels) > 1 else "")
        + ", with the median over time drawn in black."
    )
    return ReportFigure(fig_id, title, caption, alt, _encode(fig))


def _km_steps(time: np.ndarray, event: np.ndarray, min_at_risk: int = 0,
              ) -> tuple[np.ndarray, np.ndarray]:
    """The curve of :func:`msrwe.stats.kaplan_meier` as step points, starting at (0, 1).

    The curve stops at the last time with at least ``min_at_risk`` patients at risk (no point
    at all when even time 0 has fewer).

    Examples
    --------
    >>> t, s = _km_steps(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 0]))
    >>> t.tolist(), [round(float(v), 3) for v in s]
    ([0.0, 1.0, 2.0, 3.0], [1.0, 0.75, 0.5, 0.5])
    >>> _km_steps(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 0]), 2)[0].tolist()
    [0.0, 1.0, 2.0]
    >>> _km_steps(np.array([1.0, 2.0]), np.array([1, 0]), 10)[0].tolist()
    []
    """
    if len(time) < max(min_at_risk, 1):
        return ((np.array([0.0]), np.array([1.0])) if len(time) == 0 == min_at_risk
                else (np.array([]), np.array([])))
    table = stats_kaplan_meier(np.asarray(time, dtype=float),
                               np.asarray(event, dtype=bool).astype(int),
                               min_at_risk=min_at_risk).table
    table = table.filter(pl.col("survival").is_not_null())
    return (np.concatenate(([0.0], table["time"].to_numpy())),
            np.concatenate(([1.0], table["survival"].to_numpy())))


@_styled
def km_figure(
    tte: pl.DataFrame,
    *,
    fig_id: str = "fig-km",
    title: str = "Time to confirmed disability worsening",
    group: str | None = None,
    event_label: str = "confirmed disability worsening",
    counts: tuple[float, float] | None = None,
    xlabel: str = "Years since the first dose",
    min_at_risk: int = DEFAULT_MIN_AT_RISK,
    max_ticks: int = 200,
) -> ReportFigure | None:
    """Kaplan-Meier curve(s) of the share free of the event, with numbers at risk below.

    Parameters
    ----------
    tte
        Columns ``time_days`` and ``event`` (1 or true for the event, 0 for censored); plus
        ``group`` when given.
    fig_id, title
        HTML id and title.
    group
        Column to draw one curve per group.
    event_label
        Words for the event in the caption and alt text.
    counts
        Patients and events as the results table gives them, for the caption (so the caption
        and the tables agree); without them the caption names no count.
    xlabel
        The time axis's label: what day 0 is.
    min_at_risk
        Each curve stops where fewer than this many patients remain at risk (the study's
        ``[analysis] km_min_at_risk``, stated in the caption); 0 draws the whole curve.
    max_ticks
        A curve with more censored patients shows a tick at ``max_ticks`` of its censoring
        times, spread evenly over them (a registry's ticks would be a solid band, and the
        figure megabytes); the caption says so. The curve and the numbers use every patient.

    Returns
    -------
    ReportFigure or None
        ``None`` when there is no row.

    Examples
    --------
    >>> f = km_figure(pl.DataFrame({"time_days": [100, 400, 800], "event": [1, 0, 1]}))
    >>> "numbers at risk" in f.caption
    True
    >>> f.caption.split("; ")[-1]
    'below: numbers at risk at the start of each year.'
    """
    df = tte.filter(pl.col("time_days").is_not_null() & pl.col("event").is_not_null())
    if df.is_empty():
        return None
    df = df.with_columns(pl.col("time_days").cast(pl.Float64) / _DAYS_PER_YEAR,
                         pl.col("event").cast(pl.Int8))
    panels = _groups(df, group)
    thinned = False
    fig, axes = _new(7.0, 3.6 + 0.22 * len(panels), 2, 1,
                     gridspec_kw={"height_ratios": [4.2, 0.35 + 0.3 * len(panels)]})
    ax, tab = axes[0][0], axes[1][0]
    t_max = float(df.get_column("time_days").max())  # type: ignore[arg-type]
    step = 1.0 if t_max <= 8 else 2.0
    ticks = np.arange(0.0, np.floor(t_max) + step, step)
    for i, (name, sub) in enumerate(panels):
        color = PALETTE[i % len(PALETTE)]
        t = sub.get_column("time_days").to_numpy()
        e = sub.get_column("event").to_numpy()
        xs, ys = _km_steps(t, e, min_at_risk)
        label = f"{name} (n = {len(t)})"
        if len(xs) == 0:  # fewer patients than min_at_risk: no curve, the count stays
            ax.plot([], [], color=color, lw=1.8, label=f"{label}, no curve")
        else:
            # the curve runs on to the last follow-up, or to where it stops
            end = float(t.max()) if min_at_risk <= 0 else float(np.sort(t)[len(t) - min_at_risk])
            xs = np.append(xs, end)
            ys = np.append(ys, ys[-1])
            ax.step(xs, ys, where="post", color=color, lw=1.8, label=label)
        cens = t[(e == 0) & (t <= (xs[-1] if len(xs) else -1.0))]
        if len(cens) > max_ticks:  # a registry's ticks would be a solid band (and megabytes)
            cens = _spread(np.unique(cens), max_ticks)
            thinned = True
        if len(cens):
            idx = np.searchsorted(xs, cens, side="right") - 1
            ax.plot(cens, ys[np.clip(idx, 0, len(ys) - 1)], "|", color=color, ms=6, mew=1)
        row = len(panels) - 1 - i
        for tk in ticks:
            tab.text(tk, row, str(int((t >= tk).sum())), ha="center", va="center",
                     fontsize=8, color=color)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, ticks[-1] if len(ticks) > 1 else max(t_max, 1.0))
    ax.set_xticks(ticks)
    ax.set_ylabel(f"Free of {event_label}" if len(event_label) < 25 else "Event-free share")
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.25, lw=0.5)
    ax.legend(loc="lower left")
    tab.set_xlim(ax.get_xlim())
    tab.set_ylim(-0.6, len(panels) - 0.4)
    tab.set_yticks(range(len(panels)), [p[0] for p in reversed(panels)], fontsize=8)
    tab.set_xticks([])
    tab.set_title("Numbers at risk", loc="left", fontsize=8, fontweight="normal")
    for side in ("left", "bottom", "top", "right"):
        tab.spines[side].set_visible(False)
    tab.tick_params(length=0, pad=14)
    who = ""
    if counts is not None and all(c is not None for c in counts):
        who = f" ({int(counts[0])} patients, {int(counts[1])} events)"
    every = ("at the start of each year" if step == 1.0
             else f"every {step:g} years, at the axis ticks")
    stop = (f"; curves stop where fewer than {min_at_risk} patients remain at risk"
            if min_at_risk > 0 else "")
    sampled = (f" (where a curve has more than {max_ticks} censored patients, ticks at "
               f"{max_ticks} of their censoring times, spread evenly)" if thinned else "")
    caption = (
        f"Kaplan-Meier estimate of the share of patients free of {event_label}{who}; ticks "
        f"mark censored follow-up{sampled}{stop}; below: numbers at risk {every}."
    )
    alt = (
        f"Kaplan-Meier step curve{'s' if len(panels) > 1 else ''} of time to {event_label} "
        f"over {t_max:.1f} years{who}, with a numbers-at-risk table underneath."
    )
    return ReportFigure(fig_id, title, caption, alt, _encode(fig))


@_styled
def swimmer_figure(
    followup: pl.DataFrame,
    *,
    doses: pl.DataFrame | None = None,
    adverse_events: pl.DataFrame | None = None,
    relapses: pl.DataFrame | None = None,
    fig_id: str = "fig-swimmer",
    title: str = "Every patient's doses, adverse events and relapses",
    max_patients: int = 150,
    xlabel: str = "Years since the first dose",
    labels: bool = False,
) -> ReportFigure | None:
    """One horizontal bar per patient on a common time axis, sorted by follow-up.

    Parameters
    ----------
    followup
        Columns ``patient_id`` and ``end_days`` (length of follow-up in days); optional
        ``group`` colours the bars.
    doses, adverse_events, relapses
        Columns ``patient_id`` and ``days``; ``adverse_events`` may carry a boolean
        ``serious``.
    fig_id, title
        HTML id and title.
    max_patients
        Above this many patients an evenly spaced sample along the follow-up order is drawn
        (the caption says so).
    xlabel
        The time axis's label: what day 0 is.
    labels
        Name each bar by its ``patient_id``: only for pseudonyms (``msrwe report
        --deidentify``), never for charted identifiers.

    Returns
    -------
    ReportFigure or None
        ``None`` without patients.

    Examples
    --------
    >>> f = swimmer_figure(pl.DataFrame({"patient_id": ["1", "2"], "end_days": [700, 300]}),
    ...                    doses=pl.DataFrame({"patient_id": ["1"], "days": [0]}))
    >>> "2 patients" in f.caption
    True
    """
    fu = followup.filter(pl.col("end_days").is_not_null()).sort("end_days", "patient_id")
    if fu.is_empty():
        return None
    n_all = fu.height
    if n_all > max_patients:
        idx = np.unique(np.linspace(0, n_all - 1, max_patients).round().astype(int))
        fu = fu[idx.tolist()]
    ids = fu.get_column("patient_id").to_list()
    pos = {pid: i for i, pid in enumerate(ids)}
    height = min(max(2.6, 0.055 * len(ids) + 1.3), 9.5)
    fig, axes = _new(7.0, height)
    ax = axes[0][0]
    y = np.arange(len(ids))
    bar_colors: list[str] | str = "#9aa5b1"
    if "group" in fu.columns:
        names = sorted({str(g) for g in fu.get_column("group").to_list()})
        cmap = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(names)}
        bar_colors = [cmap[str(g)] for g in fu.get_column("group").to_list()]
        for g, c in cmap.items():
            ax.plot([], [], color=c, lw=4, alpha=0.35, label=f"follow-up: {g}")
    lw = max(1.0, min(5.0, 300 / max(len(ids), 1)))
    ax.hlines(y, 0, fu.get_column("end_days").to_numpy() / _DAYS_PER_YEAR, colors=bar_colors,
              lw=lw, alpha=0.35)

    def place(df: pl.DataFrame | None) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
        if df is None or df.is_empty():
            return np.array([]), np.array([]), pl.DataFrame()
        # Only what happened from the start on (relapses before the first dose are left out).
        sub = df.filter(pl.col("patient_id").is_in(ids) & pl.col("days").is_not_null()
                        & (pl.col("days") >= 0))
        yy = np.array([pos[p] for p in sub.get_column("patient_id").to_list()], dtype=float)
        return sub.get_column("days").cast(pl.Float64).to_numpy() / _DAYS_PER_YEAR, yy, sub

    ms = max(2.0, min(5.0, 400 / max(len(ids), 1)))
    x, yy, _ = place(doses)
    if len(x):
        ax.scatter(x, yy, marker="|", s=ms * 10, color="#1f2d3d", lw=0.6, alpha=0.7,
                   label="dose")
    x, yy, sub = place(adverse_events)
    if len(x):
        serious = (
            sub.get_column("serious").fill_null(False).cast(pl.Boolean).to_numpy()
            if "serious" in sub.columns else np.zeros(len(x), dtype=bool)
        )
        ax.scatter(x[~serious], yy[~serious], marker="o", s=ms * 4, facecolors="none",
                   edgecolors=PALETTE[1], lw=0.8, label="adverse event")
        if serious.any():
            ax.scatter(x[serious], yy[serious], marker="X", s=ms * 9, color=PALETTE[1],
                       label="serious adverse event")
    x, yy, _ = place(relapses)
    if len(x):
        ax.scatter(x, yy, marker="v", s=ms * 6, color=PALETTE[2], label="relapse")
    ax.set_ylim(-1, len(ids))
    ax.set_xlim(0, max(float(fu.get_column("end_days").max()) / _DAYS_PER_YEAR, 0.1) * 1.02)
    if labels:
        ax.set_yticks(y, [str(p) for p in ids], fontsize=max(3.0, min(7.0, 400 / len(ids))))
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    ax.set_ylabel("Patients, sorted by follow-up")
    ax.set_xlabel(xlabel)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", alpha=0.25, lw=0.5)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=7.5)
    sample = (
        f" {len(ids)} of {n_all} patients are shown, evenly spaced along the follow-up order."
        if len(ids) < n_all else ""
    )
    caption = (
        f"One row per patient ({n_all} patients), from the start to the end of follow-up, "
        f"longest at the top; marks show doses, adverse events and relapses from the start "
        f"on.{sample}"
        + (" Rows are labelled by random pseudonyms, not by the charts' identifiers."
           if labels else "")
    )
    alt = (
        f"Swimmer plot of {len(ids)} patients: horizontal bars of follow-up in years with "
        "markers for each dose, adverse event and relapse."
    )
    return ReportFigure(fig_id, title, caption, alt, _encode(fig))


@_styled
def interval_figure(
    doses: pl.DataFrame,
    *,
    window: tuple[float, float] | None = None,
    fig_id: str = "fig-intervals",
    title: str = "Intervals between doses",
) -> ReportFigure | None:
    """Histogram of days between consecutive doses, with the regimen window shaded.

    Parameters
    ----------
    doses
        Column ``interval_days`` (missing for a patient's first dose).
    window
        The regimen's expected interval in days (low, high), shaded when given.
    fig_id, title
        HTML id and title.

    Returns
    -------
    ReportFigure or None
        ``None`` when no interval exists.

    Examples
    --------
    >>> f = interval_figure(pl.DataFrame({"interval_days": [None, 60, 70, 90]}),
    ...                     window=(56, 77))
    >>> "56–77 days" in f.caption
    True
    """
    iv = doses.get_column("interval_days").drop_nulls().cast(pl.Float64).to_numpy()
    if len(iv) == 0:
        return None
    fig, axes = _new(7.0, 3.0)
    ax = axes[0][0]
    hi = float(np.quantile(iv, 0.99))
    if window:
        hi = max(hi, window[1] * 1.3)
    width = max(1.0, np.ceil(hi / 60))
    bins = np.arange(0, hi + width, width)
    over = int((iv > bins[-1]).sum())
    ax.hist(np.clip(iv, 0, bins[-1]), bins=bins, color=PALETTE[0], alpha=0.85,
            edgecolor="white", lw=0.3)
    if window:
        ax.axvspan(window[0], window[1], color=PALETTE[2], alpha=0.15,
                   label=f"regimen window {window[0]:g}–{window[1]:g} d")
        ax.legend(loc="upper right")
    ax.set_xlabel("Days since the previous dose")
    ax.set_ylabel("Intervals")
    ax.grid(axis="y", alpha=0.25, lw=0.5)
    caption = f"{len(iv)} intervals between consecutive doses of the same patient."
    if window:
        caption += f" Shaded: the regimen window, {window[0]:g}–{window[1]:g} days."
    if over:
        caption += f" The last bar also holds {over} longer intervals."
    alt = (
        f"Histogram of {len(iv)} dose intervals in days"
        + (f", with the {window[0]:g} to {window[1]:g} day window shaded." if window else ".")
    )
    return ReportFigure(fig_id, title, caption, alt, _encode(fig))


def __getattr__(name: str) -> object:
    if name == "kaplan_meier":
        import warnings

        warnings.warn("msrwe.report.figures.kaplan_meier is deprecated: the one Kaplan-Meier is "
                      "msrwe.stats.kaplan_meier", DeprecationWarning, stacklevel=2)
        return _km_steps
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
