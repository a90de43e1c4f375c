"""The report's tables, built with great_tables from the long results table.

Each builder takes the results table as a Polars DataFrame (the columns of
:data:`msrwe.tables.results.RESULT_SCHEMA`) and returns a :class:`ReportTable`: the display
frame (every cell a string made by :mod:`msrwe.report.formatting`) and its HTML. The builders
never compute a statistic; they only look values up and format them, so the HTML and
``results.csv`` cannot disagree.

Examples
--------
>>> from msrwe.tables.results import ResultsTable
>>> r = ResultsTable()
>>> r.add_stats("ae_incidence", "overall", "term", "Headache",
...             {"N": 83, "n": 10, "pct": 12.048, "events": 14})
>>> t = ae_table(r.to_polars(), analysis="ae_incidence")
>>> t.frame.row(0, named=True)["overall__npe"]
'10 (12.0%) [14]'
>>> "<table" in t.html
True
"""

from __future__ import annotations

import polars as pl

from msrwe.report._gt import (
    AE_TERM_HEADINGS,
    COUNT_STATS,
    ReportTable,
    _event_keys,
    _event_label,
    _group_label,
    _group_n,
    _lookup,
    _method_notes,
    _no_results,
    _table,
    _term_heading,
    group_order,
)
from msrwe.report.formatting import (
    MISSING,
    fmt_ci,
    fmt_edss,
    fmt_int,
    fmt_median_iqr,
    fmt_n_pct,
    fmt_n_pct_events,
    fmt_num,
    fmt_p,
    is_missing,
    plural,
)
from msrwe.report.generic_tables import MAX_WIDE_COLUMNS, ci_pairs, frame_table, generic_table
from msrwe.report.stat_labels import STAT_LABELS

__all__ = [
    "AE_TERM_HEADINGS",
    "COUNT_STATS",
    "MAX_WIDE_COLUMNS",
    "STAT_LABELS",
    "ReportTable",
    "ae_table",
    "ci_pairs",
    "edss_table",
    "frame_table",
    "generic_table",
    "group_order",
    "table1_table",
    "tte_table",
]

def ae_table(
    results: pl.DataFrame,
    *,
    analysis: str,
    title: str = "Adverse events by term",
    table_id: str = "tbl-ae",
    ci_in_one_cell: bool = False,
) -> ReportTable:
    """Adverse events sorted by frequency: ``n (%) [events]``, 95% CI, EAIR per 100 PY.

    Parameters
    ----------
    results
        The long results table.
    analysis
        Which analysis to show (``ae_incidence``, ``ae_serious``, ``ae_infection``, ...), with the
        stats ``N, n, pct, ci_low, ci_high, events, person_years, eair, eair_ci_low,
        eair_ci_high``.
    title, table_id
        Heading and HTML id.
    ci_in_one_cell
        Write the CI of the percentage in the ``n (%; CI) [events]`` cell instead of a column
        of its own (``[report] ci_in_one_cell``).

    Returns
    -------
    ReportTable
        Rows ordered by the number of patients (overall, else summed over groups), then term.
        Term rows are those of the study's grouping (variable ``term`` or ``pt_code``, see
        :data:`AE_TERM_HEADINGS`), which also names the first column; a MedDRA code follows
        its most common verbatim term in parentheses. Other rows (any event, criteria) come
        first, in the order of the results table.

    Examples
    --------
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> for term, n in (("Fatigue", 44), ("Headache", 10)):
    ...     r.add_stats("ae_incidence", "overall", "term", term,
    ...                 {"N": 83, "n": n, "pct": 100 * n / 83})
    >>> ae_table(r.to_polars(), analysis="ae_incidence").frame.get_column("term").to_list()
    ['Fatigue', 'Headache']
    """
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, groups, nested = found.df, found.groups, found.nested

    def weight(key: tuple[str, str]) -> float:
        stats = nested[key]
        if "overall" in stats:
            return stats["overall"].get("n") or 0.0
        return sum((s.get("n") or 0.0) for s in stats.values())

    # Rows without a percentage (e.g. length of stay) belong to a descriptive table.
    keys = [k for k in nested if any("pct" in st for st in nested[k].values())]
    if not keys:
        return _no_results(table_id, title)
    suffixes = ("npe", "eair") if ci_in_one_cell else ("npe", "ci", "eair")
    rows: dict[str, list[str]] = {"term": []}
    for g in groups:
        for suffix in suffixes:
            rows[f"{g}__{suffix}"] = []
    for key in _event_keys(keys, weight):
        rows["term"].append(_event_label(key, found.labels))
        for g in groups:
            s = nested[key].get(g, {})
            if ci_in_one_cell:
                rows[f"{g}__npe"].append(fmt_n_pct_events(
                    s.get("n"), s.get("pct"), s.get("events"), s.get("ci_low"),
                    s.get("ci_high")))
            else:
                rows[f"{g}__npe"].append(
                    fmt_n_pct_events(s.get("n"), s.get("pct"), s.get("events")))
                rows[f"{g}__ci"].append(fmt_ci(s.get("ci_low"), s.get("ci_high"), 1))
            eair = fmt_num(s.get("eair"), 2)
            ci = fmt_ci(s.get("eair_ci_low"), s.get("eair_ci_high"), 2)
            rows[f"{g}__eair"].append(eair if ci == MISSING else f"{eair} ({ci})")
    col_labels = {}
    spanners = []
    for g in groups:
        n = _group_n(df, g)
        head = _group_label(g) + ("" if is_missing(n) else f" (N = {fmt_int(n)})")
        col_labels |= {
            f"{g}__npe": "n (%; 95% CI) [events]" if ci_in_one_cell else "n (%) [events]",
            f"{g}__ci": "95% CI of %",
            f"{g}__eair": "EAIR /100 PY (95% CI)",
        }
        spanners.append((head, [f"{g}__{x}" for x in suffixes]))
    notes = [
        "n: patients with at least one event; %: of N; [events]: all events, repeats included. "
        "EAIR: patients with a first event per 100 patient-years at risk.",
        *_method_notes(df, "Method"),
    ]
    return _table(
        rows, table_id=table_id, title=title, stub="term", stubhead=_term_heading(keys),
        labels=col_labels, spanners=spanners, notes=notes,
    )


_EDSS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "n"),
    ("baseline", "Baseline, median (Q1–Q3)"),
    ("last", "Last, median (Q1–Q3)"),
    ("change", "Change, median (Q1–Q3)"),
    ("improved", "Improved"),
    ("stable", "Stable"),
    ("worsened", "Worsened"),
    ("statistic", "Statistic"),
    ("p", "p"),
)


def edss_table(
    results: pl.DataFrame,
    *,
    analysis: str,
    title: str = "EDSS from baseline to last assessment",
    table_id: str = "tbl-edss",
) -> ReportTable:
    """A change-from-baseline table (EDSS, 9HPT, T25FW): one row per group, the test as a note.

    EDSS values are written with :func:`~msrwe.report.formatting.fmt_edss` (quarter steps in
    full); other measures (seconds) with one decimal.

    Parameters
    ----------
    results
        The long results table; rows of ``analysis`` with the stats ``n, baseline_median,
        last_median, change_median, improved, stable, worsened, statistic, p_value`` (and the
        optional ``baseline_q1/q3``, ``last_q1/q3``, ``change_q1/q3``, ``improved_pct``,
        ``stable_pct``, ``worsened_pct``).
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
    >>> r.add_stats("edss_change", "overall", "edss", "", {"n": 8, "baseline_median": 6.0,
    ...             "last_median": 6.5, "change_median": 0.0, "improved": 1, "stable": 4,
    ...             "worsened": 3, "statistic": 2.5, "p_value": 0.625},
    ...             method="Wilcoxon signed-rank")
    >>> row = edss_table(r.to_polars(), analysis="edss_change").frame.row(0, named=True)
    >>> row["baseline"], row["p"]
    ('6.0', '0.625')
    """
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, nested, labels = found.df, found.nested, found.labels
    edss = analysis.startswith("edss")

    def fmt_value(v: float | None) -> str:
        return fmt_edss(v) if edss else fmt_num(v, 1)

    rows: dict[str, list[str]] = {"group": []} | {k: [] for k, _ in _EDSS_COLUMNS}
    many_vars = len({k[0] for k in nested}) > 1
    for key in nested:
        for g in group_order(nested[key]):
            s = nested[key][g]
            name = _group_label(g)
            if many_vars:
                name = f"{labels.get(key) or key[0]}: {name}"
            rows["group"].append(name)
            rows["n"].append(fmt_int(s.get("n")))
            for col in ("baseline", "last", "change"):
                med = s.get(f"{col}_median")
                q1, q3 = s.get(f"{col}_q1"), s.get(f"{col}_q3")
                if is_missing(q1) or is_missing(q3):
                    rows[col].append(fmt_value(med))
                else:
                    rows[col].append(f"{fmt_value(med)} ({fmt_value(q1)}–{fmt_value(q3)})")
            for col in ("improved", "stable", "worsened"):
                rows[col].append(fmt_n_pct(s.get(col), s.get(f"{col}_pct")))
            rows["statistic"].append(fmt_num(s.get("statistic"), 1))
            rows["p"].append(fmt_p(s.get("p_value")))
    notes = _method_notes(df, "Test") or ["Test: not stated in the results table."]
    return _table(
        rows, table_id=table_id, title=title, stub="group", stubhead="Group",
        labels=dict(_EDSS_COLUMNS), notes=notes,
    )


def table1_table(
    results: pl.DataFrame,
    *,
    analysis: str,
    title: str = "Table 1. Characteristics at baseline",
    table_id: str = "tbl-table1",
) -> ReportTable:
    """Table 1: continuous variables as median (Q1–Q3), categories as n (%), groups as columns.

    Parameters
    ----------
    results
        The long results table; rows of ``analysis``. A continuous variable has ``level == ""``
        and the stats ``n, median, q1, q3`` (optionally ``mean, sd``); a categorical one has one
        level per category with ``n, pct``. The label of the first row of a variable names it.
        Continuous variables show median (Q1–Q3); other stats stay in the results table.
        The row ``variable == "patients"``, stat ``N``, gives each group's size.
    analysis
        Which analysis to show.
    title, table_id
        Heading and HTML id.

    Returns
    -------
    ReportTable
        Columns ``row`` and one per group; a categorical variable has a heading row (empty
        cells) followed by its indented levels.

    Examples
    --------
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> r.add("table1", "overall", "patients", "", "N", 83)
    >>> r.add_stats("table1", "overall", "age", "", {"n": 83, "median": 52.0, "q1": 45.5,
    ...             "q3": 58.0}, label="Age, years")
    >>> r.add_stats("table1", "overall", "sex", "F", {"n": 50, "pct": 60.24}, label="Sex")
    >>> t1 = table1_table(r.to_polars(), analysis="table1")
    >>> t1.frame.rows()  # doctest: +NORMALIZE_WHITESPACE
    [('Patients, N', '83'), ('Age, years, median (Q1–Q3)', '52.0 (45.5–58.0)'),
     ('Sex, n (%)', ''), ('F', '50 (60.2%)')]
    """
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, groups, nested = found.df, found.groups, found.nested
    var_labels: dict[str, str] = {}
    for var, lab in df.select("variable", "label").iter_rows():
        if var not in var_labels and lab:
            var_labels[var] = lab
    rows: dict[str, list[str]] = {"row": []} | {g: [] for g in groups}
    indent: list[int] = []
    # The first row gives the number of patients per group.
    rows["row"].append("Patients, N")
    for g in groups:
        rows[g].append(fmt_int(_group_n(df, g)))
    if all(rows[g][0] == MISSING for g in groups):
        rows = {k: [] for k in rows}
    headed: set[str] = set()
    for (var, lev), by_group in nested.items():
        if var == "patients":
            continue
        label = var_labels.get(var, var)
        if lev == "":
            # Median (Q1–Q3) as gtsummary does; mean, SD, min and max stay in results.csv.
            rows["row"].append(f"{label}, median (Q1–Q3)")
            for g in groups:
                st = by_group.get(g, {})
                rows[g].append(fmt_median_iqr(st.get("median"), st.get("q1"), st.get("q3"), 1,
                                              edss="edss" in var))
            continue
        if var not in headed:
            headed.add(var)
            rows["row"].append(f"{label}, n (%)")
            for g in groups:
                rows[g].append("")
        indent.append(len(rows["row"]))
        rows["row"].append(lev.replace("_", " "))  # codes such as not_active read as words
        for g in groups:
            st = by_group.get(g, {})
            rows[g].append(fmt_n_pct(st.get("n"), st.get("pct")) if st else MISSING)
    return _table(
        rows, table_id=table_id, title=title, stub="row",
        labels={g: _group_label(g) for g in groups}, indent_rows=indent,
        notes=["Continuous variables: median (Q1–Q3); categories: n (% of patients with a "
               "value).", *_method_notes(df, "Method")],
    )


def tte_table(
    results: pl.DataFrame,
    *,
    analysis: str,
    title: str = "Time to confirmed disability worsening",
    table_id: str = "tbl-tte",
) -> ReportTable:
    """Kaplan-Meier summary: patients, events and median per group, then survival by year.

    Parameters
    ----------
    results
        The long results table; rows of ``analysis``. Level ``""`` holds ``n, events, median``
        (years); each other level is a time in years with ``n_at_risk, events, survival,
        ci_low, ci_high``.
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
    >>> r.add_stats("time_to_cdw", "overall", "edss", "", {"n": 80, "events": 12,
    ...             "median": None})
    >>> r.add_stats("time_to_cdw", "overall", "edss", "1", {"n_at_risk": 70, "events": 5,
    ...             "survival": 0.9374, "ci_low": 0.85, "ci_high": 0.97})
    >>> tte_table(r.to_polars(), analysis="time_to_cdw").frame.get_column("overall").to_list()
    ['80', '12', 'not reached', '70 at risk; 0.937 (0.850–0.970)']
    """
    found = _lookup(results, analysis)
    if found is None:
        return _no_results(table_id, title)
    df, groups, nested, labels = found.df, found.groups, found.nested, found.labels
    # why a value is missing: the method of its own row (msrwe.tables.km)
    why = {(v, lv, g, st): m.split(";")[0] for v, lv, g, st, m in df.select(
        "variable", "level", "group", "stat", "method").iter_rows() if m}
    rows: dict[str, list[str]] = {"row": []} | {g: [] for g in groups}
    summary = [k for k in nested if k[1] == ""]
    times = sorted((k for k in nested if k[1] != ""),
                   key=lambda k: float(k[1]) if k[1].replace(".", "", 1).isdigit() else 1e9)
    for key in summary:
        for stat, name in (("n", "Patients"), ("events", "Events"),
                           ("median", "Median, years (95% CI)")):
            rows["row"].append(name)
            for g in groups:
                st = nested[key].get(g, {})
                if stat == "median":
                    rows[g].append(_median_cell(st, why.get((*key, g, "median"), "")))
                else:
                    rows[g].append(fmt_int(st.get(stat)))
    for key in times:
        rows["row"].append(labels.get(key) or plural(float(key[1]), "year"))
        for g in groups:
            st = nested[key].get(g)
            if not st:
                rows[g].append(MISSING)
                continue
            text = f"{fmt_int(st.get('n_at_risk'))} at risk"
            reason = why.get((*key, g, "survival"), "")
            if is_missing(st.get("survival")):
                shown = reason.removeprefix("not reported: ") if reason else ""
                rows[g].append(f"{text}; not reported ({shown})" if shown else text)
                continue
            surv = fmt_num(st.get("survival"), 3)
            ci = fmt_ci(st.get("ci_low"), st.get("ci_high"), 3)
            if ci == MISSING and st.get("events") == 0:
                rows[g].append(f"{text}; no events")
                continue
            text = f"{text}; {surv}"
            rows[g].append(text if ci == MISSING else f"{text} ({ci})")
    notes = ["Time points: patients at risk; Kaplan-Meier share free of the event (95% CI); "
             "\"no events\" where none has happened yet (no interval can be estimated)."]
    notes += _method_notes(df.filter((pl.col("level") == "") & (pl.col("stat") == "n")),
                           "Method")
    return _table(rows, table_id=table_id, title=title, stub="row", stubhead="",
                  labels={g: _group_label(g) for g in groups}, notes=notes)


def _median_cell(st: dict, reason: str) -> str:
    """The median (95% CI) cell: "no events", "not reached", "not estimable (...)" or a number.

    Examples
    --------
    >>> _median_cell({"n": 5, "events": 0, "median": None}, "median no events")
    'no events'
    >>> _median_cell({"n": 5, "events": 3, "median": None},
    ...              "median not estimable: fewer than 10 at risk")
    'not estimable (fewer than 10 at risk)'
    >>> _median_cell({"n": 40, "events": 30, "median": 2.5, "median_ci_low": 1.5,
    ...               "median_ci_high": None}, "")
    '2.50 (1.50–not reached)'
    """
    v = st.get("median")
    if st.get("events") == 0 and st.get("n"):
        return "no events"
    if is_missing(v):
        if not st.get("n"):
            return MISSING
        text = reason.removeprefix("median ") or "not reached"
        return text.replace(": ", " (", 1) + ")" if ": " in text else text
    lo, hi = st.get("median_ci_low"), st.get("median_ci_high")
    if is_missing(lo):
        return fmt_num(v, 2)
    high = "not reached" if is_missing(hi) else fmt_num(hi, 2)
    return f"{fmt_num(v, 2)} ({fmt_num(lo, 2)}–{high})"
