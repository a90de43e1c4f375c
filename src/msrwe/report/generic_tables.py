"""The report's generic tables: any analysis or small frame without a dedicated layout.

Like :mod:`msrwe.report.tables`, the builders only look values up in the long results table and
format them (:mod:`msrwe.report.formatting`); they never compute a statistic.

Examples
--------
>>> from msrwe.tables.results import ResultsTable
>>> r = ResultsTable()
>>> r.add_stats("dose_intervals", "overall", "weeks", "", {"n": 83, "median": 9.1})
>>> generic_table(r.to_polars(), "dose_intervals", title="Dose intervals").frame.row(0)
('weeks', '83', '9.10')
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.report._gt import (
    COUNT_STATS,
    Key,
    Nested,
    ReportTable,
    _group_label,
    _lookup,
    _method_notes,
    _no_results,
    _slug,
    _table,
)
from msrwe.report.formatting import MISSING, fmt_ci, fmt_int, fmt_num, fmt_p, is_missing
from msrwe.report.stat_labels import stat_label

__all__ = ["MAX_WIDE_COLUMNS", "ci_pairs", "frame_table", "generic_table"]


def _fmt_stat(stat: str, value: float | None) -> str:
    if stat in COUNT_STATS or stat.startswith("n_"):
        return fmt_int(value)
    if stat in {"p", "p_value"}:
        return fmt_p(value)
    if stat.endswith("pct") or stat == "pct":
        return fmt_num(value, 1)
    if is_missing(value):
        return MISSING
    size = abs(float(value))  # type: ignore[arg-type]
    return fmt_num(value, 3 if size < 1 else 2 if size < 100 else 1)


def generic_table(
    results: pl.DataFrame,
    analysis: str,
    *,
    title: str,
    table_id: str | None = None,
    ci_in_one_cell: bool = False,
) -> ReportTable:
    """Any analysis as rows (variable, level) by columns (group, stat).

    With more than :data:`MAX_WIDE_COLUMNS` (group, stat) columns the table is laid out long
    instead (a block of rows per variable, a row per stat, a column per group), so that it
    fits the page rather than scrolling. With ``ci_in_one_cell`` an estimate and its
    confidence bounds (:func:`ci_pairs`) are one cell, ``est (low–high)``
    (``[report] ci_in_one_cell``). Used for analyses without a dedicated layout
    (exposure, dose intervals, hospital stays, EDSS slope, time to confirmed worsening), so
    that every row of the results table reaches the report.

    Examples
    --------
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> r.add_stats("exposure", "overall", "doses", "", {"n": 83, "median": 12.0})
    >>> generic_table(r.to_polars(), "exposure", title="Exposure").frame.row(0)
    ('doses', '83', '12.00')
    """
    table_id = table_id or f"tbl-{_slug(analysis)}"
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, groups, nested, labels = found.df, found.groups, found.nested, found.labels
    stats = df.get_column("stat").unique(maintain_order=True).to_list()
    pairs = ci_pairs(stats) if ci_in_one_cell else {}
    bounds = {b for lo_hi in pairs.values() for b in lo_hi}
    stats = [s for s in stats if s not in bounds]
    present = [(g, s) for g in groups for s in stats
               if any(s in nested[k].get(g, {}) for k in nested)]
    if len(present) > MAX_WIDE_COLUMNS:
        return _generic_long(df, groups, nested, labels, stats, pairs, table_id=table_id,
                             title=title)
    rows: dict[str, list[str]] = {"row": []} | {f"{g}__{s}": [] for g, s in present}
    for key, by_group in nested.items():
        rows["row"].append(_row_name(key, labels))
        for g, s in present:
            rows[f"{g}__{s}"].append(_stat_cell(s, by_group.get(g, {}), pairs))
    spanners = (
        [(_group_label(g), [f"{g}__{s}" for gg, s in present if gg == g]) for g in groups]
        if len(groups) > 1 else []
    )
    return _table(
        rows, table_id=table_id, title=title, stub="row", stubhead="",
        labels={f"{g}__{s}": _stat_label(s, pairs) for g, s in present},
        spanners=spanners, notes=_method_notes(df, "Method"),
    )


def ci_pairs(stats: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Which stats are the confidence bounds of which estimate.

    ``x_ci_low``/``x_ci_high`` belong to ``x``; plain ``ci_low``/``ci_high`` to the stat
    just before ``ci_low`` in the results' order.

    Examples
    --------
    >>> ci_pairs(["N", "arr", "ci_low", "ci_high", "median", "median_ci_low", "median_ci_high"])
    {'arr': ('ci_low', 'ci_high'), 'median': ('median_ci_low', 'median_ci_high')}
    """
    out: dict[str, tuple[str, str]] = {}
    for i, s in enumerate(stats):
        if not s.endswith("ci_low"):
            continue
        high = s[: -len("low")] + "high"
        if high not in stats:
            continue
        est = s[: -len("_ci_low")] if s != "ci_low" else (stats[i - 1] if i else "")
        if est and est in stats and not est.endswith(("ci_low", "ci_high")):
            out[est] = (s, high)
    return out


def _stat_label(stat: str, pairs: dict[str, tuple[str, str]]) -> str:
    label = stat_label(stat)
    return f"{label} (95% CI)" if stat in pairs else label


def _stat_cell(stat: str, values: dict[str, float | None],
               pairs: dict[str, tuple[str, str]]) -> str:
    """A stat as text; an estimate of ``pairs`` with its CI, ``est (low–high)``."""
    text = _fmt_stat(stat, values.get(stat))
    if stat not in pairs or text == MISSING:
        return text
    lo, hi = pairs[stat]
    digits = len(text.split(".")[1]) if "." in text else 0  # the bounds as the estimate
    ci = fmt_ci(values.get(lo), values.get(hi), digits)
    return text if ci == MISSING else f"{text} ({ci})"


#: A generic table with more (group, stat) columns than this is laid out long: one block of
#: rows per variable, one row per stat, one column per group, so that it fits the page.
MAX_WIDE_COLUMNS = 9


def _row_name(key: Key, labels: dict[Key, str]) -> str:
    var, lev = key
    return labels.get(key) or (f"{var}: {lev}" if lev else var)


def _generic_long(
    df: pl.DataFrame, groups: list[str], nested: Nested, labels: dict[Key, str],
    stats: list[str], pairs: dict[str, tuple[str, str]], *, table_id: str, title: str,
) -> ReportTable:
    """The generic table with groups as columns: per variable, the stats it has as rows."""
    rows: dict[str, list[str]] = {"variable": [], "row": []} | {g: [] for g in groups}
    for key, by_group in nested.items():
        for s in stats:
            if not any(s in by_group.get(g, {}) for g in groups):
                continue
            rows["variable"].append(_row_name(key, labels))
            rows["row"].append(_stat_label(s, pairs))
            for g in groups:
                rows[g].append(_stat_cell(s, by_group.get(g, {}), pairs))
    return _table(
        rows, table_id=table_id, title=title, stub="row", stubhead="", groupname="variable",
        labels={g: _group_label(g) for g in groups}, notes=_method_notes(df, "Method"),
    )


def frame_table(
    frame: pl.DataFrame,
    *,
    title: str,
    table_id: str,
    subtitle: str | None = None,
    labels: dict[str, str] | None = None,
    notes: Sequence[str] = (),
    max_rows: int | None = None,
) -> ReportTable:
    """Any small frame (attrition, import log, quarantine) as a table, every cell as text.

    Parameters
    ----------
    frame
        The rows to show; values are written as text (missing as an en dash).
    title, table_id, subtitle
        Heading, HTML id, and an optional line under the heading.
    labels
        Column headings, by column name.
    notes
        Lines under the table.
    max_rows
        Show at most this many rows and say how many were left out.

    Examples
    --------
    >>> t = frame_table(pl.DataFrame({"step": [1], "remaining": [83]}), title="Flow",
    ...                 table_id="tbl-flow")
    >>> t.frame.to_dicts()
    [{'step': '1', 'remaining': '83'}]
    """
    notes = list(notes)
    if max_rows is not None and frame.height > max_rows:
        notes.append(f"Showing the first {max_rows} of {frame.height} rows; "
                     "the full list is in the exported files.")
        frame = frame.head(max_rows)
    left = [c for c, t in frame.schema.items() if not t.is_numeric()]
    text = frame.select(
        pl.col(c).cast(pl.String).fill_null(MISSING).alias(c) for c in frame.columns
    ) if frame.width else pl.DataFrame({"": ["(none)"]})
    if text.is_empty():
        text = pl.DataFrame({c: ["–" if i else "(none)"] for i, c in enumerate(text.columns)})
    return _table(text, table_id=table_id, title=title, subtitle=subtitle, labels=labels,
                  notes=notes, left_cols=left)
