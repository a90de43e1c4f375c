"""The report's per-patient timelines: the swimmer plot of treatment courses, dose intervals.

Examples
--------
>>> interval_figure(pl.DataFrame({"interval_days": [None, 59, 80]})) is not None
True
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.report._figure import _DAYS_PER_YEAR, PALETTE, ReportFigure, _encode, _new, _styled

__all__ = ["interval_figure", "swimmer_figure"]


@_styled
def swimmer_figure(
    followup: pl.DataFrame | pl.LazyFrame,
    *,
    doses: pl.DataFrame | pl.LazyFrame | None = None,
    adverse_events: pl.DataFrame | pl.LazyFrame | None = None,
    relapses: pl.DataFrame | pl.LazyFrame | None = None,
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
        ``serious``. Frames or lazy queries: only the drawn patients' rows are collected.
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
    fu = followup.lazy().filter(pl.col("end_days").is_not_null()).sort(
        "end_days", "patient_id").collect()
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

    def place(df: pl.DataFrame | pl.LazyFrame | None,
              ) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
        if df is None or (isinstance(df, pl.DataFrame) and df.is_empty()):
            return np.array([]), np.array([]), pl.DataFrame()
        # Only what happened from the start on (relapses before the first dose are left out).
        sub = df.lazy().filter(pl.col("patient_id").is_in(ids) & pl.col("days").is_not_null()
                               & (pl.col("days") >= 0)).collect()
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
    doses: pl.DataFrame | pl.LazyFrame,
    *,
    window: tuple[float, float] | None = None,
    fig_id: str = "fig-intervals",
    title: str = "Intervals between doses",
) -> ReportFigure | None:
    """Histogram of days between consecutive doses, with the regimen window shaded.

    Parameters
    ----------
    doses
        Column ``interval_days`` (missing for a patient's first dose); a frame or a lazy
        query (only that column is collected).
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
    iv = (doses.lazy().select(pl.col("interval_days").drop_nulls().cast(pl.Float64))
          .collect(engine="streaming").get_column("interval_days").to_numpy())
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
