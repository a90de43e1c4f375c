"""Kaplan-Meier on collapsed ties equals lifelines on every patient, to the last bit.

``kaplan_meier`` and the delayed-entry curve of the endpoint analyses give lifelines one row
per distinct (time, event[, entry]) with its count as the case weight (issue 14, item 1):
lifelines sums weights per time, so the event table, the curve and the Greenwood band must be
the very same numbers as from one row per patient.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.exceptions import StatError

from msrwe.stats import kaplan_meier
from msrwe.stats._survival import collapse_ties


def _arrays(kmf: KaplanMeierFitter) -> tuple[np.ndarray, ...]:
    return (kmf.survival_function_.index.to_numpy(dtype=float),
            kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float),
            kmf.confidence_interval_survival_function_.to_numpy(dtype=float))


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), n_times=st.integers(1, 40),
       delayed=st.booleans())
def test_collapsed_fit_equals_the_fit_on_every_patient(seed, n, n_times, delayed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, n_times, n) / 12.0
    e = (rng.random(n) < 0.5).astype(float)
    entry = np.minimum(rng.integers(0, n_times, n) / 24.0, t) if delayed else None
    cols = (t, e) if entry is None else (t, e, entry)
    uniq, count = collapse_ties(*cols)
    assert count.sum() == n

    def fit(*args, **kw):
        try:
            return KaplanMeierFitter().fit(*args, **kw)
        except StatError:  # a curve that reaches 0 early is refused
            return None

    got = fit(uniq[0], uniq[1].astype(bool), entry=None if entry is None else uniq[2],
              weights=count)
    want = fit(t, e.astype(bool), entry=entry)
    assert (got is None) == (want is None)  # the same event table: both refuse or neither
    if want is None:
        return
    for a, b in zip(_arrays(got), _arrays(want), strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200))
def test_kaplan_meier_counts_equal_the_definition(seed, n):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 15, n) / 4.0
    e = (rng.random(n) < 0.4).astype(float)
    at = [0.0, 0.5, 1.0, 2.25, 3.0, 10.0]
    km = kaplan_meier(t, e, at=at)
    assert km.table["n_at_risk"].to_list() == [int(np.sum(t >= x)) for x in at]
    assert km.table["events"].to_list() == [int(np.sum((t <= x) & (e == 1))) for x in at]
    assert km.table["censored"].to_list() == [int(np.sum((t <= x) & (e == 0))) for x in at]
