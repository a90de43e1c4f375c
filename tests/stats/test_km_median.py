"""Kaplan-Meier median with its interval, truncation and "no events" (issue 9 item 11).

Golden numbers: ``tests/results/stats/km_median.R`` (R ``survival``, ``conf.type = "log-log"``,
the median and its interval as ``print.survfit`` shows them).
"""

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.errors import InputError
from msrwe.stats import kaplan_meier, km_median

RESULTS = Path(__file__).parents[1] / "results" / "stats"
INPUT = pl.read_csv(RESULTS / "km_median_input.csv")
MEDIANS = pl.read_csv(RESULTS / "km_median.csv")
AT = pl.read_csv(RESULTS / "km_median_at.csv")


def _same(got: float, want: float | None) -> bool:
    if want is None:
        return math.isnan(got)
    return got == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("case", MEDIANS["case"].to_list())
def test_issue9_item11_median_and_its_interval_match_r(case):
    d = INPUT.filter(pl.col("case") == case)
    want = MEDIANS.filter(pl.col("case") == case).row(0, named=True)
    km = kaplan_meier(d["time"], d["event"])
    assert (km.n, km.n_events) == (want["n"], want["events"])
    assert _same(km.median, want["median"]), (km.median, want["median"])
    assert _same(km.median_ci_low, want["lower"]), (km.median_ci_low, want["lower"])
    assert _same(km.median_ci_high, want["upper"]), (km.median_ci_high, want["upper"])


@pytest.mark.parametrize("case", AT["case"].unique(maintain_order=True).to_list())
def test_issue9_item11_curve_and_band_match_r(case):
    d = INPUT.filter(pl.col("case") == case)
    want = AT.filter(pl.col("case") == case)
    km = kaplan_meier(d["time"], d["event"], at=want["time"])
    for row, exp in zip(km.table.iter_rows(named=True), want.iter_rows(named=True), strict=True):
        assert row["n_at_risk"] == exp["n_risk"]
        assert row["survival"] == pytest.approx(exp["surv"], abs=1e-9)
        if row["events"] == 0:  # R prints the degenerate band (1, 1); msrwe says "no events"
            assert (row["ci_low"], row["ci_high"], row["note"]) == (None, None, "no events")
        elif exp["lower"] is not None:
            assert row["ci_low"] == pytest.approx(exp["lower"], abs=1e-6)
            assert row["ci_high"] == pytest.approx(exp["upper"], abs=1e-6)


# Case 1: a median at exactly 0.5 that falls later is the midpoint; to the end, its first time
def test_issue9_item11_case1_median_rule_on_flat_half():
    assert km_median([0, 1, 2, 3, 4], [1.0, 0.75, 0.5, 0.5, 0.25]) == 3.0
    assert km_median([0, 1, 2, 5], [1.0, 0.75, 0.5, 0.5]) == 2.0
    assert math.isnan(km_median([0, 1, 2], [1.0, 0.9, 0.6]))


# Case 2: with min_at_risk = 3, the times with 2 or 1 at risk report no estimate, say why
def test_issue9_item11_case2_truncated_rows_say_why():
    km = kaplan_meier([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 1, 0, 1], at=[0, 1, 2.5, 3, 4],
                      min_at_risk=3)
    t = km.table
    assert t["n_at_risk"].to_list() == [5, 5, 3, 2, 1]
    assert t["survival"].to_list()[:3] == pytest.approx([1.0, 0.8, 0.8 * 2 / 3])
    assert t["survival"].to_list()[3:] == [None, None]
    assert t["ci_low"].to_list()[3:] == [None, None]
    assert t["note"].to_list() == ["no events", "", "", "fewer than 3 at risk",
                                   "fewer than 3 at risk"]
    assert km.last_reported == 2.5
    # the unrestricted median (4.0) lies where 1 patient is at risk: not reported, and why
    assert math.isnan(km.median)
    assert km.median_note == "not estimable: fewer than 3 at risk"


# Case 3: "0 at risk; 0.333" (the issue's example) cannot happen with the default rule
def test_issue9_item11_case3_no_estimate_after_the_risk_set_is_empty():
    km = kaplan_meier([1.0, 2.0, 3.0], [1, 0, 0], at=[1, 2, 5], min_at_risk=1)
    row = km.table.row(2, named=True)
    assert (row["n_at_risk"], row["survival"], row["note"]) == (0, None, "fewer than 1 at risk")


# Case 4: no event at all: survival 1 with no interval, and the median says "no events"
def test_issue9_item11_case4_zero_events():
    km = kaplan_meier([0.5, 1.0, 2.0, 3.0], [0, 0, 0, 0], at=[1, 2])
    assert km.table["survival"].to_list() == [1.0, 1.0]
    assert km.table["ci_low"].to_list() == [None, None]
    assert km.table["note"].to_list() == ["no events", "no events"]
    assert km.median_note == "no events"


# Case 5: fewer patients than min_at_risk: nothing is estimated, counts are kept
def test_issue9_item11_case5_fewer_patients_than_the_rule():
    km = kaplan_meier([1.0, 2.0], [1, 1], at=[0, 1], min_at_risk=10)
    assert km.table["survival"].to_list() == [None, None]
    assert km.table["events"].to_list() == [0, 1]
    assert math.isnan(km.last_reported)
    assert km.median_note == "not estimable: fewer than 10 at risk"


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_issue9_item11_min_at_risk_is_checked(bad):
    with pytest.raises(InputError, match="min_at_risk"):
        kaplan_meier([1.0], [1], min_at_risk=bad)


# Property: a truncated curve never reports an estimate where fewer than min_at_risk are at
# risk, reports every estimate where at least that many are, and never a degenerate interval
@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(st.tuples(st.floats(0, 10, allow_nan=False), st.booleans()),
                  min_size=1, max_size=40),
    at=st.lists(st.floats(0, 12, allow_nan=False), min_size=1, max_size=8),
    m=st.integers(0, 15),
)
def test_issue9_item11_property_truncation(data, at, m):
    t = np.array([round(d[0], 2) for d in data])
    e = np.array([int(d[1]) for d in data])
    km = kaplan_meier(t, e, at=sorted(at), min_at_risk=m)
    full = kaplan_meier(t, e, at=sorted(at))
    for row, ref in zip(km.table.iter_rows(named=True), full.table.iter_rows(named=True),
                        strict=True):
        if row["n_at_risk"] < m:
            assert row["survival"] is None
            assert row["ci_low"] is None
        else:
            assert row["survival"] == ref["survival"]
        if row["ci_low"] is not None:
            assert row["events"] > 0
        if row["events"] == 0 and row["n_at_risk"] >= m:
            assert row["note"] == "no events"
    for v in (km.median, km.median_ci_low, km.median_ci_high):
        if not math.isnan(v):
            assert int(np.sum(t >= v)) >= m
