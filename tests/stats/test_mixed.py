"""mixed_slope: the exact sufficient-statistics REML fit against statsmodels MixedLM (oracle)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.regression.mixed_linear_model import MixedLM

from msrwe.errors import InputError, OptionError
from msrwe.stats import mixed_slope

RESULTS = Path(__file__).parents[1] / "results" / "stats"


@pytest.fixture(scope="module")
def data() -> pl.DataFrame:
    return pl.read_csv(RESULTS / "mixed_input.csv")


def sm_fit(df: pd.DataFrame, y: str, t: str, g: str, slope: bool):
    """statsmodels' REML fit of the same model (the oracle).

    statsmodels' default optimiser (BFGS) sometimes stops far from the optimum on these data
    (e.g. cohort seed 1: llf -65.50 instead of -62.79, "Gradient optimization failed"), so the
    oracle is its L-BFGS fit, or the best converged of BFGS and Nelder-Mead when that fails.
    """
    exog = np.column_stack([np.ones(len(df)), df[t].to_numpy(float)])
    model = MixedLM(
        df[y].to_numpy(float), exog, groups=df[g].to_numpy(), exog_re=exog if slope else None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = [model.fit(reml=True, method="lbfgs", maxiter=5000)]
        if not fits[0].converged:
            fits += [model.fit(reml=True, method=m, maxiter=5000) for m in ("bfgs", "nm")]
    fits = [f for f in fits if f.converged]
    assert fits, "statsmodels did not converge"
    return max(fits, key=lambda f: f.llf)


def assert_matches(r, ref, *, slope_rel=1e-5, se_rel=1e-4, llf_abs=1e-6):
    assert r.converged
    assert r.slope == pytest.approx(ref.fe_params[1], rel=slope_rel, abs=1e-9)
    assert r.se == pytest.approx(ref.bse[1], rel=se_rel)
    lo, hi = ref.conf_int(alpha=1 - r.level)[1]
    assert r.ci_low == pytest.approx(lo, rel=se_rel, abs=1e-7)
    assert r.ci_high == pytest.approx(hi, rel=se_rel, abs=1e-7)
    assert r.llf == pytest.approx(ref.llf, abs=llf_abs)
    assert r.var_residual == pytest.approx(ref.scale, rel=1e-4)
    cov = np.asarray(ref.cov_re)
    tol = 1e-4 * max(abs(cov[0, 0]), ref.scale)
    assert r.var_intercept == pytest.approx(cov[0, 0], abs=tol)
    if r.random_slope:
        assert r.var_slope == pytest.approx(cov[1, 1], abs=tol)
        assert r.cov_intercept_slope == pytest.approx(cov[0, 1], abs=tol)
    else:
        assert (r.var_slope, r.cov_intercept_slope) == (0.0, 0.0)


def cohort(seed: int, n_pat: int, max_visits: int, slope_sd: float = 0.15) -> pd.DataFrame:
    """Unbalanced cohort: 1..max_visits visits per patient at irregular times (as the golden)."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_pat):
        b0, b1 = rng.normal(4.0, 1.2), rng.normal(0.2, slope_sd)
        for t in np.sort(rng.uniform(0, 8, rng.integers(1, max_visits + 1))):
            rows.append({"pid": f"id{p}", "t": t, "y": b0 + b1 * t + rng.normal(0, 0.5)})
    return pd.DataFrame(rows)


# Case 1: golden numbers of statsmodels' formula interface (tests/results/stats/make_golden.py)
def test_against_golden(data, golden):
    ref = golden["mixed_slope"]["random_slope"]
    r = mixed_slope(data, "edss", "years", "patient_id")
    assert r.random_slope
    assert r.converged
    assert r.note == ""
    assert r.slope == pytest.approx(ref["slope"], rel=1e-5)
    assert r.se == pytest.approx(ref["se"], rel=1e-4)
    assert r.ci_low == pytest.approx(ref["ci_low"], rel=1e-4)
    assert r.ci_high == pytest.approx(ref["ci_high"], rel=1e-4)
    assert r.p_value == pytest.approx(ref["p_value"], rel=1e-3)
    assert (r.n_patients, r.n_obs) == (40, data.height)
    assert r.method == "linear mixed model (REML), random intercept and slope per patient"


# Case 2: the same data, every quantity against statsmodels fitted here
def test_golden_data_against_statsmodels(data):
    pdf = data.to_pandas()
    assert_matches(mixed_slope(data, "edss", "years", "patient_id"),
                   sm_fit(pdf, "edss", "years", "patient_id", True))
    assert_matches(mixed_slope(data, "edss", "years", "patient_id", random_slope=False),
                   sm_fit(pdf, "edss", "years", "patient_id", False))


@pytest.fixture(scope="module")
def cohorts() -> tuple[pd.DataFrame, dict]:
    """Seeded cohorts and statsmodels' fits of them (tests/results/stats/make_golden_mixed.py)."""
    golden = json.loads((RESULTS / "mixed_cohorts.json").read_text())["cases"]
    return pd.read_csv(RESULTS / "mixed_cohorts.csv"), golden


def assert_matches_golden(r, ref, *, slope_rel=1e-5, se_rel=1e-4, llf_abs=1e-6):
    assert r.converged
    assert r.slope == pytest.approx(ref["slope"], rel=slope_rel)
    assert r.se == pytest.approx(ref["se"], rel=se_rel)
    assert r.ci_low == pytest.approx(ref["ci_low"], rel=se_rel, abs=1e-7)
    assert r.ci_high == pytest.approx(ref["ci_high"], rel=se_rel, abs=1e-7)
    assert r.llf == pytest.approx(ref["llf"], abs=llf_abs)
    assert r.var_residual == pytest.approx(ref["scale"], rel=1e-4)
    tol = 1e-4 * max(ref["var_intercept"], ref["scale"])
    assert r.var_intercept == pytest.approx(ref["var_intercept"], abs=tol)
    assert r.var_slope == pytest.approx(ref["var_slope"], abs=tol)
    assert r.cov_intercept_slope == pytest.approx(ref["cov_intercept_slope"], abs=tol)


# Case 3: random unbalanced cohorts of 20-300 patients with 1 to 40 visits each (single-visit
# patients included): both models agree with statsmodels
@pytest.mark.parametrize("case", ["c1", "c2", "c3", "c4"])
def test_random_cohorts_against_statsmodels(cohorts, case):
    data, golden = cohorts
    df = data[data["case"] == case]
    ref = golden[case]
    assert (df.groupby("pid").size() == 1).any()
    r = mixed_slope(df, "y", "t", "pid")
    assert (r.n_patients, r.n_obs) == (ref["n_patients"], ref["n_obs"])
    assert r.random_slope, r.note
    assert r.note == ""
    assert_matches_golden(r, ref["random_slope"])
    ri = mixed_slope(df, "y", "t", "pid", random_slope=False)
    assert_matches_golden(ri, ref["random_intercept"])
    assert r.llf > ri.llf


# Case 4: every patient has exactly the same within-patient slope (0.2 per year) and residuals
# orthogonal to time: the REML slope variance is zero (statsmodels: 5e-11, same llf as the
# random-intercept model); the random-intercept model is reported and the note says so
def test_zero_slope_variance_falls_back(cohorts):
    data, golden = cohorts
    df = data[data["case"] == "zero_slope_variance"]
    ref = golden["zero_slope_variance"]
    r = mixed_slope(df, "y", "t", "pid")
    assert not r.random_slope
    assert r.converged
    assert r.note == (
        "random slope variance estimated at zero (boundary of the parameter space); "
        "random intercept only"
    )
    assert r.method.startswith("linear mixed model (REML), random intercept per patient; random")
    assert r.slope == pytest.approx(0.2, rel=1e-6)
    assert_matches_golden(r, ref["random_intercept"])
    assert ref["random_slope"]["llf"] == pytest.approx(r.llf, abs=1e-6)


# Case 5: no between-patient spread in true slopes, noisy data: the REML maximum has intercept
# and slope perfectly correlated (statsmodels' Nelder-Mead reaches the same llf -94.08683, its
# gradient optimisers fail); that singular covariance is a boundary too, so the
# random-intercept model is reported
def test_singular_covariance_falls_back(cohorts):
    data, golden = cohorts
    df = data[data["case"] == "no_slope_spread"]
    ref = golden["no_slope_spread"]
    r = mixed_slope(df, "y", "t", "pid")
    assert not r.random_slope
    assert "perfectly correlated" in r.note
    assert r.note.endswith("; random intercept only")
    assert_matches_golden(r, ref["random_intercept"])


# Case 5b: no between-patient variation at all (residuals of alternating sign around one line):
# the intercept variance is estimated at zero, so the model is ordinary least squares; llf is
# the closed-form REML log-likelihood of the linear model, slope and SE are statsmodels' OLS
def test_zero_intercept_variance_is_ols():
    import statsmodels.api as sm

    pattern = np.array([0.5, -0.5, -0.5, 0.5])
    sign = lambda p: 1 if p % 2 else -1  # noqa: E731
    rows = [
        {"pid": p, "t": float(t), "y": 1 + 0.3 * t + sign(p) * pattern[t] * (1 + p / 10)}
        for p in range(10)
        for t in range(4)
    ]
    df = pd.DataFrame(rows)
    exog = np.column_stack([np.ones(len(df)), df["t"]])
    ols = sm.OLS(df["y"].to_numpy(), exog).fit()
    dof = len(df) - 2
    rss = float(ols.ssr)
    reml_llf = -0.5 * (
        dof * np.log(2 * np.pi * rss / dof) + np.linalg.slogdet(exog.T @ exog)[1] + dof
    )
    for random_slope in (False, True):
        r = mixed_slope(df, "y", "t", "pid", random_slope=random_slope)
        assert not r.random_slope
        assert r.converged
        assert r.note.endswith(
            "random intercept variance estimated at zero (boundary of the parameter space): "
            "no between-patient variation beyond the residual"
        )
        assert r.slope == pytest.approx(ols.params[1], rel=1e-9)
        assert r.se == pytest.approx(ols.bse[1], rel=1e-6)
        assert r.llf == pytest.approx(reml_llf, abs=1e-6)
        assert r.var_residual == pytest.approx(rss / dof, rel=1e-9)
        assert r.var_intercept == pytest.approx(0.0, abs=1e-9)


# Case 6: noise-free parallel lines: no crash, slope exact
def test_degenerate_parallel_lines():
    rows = [{"pid": f"p{p}", "t": float(t), "y": 3.0 + p * 0.5 + 0.25 * t}
            for p in range(6) for t in range(4)]
    r = mixed_slope(pd.DataFrame(rows), "y", "t", "pid")
    if r.note.startswith("not estimable"):
        assert r.slope != r.slope
    else:
        assert r.slope == pytest.approx(0.25, abs=1e-6)


# Case 7: pandas input gives the same answer as Polars input
def test_pandas_input(data):
    a = mixed_slope(data, "edss", "years", "patient_id")
    b = mixed_slope(data.to_pandas(), "edss", "years", "patient_id")
    assert a == b


# Case 8: too little data gives NaN and a reason, not an error
@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (pl.DataFrame({"pid": ["a", "a"], "t": [0.0, 1.0], "y": [1.0, 2.0]}), "fewer than 2"),
        (pl.DataFrame({"pid": ["a", "b", "c"], "t": [0.0] * 3, "y": [1.0, 2.0, 3.0]}), "same time"),
        (pl.DataFrame({"pid": ["a", "a", "b", "b"], "t": [0.0, 1.0] * 2, "y": [1.0, 2.0] * 2}),
         "no residual variation"),
    ],
)
def test_not_estimable(frame, reason):
    r = mixed_slope(frame, "y", "t", "pid")
    assert r.slope != r.slope
    assert reason in r.note


# Case 9: missing values are dropped before fitting
def test_missing_dropped(data):
    with_gap = data.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(None).otherwise(pl.col("edss")).alias("edss")
    )
    r = mixed_slope(with_gap, "edss", "years", "patient_id")
    assert r.n_obs == data.height - 1
    assert r.slope == mixed_slope(data.slice(1), "edss", "years", "patient_id").slope


def test_missing_column(data):
    with pytest.raises(InputError, match="no column 'score'"):
        mixed_slope(data, "score", "years", "patient_id")


def test_infinite_value(data):
    bad = data.with_columns(pl.lit(float("inf")).alias("edss"))
    with pytest.raises(InputError, match="finite"):
        mixed_slope(bad, "edss", "years", "patient_id")


def test_bad_options(data):
    with pytest.raises(OptionError, match="'level'"):
        mixed_slope(data, "edss", "years", "patient_id", level=95)
    with pytest.raises(OptionError, match="'random_slope'"):
        mixed_slope(data, "edss", "years", "patient_id", random_slope="no")


# Case 10: the interval follows the level
def test_level(data):
    r90 = mixed_slope(data, "edss", "years", "patient_id", level=0.9)
    assert_matches(r90, sm_fit(data.to_pandas(), "edss", "years", "patient_id", True))


# Case 11: order of rows and the patients' labels do not matter (cohorts large enough for the
# model to be identified: with a handful of measurements the residual variance can go to 0)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), n_pat=st.integers(8, 20), max_visits=st.integers(3, 8))
def test_invariant_to_order_and_labels(seed, n_pat, max_visits):
    """Slope to 1e-5, SE to 1e-4, the tolerances against statsmodels. With 15 measurements
    (seed 3550, 8 patients) the likelihood is so flat that two orders reach maxima 1e-12 apart
    in llf with slopes 1e-6 apart: the optimum is defined only to that precision."""
    df = cohort(seed, n_pat, max_visits)
    rng = np.random.default_rng(seed)
    r = mixed_slope(df, "y", "t", "pid")
    relabel = {p: f"x{rng.integers(10**9)}-{i}" for i, p in enumerate(df["pid"].unique())}
    shuffled = df.sample(frac=1.0, random_state=seed).assign(pid=lambda d: d["pid"].map(relabel))
    s = mixed_slope(shuffled, "y", "t", "pid")
    assert (s.random_slope, s.n_patients, s.n_obs) == (r.random_slope, r.n_patients, r.n_obs)
    if r.slope == r.slope:
        assert s.slope == pytest.approx(r.slope, rel=1e-5, abs=1e-9)
        assert s.se == pytest.approx(r.se, rel=1e-4)
        assert s.llf == pytest.approx(r.llf, abs=1e-8)


# Case 12: a larger registry-like cohort (1,500 patients, up to 30 visits) where statsmodels'
# own optimiser is slow or stops early: statsmodels started at msrwe's estimate stays there
# (its score is zero there), with the same log-likelihood, slope and SE
def test_statsmodels_started_at_estimate_stays():
    df = cohort(21, 1500, 30, slope_sd=0.1)
    r = mixed_slope(df, "y", "t", "pid")
    assert r.random_slope
    psi = np.array(
        [[r.var_intercept, r.cov_intercept_slope], [r.cov_intercept_slope, r.var_slope]]
    ) / r.var_residual
    chol = np.linalg.cholesky(psi)
    exog = np.column_stack([np.ones(len(df)), df["t"].to_numpy(float)])
    model = MixedLM(df["y"].to_numpy(float), exog, groups=df["pid"].to_numpy(), exog_re=exog)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = model.fit(reml=True, method="lbfgs", start_params=chol[np.tril_indices(2)])
    assert ref.converged
    assert ref.llf == pytest.approx(r.llf, abs=1e-6)
    assert_matches(r, ref)
