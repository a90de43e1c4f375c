"""What every report table shares: the table record, results lookups, the great_tables style.

Examples
--------
>>> group_order(["overall", "SPMS", "PPMS"])
['PPMS', 'SPMS', 'overall']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import polars as pl
from great_tables import GT

from msrwe.tables.groups import MISSING_GROUP, OVERALL

__all__ = ["AE_TERM_HEADINGS", "COUNT_STATS", "ReportTable", "group_order"]

#: Result variables that name one kind of adverse event (the study's ``safety.ae_grouping``),
#: with the heading of the column that lists them.
AE_TERM_HEADINGS: dict[str, str] = {
    "term": "Adverse event (verbatim term)",
    "pt_code": "Preferred term (MedDRA code)",
}

#: What a table says when the results table has no row of its analysis.
NO_RESULTS = "No results for this table."

Key = tuple[str, str]
Nested = dict[Key, dict[str, dict[str, float | None]]]

#: Stats shown as whole numbers wherever they appear.
COUNT_STATS: frozenset[str] = frozenset(
    {"N", "n", "events", "improved", "stable", "worsened", "n_patients", "n_doses", "n_events",
     "excluded", "remaining", "at_risk", "n_intervals", "in_window", "below_window",
     "above_window", "stays", "admissions"}
)


@dataclass(frozen=True)
class ReportTable:
    """A rendered table: what it shows (strings) and the HTML fragment.

    Attributes
    ----------
    id
        The HTML id of the table (stable, so reports are reproducible).
    title
        Heading shown above the table.
    frame
        The display frame; every cell is the exact text of the HTML cell.
    html
        The great_tables HTML fragment (CSS scoped to ``id``).
    """

    id: str
    title: str
    frame: pl.DataFrame
    html: str


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def group_order(groups: Iterable[str]) -> list[str]:
    """Groups in alphabetical order, ``unknown`` after them and ``overall`` last.

    Every table and figure orders its groups the same way.

    Examples
    --------
    >>> group_order(["overall", "SPMS", "unknown", "PPMS", "SPMS"])
    ['PPMS', 'SPMS', 'unknown', 'overall']
    """
    seen = set(groups)
    tail = [g for g in (MISSING_GROUP, OVERALL) if g in seen]
    return sorted(seen - set(tail)) + tail


def _group_label(group: str) -> str:
    return "Overall" if group == "overall" else group


def _nested(df: pl.DataFrame) -> Nested:
    """``{(variable, level): {group: {stat: value}}}`` in order of first appearance."""
    out: Nested = {}
    for var, lev, grp, stat, val in df.select(
        "variable", "level", "group", "stat", "value"
    ).iter_rows():
        out.setdefault((var, lev), {}).setdefault(grp, {})[stat] = val
    return out


def _labels(df: pl.DataFrame) -> dict[Key, str]:
    labels: dict[Key, str] = {}
    for var, lev, lab in df.select("variable", "level", "label").iter_rows():
        key = (var, lev)
        if key not in labels or (not labels[key] and lab):
            labels[key] = lab or ""
    return labels


def _methods(df: pl.DataFrame) -> list[str]:
    return [m for m in df.get_column("method").unique(maintain_order=True).to_list() if m]


def _method_notes(df: pl.DataFrame, prefix: str) -> list[str]:
    """One note per method; when groups differ, each note names its groups."""
    by_method: dict[str, list[str]] = {}
    for g, m in df.select("group", "method").unique(maintain_order=True).iter_rows():
        if m:
            by_method.setdefault(m, [])
            if g not in by_method[m]:
                by_method[m].append(g)
    all_groups = set(df.get_column("group").unique().to_list())
    if len(by_method) <= 1 or all(set(gs) == all_groups for gs in by_method.values()):
        return [f"{prefix}: {m}" for m in by_method]
    return [f"{prefix} ({', '.join(_group_label(g) for g in gs)}): {m}"
            for m, gs in by_method.items()]


def _group_n(df: pl.DataFrame, group: str) -> float | None:
    vals = df.filter((pl.col("group") == group) & (pl.col("stat") == "N")).get_column("value")
    return vals.max() if len(vals) else None  # type: ignore[return-value]


def _render(
    frame: pl.DataFrame,
    *,
    table_id: str,
    title: str,
    subtitle: str | None = None,
    stub: str | None = None,
    stubhead: str = "",
    groupname: str | None = None,
    labels: dict[str, str] | None = None,
    spanners: Sequence[tuple[str, list[str]]] = (),
    notes: Sequence[str] = (),
    left_cols: Sequence[str] = (),
    indent_rows: Sequence[int] = (),
) -> str:
    shown = frame
    gt = GT(shown, rowname_col=stub, groupname_col=groupname).with_id(table_id)
    gt = gt.tab_header(title=title, subtitle=subtitle)
    if stub is not None:
        gt = gt.tab_stubhead(stubhead)
    for label, cols in spanners:
        gt = gt.tab_spanner(label=label, columns=cols, id=f"{table_id}-{_slug(label)}")
    if labels:
        gt = gt.cols_label(**{k: v for k, v in labels.items() if k in frame.columns})
    data_cols = [c for c in frame.columns if c not in (stub, groupname)]
    left = [c for c in data_cols if c in left_cols]
    if left:
        gt = gt.cols_align("left", columns=left)
    right = [c for c in data_cols if c not in left_cols]
    if right:
        gt = gt.cols_align("right", columns=right)
    if indent_rows:
        gt = gt.tab_stub_indent(rows=list(indent_rows), indent=2)
    for note in notes:
        gt = gt.tab_source_note(note)
    gt = gt.tab_options(
        table_font_size="14px",
        heading_title_font_size="17px",
        heading_subtitle_font_size="13px",
        heading_align="left",
        column_labels_font_weight="600",
        table_width="100%",
        source_notes_font_size="12px",
        row_group_font_weight="600",
        data_row_padding="4px",
    )
    return gt.as_raw_html()


def _empty(table_id: str, title: str, message: str) -> ReportTable:
    frame = pl.DataFrame({"": [message]})
    return ReportTable(table_id, title, frame, _render(frame, table_id=table_id, title=title))


def _no_results(table_id: str, title: str) -> ReportTable:
    return _empty(table_id, title, NO_RESULTS)


@dataclass(frozen=True)
class _Lookup:
    """The rows of one analysis, looked up once for a table builder."""

    df: pl.DataFrame
    groups: list[str]
    nested: Nested
    labels: dict[Key, str]


def _lookup(
    results: pl.DataFrame, analysis: str, variables: Sequence[str] | None = None
) -> _Lookup | None:
    """The rows of ``analysis`` (of ``variables`` only, when given), or ``None`` when none."""
    df = results.filter(pl.col("analysis") == analysis)
    if variables is not None:
        df = df.filter(pl.col("variable").is_in(list(variables)))
    if df.is_empty():
        return None
    return _Lookup(df, group_order(df.get_column("group").to_list()), _nested(df), _labels(df))


def _table(
    rows: pl.DataFrame | dict[str, list[str]], *, table_id: str, title: str, **render: object
) -> ReportTable:
    """The display frame (built from ``rows`` when a dict) and its HTML, as a ReportTable."""
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows)
    html = _render(frame, table_id=table_id, title=title, **render)  # type: ignore[arg-type]
    return ReportTable(table_id, title, frame, html)


def _event_keys(keys: Iterable[Key], weight: Callable[[Key], float]) -> list[Key]:
    """Summary rows (any event, criteria) in their order, then event terms, most frequent first.

    A term row is one whose variable is a grouping of :data:`AE_TERM_HEADINGS` (``term`` or
    ``pt_code``, whichever the study used); ties are broken by the level, case ignored.
    """
    keys = list(keys)
    summary = [k for k in keys if k[0] not in AE_TERM_HEADINGS]
    terms = sorted((k for k in keys if k[0] in AE_TERM_HEADINGS),
                   key=lambda k: (-weight(k), k[1].lower()))
    return summary + terms


def _event_label(key: Key, labels: dict[Key, str]) -> str:
    """The row label of an adverse-event row; a MedDRA code follows its term in parentheses."""
    label = labels.get(key) or key[1] or key[0]
    if key[0] == "pt_code" and key[1] and label.lower() != key[1].lower():
        return f"{label} ({key[1]})"
    return label


def _term_heading(keys: Iterable[Key]) -> str:
    """The heading of the adverse-event column: the grouping the rows use (term by default)."""
    present = {k[0] for k in keys} & set(AE_TERM_HEADINGS)
    if len(present) == 1:
        return AE_TERM_HEADINGS[present.pop()]
    return "Adverse event"
