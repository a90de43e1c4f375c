"""Number formatting: the one place that decides how a value looks in the report."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.report.formatting import (
    fmt_ci,
    fmt_edss,
    fmt_int,
    fmt_n_pct,
    fmt_n_pct_events,
    fmt_num,
    fmt_p,
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((10, 12.048, 14), "10 (12.0%) [14]"),  # Case 1: Stark 2019 headache, 10/83
        ((44, 53.012, 44), "44 (53.0%) [44]"),  # Case 2: fatigue, 44/83
        ((0, 0.0, 0), "0 (0.0%) [0]"),  # Case 3: no event
        ((None, None, None), "–"),  # Case 4: not computed
        ((3, None, 5), "3 [5]"),  # Case 5: no denominator
    ],
)
def test_n_pct_events(args, expected):
    assert fmt_n_pct_events(*args) == expected


def test_negative_zero_is_written_as_zero():
    assert fmt_num(-0.04, 1) == "0.0"


def test_p_values():
    assert [fmt_p(p) for p in (0.625, 0.0499, 0.00099, None)] == [
        "0.625", "0.050", "<0.001", "–"]


def test_exact_poisson_check_value_prints_as_clinical_methods_6():
    # clinical-methods §6: 10 events in 250 PY -> 4.00 per 100 PY (1.918-7.356)
    assert fmt_ci(1.918, 7.356, 2) == "1.92–7.36"


def test_edss_values():
    assert [fmt_edss(v) for v in (6.0, 6.25, 0.75, -0.5, 5.5)] == [
        "6.0", "6.25", "0.75", "-0.5", "5.5"]


@given(st.integers(0, 10_000), st.floats(0, 100, allow_nan=False))
def test_n_pct_round_trips(n, pct):
    text = fmt_n_pct(n, pct)
    count, rest = text.split(" (")
    assert int(count) == n
    assert abs(float(rest.rstrip("%)")) - pct) <= 0.05 + 1e-9


@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_int_is_nearest_integer(v):
    assert abs(int(fmt_int(v)) - v) <= 0.5
