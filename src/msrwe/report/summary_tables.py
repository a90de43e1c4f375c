"""Layouts for descriptive summaries: exposure, dose intervals, events per dose, timing.

Like :mod:`msrwe.report.tables`, each builder only looks values up in the long results table and
formats them; groups are columns (``overall`` last).

Examples
--------
>>> from msrwe.tables.results import ResultsTable
>>> r = ResultsTable()
>>> r.add_stats("exposure", "overall", "n_doses", "", {"n": 82, "median": 39.0, "q1": 31.0,
...             "q3": 48.0, "min": 18, "max": 73}, label="Administrations per patient")
>>> describe_table(r.to_polars(), "exposure", title="Exposure").frame.row(0)
('Administrations per patient', '82', '39.0 (31.0–48.0)', '18.0–73.0')
"""

from __future__ import annotations

import polars as pl

from msrwe.report._gt import (
    Key,
    Nested,
    ReportTable,
    _event_keys,
    _event_label,
    _group_label,
    _lookup,
    _method_notes,
    _no_results,
    _slug,
    _table,
)
from msrwe.report.formatting import (
    MISSING,
    fmt_ci,
    fmt_int,
    fmt_median_iqr,
    fmt_n_pct,
    fmt_num,
    is_missing,
)

__all__ = ["days_since_dose_table", "describe_table", "per_dose_table"]

# Stats of a row that hold a single count rather than a distribution.
_COUNT_ONLY = ("N", "treated", "total")


def _total_text(stats: dict[str, float | None]) -> str:
    if "total" in stats:
        v = stats["total"]
        return fmt_int(v) if v is None or float(v).is_integer() else fmt_num(v, 1)
    if "treated" in stats:
        return fmt_int(stats["treated"])
    if "N" in stats:
        return fmt_int(stats["N"])
    return MISSING


def _events_first(nested: Nested) -> list[Key]:
    """Summary rows first, then event terms by the overall number of events."""
    return _event_keys(nested, lambda k: nested[k].get("overall", {}).get("events") or 0.0)


def describe_table(
    results: pl.DataFrame,
    analysis: str,
    *,
    title: str,
    table_id: str | None = None,
    variables: list[str] | None = None,
) -> ReportTable:
    """Continuous summaries per variable: n, median (Q1–Q3), range, total, share in a window.

    Parameters
    ----------
    results
        The long results table; rows of ``analysis`` with any of the stats ``n, median, q1, q3,
        min, max, total`` (or ``N``, ``treated`` for counts) and ``n_in_window``,
        ``pct_in_window``, ``window_low``, ``window_high`` for dose intervals.
    analysis
        Which analysis to show.
    title, table_id
        Heading and HTML id.
    variables
        Show only these variables (default: all).

    Returns
    -------
    ReportTable
        One row per variable; per group the columns ``n``, ``median``, ``range``, ``total``,
        ``window``.
    """
    table_id = table_id or f"tbl-{_slug(analysis)}"
    found = _lookup(results, analysis, variables)
    if found is None:
        return _no_results(table_id, title)
    df, groups, nested, labels = found.df, found.groups, found.nested, found.labels
    cols = ("n", "median", "range", "total", "window")
    rows: dict[str, list[str]] = {"row": []} | {f"{g}__{c}": [] for g in groups for c in cols}
    windows: set[str] = set()
    for key, by_group in nested.items():
        rows["row"].append(labels.get(key) or key[0].replace("_", " "))
        for g in groups:
            s = by_group.get(g, {})
            count_only = bool(s) and all(k in _COUNT_ONLY for k in s)
            rows[f"{g}__n"].append(MISSING if count_only else fmt_int(s.get("n")))
            rows[f"{g}__median"].append(
                fmt_median_iqr(s.get("median"), s.get("q1"), s.get("q3"), 1))
            rows[f"{g}__range"].append(fmt_ci(s.get("min"), s.get("max"), 1))
            rows[f"{g}__total"].append(_total_text(s))
            rows[f"{g}__window"].append(fmt_n_pct(s.get("n_in_window"), s.get("pct_in_window")))
            if not is_missing(s.get("window_low")) and not is_missing(s.get("window_high")):
                windows.add(f"{fmt_int(s['window_low'])}–{fmt_int(s['window_high'])} days")
    frame = pl.DataFrame(rows)
    # A kind of column is shown for every group or for none, so that the groups' columns line
    # up under one set of headings even when a group has no row (no hospital stay).
    kinds = [c for c in cols if any(v != MISSING for g in groups
                                    for v in frame.get_column(f"{g}__{c}").to_list())]
    keep = ["row"] + [f"{g}__{c}" for g in groups for c in kinds]
    frame = frame.select(keep)
    names = {"n": "n", "median": "Median (Q1–Q3)", "range": "Min–max", "total": "Total",
             "window": "In the regimen window"}
    col_labels = {c: names[c.split("__")[1]] for c in keep[1:]}
    spanners = [(_group_label(g), [c for c in keep[1:] if c.startswith(f"{g}__")])
                for g in groups]
    notes = [f"Regimen window: {w}." for w in sorted(windows)] + _method_notes(df, "Method")
    return _table(frame, table_id=table_id, title=title, stub="row", labels=col_labels,
                  spanners=[s for s in spanners if s[1]], notes=notes)


def per_dose_table(
    results: pl.DataFrame,
    *,
    analysis: str,
    title: str = "Adverse events per administration",
    table_id: str = "tbl-ae-per-administration",
) -> ReportTable:
    """Events per administration: ``events / administrations`` and the rate with its interval.

    Parameters
    ----------
    results
        The long results table; rows with ``administrations, events, rate, ci_low, ci_high``.
    analysis
        Which analysis to show.
    title, table_id
        Heading and HTML id.

    Returns
    -------
    ReportTable

    Examples
    --------
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> r.add_stats("ae_per_administration", "overall", "any", "", {"administrations": 3194,
    ...             "events": 244, "rate": 0.0764, "ci_low": 0.0665, "ci_high": 0.0864})
    >>> per_dose_table(r.to_polars(), analysis="ae_per_administration").frame.row(0)
    ('any', '244 / 3194', '0.076 (0.067–0.086)')
    """
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, groups, keys = found.df, found.groups, _events_first(found.nested)
    rows: dict[str, list[str]] = {"row": []} | {
        f"{g}__{c}": [] for g in groups for c in ("ratio", "rate")}
    for key in keys:
        rows["row"].append(_event_label(key, found.labels))
        for g in groups:
            s = found.nested[key].get(g, {})
            rows[f"{g}__ratio"].append(
                f"{fmt_int(s.get('events'))} / {fmt_int(s.get('administrations'))}" if s
                else MISSING)
            ci = fmt_ci(s.get("ci_low"), s.get("ci_high"), 3)
            rate = fmt_num(s.get("rate"), 3)
            if s.get("events") == 0 and s.get("administrations"):
                rate = "no events"  # never the degenerate 0.000 (0.000–0.000)
            rows[f"{g}__rate"].append(rate if ci == MISSING else f"{rate} ({ci})")
    col_labels = {c: ("Events / administrations" if c.endswith("ratio")
                      else "Per administration (95% CI)") for c in list(rows)[1:]}
    spanners = [(_group_label(g), [f"{g}__ratio", f"{g}__rate"]) for g in groups]
    return _table(rows, table_id=table_id, title=title, stub="row", labels=col_labels,
                  spanners=spanners, notes=_method_notes(df.with_columns(
                      pl.col("method").str.strip_prefix("not estimable: no events; ")), "Method"))


def days_since_dose_table(
    results: pl.DataFrame,
    *,
    analysis: str,
    title: str = "Adverse events by days since the last dose",
    table_id: str = "tbl-ae-by-days-since-dose",
) -> ReportTable:
    """When events start after a dose: counts by day band and the median day.

    Parameters
    ----------
    results
        The long results table; rows with ``events, n_0_1, n_2_7, n_8_30, n_31_plus,
        pct_within_7_days, median_days, q1_days, q3_days``.
    analysis
        Which analysis to show.
    title, table_id
        Heading and HTML id.

    Returns
    -------
    ReportTable

    Examples
    --------
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> r.add_stats("ae_by_days_since_dose", "overall", "term", "headache", {"events": 12,
    ...             "n_0_1": 9, "n_2_7": 2, "n_8_30": 1, "n_31_plus": 0,
    ...             "pct_within_7_days": 91.67, "median_days": 1.0, "q1_days": 0.0,
    ...             "q3_days": 2.0})
    >>> days_since_dose_table(r.to_polars(), analysis="ae_by_days_since_dose").frame.row(0)
    ('headache', '12', '9 / 2 / 1 / 0', '91.7', '1.0 (0.0–2.0)')
    """
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, groups, keys = found.df, found.groups, _events_first(found.nested)
    cols = ("events", "bands", "within7", "median")
    rows: dict[str, list[str]] = {"row": []} | {f"{g}__{c}": [] for g in groups for c in cols}
    for key in keys:
        rows["row"].append(_event_label(key, found.labels))
        for g in groups:
            s = found.nested[key].get(g, {})
            rows[f"{g}__events"].append(fmt_int(s.get("events")))
            bands = [s.get(b) for b in ("n_0_1", "n_2_7", "n_8_30", "n_31_plus")]
            rows[f"{g}__bands"].append(
                MISSING if all(is_missing(b) for b in bands)
                else " / ".join(fmt_int(b) for b in bands))
            rows[f"{g}__within7"].append(fmt_num(s.get("pct_within_7_days"), 1))
            rows[f"{g}__median"].append(
                fmt_median_iqr(s.get("median_days"), s.get("q1_days"), s.get("q3_days"), 1))
    names = {"events": "Events", "bands": "Days 0–1 / 2–7 / 8–30 / 31+",
             "within7": "% within 7 days", "median": "Day, median (Q1–Q3)"}
    col_labels = {c: names[c.split("__")[1]] for c in list(rows)[1:]}
    spanners = [(_group_label(g), [f"{g}__{c}" for c in cols]) for g in groups]
    return _table(rows, table_id=table_id, title=title, stub="row", labels=col_labels,
                  spanners=spanners, notes=_method_notes(df, "Method"))
