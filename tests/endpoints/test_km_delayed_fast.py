"""The delayed-entry Kaplan-Meier of the endpoint analyses gives what it gave with lifelines.

``_km_delayed_entry`` (milestones from MS onset) computes lifelines' left-truncated curve with
:func:`msrwe.stats._km_curve.km_curve` instead of fitting ``KaplanMeierFitter`` (issue 14,
item 1); the whole result (table, median and its interval, or None when lifelines refuses the
curve) must be the one the lifelines fit gives.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

import msrwe.stats._km_curve as km_module
from msrwe.endpoints._common import _km_delayed_entry


def _lifelines_curve(tu, eu, count, *, level, entry=None):
    kmf = KaplanMeierFitter(alpha=1 - level).fit(tu, eu.astype(bool), entry=entry,
                                                 weights=count)
    return (kmf.survival_function_.index.to_numpy(dtype=float),
            kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
            kmf.confidence_interval_survival_function_.to_numpy(dtype=float))


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 250),
       n_times=st.sampled_from([6, 40, 9000]), share=st.floats(0.0, 1.0),
       min_at_risk=st.sampled_from([0, 5, 10]))
def test_delayed_entry_curve_is_the_lifelines_one(seed, n, n_times, share, min_at_risk):
    rng = np.random.default_rng(seed)
    scale = 365.25 if n_times > 400 else 2.0
    time = rng.integers(0, n_times, n) / scale
    event = (rng.random(n) < share).astype(np.int64)
    entry = rng.integers(0, n_times, n) / scale  # may exceed time: the function clips it
    at = (5.0, 10.0, 15.0)
    got = _km_delayed_entry(time, event, entry, at=at, level=0.95, min_at_risk=min_at_risk)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(km_module, "km_curve", _lifelines_curve)
        want = _km_delayed_entry(time, event, entry, at=at, level=0.95,
                                 min_at_risk=min_at_risk)
    assert (got is None) == (want is None)
    if got is None:
        return
    assert got.table.equals(want.table, null_equal=True)
    for name in ("median", "median_ci_low", "median_ci_high"):
        a, b = getattr(got, name), getattr(want, name)
        assert a == b or (np.isnan(a) and np.isnan(b))
    assert got.median_hidden == want.median_hidden
