"""``mixed_slope`` reads a Polars frame without pandas, with the same fit to the bit.

A Polars frame is reduced to patient codes, times and values by Polars (issue 14, item 1: no
pandas copy of a text id column of millions of rows); the rows kept (no null, no NaN) and the
patient codes (first appearance) are pandas' ``dropna`` and ``factorize``, so every number of
the result is the one the pandas path gives.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.stats import mixed_slope


def _frame(seed: int, n_pat: int, holes: bool, int_ids: bool, shuffle: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 7, n_pat)
    codes = np.repeat(np.arange(n_pat), k)
    t = rng.uniform(0, 6, codes.size)
    y = 3 + rng.normal(0, 1, n_pat)[codes] + 0.2 * t + rng.normal(0, 0.4, codes.size)
    ids = codes * 7 + 3 if int_ids else np.array([f"id{c:03d}" for c in codes])
    df = pl.DataFrame({"patient_id": ids, "years": t, "edss": y})
    if holes:
        miss = rng.random(codes.size)
        df = df.with_columns(
            pl.when(pl.Series(miss < 0.05)).then(None).otherwise(pl.col("edss")).alias("edss"),
            pl.when(pl.Series((miss > 0.05) & (miss < 0.08))).then(float("nan"))
            .otherwise(pl.col("years")).alias("years"),
            pl.when(pl.Series(miss > 0.97)).then(None).otherwise(pl.col("patient_id"))
            .alias("patient_id"),
        )
    if shuffle:
        df = df.sample(fraction=1.0, shuffle=True, seed=seed % 997)
    return df


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pat=st.integers(1, 60), holes=st.booleans(),
       int_ids=st.booleans(), shuffle=st.booleans(), slope=st.booleans())
def test_polars_and_pandas_inputs_give_the_same_fit(seed, n_pat, holes, int_ids, shuffle,
                                                    slope):
    df = _frame(seed, n_pat, holes, int_ids, shuffle)
    got = mixed_slope(df, "edss", "years", "patient_id", random_slope=slope)
    want = mixed_slope(df.to_pandas(), "edss", "years", "patient_id", random_slope=slope)
    for name in ("slope", "se", "ci_low", "ci_high", "p_value", "var_intercept", "var_slope",
                 "cov_intercept_slope", "var_residual", "llf"):
        assert _same(getattr(got, name), getattr(want, name)), name
    assert (got.n_patients, got.n_obs, got.random_slope, got.converged, got.note) == (
        want.n_patients, want.n_obs, want.random_slope, want.converged, want.note)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pat=st.integers(1, 40), holes=st.booleans(),
       int_ids=st.booleans(), shuffle=st.booleans())
def test_codes_of_patients_in_order_equal_factorize(seed, n_pat, holes, int_ids, shuffle):
    # assessments in patient order are coded by counting patients (no join of the ids); others
    # by the join: both are pandas' factorize, and the rows are its dropna's
    from msrwe.stats._mixed import _long_pandas, _long_polars

    df = _frame(seed, n_pat, holes, int_ids, shuffle)
    got = _long_polars(df, "edss", "years", "patient_id")
    want = _long_pandas(df.to_pandas(), "edss", "years", "patient_id")
    assert got[1] == want[1]
    for a, b in zip((got[0], got[2], got[3]), (want[0], want[2], want[3]), strict=True):
        np.testing.assert_array_equal(a, b)
