from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from msrwe.errors import InputError, OptionError
from msrwe.stats import mixed_slope

RESULTS = Path(__file__).parents[1] / "results" / "stats"


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return pl.read_csv(RESULTS / "mixed_input.csv")


# Case 1: random intercept and slope model agrees with statsmodels' formula interface
def test_against_statsmodels(data, golden):
    ref = golden["mixed_slope"]["random_slope"]
    r = mixed_slope(data, "edss", "years", "patient_id")
    assert r.random_slope
    assert r.converged
    assert r.note == ""
    assert r.slope == pytest.approx(ref["slope"], rel=1e-4)
    assert r.se == pytest.approx(ref["se"], rel=1e-3)
    assert r.ci_low == pytest.approx(ref["ci_low"], rel=1e-3)
    assert r.ci_high == pytest.approx(ref["ci_high"], rel=1e-3)
    assert (r.n_patients, r.n_obs) == (40, data.height)
    assert "random intercept and slope" in r.method


# Case 2: pandas input gives the same answer as Polars input
def test_pandas_input(data):
    a = mixed_slope(data, "edss", "years", "patient_id")
    b = mixed_slope(data.to_pandas(), "edss", "years", "patient_id")
    assert a.slope == pytest.approx(b.slope)


# Case 3: no patient variation in slope -> the random-slope model is degenerate; the result
# falls back to a random intercept (and says so) or keeps a converged model, never crashes
def test_degenerate_slope_falls_back():
    rows = []
    for p in range(6):
        for t in range(4):
            rows.append({"pid": f"p{p}", "t": float(t), "y": 3.0 + p * 0.5 + 0.25 * t})
    r = mixed_slope(pd.DataFrame(rows), "y", "t", "pid")
    assert r.slope == pytest.approx(0.25, abs=1e-6)
    if not r.random_slope:
        assert "random intercept only" in r.note
        assert "random intercept" in r.method


# Case 4: too little data gives NaN and a reason, not an error
@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (pl.DataFrame({"pid": ["a", "a"], "t": [0.0, 1.0], "y": [1.0, 2.0]}), "fewer than 2"),
        (pl.DataFrame({"pid": ["a", "b", "c"], "t": [0.0] * 3, "y": [1.0, 2.0, 3.0]}), "same time"),
    ],
)
def test_not_estimable(frame, reason):
    r = mixed_slope(frame, "y", "t", "pid")
    assert r.slope != r.slope
    assert reason in r.note


# Case 5: missing values are dropped before fitting
def test_missing_dropped(data):
    with_gap = data.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("edss")).alias("edss")
    )
    assert mixed_slope(with_gap, "edss", "years", "patient_id").n_obs == data.height - 1


def test_missing_column(data):
    with pytest.raises(InputError, match="no column 'score'"):
        mixed_slope(data, "score", "years", "patient_id")


def test_bad_level(data):
    with pytest.raises(OptionError, match="'level'"):
        mixed_slope(data, "edss", "years", "patient_id", level=95)


# Case 6: no between-patient spread in slopes: the random-slope model fails or sits on the
# boundary, the random-intercept model is reported (matching statsmodels') and the note says so
def test_fallback_matches_random_intercept_model():
    import numpy as np
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(1)
    rows = []
    for p in range(20):
        b = rng.normal(5, 1)
        for t in range(6):
            rows.append({"pid": f"p{p}", "t": float(t), "y": b + 0.2 * t + rng.normal(0, 0.3)})
    df = pd.DataFrame(rows)
    r = mixed_slope(df, "y", "t", "pid")
    assert not r.random_slope
    assert r.converged
    assert "random intercept only" in r.note
    assert r.method.startswith("linear mixed model (REML, statsmodels MixedLM), random intercept")
    ref = smf.mixedlm("y ~ t", df, groups=df["pid"]).fit(reml=True)
    assert r.slope == pytest.approx(ref.fe_params["t"], rel=1e-6)
    assert r.se == pytest.approx(ref.bse["t"], rel=1e-4)


# Case 7: random_slope=False fits the random-intercept model, as statsmodels' formula interface
def test_random_intercept_option(data, golden):
    ref = golden["mixed_slope"]["random_intercept"]
    r = mixed_slope(data, "edss", "years", "patient_id", random_slope=False)
    assert not r.random_slope
    assert r.slope == pytest.approx(ref["slope"], rel=1e-5)
    assert r.se == pytest.approx(ref["se"], rel=1e-3)
    assert r.ci_low == pytest.approx(ref["ci_low"], rel=1e-3)
    assert r.ci_high == pytest.approx(ref["ci_high"], rel=1e-3)
    with pytest.raises(OptionError, match="'random_slope'"):
        mixed_slope(data, "edss", "years", "patient_id", random_slope="no")
