import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.errors import OptionError
from msrwe.stats import poisson_rate_ci


# Case 1: the three check values of clinical-methods section 6
@pytest.mark.parametrize(
    ("k", "t", "rate", "low", "high"),
    [(10, 250, 4.00, 1.918, 7.356), (3, 498, 0.602, 0.124, 1.760)],
)
def test_clinical_methods_check_values(k, t, rate, low, high):
    r = poisson_rate_ci(k, t)
    assert round(r.rate, 3) == pytest.approx(rate)
    assert round(r.low, 3) == low
    assert round(r.high, 3) == high


# Case 2: zero events in 100 PY -> the "rule of ~3.7" upper bound, lower bound 0
def test_zero_events():
    r = poisson_rate_ci(0, 100)
    assert r.rate == 0.0
    assert r.low == 0.0
    assert round(r.high, 3) == 3.689


# Case 3: every golden case agrees with statsmodels confint_poisson(method="exact-c")
def test_against_statsmodels(golden):
    for case in golden["poisson_rate_ci"]:
        r = poisson_rate_ci(case["events"], case["person_time"], case["level"], case["per"])
        assert r.rate == pytest.approx(case["rate"], rel=1e-12)
        assert r.low == pytest.approx(case["low"], rel=1e-9, abs=1e-12)
        assert r.high == pytest.approx(case["high"], rel=1e-9)


# Case 4: no person-time gives NaN, not a division error
def test_no_time():
    r = poisson_rate_ci(0, 0.0)
    assert math.isnan(r.rate)
    assert math.isnan(r.high)


# Case 5: per rescales everything
def test_per():
    a, b = poisson_rate_ci(4, 80, per=100), poisson_rate_ci(4, 80, per=1000)
    assert b.rate == pytest.approx(10 * a.rate)
    assert b.high == pytest.approx(10 * a.high)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1, 10), "'events'"),
        ((1, -1.0), "'person_time'"),
        ((1, float("inf")), "'person_time'"),
        ((1, 10, 0), "'level'"),
        ((1, 10, 0.95, 0), "'per'"),
    ],
)
def test_bad_arguments(args, match):
    with pytest.raises(OptionError, match=match):
        poisson_rate_ci(*args)


# Property: the interval contains the rate and more events move both bounds up
@given(k=st.integers(0, 300), t=st.floats(0.5, 5000))
def test_interval_properties(k, t):
    r, r1 = poisson_rate_ci(k, t), poisson_rate_ci(k + 1, t)
    assert 0 <= r.low <= r.rate <= r.high
    assert r1.low >= r.low
    assert r1.high > r.high
