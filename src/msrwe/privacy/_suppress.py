"""Small-cell suppression of aggregate outputs: counts 1 to N-1 withheld, and what reveals them.

A count of 1 to ``min_cell - 1`` patients (or events) is withheld ("primary" suppression, shown
as ``<5`` for ``min_cell = 5``); zero stays 0, the usual convention of cell-size rules (a zero
names nobody). A withheld count must not be recoverable from what is shown, so:

- **complementary suppression**: wherever the results hold an exact sum (the groups add up to
  ``overall``; the levels of a variable add up to its total; the stats of one row add up to
  another, such as ``improved + stable + worsened = n``; an attrition step's ``excluded +
  remaining`` give the step before), an equation with exactly one withheld cell would give it
  back by subtraction; the smallest other cell of that equation is withheld too, until no
  equation has exactly one unknown (:func:`suppress_counts`, :func:`suppress_table`);
- **derived values**: percentages, rates, confidence limits, medians and tests of a row whose
  count is withheld are withheld with it (``pct`` = ``n / N`` would give ``n`` back); amounts of
  time (``person_years``) stay.

Sums are found in the numbers themselves (a group, level or stat total is used as an equation
only where the parts add up to it exactly), so no analysis has to declare its margins and a
coincidence can only withhold more, never less. Not covered: several equations solved together,
and ratios between rows (a rate ratio beside one withheld rate); see docs/privacy.md.

In the results table a withheld value is empty and its ``method`` starts with ``suppressed``:
``suppressed (<5)`` for a small count, ``suppressed (complementary)``, ``suppressed (derived
from a suppressed count)``, followed by the original method after ``"; "``.

The reference the project follows for the threshold is interop-privacy.md 5.3 (n < 5, [M]).

Examples
--------
>>> suppress_table([[3, 10, 13], [7, 12, 19], [10, 22, 32]], 5)
[[1, 2, 0], [2, 2, 0], [0, 0, 0]]
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from msrwe.errors import OptionError

__all__ = [
    "COMPLEMENTARY",
    "DERIVED",
    "SHOWN",
    "SMALL",
    "SUPPRESSED",
    "check_min_cell",
    "display_frame",
    "is_count",
    "suppress_counts",
    "suppress_results",
    "suppress_table",
    "suppression_code",
]

#: Codes of :func:`suppress_counts`: shown, withheld as small, withheld to protect a small one.
SHOWN, SMALL, COMPLEMENTARY = 0, 1, 2
#: Code of a derived value withheld with its count (:func:`suppress_results` only).
DERIVED = 3
#: Every ``method`` of a withheld row starts with this.
SUPPRESSED = "suppressed"
_NOTES = {
    COMPLEMENTARY: "suppressed (complementary)",
    DERIVED: "suppressed (derived from a suppressed count)",
}

#: Stats that count patients, events, relapses, lesions, scans or administrations (besides
#: every stat named ``n_*``), in the results vocabulary of docs/results.md.
COUNT_NAMES: frozenset[str] = frozenset({
    "N", "n", "events", "relapses", "patients", "lesions", "administrations", "improved",
    "stable", "worsened", "active", "not_active", "not_determined", "treated", "excluded",
    "remaining", "already_reached", "patients_with_gap", "stays", "admissions", "total",
})
#: Amounts of time: neither counts nor derived from one (kept as they are).
TIME_STATS: frozenset[str] = frozenset({"person_years", "exposure_years", "years"})
#: Counts of what is missing or set aside: withholding one does not withhold its row's
#: summaries (the median age of 80 patients stays when 2 had no birth date).
SIDE_COUNTS: frozenset[str] = frozenset({
    "n_missing", "n_not_evaluable", "not_determined", "n_zero", "already_reached",
})
#: Keys of one row of the results table, and the dimensions sums are looked for in.
_ROW = ("analysis", "group", "variable", "level")
#: Rows with more counts than this are not searched for sums between their stats.
_MAX_ROW_COUNTS = 9


def check_min_cell(value: object, *, option: str = "--min-cell") -> int:
    """The threshold as a whole number of at least 2, or a clear error.

    Examples
    --------
    >>> check_min_cell(5)
    5
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 1000:
        raise OptionError(f"{option} must be a whole number from 2 to 1000 (counts below it "
                          f"are withheld); got {value!r}.", option=option)
    return value


def is_count(stat: str) -> bool:
    """Whether a stat of the results table counts patients or events.

    Examples
    --------
    >>> is_count("n"), is_count("n_at_risk"), is_count("pct"), is_count("person_years")
    (True, True, False, False)
    """
    return stat in COUNT_NAMES or stat.startswith("n_")


def _known(v: float | None) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def suppress_counts(
    values: Sequence[float | None],
    equations: Iterable[Sequence[int]],
    min_cell: int,
    *,
    counts: Sequence[bool] | None = None,
) -> list[int]:
    """Withhold small counts and, by complementary suppression, what would give them back.

    Parameters
    ----------
    values
        The cells (``None``: not shown anyway, an unknown to the reader).
    equations
        Each a sequence of cell indices whose last cell is the sum of the others (a total and
        its parts). A cell may be in several equations (a row and a column of a table).
    min_cell
        Counts from 1 to ``min_cell - 1`` are withheld; zero is shown.
    counts
        Which cells are counts (default: all); only counts are withheld as small.

    Returns
    -------
    list[int]
        Per cell :data:`SHOWN`, :data:`SMALL` or :data:`COMPLEMENTARY`. No equation is left with
        exactly one unknown: every withheld cell shares each of its equations with another
        unknown. The complementary cell is the smallest positive part of the equation (the
        total only when no part can be), so as little as possible is withheld.

    Examples
    --------
    >>> suppress_counts([3, 9, 12], [(0, 1, 2)], 5)   # 3 + 9 = 12: 9 must go too
    [1, 2, 0]
    >>> suppress_counts([0, 9, 9], [(0, 1, 2)], 5)    # zero is shown
    [0, 0, 0]
    """
    codes = [
        SMALL if _known(v) and 1 <= float(v) < min_cell  # type: ignore[arg-type]
        and (counts is None or counts[i]) else SHOWN
        for i, v in enumerate(values)
    ]
    eqs = [tuple(e) for e in equations if len(e) >= 2]
    by_cell: dict[int, list[int]] = defaultdict(list)
    for k, e in enumerate(eqs):
        for i in e:
            by_cell[i].append(k)

    def hidden(i: int) -> bool:
        return codes[i] != SHOWN or not _known(values[i])

    todo = list(range(len(eqs)))
    while todo:
        k = todo.pop(0)
        e = eqs[k]
        if sum(hidden(i) for i in e) != 1:
            continue
        shown = [i for i in e if not hidden(i)]
        parts = [i for i in shown[:] if i != e[-1]]
        positive = sorted((i for i in parts if float(values[i]) > 0),  # type: ignore[arg-type]
                          key=lambda i: (float(values[i]), i))  # type: ignore[arg-type]
        if positive:
            pick = positive[0]
        elif e[-1] in shown:
            pick = e[-1]
        else:
            pick = parts[0]
        codes[pick] = COMPLEMENTARY
        todo.extend(by_cell[pick])  # its other equations may now have one unknown
    return codes


def suppress_table(
    table: Sequence[Sequence[float | None]],
    min_cell: int,
    *,
    row_margin: bool = True,
    col_margin: bool = True,
) -> list[list[int]]:
    """Small-cell suppression of a table of counts with its margins.

    Parameters
    ----------
    table
        Rows of counts. With ``row_margin`` the last column is each row's total; with
        ``col_margin`` the last row is each column's total (and, with both, the corner the
        grand total).
    min_cell
        Counts from 1 to ``min_cell - 1`` are withheld.
    row_margin, col_margin
        Whether the table has that margin (a table of adverse-event terms has no column
        total, since a patient can have several terms).

    Returns
    -------
    list[list[int]]
        The code of each cell (:data:`SHOWN`, :data:`SMALL`, :data:`COMPLEMENTARY`).

    Examples
    --------
    Two groups and overall (columns), two levels and their total (rows):

    >>> suppress_table([[2, 8, 10], [6, 9, 15], [8, 17, 25]], 5)
    [[1, 2, 0], [2, 2, 0], [0, 0, 0]]
    """
    rows = [list(r) for r in table]
    n_rows = len(rows)
    n_cols = len(rows[0]) if rows else 0
    if any(len(r) != n_cols for r in rows):
        raise ValueError("every row of the table must have the same number of cells")
    flat = [v for r in rows for v in r]
    equations: list[tuple[int, ...]] = []
    if row_margin and n_cols >= 2:
        equations += [tuple(i * n_cols + j for j in range(n_cols)) for i in range(n_rows)]
    if col_margin and n_rows >= 2:
        equations += [tuple(i * n_cols + j for i in range(n_rows)) for j in range(n_cols)]
    codes = suppress_counts(flat, equations, min_cell)
    return [codes[i * n_cols:(i + 1) * n_cols] for i in range(n_rows)]


def _sums_to(parts: Sequence[int], total: int, values: Sequence[float | None]) -> bool:
    if not all(_known(values[i]) for i in (*parts, total)):
        return False
    return abs(sum(float(values[i]) for i in parts)  # type: ignore[arg-type]
               - float(values[total])) < 1e-9  # type: ignore[arg-type]


def _equations(frame: pl.DataFrame, count: list[bool]) -> list[tuple[int, ...]]:
    """The exact sums between the count cells of a results frame (see the module docstring)."""
    values = frame.get_column("value").to_list()
    a_, g_, v_, l_, s_ = (frame.get_column(c).to_list()
                          for c in ("analysis", "group", "variable", "level", "stat"))
    idx = [i for i in range(frame.height) if count[i]]
    eqs: list[tuple[int, ...]] = []
    # 1. groups add up to overall
    by_line: dict[tuple, dict[str, int]] = defaultdict(dict)
    for i in idx:
        by_line[(a_[i], v_[i], l_[i], s_[i])].setdefault(g_[i], i)
    for line in by_line.values():
        if "overall" in line and len(line) >= 2:
            parts = [i for g, i in line.items() if g != "overall"]
            if _sums_to(parts, line["overall"], values):
                eqs.append((*parts, line["overall"]))
    # 2. stats of one row add up to another of the row
    by_row: dict[tuple, list[int]] = defaultdict(list)
    for i in idx:
        by_row[(a_[i], g_[i], v_[i], l_[i])].append(i)
    for cells in by_row.values():
        nonzero = [i for i in cells if _known(values[i]) and float(values[i]) != 0]
        if len(nonzero) < 3 or len(nonzero) > _MAX_ROW_COUNTS:
            continue
        for total in nonzero:
            others = [i for i in nonzero if i != total]
            for size in range(2, len(others) + 1):
                for parts in itertools.combinations(others, size):
                    if _sums_to(parts, total, values):
                        eqs.append((*parts, total))
    # 3. levels of a variable add up to its total (the row with level "" or the N of the group)
    totals: dict[tuple, list[int]] = defaultdict(list)
    for i in idx:
        if l_[i] == "":
            totals[(a_[i], g_[i])].append(i)
    by_var: dict[tuple, list[int]] = defaultdict(list)
    for i in idx:
        if l_[i] != "":
            by_var[(a_[i], g_[i], v_[i], s_[i])].append(i)
    for (a, g, v, s), parts in by_var.items():
        if len(parts) < 2:
            continue
        for t in totals.get((a, g), []):
            if ((s_[t] == s and v_[t] == v) or s_[t] == "N") and _sums_to(parts, t, values):
                eqs.append((*parts, t))
    # 4. steps: remaining before = excluded + remaining after (attrition)
    steps: dict[tuple, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for i in idx:
        if s_[i] in ("excluded", "remaining") and str(l_[i]).isdigit():
            steps[(a_[i], g_[i], v_[i])][int(l_[i])][s_[i]] = i
    for chain in steps.values():
        order = sorted(chain)
        for before, after in itertools.pairwise(order):
            b, c = chain[before], chain[after]
            if "remaining" in b and {"excluded", "remaining"} <= set(c):
                parts = (c["excluded"], c["remaining"])
                if _sums_to(parts, b["remaining"], values):
                    eqs.append((*parts, b["remaining"]))
    return eqs


def _depends(stat: str, row_stats: set[str], row_counts: set[str]) -> set[str]:
    """The counts of its row a derived stat depends on."""
    if stat.endswith("_pct") and stat[:-4] in row_counts:
        return {stat[:-4]}
    own_pct = {s[:-4] for s in row_stats if s.endswith("_pct")}
    return {s for s in row_counts if s not in SIDE_COUNTS and s not in own_pct}


def suppression_code(method: str | None) -> int:
    """The code of a row from its ``method`` (:data:`SHOWN` when it was not withheld).

    Examples
    --------
    >>> suppression_code("suppressed (<5); Clopper-Pearson exact"), suppression_code("Wald")
    (1, 0)
    """
    m = method or ""
    if not m.startswith(SUPPRESSED):
        return SHOWN
    if m.startswith(_NOTES[COMPLEMENTARY]):
        return COMPLEMENTARY
    if m.startswith(_NOTES[DERIVED]):
        return DERIVED
    return SMALL


def suppress_results(
    frame: pl.DataFrame,
    min_cell: int,
    *,
    kinds: Mapping[tuple[str, str], str] | None = None,
) -> pl.DataFrame:
    """A results frame (:data:`msrwe.tables.results.RESULT_SCHEMA`) with small cells withheld.

    Withheld values are empty (null) and their ``method`` starts with ``suppressed`` (see the
    module docstring); every other row is unchanged, in the same order. ``kinds`` maps
    ``(analysis, stat)`` to ``"count"``, ``"time"`` or ``"value"`` where an analysis declares
    what a stat is (:attr:`msrwe.analysis.Stat.kind`); other stats go by their name
    (:func:`is_count`, :data:`TIME_STATS`).

    Examples
    --------
    >>> df = pl.DataFrame({"analysis": ["ae"] * 6, "group": ["A", "B", "overall"] * 2,
    ...     "variable": ["any"] * 6, "level": [""] * 6, "stat": ["n"] * 3 + ["pct"] * 3,
    ...     "value": [3.0, 40.0, 43.0, 10.0, 50.0, 45.0], "label": [""] * 6,
    ...     "method": ["exact"] * 6})
    >>> out = suppress_results(df, 5)
    >>> out["value"].to_list()
    [None, None, 43.0, None, None, 45.0]
    >>> out["method"].to_list()[:2]
    ['suppressed (<5); exact', 'suppressed (complementary); exact']
    """
    min_cell = check_min_cell(min_cell, option="min_cell")
    if frame.is_empty():
        return frame
    stats = frame.get_column("stat").to_list()
    declared = [(kinds or {}).get((a, s), "") for a, s in zip(
        frame.get_column("analysis").to_list(), stats, strict=True)]
    count = [k == "count" or (not k and is_count(s)) for k, s in zip(declared, stats,
                                                                   strict=True)]
    time = [k == "time" or (not k and s in TIME_STATS) for k, s in zip(declared, stats,
                                                                     strict=True)]
    values = frame.get_column("value").to_list()
    codes = suppress_counts(values, _equations(frame, count), min_cell, counts=count)
    rows: dict[tuple, list[int]] = defaultdict(list)
    keys = list(zip(*(frame.get_column(c).to_list() for c in _ROW), strict=True))
    for i, k in enumerate(keys):
        rows[k].append(i)
    for cells in rows.values():
        gone = {stats[i] for i in cells if codes[i] != SHOWN}
        if not gone:
            continue
        row_counts = {stats[i] for i in cells if count[i]}
        row_stats = {stats[i] for i in cells}
        for i in cells:
            s = stats[i]
            if codes[i] == SHOWN and not count[i] and not time[i] and (
                    _depends(s, row_stats, row_counts) & gone) and _known(values[i]):
                codes[i] = DERIVED
    notes = [
        "" if c == SHOWN else (f"{SUPPRESSED} (<{min_cell})" if c == SMALL else _NOTES[c])
        for c in codes
    ]
    methods = frame.get_column("method").to_list()
    new_methods = [m if not n else (f"{n}; {m}" if m else n)
                   for n, m in zip(notes, methods, strict=True)]
    new_values = [None if c != SHOWN else v for c, v in zip(codes, values, strict=True)]
    return frame.with_columns(
        pl.Series("value", new_values, dtype=pl.Float64),
        pl.Series("method", new_methods, dtype=pl.String),
    )


def display_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame renderers read: a count withheld as small holds NaN instead of null.

    ``method`` goes back to the analysis's own (the mark of the cell says it was withheld).

    The report and the console show NaN as ``<N`` (:func:`msrwe.report.formatting.fmt_int`
    and friends, while a suppression mark is set) and null as the missing mark; the results
    table itself never holds NaN (:meth:`msrwe.tables.results.ResultsTable.add`).

    Examples
    --------
    >>> df = pl.DataFrame({"value": [None, None, 3.0],
    ...                    "method": ["suppressed (<5)", "suppressed (complementary)", ""]})
    >>> out = display_frame(df)
    >>> out["value"].is_nan().to_list(), out["method"].to_list()
    ([True, None, False], ['', '', ''])
    """
    method = pl.col("method").fill_null("")
    small = method.str.starts_with(f"{SUPPRESSED} (<")
    original = (pl.when(method.str.starts_with(SUPPRESSED))
                .then(method.str.replace(r"^suppressed \([^)]*\)(; )?", ""))
                .otherwise(pl.col("method")))
    return frame.with_columns(
        pl.when(small).then(float("nan")).otherwise(pl.col("value")).alias("value"),
        original.alias("method"))
