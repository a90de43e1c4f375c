"""lifelines' Kaplan-Meier arithmetic on numpy arrays (stats/_km_curve.py) is lifelines'.

``kaplan_meier`` reads an unweighted curve from :func:`km_curve` instead of fitting lifelines'
``KaplanMeierFitter`` (issue 14, item 1: ~20 ms of pandas per curve, a hundred curves per
analysis). The timeline, the survival and the Greenwood log(-log) band must be the very floats
lifelines gives, on the tie-collapsed counts and so on every patient; and ``kaplan_meier``'s
whole result must be the one it gave with lifelines.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

import msrwe.stats._survival as survival
from msrwe.stats import kaplan_meier
from msrwe.stats._km_curve import km_curve
from msrwe.stats._survival import collapse_ties


def _lifelines(t: np.ndarray, e: np.ndarray, w: np.ndarray, *, level: float):
    kmf = KaplanMeierFitter(alpha=1 - level).fit(t, e.astype(bool), weights=w)
    return (kmf.survival_function_.index.to_numpy(dtype=float),
            kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
            kmf.confidence_interval_survival_function_.to_numpy(dtype=float))


def _same(a, b) -> None:
    for x, y in zip(a, b, strict=True):
        assert x.shape == y.shape
        assert x.tobytes() == y.tobytes()


def _data(seed: int, n: int, n_times: int, share: float, zeros: bool):
    rng = np.random.default_rng(seed)
    # day-resolution follow-up in years, as the analyses give it, or a coarse grid (many ties)
    t = rng.integers(0, n_times, n) / (365.25 if n_times > 400 else 4.0)
    if zeros:
        t[: n // 3] = 0.0
    e = (rng.random(n) < share).astype(float)
    return t, e


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 400),
       n_times=st.sampled_from([3, 12, 40, 4000]), share=st.floats(0.0, 1.0),
       zeros=st.booleans(), level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_the_curve_is_lifelines_to_the_bit(seed, n, n_times, share, zeros, level):
    t, e = _data(seed, n, n_times, share, zeros)
    (tu, eu), count = collapse_ties(t, e)
    _same(km_curve(tu, eu, count, level=level), _lifelines(tu, eu, count, level=level))
    # and lifelines on one row per patient (the collapse is exact: test_km_collapse.py)
    _same(km_curve(tu, eu, count, level=level), _lifelines(t, e, np.ones(n), level=level))


def _lifelines_curve(tu, eu, count, *, level):
    return _lifelines(tu, eu, count, level=level)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300),
       n_times=st.sampled_from([5, 40, 4000]), share=st.floats(0.0, 1.0),
       min_at_risk=st.sampled_from([0, 3, 10]))
def test_kaplan_meier_gives_what_it_gave_with_lifelines(seed, n, n_times, share, min_at_risk):
    t, e = _data(seed, n, n_times, share, zeros=False)
    at = [0.0, 0.5, 1.0, 2.0, 5.0]
    got = kaplan_meier(t, e, at=at, min_at_risk=min_at_risk)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(survival, "km_curve", _lifelines_curve)
        want = kaplan_meier(t, e, at=at, min_at_risk=min_at_risk)
    assert got.table.equals(want.table, null_equal=True)
    for name in ("median", "median_ci_low", "median_ci_high", "last_reported"):
        a, b = getattr(got, name), getattr(want, name)
        assert a == b or (np.isnan(a) and np.isnan(b))
    assert (got.n, got.n_events, got.median_hidden) == (want.n, want.n_events, want.median_hidden)


def test_cases() -> None:
    # case 1: everyone has the event at one time: survival 0 from there, band missing -> 1
    t, s, ci = km_curve(np.array([2.0]), np.array([1.0]), np.array([5.0]), level=0.95)
    assert t.tolist() == [0.0, 2.0]
    assert s.tolist() == [1.0, 0.0]
    assert ci[0].tolist() == [1.0, 1.0]
    # case 2: only censoring: survival stays 1
    t, s, _ = km_curve(np.array([1.0, 3.0]), np.zeros(2), np.array([2.0, 1.0]), level=0.95)
    assert (t.tolist(), s.tolist()) == ([0.0, 1.0, 3.0], [1.0, 1.0, 1.0])
    # case 3: events at time 0 make the first row (lifelines' birth row) fall at once
    t, s, _ = km_curve(np.array([0.0, 1.0]), np.array([1.0, 0.0]), np.array([1.0, 3.0]),
                       level=0.95)
    assert t.tolist() == [0.0, 1.0]
    assert s.tolist() == pytest.approx([0.75, 0.75], rel=1e-15)  # exp(log 3 - log 4)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300),
       n_times=st.sampled_from([4, 12, 40, 4000]), share=st.floats(0.0, 1.0),
       level=st.sampled_from([0.9, 0.95]))
def test_the_delayed_entry_curve_is_lifelines_to_the_bit(seed, n, n_times, share, level):
    from lifelines.exceptions import StatError

    t, e = _data(seed, n, n_times, share, zeros=False)
    rng = np.random.default_rng(seed + 1)
    entry = np.minimum(rng.integers(0, n_times, n) / (365.25 if n_times > 400 else 4.0), t)
    (tu, eu, nu), count = collapse_ties(t, e, entry)
    try:
        kmf = KaplanMeierFitter(alpha=1 - level).fit(tu, eu.astype(bool), entry=nu,
                                                     weights=count)
    except StatError:
        with pytest.raises(StatError):
            km_curve(tu, eu, count, level=level, entry=nu)
        return
    want = (kmf.survival_function_.index.to_numpy(dtype=float),
            kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
            kmf.confidence_interval_survival_function_.to_numpy(dtype=float))
    _same(km_curve(tu, eu, count, level=level, entry=nu), want)
