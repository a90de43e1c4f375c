import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from msrwe.errors import InputError
from msrwe.stats import kaplan_meier

RESULTS = Path(__file__).parents[1] / "results" / "stats"


# Case 1: hand-computed product-limit estimate with numbers at risk
def test_hand_example():
    # times 1(event) 2(censored) 2.5(event) 3(censored) 4(event)
    km = kaplan_meier([1.0, 2.0, 2.5, 3.0, 4.0], [1, 0, 1, 0, 1], at=[0, 1, 2, 2.5, 3, 4])
    t = km.table
    assert t["n_at_risk"].to_list() == [5, 5, 4, 3, 2, 1]
    assert t["events"].to_list() == [0, 1, 1, 2, 2, 3]
    assert t["censored"].to_list() == [0, 0, 1, 1, 2, 2]
    expected = [1.0, 0.8, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3, 0.0]
    assert t["survival"].to_list() == pytest.approx(expected)
    assert km.median == 4.0
    assert km.n == 5
    assert km.n_events == 3


# Case 2: survival and the log(-log) interval agree with statsmodels' SurvfuncRight
def test_against_statsmodels(golden):
    df = pl.read_csv(RESULTS / "km_input.csv")
    ref = golden["kaplan_meier"]
    km = kaplan_meier(df["years"], df["event"], at=ref["times"])
    for row, exp in zip(km.table.iter_rows(named=True), ref["rows"], strict=True):
        assert row["survival"] == pytest.approx(exp["survival"], abs=1e-10)
        if exp["events"] == 0:  # issue 9 item 11: no events, no (degenerate) interval
            assert (row["ci_low"], row["ci_high"], row["note"]) == (None, None, "no events")
            continue
        assert row["ci_low"] == pytest.approx(exp["ci_low"], abs=1e-6)
        assert row["ci_high"] == pytest.approx(exp["ci_high"], abs=1e-6)
        assert row["n_at_risk"] == exp["n_at_risk"]
        assert row["events"] == exp["events"]
    assert km.median == pytest.approx(ref["median"])


# Case 3: the table read at the event times equals lifelines' own survival function
def test_against_lifelines_directly():
    rng = np.random.default_rng(5)
    t = rng.exponential(3, 40).round(2)
    e = rng.integers(0, 2, 40)
    km = kaplan_meier(t, e)
    kmf = KaplanMeierFitter().fit(t, e)
    ref = kmf.survival_function_at_times(km.table["time"].to_numpy()).to_numpy()
    assert km.table["survival"].to_numpy() == pytest.approx(ref)


# Case 4: median not reached -> NaN; no patients -> an empty-valued table
def test_median_not_reached_and_empty():
    km = kaplan_meier([5.0, 5.0, 5.0], [0, 0, 1], at=[1.0])
    assert km.median != km.median
    empty = kaplan_meier([], [], at=[1.0, 2.0])
    assert empty.table.height == 2
    assert empty.table["n_at_risk"].to_list() == [0, 0]


@pytest.mark.parametrize(
    ("durations", "events", "match"),
    [
        ([1.0, 2.0], [1], "one entry per patient"),
        ([1.0, -2.0], [1, 0], "duration must be a number >= 0"),
        ([1.0, None], [1, 0], "duration must be a number >= 0"),
        ([1.0, 2.0], [1, 2], "0 \\(censored\\) or 1"),
    ],
)
def test_bad_input(durations, events, match):
    with pytest.raises(InputError, match=match):
        kaplan_meier(durations, events)


# Property: on random follow-up, the survival read at any time equals lifelines' and the
# numbers at risk never increase
@settings(max_examples=25)
@given(
    data=st.lists(
        st.tuples(st.floats(0, 10, allow_nan=False), st.booleans()), min_size=1, max_size=40
    ),
    at=st.lists(st.floats(0, 12, allow_nan=False), min_size=1, max_size=6),
)
def test_property_matches_lifelines(data, at):
    t = np.array([round(d[0], 2) for d in data])
    e = np.array([int(d[1]) for d in data])
    at = sorted(at)
    km = kaplan_meier(t, e, at=at)
    ref = KaplanMeierFitter().fit(t, e).survival_function_at_times(at).to_numpy()
    assert km.table["survival"].to_numpy() == pytest.approx(ref)
    risk = km.table["n_at_risk"].to_list()
    assert all(a >= b for a, b in itertools.pairwise(risk))
