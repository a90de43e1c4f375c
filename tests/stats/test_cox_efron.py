"""The vectorised Efron evaluation equals lifelines' loop, and the fit equals lifelines' fit.

``msrwe.stats._efron`` replaces only ``SemiParametricPHFitter._get_efron_values_single`` (a
Python loop over rows) in lifelines' Newton-Raphson (issue 14, item 1): the values must agree
to rounding on data with tied times, censored rows at event times and case weights, and the
fitted coefficients and model-based variance with lifelines' own ``CoxPHFitter``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter

from msrwe.stats._efron import FastCoxPHFitter, efron_values


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 120), d=st.integers(1, 3),
       n_times=st.integers(1, 25), weighted=st.booleans())
def test_values_equal_lifelines_loop(seed, n, d, n_times, weighted):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    x[:, 0] = rng.integers(0, 2, n)
    t = rng.integers(1, n_times + 1, n).astype(float)
    e = rng.random(n) < 0.6
    w = rng.random(n) + 0.5 if weighted else np.ones(n)
    o = np.lexsort((e, t))  # lifelines sorts by time, then event
    x, t, e, w = x[o], t[o], e[o], w[o]
    beta = rng.normal(size=d) * 0.5
    want = SemiParametricPHFitter()._get_efron_values_single(
        pd.DataFrame(x), pd.Series(t), pd.Series(e), pd.Series(w), None, beta)
    got = efron_values(x, t, e, w, beta)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("case", range(6))
def test_fit_equals_lifelines_fit(case):
    rng = np.random.default_rng(100 + case)
    n = 400
    df = pd.DataFrame({"g1": rng.integers(0, 2, n).astype(float),
                       "age": rng.normal(50, 10, n)})
    df["_t"] = np.ceil(rng.exponential(5 * np.exp(-0.4 * df["g1"]), n) * 4) / 4 + 0.25
    df["_e"] = (rng.random(n) < 0.7).astype(float)
    df["_w"] = rng.random(n) + 0.5 if case % 2 else 1.0
    fits = []
    for cls in (CoxPHFitter, FastCoxPHFitter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits.append(cls().fit(df, duration_col="_t", event_col="_e", weights_col="_w",
                                  fit_options={"precision": 1e-12}))
    want, got = fits
    np.testing.assert_allclose(got.params_.to_numpy(), want.params_.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(got.variance_matrix_.to_numpy(),
                               want.variance_matrix_.to_numpy(), rtol=1e-10)
    assert got.log_likelihood_ == pytest.approx(want.log_likelihood_, rel=1e-12)
