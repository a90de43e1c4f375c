"""Small-cell suppression (msrwe.privacy): numbered hand-written tables, then properties.

Codes: 0 shown, 1 withheld as small (<5), 2 withheld to protect a small one (complementary),
3 derived value withheld with its count. Tables are rows of counts; with margins the last column
is each row's total and the last row each column's total.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.errors import OptionError
from msrwe.privacy import (
    check_min_cell,
    display_frame,
    is_count,
    suppress_counts,
    suppress_results,
    suppress_table,
    suppression_code,
)
from msrwe.tables.results import RESULT_SCHEMA, ResultsTable

# -- suppress_table: (case, table, min_cell, margins, expected codes) -------------------------
CASES = [
    # 1. nothing small: nothing withheld
    ("1-none-small", [[10, 20, 30], [15, 25, 40], [25, 45, 70]], 5, (True, True),
     [[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
    # 2. zero is shown, and protects nothing: 0 + 9 = 9 reveals no one
    ("2-zero-shown", [[0, 9, 9], [7, 8, 15], [7, 17, 24]], 5, (True, True),
     [[0, 0, 0], [0, 0, 0], [0, 0, 0]]),
    # 3. one small cell: the smallest other part of its row and of its column go too, and the
    #    cell where those two meet closes both new equations
    ("3-one-small", [[3, 10, 13], [7, 12, 19], [10, 22, 32]], 5, (True, True),
     [[1, 2, 0], [2, 2, 0], [0, 0, 0]]),
    # 4. two small cells in one row protect each other along it; their columns still need a
    #    partner each
    ("4-two-small-in-a-row", [[2, 3, 5], [8, 9, 17], [10, 12, 22]], 5, (True, True),
     [[1, 1, 0], [2, 2, 0], [0, 0, 0]]),
    # 5. a small total is withheld with its parts
    ("5-small-total", [[1, 2, 3], [6, 7, 13], [7, 9, 16]], 5, (True, True),
     [[1, 1, 1], [2, 2, 2], [0, 0, 0]]),
    # 6. rows without a total (adverse-event terms: a patient has several): only the group
    #    equation (groups add up to overall) is protected
    ("6-no-column-total", [[3, 10, 13], [7, 12, 19]], 5, (True, False),
     [[1, 2, 0], [0, 0, 0]]),
    # 7. a one-group table: the group equals overall, so both are small together; the level
    #    column then needs a partner, the smallest other level (not the total)
    ("7-one-group", [[4, 4], [9, 9], [13, 13]], 5, (True, True),
     [[1, 1], [2, 2], [0, 0]]),
    # 8. the complementary cell is the smallest positive part, not the total
    ("8-smallest-part", [[4, 50, 6, 60], [10, 10, 10, 30], [14, 60, 16, 90]], 5,
     (True, True), [[1, 0, 2, 0], [2, 0, 2, 0], [0, 0, 0, 0]]),
    # 9. min_cell 10 withholds 1..9
    ("9-min-cell-10", [[9, 30, 39], [12, 30, 42], [21, 60, 81]], 10, (True, True),
     [[1, 2, 0], [2, 2, 0], [0, 0, 0]]),
    # 10. only a zero is left to pair with: it is withheld (the total stays)
    ("10-zero-partner", [[3, 0, 3]], 5, (True, False), [[1, 0, 1]]),
]


@pytest.mark.parametrize(("case", "table", "min_cell", "margins", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_suppress_table_cases(case, table, min_cell, margins, expected):
    got = suppress_table(table, min_cell, row_margin=margins[0], col_margin=margins[1])
    assert got == expected, case


def test_case11_complementary_picks_a_zero_only_when_nothing_else_is_left():
    # 3 + 0 = 3 but the 3 total is small too: two unknowns already, nothing else withheld
    assert suppress_counts([3, 0, 3], [(0, 1, 2)], 5) == [1, 0, 1]
    # 3 + 7 = 10 withholds the 7; in 7 + 0 = 7 the 7 is then the one unknown: with no
    # positive part left, the total goes, not the zero
    assert suppress_counts([3, 7, 10, 0, 7], [(0, 1, 2), (1, 3, 4)], 5) == [1, 2, 0, 0, 2]


def test_case12_non_counts_are_never_withheld_as_small():
    assert suppress_counts([3.0, 2.5], [], 5, counts=[True, False]) == [1, 0]


def test_case13_ragged_table_refused():
    with pytest.raises(ValueError, match="same number"):
        suppress_table([[1, 2], [3]], 5)


@pytest.mark.parametrize("bad", [1, 0, -5, 2.5, True, "5", 1001])
def test_case14_min_cell_must_be_a_whole_number_from_2(bad):
    with pytest.raises(OptionError, match="whole number from 2 to 1000"):
        check_min_cell(bad)


# -- properties ----------------------------------------------------------------------------------


@st.composite
def _tables(draw):
    n_rows = draw(st.integers(1, 5))
    n_cols = draw(st.integers(1, 5))
    inner = [[draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 9, 12, 30])) for _ in range(n_cols)]
             for _ in range(n_rows)]
    with_row = [[*r, sum(r)] for r in inner]
    col_totals = [sum(r[j] for r in with_row) for j in range(n_cols + 1)]
    return [*with_row, col_totals], draw(st.sampled_from([3, 5, 10]))


def _lines(table):
    rows = [list(r) for r in table]
    cols = [list(c) for c in zip(*table, strict=True)]
    return rows + cols


@given(_tables())
def test_property_no_line_has_exactly_one_unknown(data):
    """After suppression no withheld cell is recoverable from one row or column equation."""
    table, min_cell = data
    codes = suppress_table(table, min_cell)
    for line in _lines(codes):
        assert sum(c != 0 for c in line) != 1, (table, codes)


@given(_tables())
def test_property_small_counts_withheld_zero_and_large_primary_never(data):
    table, min_cell = data
    codes = suppress_table(table, min_cell)
    for row, crow in zip(table, codes, strict=True):
        for v, c in zip(row, crow, strict=True):
            assert (c == 1) == (1 <= v < min_cell)
            if v == 0:
                assert c != 1


@given(_tables())
def test_property_suppression_is_idempotent_on_what_is_shown(data):
    # suppressing again the table as shown (withheld cells unknown) withholds nothing more
    table, min_cell = data
    codes = suppress_table(table, min_cell)
    flat = [None if c else v for row, crow in zip(table, codes, strict=True)
            for v, c in zip(row, crow, strict=True)]
    n_cols = len(table[0])
    again = suppress_table([flat[i:i + n_cols] for i in range(0, len(flat), n_cols)], min_cell)
    assert all(c == 0 for row in again for c in row)


# -- suppress_results on hand-written results tables ---------------------------------------------


def _frame(rows):
    r = ResultsTable()
    for a, g, var, lev, stats in rows:
        r.add_stats(a, g, var, lev, stats, method="m")
    return r.to_polars()


def _codes(frame):
    return {(a, g, v, lev, s): suppression_code(m) for a, g, v, lev, s, m in frame.select(
        "analysis", "group", "variable", "level", "stat", "method").iter_rows()}


def test_case15_groups_pct_and_ci_go_with_their_count():
    df = _frame([
        ("ae", "A", "any", "", {"N": 20, "n": 3, "pct": 15.0, "ci_low": 3.2, "ci_high": 37.9,
                                 "person_years": 40.0}),
        ("ae", "B", "any", "", {"N": 30, "n": 9, "pct": 30.0, "ci_low": 14.7, "ci_high": 49.4,
                                 "person_years": 60.0}),
        ("ae", "overall", "any", "", {"N": 50, "n": 12, "pct": 24.0, "ci_low": 13.1,
                                       "ci_high": 38.2, "person_years": 100.0}),
    ])
    codes = _codes(suppress_results(df, 5))
    assert codes[("ae", "A", "any", "", "n")] == 1
    assert codes[("ae", "B", "any", "", "n")] == 2  # 3 + 9 = 12 would give it back
    for g in ("A", "B"):
        for s in ("pct", "ci_low", "ci_high"):
            assert codes[("ae", g, "any", "", s)] == 3, (g, s)
        assert codes[("ae", g, "any", "", "person_years")] == 0  # time is kept
        assert codes[("ae", g, "any", "", "N")] == 0
    assert all(c == 0 for k, c in codes.items() if k[1] == "overall")


def test_case16_levels_add_up_to_the_group_n():
    # Table 1 sex: F + M = N of the group (patients row)
    df = _frame([
        ("t1", "A", "patients", "", {"N": 12}),
        ("t1", "A", "sex", "F", {"n": 2, "pct": 16.7}),
        ("t1", "A", "sex", "M", {"n": 10, "pct": 83.3}),
    ])
    out = suppress_results(df, 5)
    codes = _codes(out)
    assert codes[("t1", "A", "sex", "F", "n")] == 1
    assert codes[("t1", "A", "sex", "M", "n")] == 2  # 12 - 10 = 2
    assert codes[("t1", "A", "sex", "M", "pct")] == 3
    assert codes[("t1", "A", "patients", "", "N")] == 0
    assert out.filter(pl.col("stat") == "n")["value"].to_list() == [None, None]


def test_case17_stats_of_one_row_that_add_up():
    # improved + stable + worsened = n; each _pct goes with its own count only
    df = _frame([("edss_change", "A", "edss", "", {
        "n": 20, "improved": 3, "stable": 9, "worsened": 8, "improved_pct": 15.0,
        "stable_pct": 45.0, "worsened_pct": 40.0, "change_median": 0.0, "p_value": 0.5})])
    codes = _codes(suppress_results(df, 5))
    key = ("edss_change", "A", "edss", "")
    assert codes[(*key, "improved")] == 1
    assert codes[(*key, "worsened")] == 2  # the smallest other part
    assert codes[(*key, "improved_pct")] == 3
    assert codes[(*key, "worsened_pct")] == 3
    assert codes[(*key, "stable_pct")] == 0
    assert codes[(*key, "change_median")] == 0  # n = 20 is shown
    assert codes[(*key, "n")] == 0


def test_case18_attrition_steps():
    # remaining before = excluded + remaining after
    df = _frame([
        ("attrition", "overall", "criterion", "0", {"excluded": 0, "remaining": 50}),
        ("attrition", "overall", "criterion", "1", {"excluded": 2, "remaining": 48}),
        ("attrition", "overall", "criterion", "2", {"excluded": 8, "remaining": 40}),
    ])
    codes = _codes(suppress_results(df, 5))
    assert codes[("attrition", "overall", "criterion", "1", "excluded")] == 1
    # 50 - 2 = 48: one of 48 or 50 must go; 48 is the part
    assert codes[("attrition", "overall", "criterion", "1", "remaining")] == 2
    # then 48 = 8 + 40 has one unknown: the smaller part, 8, goes
    assert codes[("attrition", "overall", "criterion", "2", "excluded")] == 2


def test_case19_side_counts_do_not_withhold_the_summaries():
    df = _frame([("t1", "A", "age", "", {"n": 40, "n_missing": 2, "median": 55.1})])
    codes = _codes(suppress_results(df, 5))
    assert codes[("t1", "A", "age", "", "n_missing")] == 1
    assert codes[("t1", "A", "age", "", "median")] == 0
    df = _frame([("t1", "A", "age", "", {"n": 3, "n_missing": 0, "median": 55.1})])
    assert _codes(suppress_results(df, 5))[("t1", "A", "age", "", "median")] == 3


def test_case20_method_keeps_the_analysis_method_and_display_marks_small():
    df = _frame([("ae", "A", "any", "", {"n": 3}), ("ae", "B", "any", "", {"n": 7}),
                 ("ae", "overall", "any", "", {"n": 10})])
    out = suppress_results(df, 5)
    assert out["method"].to_list() == ["suppressed (<5); m", "suppressed (complementary); m", "m"]
    assert out.schema == pl.Schema(RESULT_SCHEMA)
    shown = display_frame(out)
    assert shown["value"].is_nan().fill_null(False).to_list() == [True, False, False]
    assert shown["value"].is_null().to_list() == [False, True, False]
    assert shown["method"].to_list() == ["m", "m", "m"]


def test_case21_not_computed_rows_and_empty_frames_pass():
    r = ResultsTable()
    r.add("ae", "overall", "", "", "n", None, method="not computed: no table")
    out = suppress_results(r.to_polars(), 5)
    assert out["method"].to_list() == ["not computed: no table"]
    empty = ResultsTable().to_polars()
    assert suppress_results(empty, 5).height == 0


def test_case22_count_vocabulary():
    assert [is_count(s) for s in ("N", "n", "events", "relapses", "n_at_risk", "excluded",
                                  "pct", "eair", "person_years", "median", "hr")] == [
        True, True, True, True, True, True, False, False, False, False, False]


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=4))
def test_property_results_groups_never_leave_one_unknown(cells):
    """Two groups and overall per level: no group equation is left with one withheld cell."""
    rows = []
    for i, (a, b) in enumerate(cells):
        rows += [("ae", "A", "term", f"t{i}", {"n": a}), ("ae", "B", "term", f"t{i}", {"n": b}),
                 ("ae", "overall", "term", f"t{i}", {"n": a + b})]
    codes = _codes(suppress_results(_frame(rows), 5))
    for i, (a, _b) in enumerate(cells):
        line = [codes[("ae", g, "term", f"t{i}", "n")] for g in ("A", "B", "overall")]
        assert sum(c != 0 for c in line) != 1
        assert (line[0] == 1) == (1 <= a < 5)
