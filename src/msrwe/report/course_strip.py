"""The Lublin 2014 course strip: one row per patient, one cell per year of follow-up.

Each cell is a complete year of follow-up from the first dose (``adlublin`` of the
``lublin_activity`` analysis, :func:`msrwe.derive.lublin.derive_lublin_years`), coloured by the
activity modifier (active / not active / not determined) and marked when the year is *with
progression* (progressive courses). Rows carry no patient identifier: they are sorted by group,
then by how many active years the patient had, and labelled by group only. Above
``max_patients`` patients an evenly spaced sample along that order is drawn and the caption
says so. The figure shows the pattern; the numbers are in the ``lublin_activity`` and Table 1
rows.

Examples
--------
>>> adl = pl.DataFrame({"patient_id": ["1", "1", "2"], "year": [1, 2, 1],
...                     "activity": ["active", "not_active", "not_determined"],
...                     "progression": ["with", "without", None]})
>>> fig = course_strip_figure(adl)
>>> fig.src.startswith("data:image/svg+xml;base64,"), "2 patients" in fig.caption
(True, True)
>>> course_strip_figure(adl.clear()) is None
True
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.report._figure import PALETTE, ReportFigure, _encode, _new, _styled
from msrwe.report.inputs import column_names

__all__ = ["ACTIVITY_COLOURS", "course_strip_figure"]

#: Cell colour by activity level, with the legend's literal label.
ACTIVITY_COLOURS: dict[str, tuple[str, str]] = {
    "active": (PALETTE[1], "active"),
    "not_active": (PALETTE[5], "not active"),
    "not_determined": ("#e3e3e3", "not determined"),
}


def _rows(adlublin: pl.LazyFrame, groups: pl.DataFrame | pl.LazyFrame | None) -> pl.DataFrame:
    """One row per patient in drawing order: group, then most active years first."""
    per = adlublin.group_by("patient_id").agg(
        (pl.col("activity") == "active").sum().alias("_active"),
        pl.col("year").max().alias("_years"),
    )
    if groups is not None and {"patient_id", "group"} <= set(column_names(groups)):
        per = per.join(groups.lazy().select("patient_id", pl.col("group").cast(pl.String)),
                       on="patient_id", how="left")
    else:
        per = per.with_columns(pl.lit(None, dtype=pl.String).alias("group"))
    return per.collect(engine="streaming").sort(
        ["group", "_active", "_years", "patient_id"], descending=[False, True, True, False],
        nulls_last=True)


@_styled
def course_strip_figure(
    adlublin: pl.DataFrame | pl.LazyFrame | None,
    *,
    groups: pl.DataFrame | pl.LazyFrame | None = None,
    fig_id: str = "fig-course-strip",
    title: str = "Disease course per patient and year (Lublin 2014)",
    max_patients: int = 80,
) -> ReportFigure | None:
    """Draw the course strip.

    Parameters
    ----------
    adlublin
        Per patient-year: ``patient_id``, ``year`` (1, 2, ...), ``activity`` (``active``,
        ``not_active``, ``not_determined``) and ``progression`` (``with``, ``without``,
        ``not_determined`` or empty for non-progressive courses). A frame or a lazy query:
        the drawing order is aggregated in the query and only the drawn patients' years
        are collected.
    groups
        ``patient_id, group``: rows are sorted and labelled by group.
    fig_id, title
        HTML id and title.
    max_patients
        Above this many patients an evenly spaced sample is drawn (the caption says so).

    Returns
    -------
    ReportFigure or None
        ``None`` without patient-years.
    """
    need = {"patient_id", "year", "activity"}
    if adlublin is None or not need <= set(column_names(adlublin)):
        return None
    adl = adlublin.lazy().select("patient_id", "year", "activity", *(
        ["progression"] if "progression" in column_names(adlublin) else []))
    if "progression" not in column_names(adl):
        adl = adl.with_columns(pl.lit(None, dtype=pl.String).alias("progression"))
    order = _rows(adl, groups)
    if order.is_empty():
        return None
    n_all = order.height
    if n_all > max_patients:
        idx = np.unique(np.linspace(0, n_all - 1, max_patients).round().astype(int))
        order = order[idx.tolist()]
    n_rows = order.height
    row_of = order.select("patient_id", pl.int_range(n_rows).alias("_row"),
                          "group")
    cells = adl.filter(pl.col("patient_id").is_in(row_of["patient_id"].implode())).join(
        row_of.lazy(), on="patient_id", how="inner", maintain_order="left").collect()
    x = cells["year"].cast(pl.Float64).to_numpy()
    y = (n_rows - 1 - cells["_row"].to_numpy()).astype(float)  # first row on top
    activity = cells["activity"].fill_null("not_determined").to_list()
    colours = [ACTIVITY_COLOURS.get(a, ACTIVITY_COLOURS["not_determined"])[0] for a in activity]
    n_years = int(adl.select(pl.col("year").max()).collect().item())

    height = min(max(2.4, 0.09 * n_rows + 1.4), 9.5)
    width = min(max(4.0, 0.32 * n_years + 2.6), 7.0)
    fig, axes = _new(width, height)
    ax = axes[0][0]
    ax.bar(x, 0.8, width=0.92, bottom=y - 0.4, color=colours, lw=0)
    prog = cells["progression"].to_list()
    with_p = np.array([p == "with" for p in prog])
    und_p = np.array([p == "not_determined" for p in prog])
    ms = max(4.0, min(22.0, 900 / max(n_rows, 1)))
    if with_p.any():
        ax.scatter(x[with_p], y[with_p], marker="^", s=ms, color="#000000", lw=0)
    if und_p.any():
        ax.scatter(x[und_p], y[und_p], marker="o", s=ms * 0.6, facecolors="none",
                   edgecolors="#000000", lw=0.6)
    for key, (colour, label) in ACTIVITY_COLOURS.items():
        if key in activity:
            ax.bar([np.nan], [0], color=colour, label=label)
    if with_p.any():
        ax.scatter([], [], marker="^", s=22, color="#000000", label="with progression")
    if und_p.any():
        ax.scatter([], [], marker="o", s=14, facecolors="none", edgecolors="#000000", lw=0.6,
                   label="progression not determined")

    groups_drawn = [g for g in row_of["group"].unique(maintain_order=True).to_list()
                    if g is not None]
    if groups_drawn:
        ticks, labels = [], []
        for g in groups_drawn:
            rows = row_of.filter(pl.col("group") == g)["_row"].to_numpy()
            ticks.append(n_rows - 1 - float(rows.mean()))
            labels.append(str(g))
            ax.axhline(n_rows - 1 - rows.max() - 0.5, color="#9aa5b1", lw=0.5)
        ax.set_yticks(ticks, labels)
        ax.tick_params(axis="y", length=0)
    else:
        ax.set_yticks([])
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_xlim(0.5, n_years + 0.5)
    ax.set_xticks(range(1, n_years + 1))
    ax.set_xlabel("Year of follow-up from the first dose")
    ax.set_ylabel("Patients, one row each")
    ax.spines["left"].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7.5)

    sample = (f" {n_rows} of {n_all} patients are shown, evenly spaced along that order."
              if n_rows < n_all else "")
    caption = (
        f"One row per patient ({n_all} patients), one cell per complete year of follow-up "
        "from the first dose, coloured by the Lublin 2014 activity of that year (a relapse or "
        "an active scan: active; an evaluable scan and neither: not active; otherwise not "
        "determined); a triangle marks a year with progression (a confirmed worsening with "
        "onset in the year) of a progressive course, a ring a year whose progression could not "
        "be determined. Rows are sorted by group, then by the number of active years; no "
        f"patient identifier is shown.{sample}"
    )
    alt = (
        f"Grid of {n_rows} patients by {n_years} years of follow-up; each cell coloured as "
        "active, not active or not determined, with triangles for years with progression."
    )
    return ReportFigure(fig_id, title, caption, alt, _encode(fig))
