"""A patient's timeline as inline SVG, and the events' "why".

The "why" of an event is written from the engine's own output columns (``bl_date``,
``bl_value``, ``date``, ``value``, ``conf<days>_date``/``_value``, ``cdw_type``) of
:func:`msrwe.detect_events` (msprog definitions, clinical-methods.md 2 and 3); nothing is
re-derived here, the text only puts those columns into words.

The timeline is SVG text written directly (:mod:`msrwe.serve._svg`), not drawn by matplotlib:
drawing one figure took most of the page's time (issue 15's 200 ms target). It shows the same
things the matplotlib figure showed: EDSS, 9HPT, T25FW and SDMT panels on one time axis, a lane
each for doses, relapses, adverse events, hospital stays, MRI and biomarker samples, relapses as
dashed lines over the panels, and each confirmed event with its baseline (square), onset
(triangle) and confirming (diamond) visits and its label. Every mark has a ``<title>`` (tooltip
and accessible name) and a ``class`` (``visit``, ``ev-baseline``, ``ev-onset``, ``ev-confirm``,
``lane-mark``, ``relapse-line``) that tests count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import polars as pl

from msrwe.schema import CONTRACT
from msrwe.serve._svg import esc, num, tag, titled

__all__ = ["event_why", "timeline_svg"]

#: Codes that are not measurements (e.g. 9HPT 777 = unable because of MS), from the contract.
_SPECIAL = {c.name: c.special for t in CONTRACT if t.name == "visits" for c in t.columns}
_MEASURES = (("edss", "EDSS"), ("nhpt_dominant_s", "9HPT dom. (s)"), ("t25fw_s", "T25FW (s)"),
             ("sdmt", "SDMT"))
#: Lanes under the panels: table, date column, label, colour, what a mark's tooltip names.
_LANES = (("administrations", "date", "doses", "#264653", ("drug", "dose", "dose_unit")),
          ("relapses", "onset_date", "relapses", "#d62828", ()),
          ("adverse_events", "onset_date", "AEs", "#f4a261", ("term", "grade")),
          ("hospitalizations", "admit_date", "hospital", "#6d597a", ("reason",)),
          ("mri", "date", "MRI", "#457b9d", ("gd_lesions", "new_t2_lesions")),
          ("biomarkers", "date", "samples", "#8a5a44", ("marker", "value", "unit")))
_EVENT_COLOURS = {"PIRA": "#b5179e", "RAW": "#d62828"}
_OTHER_COLOUR = "#2a9d8f"
_LINE = "#345"

# geometry (px of the viewBox)
_W, _LEFT, _RIGHT, _TOP = 900, 92, 16, 8
_PANEL, _GAP, _LANE, _AXIS, _LEGEND = 118, 10, 16, 22, 26

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


def _day(d: Any) -> float | None:
    """A date as a day number (``None`` for a missing date)."""
    if d is None:
        return None
    if isinstance(d, dt.datetime):
        d = d.date()
    return float(d.toordinal())


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """About ``n`` round tick values covering ``lo``..``hi``."""
    span = hi - lo or 1.0
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


class _Axis:
    """The shared time axis: day numbers -> x."""

    def __init__(self, days: Iterable[float | None]) -> None:
        known = [d for d in days if d is not None]
        if not known:
            today = float(dt.date.today().toordinal())
            known = [today - 365, today]
        lo, hi = min(known), max(known)
        pad = max((hi - lo) * 0.03, 60.0)
        self.lo, self.hi = lo - pad, hi + pad
        self.x0, self.x1 = _LEFT, _W - _RIGHT

    def x(self, day: float) -> float:
        return self.x0 + (day - self.lo) / (self.hi - self.lo) * (self.x1 - self.x0)

    def years(self) -> list[tuple[float, int]]:
        """``(x, year)`` of the 1 January ticks (every 1, 2, 5 or 10 years)."""
        first = dt.date.fromordinal(int(self.lo)).year + 1
        last = dt.date.fromordinal(int(self.hi)).year
        every = next(s for s in (1, 2, 5, 10, 20, 50) if (last - first) / s <= 12)
        return [(self.x(float(dt.date(y, 1, 1).toordinal())), y)
                for y in range(first, last + 1) if y % every == 0]


def _points(visits: pl.DataFrame, col: str) -> list[tuple[float, Any, Any]]:
    """``(day, value, date)`` of the visits measuring ``col`` (special codes left out)."""
    if col not in visits.columns or "date" not in visits.columns:
        return []
    special = set(_SPECIAL.get(col, ()))
    out = []
    for d, v in zip(visits["date"].to_list(), visits[col].to_list(), strict=True):
        day = _day(d)
        if day is None or v is None or v in special:
            continue
        out.append((day, v, d))
    out.sort(key=lambda p: p[0])
    return out


def _pts(*xy: tuple[float, float]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in xy)


def _markers(kind: str, x: float, y: float, colour: str, title: str) -> str:
    """An event's baseline square (hollow), onset triangle or confirming diamond."""
    body = titled(title)
    cls = f"ev-{kind}"
    if kind == "baseline":
        return tag("rect", {"class": cls, "x": x - 5.0, "y": y - 5.0, "width": 10, "height": 10,
                            "fill": "none", "stroke": colour, "stroke_width": 1.6}, body)
    if kind == "onset":
        pts = _pts((x, y - 6.5), (x - 6.0, y + 4.5), (x + 6.0, y + 4.5))
        return tag("polygon", {"class": cls, "points": pts, "fill": colour}, body)
    pts = _pts((x, y - 5.5), (x + 5.5, y), (x, y + 5.5), (x - 5.5, y))
    return tag("polygon", {"class": cls, "points": pts, "fill": colour}, body)


def _event_marks(events: pl.DataFrame, conf: int, axis: _Axis, y_of: Any) -> list[str]:
    """The marks of every event of the engine's output on the EDSS panel."""
    out: list[str] = []
    if not events.height or "date" not in events.columns:
        return out
    cdate, cval = f"conf{conf}_date", f"conf{conf}_value"
    for e in events.iter_rows(named=True):
        label = e.get("cdw_type") or e.get("event_type") or ""
        colour = _EVENT_COLOURS.get(str(e.get("cdw_type") or ""), _OTHER_COLOUR)
        name = f"#{e.get('nevent', '')} {e.get('event_type') or ''} {e.get('cdw_type') or ''}"
        name = " ".join(name.split())
        parts: list[str] = []
        for kind, dcol, vcol, what in (("baseline", "bl_date", "bl_value", "baseline"),
                                       ("onset", "date", "value", "onset"),
                                       ("confirm", cdate, cval, "confirmed")):
            day, value = _day(e.get(dcol)), e.get(vcol)
            if day is None or value is None:
                continue
            title = f"{name}: {what} {e.get(dcol)}, EDSS {_fmt(value)}"
            parts.append(_markers(kind, axis.x(day), y_of(value), colour, title))
        onset, value = _day(e.get("date")), e.get("value")
        if onset is not None and value is not None:
            lift = 10.0 if int(e.get("nevent") or 0) % 2 else 20.0  # staggered: less overlap
            parts.append(tag("text", {"class": "ev-label", "x": axis.x(onset),
                                      "y": y_of(value) - lift, "text_anchor": "middle",
                                      "font_size": 10, "fill": colour},
                             esc(f"#{e.get('nevent', '')} {label}")))
        out.append(tag("g", {"class": f"event {label}"}, "".join(parts)))
    return out


def _panel(top: float, col: str, label: str, points: list[tuple[float, Any, Any]],
           axis: _Axis, relapse_days: list[float], events: pl.DataFrame | None,
           conf: int) -> str:
    """One measure's panel: frame, value ticks, line, one circle per visit, events."""
    bottom = top + _PANEL
    values = [float(v) for _d, v, _ in points]
    if col == "edss":
        lo, hi = 0.0, 12.0  # room above EDSS 10 for the events' labels
        ticks = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    else:
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        pad = (hi - lo) * 0.12 or max(abs(hi) * 0.1, 1.0)
        lo, hi = lo - pad, hi + pad
        ticks = [t for t in _nice_ticks(lo, hi) if lo <= t <= hi]

    def y_of(v: Any) -> float:
        return bottom - 6 - (float(v) - lo) / (hi - lo) * (_PANEL - 16)

    out = [tag("rect", {"x": axis.x0, "y": top, "width": axis.x1 - axis.x0, "height": _PANEL,
                        "fill": "#fff", "stroke": "#99a"})]
    for t in ticks:
        y = y_of(t)
        out.append(tag("line", {"x1": axis.x0, "x2": axis.x1, "y1": y, "y2": y,
                                "stroke": "#dde"}))
        out.append(tag("text", {"x": axis.x0 - 4.0, "y": y + 3.5, "text_anchor": "end",
                                "font_size": 10}, esc(_fmt(t))))
    out.append(tag("text", {"x": 14, "y": top + _PANEL / 2, "font_size": 11,
                            "text_anchor": "middle",
                            "transform": f"rotate(-90 14 {num(top + _PANEL / 2)})"}, esc(label)))
    for yx in _year_lines(axis, top, bottom):
        out.append(yx)
    for day in relapse_days:
        x = axis.x(day)
        out.append(tag("line", {"class": "relapse-line", "x1": x, "x2": x, "y1": top,
                                "y2": bottom, "stroke": "#d62828", "stroke_dasharray": "4 3",
                                "stroke_opacity": 0.6}))
    if points:
        coords = " ".join(f"{num(axis.x(d))},{num(y_of(v))}" for d, v, _ in points)
        out.append(tag("polyline", {"points": coords, "fill": "none", "stroke": _LINE,
                                    "stroke_width": 1.2}))
        for d, v, date in points:
            out.append(tag("circle", {"class": "visit", "data_measure": col, "cx": axis.x(d),
                                      "cy": y_of(v), "r": 3, "fill": _LINE},
                           titled(f"{date}: {label} {_fmt(v)}")))
    if events is not None:
        out.extend(_event_marks(events, conf, axis, y_of))
    return tag("g", {"class": "panel", "data_measure": col}, "".join(out))


def _year_lines(axis: _Axis, top: float, bottom: float) -> list[str]:
    return [tag("line", {"x1": x, "x2": x, "y1": top, "y2": bottom, "stroke": "#eef"})
            for x, _y in axis.years()]


def _lanes(tables: dict[str, pl.DataFrame], axis: _Axis, top: float) -> str:
    """The lanes of doses, relapses, AEs, hospital stays, MRI and samples."""
    out = [tag("rect", {"x": axis.x0, "y": top, "width": axis.x1 - axis.x0,
                        "height": _LANE * len(_LANES), "fill": "#fff", "stroke": "#99a"})]
    out.extend(_year_lines(axis, top, top + _LANE * len(_LANES)))
    for i, (table, col, label, colour, shown) in enumerate(_LANES):
        y = top + _LANE * i + _LANE / 2
        out.append(tag("text", {"x": axis.x0 - 4.0, "y": y + 3.5, "text_anchor": "end",
                                "font_size": 10}, esc(label)))
        df = tables.get(table)
        if df is None or not df.height or col not in df.columns:
            continue
        names = [c for c in shown if c in df.columns]
        for row in df.select([col, *names, *(["discharge_date"] if table == "hospitalizations"
                                              and "discharge_date" in df.columns else [])]
                             ).iter_rows(named=True):
            day = _day(row[col])
            if day is None:
                continue
            what = " ".join(_fmt(row[c]) for c in names if row[c] is not None)
            title = f"{label} {row[col]}" + (f": {what}" if what else "")
            x = axis.x(day)
            end = _day(row.get("discharge_date"))
            if end is not None and end > day:
                out.append(tag("rect", {"class": "lane-span", "x": x, "y": y - 3.0,
                                        "width": max(axis.x(end) - x, 1.0), "height": 6,
                                        "fill": colour}, titled(title)))
            out.append(tag("line", {"class": "lane-mark", "data_lane": table, "x1": x, "x2": x,
                                    "y1": y - 6.0, "y2": y + 6.0, "stroke": colour,
                                    "stroke_width": 1.6}, titled(title)))
    return tag("g", {"class": "lanes"}, "".join(out))


def _legend(y: float) -> str:
    items = [("rect", "baseline visit", "#555"), ("tri", "onset", "#555"),
             ("dia", "confirmed", "#555"), ("sw", "PIRA", _EVENT_COLOURS["PIRA"]),
             ("sw", "RAW", _EVENT_COLOURS["RAW"]), ("sw", "other event", _OTHER_COLOUR),
             ("dash", "relapse", "#d62828"), ("dot", "visit", _LINE)]
    out, x = [], float(_LEFT)
    for kind, text, colour in items:
        if kind == "rect":
            out.append(_markers("baseline", x, y, colour, text).replace("ev-baseline", "key"))
        elif kind == "tri":
            out.append(_markers("onset", x, y, colour, text).replace("ev-onset", "key"))
        elif kind == "dia":
            out.append(_markers("confirm", x, y, colour, text).replace("ev-confirm", "key"))
        elif kind == "sw":
            out.append(tag("rect", {"x": x - 5.0, "y": y - 5.0, "width": 10, "height": 10,
                                    "fill": colour}))
        elif kind == "dash":
            out.append(tag("line", {"x1": x - 7.0, "x2": x + 7.0, "y1": y, "y2": y,
                                    "stroke": colour, "stroke_dasharray": "4 3"}))
        else:
            out.append(tag("circle", {"cx": x, "cy": y, "r": 3, "fill": colour}))
        out.append(tag("text", {"x": x + 10.0, "y": y + 3.5, "font_size": 10}, esc(text)))
        x += 22 + 6.2 * len(text)
    return tag("g", {"class": "legend"}, "".join(out))


def timeline_svg(tables: dict[str, pl.DataFrame], events: pl.DataFrame,
                 options: dict[str, Any]) -> str:
    """The measures on one time axis with doses, relapses, AEs, stays, MRI and samples.

    Returns the ``<svg>`` element (no XML prolog) to place inline in the page: one circle per
    charted measurement (class ``visit``), one square/triangle/diamond per event's baseline,
    onset and confirming visit, one tick per lane row; every text escaped.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> visits = pl.DataFrame({"date": [dt.date(2020, 1, 1), dt.date(2021, 1, 1)],
    ...                        "edss": [3.0, 3.5]})
    >>> svg = timeline_svg({"visits": visits}, pl.DataFrame(), {"conf_days": 84})
    >>> svg.startswith("<svg"), svg.count('class="visit"')
    (True, 2)
    """
    visits = tables.get("visits", pl.DataFrame())
    measures = [(c, lab, _points(visits, c)) for c, lab in _MEASURES]
    measures = [m for m in measures if m[2]] or [("edss", "EDSS", [])]
    conf = int(options.get("conf_days", 84))
    days: list[float | None] = [d for _c, _l, pts in measures for d, _v, _ in pts]
    for table, col, *_rest in _LANES:
        df = tables.get(table)
        if df is not None and col in df.columns:
            days.extend(_day(d) for d in df[col].to_list())
    for col in ("bl_date", "date", f"conf{conf}_date"):
        if events.height and col in events.columns:
            days.extend(_day(d) for d in events[col].to_list())
    axis = _Axis(days)
    rel = tables.get("relapses")
    relapse_days = ([d for d in (_day(x) for x in rel["onset_date"].to_list()) if d is not None]
                    if rel is not None and "onset_date" in rel.columns else [])
    body: list[str] = []
    top = float(_TOP)
    for col, label, pts in measures:
        body.append(_panel(top, col, label, pts, axis, relapse_days,
                           events if col == "edss" else None, conf))
        top += _PANEL + _GAP
    body.append(_lanes(tables, axis, top))
    top += _LANE * len(_LANES)
    for x, year in axis.years():
        body.append(tag("line", {"x1": x, "x2": x, "y1": top, "y2": top + 4.0, "stroke": "#333"}))
        body.append(tag("text", {"x": x, "y": top + 15.0, "text_anchor": "middle",
                                 "font_size": 10}, esc(year)))
    top += _AXIS
    body.append(_legend(top + _LEGEND / 2))
    height = top + _LEGEND
    n_events = events.height if events is not None else 0
    names = ", ".join(lab for _c, lab, _p in measures)
    summary = (f"{names} over time with doses, relapses, adverse events, hospital stays, MRI and "
               f"samples; {n_events} confirmed event{'s' if n_events != 1 else ''} marked.")
    return tag("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": f"0 0 {_W} {num(height)}",
                       "width": _W, "height": height, "role": "img",
                       "aria_labelledby": "timeline-title", "font_family": "system-ui, sans-serif",
                       "class": "timeline"},
               tag("title", {"id": "timeline-title"}, esc("Patient timeline: " + summary))
               + "".join(body))
