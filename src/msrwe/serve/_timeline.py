"""A patient's timeline as inline SVG (matplotlib, as the report draws) and the events' "why".

The "why" of an event is written from the engine's own output columns (``bl_date``,
``bl_value``, ``date``, ``value``, ``conf<days>_date``/``_value``, ``cdw_type``) of
:func:`msrwe.detect_events` (msprog definitions, clinical-methods.md 2 and 3); nothing is
re-derived here, the text only puts those columns into words.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import matplotlib
import polars as pl
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from msrwe.schema import CONTRACT

__all__ = ["event_why", "timeline_svg"]

_LOCK = threading.Lock()
#: Codes that are not measurements (e.g. 9HPT 777 = unable because of MS), from the contract.
_SPECIAL = {c.name: c.special for t in CONTRACT if t.name == "visits" for c in t.columns}
_MEASURES = (("edss", "EDSS"), ("nhpt_dominant_s", "9HPT dom. (s)"), ("t25fw_s", "T25FW (s)"),
             ("sdmt", "SDMT"))


def _years(dates: pl.Series) -> list[float]:
    """Dates as decimal years: a plain numeric axis draws far faster than matplotlib's dates."""
    d = dates.cast(pl.Date)
    return (d.dt.year() + (d.dt.ordinal_day() - 1) / 365.25).to_list()


def _year(date: Any) -> float:
    return date.year + (date.timetuple().tm_yday - 1) / 365.25


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, int | float) else str(x)


def event_why(event: dict[str, Any], options: dict[str, Any]) -> str:
    """Put one row of the engine's events into words.

    Examples
    --------
    >>> import datetime as dt
    >>> e = {"event_type": "CDW", "cdw_type": "PIRA", "bl_date": dt.date(2020, 1, 1),
    ...      "bl_value": 5.5, "date": dt.date(2021, 1, 1), "value": 6.0,
    ...      "conf84_date": dt.date(2021, 3, 28), "conf84_value": 6.0}
    >>> opts = {"conf_days": 84, "baseline": "fixed"}
    >>> print(event_why(e, opts))  # doctest: +NORMALIZE_WHITESPACE
    EDSS 5.5 -> 6 (+0.5 from the fixed baseline of 5.5 on 2020-01-01) at the visit of
    2021-01-01; confirmed 86 days later at 6 (2021-03-28); no relapse within 90 days of
    onset: PIRA.
    """
    conf = options.get("conf_days", 84)
    bl, val = event.get("bl_value"), event.get("value")
    kind = "worsening" if event.get("event_type") == "CDW" else "improvement"
    delta = (val - bl) if isinstance(val, int | float) and isinstance(bl, int | float) else None
    sign = f"{delta:+g} " if delta is not None else ""
    base = options.get("baseline", "fixed")
    text = (f"EDSS {_num(bl)} -> {_num(val)} ({sign}from the {base} baseline of {_num(bl)} "
            f"on {event.get('bl_date')}) at the visit of {event.get('date')}")
    cdate, cval = event.get(f"conf{conf}_date"), event.get(f"conf{conf}_value")
    if cdate is not None and event.get("date") is not None:
        days = (cdate - event["date"]).days
        text += f"; confirmed {days} days later at {_num(cval)} ({cdate})"
    label = event.get("cdw_type") or ""
    if event.get("event_type") != "CDW":
        return text + f": confirmed {kind} ({event.get('event_type')})."
    if label == "PIRA":
        return text + "; no relapse within 90 days of onset: PIRA."
    if label == "RAW":
        return text + "; a relapse within 90 days of onset: RAW (relapse-associated worsening)."
    return text + f": confirmed worsening, not classified as RAW or PIRA ({label or 'no label'})."


def timeline_svg(tables: dict[str, pl.DataFrame], events: pl.DataFrame,
                 options: dict[str, Any]) -> str:
    """Draw the measures on one time axis with doses, relapses, AEs, stays, MRI and samples.

    Returns the ``<svg>`` element (no XML prolog) to place inline in the page.
    """
    visits = tables.get("visits", pl.DataFrame())
    measures = [(c, lab) for c, lab in _MEASURES
                if c in visits.columns and visits[c].drop_nulls().len()] or [("edss", "EDSS")]
    with _LOCK, matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "msrwe"}):
        fig = Figure(figsize=(9, 1.6 + 1.5 * len(measures)))
        axes = fig.subplots(len(measures) + 1, 1, sharex=True,
                            gridspec_kw={"height_ratios": [3] * len(measures) + [2]})
        conf = options.get("conf_days", 84)
        for ax, (col, label) in zip(axes, measures, strict=False):
            if col in visits.columns:
                v = visits.select("date", col).drop_nulls().sort("date")
                v = v.filter(~pl.col(col).is_in(list(_SPECIAL.get(col, ()))))
                ax.plot(_years(v["date"]), v[col].to_list(), "-o", color="#345", ms=3, lw=1)
            ax.set_ylabel(label, fontsize=8)
            if col == "edss" and events.height:
                ev = events.with_columns(pl.col("cdw_type").fill_null("") if "cdw_type"
                                         in events.columns else pl.lit("").alias("cdw_type"))
                for kind, color in (("PIRA", "#b5179e"), ("RAW", "#d62828"), ("", "#2a9d8f")):
                    part = (ev.filter(pl.col("cdw_type") == kind) if kind else
                            ev.filter(~pl.col("cdw_type").is_in(["PIRA", "RAW"])))
                    if not part.height:
                        continue
                    ax.plot(_years(part["bl_date"]), part["bl_value"].to_list(), "s",
                            color=color, mfc="none", ms=8)
                    ax.plot(_years(part["date"]), part["value"].to_list(), "^", color=color,
                            ms=8)
                    if f"conf{conf}_date" in part.columns:
                        c = part.select(f"conf{conf}_date", f"conf{conf}_value").drop_nulls()
                        ax.plot(_years(c[:, 0]), c[:, 1].to_list(), "D", color=color, ms=6)
                    for e in part.iter_rows(named=True):
                        ax.annotate(f"#{e['nevent']} {e['cdw_type'] or e['event_type']}",
                                    (_year(e["date"]), e["value"]), textcoords="offset points",
                                    xytext=(0, 8), fontsize=7, color=color, ha="center")
        strip = axes[-1]
        lanes = [("administrations", "date", "doses", "#264653"),
                 ("relapses", "onset_date", "relapses", "#d62828"),
                 ("adverse_events", "onset_date", "AEs", "#f4a261"),
                 ("hospitalizations", "admit_date", "hospital", "#6d597a"),
                 ("mri", "date", "MRI", "#457b9d"), ("biomarkers", "date", "samples", "#8a5a44")]
        for y, (table, col, _lab, color) in enumerate(lanes):
            df = tables.get(table)
            if df is not None and df.height and col in df.columns:
                dates = _years(df[col].drop_nulls())
                strip.plot(dates, [y] * len(dates), "|", color=color, ms=9)
                if table == "hospitalizations" and "discharge_date" in df.columns:
                    for row in df.iter_rows(named=True):
                        if row["admit_date"] and row["discharge_date"]:
                            span = [_year(row["admit_date"]), _year(row["discharge_date"])]
                            strip.plot(span, [y, y], color=color, lw=4)
                if table == "relapses" and dates:
                    for ax in axes[:-1]:
                        ax.vlines(dates, 0, 1, transform=ax.get_xaxis_transform(),
                                  color=color, lw=0.8, ls="--", alpha=0.6)
        strip.set_yticks(range(len(lanes)), [lab for _t, _c, lab, _k in lanes], fontsize=7)
        strip.set_ylim(-0.7, len(lanes) - 0.3)
        axes[-1].xaxis.set_major_formatter("{x:.0f}")
        for ax in axes:
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
        fig.subplots_adjust(left=0.1, right=0.98, top=0.97, bottom=0.06, hspace=0.12)
        buf = io.StringIO()
        FigureCanvasSVG(fig).print_svg(buf, metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
