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

import numpy as np
import polars as pl
from matplotlib.collections import LineCollection

from msrwe.report._figure import (
    _DAYS_PER_YEAR,
    PALETTE,
    ReportFigure,
    _encode,
    _groups,
    _new,
    _panels,
    _sample_ids,
    _spread,
    _styled,
)
from msrwe.report.inputs import column_names
from msrwe.report.timeline_figures import interval_figure, swimmer_figure
from msrwe.stats import DEFAULT_MIN_AT_RISK
from msrwe.stats import kaplan_meier as stats_kaplan_meier

__all__ = [
    "PALETTE",
    "ReportFigure",
    "interval_figure",
    "km_figure",
    "swimmer_figure",
    "trajectory_figure",
]

@_styled
def trajectory_figure(
    visits: pl.DataFrame | pl.LazyFrame,
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
        plus ``group`` when given. Rows with a missing value are ignored. A lazy query is
        read as such: only the sampled patients' rows and the aggregates are collected.
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
    by = [group] if group else []
    lf = visits.lazy().select("patient_id", "days", "value", *by).filter(
        pl.col("value").is_not_null() & pl.col("days").is_not_null()
    ).with_columns(pl.col("value").cast(pl.Float64), pl.col("days").cast(pl.Float64))
    n_capped = 0
    if cap is not None:
        n_capped = int(lf.filter(pl.col("value") > cap).select(pl.len())
                       .collect(engine="streaming").item())
        lf = lf.filter(pl.col("value") <= cap)
    # Only aggregates and the sampled patients' lines are collected: a registry's visits are
    # read as a query, never held whole (issue 14).
    who = lf.select("patient_id", *by).unique().collect(engine="streaming")
    if who.is_empty():
        return None
    panels = _panels(who, group)
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    fig, axes = _new(3.4 * ncols if ncols > 1 else 7.0, 3.0 * nrows + 0.4, nrows, ncols,
                     sharey=True)
    n_total = who.get_column("patient_id").n_unique()
    members = [who.filter(rows).get_column("patient_id").unique().sort().to_list()
               for _, rows in panels]
    kept = [_sample_ids(ids, max_lines, seed) for ids in members]
    drawn = lf.filter(pl.col("patient_id").is_in(sorted({p for k in kept for p in k}))).collect()
    binned = lf.with_columns((pl.col("days") / bin_days).floor().alias("_bin"))
    # patients per bin stream; a median does not, so each panel's medians are taken from its
    # bins and values alone (two numbers a visit, not the visits)
    per_bin = binned.group_by(*by, "_bin").agg(
        pl.col("patient_id").n_unique().alias("k")).collect(engine="streaming")
    sampled_any = False
    for i, (name, rows) in enumerate(panels):
        ax = axes[i // ncols][i % ncols]
        color = PALETTE[i % len(PALETTE)]
        n_ids = len(members[i])
        keep = kept[i]
        sampled_any |= len(keep) < n_ids
        lines = drawn.filter(rows & pl.col("patient_id").is_in(keep)).sort("patient_id", "days")
        segs = [
            np.column_stack((p.get_column("days").to_numpy() / _DAYS_PER_YEAR,
                             p.get_column("value").to_numpy()))
            for p in lines.partition_by("patient_id", maintain_order=True)
        ]
        alpha = float(np.clip(2.0 / np.sqrt(max(len(keep), 1)), 0.12, 0.6))
        ax.add_collection(LineCollection(segs, colors=color, alpha=alpha, linewidths=0.8))
        med = (
            binned.filter(rows).select("_bin", "value").collect(engine="streaming")
            .group_by("_bin").agg(pl.col("value").median().alias("m"))
            .join(per_bin.filter(rows).select("_bin", "k"), on="_bin")
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
        ax.set_title(f"{name} (n = {n_ids})", loc="left")
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
    tte: pl.DataFrame | pl.LazyFrame,
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
        ``group`` when given. A frame or a lazy query (only these columns are collected).
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
    by = [group] if group is not None and group in column_names(tte) else []
    df = tte.lazy().select("time_days", "event", *by).filter(
        pl.col("time_days").is_not_null() & pl.col("event").is_not_null()).collect()
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


def __getattr__(name: str) -> object:
    if name == "kaplan_meier":
        import warnings

        warnings.warn("msrwe.report.figures.kaplan_meier is deprecated: the one Kaplan-Meier is "
                      "msrwe.stats.kaplan_meier", DeprecationWarning, stacklevel=2)
        return _km_steps
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
