import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.errors import OptionError
from msrwe.stats import clopper_pearson


# Case 1: the check values of clinical-methods section 9.2 (10/83 and 44/83)
@pytest.mark.parametrize(
    ("k", "n", "pct", "low", "high"),
    [(10, 83, 12.05, 5.93, 21.04), (44, 83, 53.01, 41.74, 64.07)],
)
def test_clinical_methods_check_values(k, n, pct, low, high):
    ci = clopper_pearson(k, n).as_percent()
    assert round(ci["pct"], 2) == pct
    assert round(ci["ci_low"], 2) == low
    assert round(ci["ci_high"], 2) == high


# Case 2: every golden case agrees with statsmodels (beta) and scipy (binomtest exact)
def test_against_statsmodels_and_scipy(golden):
    for case in golden["clopper_pearson"]:
        ci = clopper_pearson(case["k"], case["n"], level=case["level"])
        assert ci.low == pytest.approx(case["statsmodels_low"], abs=1e-10)
        assert ci.high == pytest.approx(case["statsmodels_high"], abs=1e-10)
        assert ci.low == pytest.approx(case["scipy_low"], abs=1e-8)
        assert ci.high == pytest.approx(case["scipy_high"], abs=1e-8)


# Case 3: the edges: 0 events -> lower bound 0; all events -> upper bound 1; n = 0 -> NaN
def test_edges():
    assert clopper_pearson(0, 10).low == 0.0
    assert clopper_pearson(10, 10).high == 1.0
    empty = clopper_pearson(0, 0)
    assert math.isnan(empty.estimate)
    assert math.isnan(empty.low)
    assert math.isnan(empty.high)


# Case 4: bad arguments are OptionErrors naming the parameter
@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((11, 10), {}, "'k' parameter"),
        ((-1, 10), {}, "'k' parameter"),
        ((1.5, 10), {}, "'k' parameter"),
        ((1, 10), {"level": 1.0}, "'level' parameter"),
        ((1, 10), {"level": True}, "'level' parameter"),
        ((1, "ten"), {}, "'n' parameter"),
    ],
)
def test_bad_arguments(args, kwargs, match):
    with pytest.raises(OptionError, match=match):
        clopper_pearson(*args, **kwargs)


# Case 5: a whole float count is accepted (counts often come out of polars as floats)
def test_whole_float_counts():
    assert clopper_pearson(10.0, 83.0).k == 10


# Property: the interval holds the estimate, stays in [0, 1] and widens with the level
@given(n=st.integers(1, 500), data=st.data())
def test_interval_properties(n, data):
    k = data.draw(st.integers(0, n))
    narrow, wide = clopper_pearson(k, n, 0.90), clopper_pearson(k, n, 0.99)
    assert 0 <= wide.low <= narrow.low <= narrow.estimate <= narrow.high <= wide.high <= 1
