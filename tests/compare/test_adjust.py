"""Propensity model vs R glm, weights vs R, balance vs cobalt's formulas, plots, bad designs."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from msrwe.compare.balance import balance_table, love_plot, ps_overlap_plot
from msrwe.compare.propensity import (
    check_overlap,
    equipoise_share,
    fit_propensity,
    preference_score,
)
from msrwe.compare.weighting import effective_sample_size, ps_weights
from msrwe.errors import InputError, OptionError

GOLD = Path(__file__).parents[1] / "results" / "compare"
COVS = ["age", "female", "edss", "duration", "relapses2y"]


def cohort(name):
    return pl.read_csv(GOLD / f"cohort_{name}.csv")


def model(name, **kw):
    d = cohort(name)
    return fit_propensity(d.select(COVS).to_numpy(), d["treat"].to_numpy(), COVS, **kw)


@pytest.mark.parametrize("name", ["a", "b"])
def test_1_propensity_equals_glm(name):
    m = model(name)
    ps = pl.read_csv(GOLD / f"ps_{name}.csv")
    coef = pl.read_csv(GOLD / f"ps_coef_{name}.csv")
    assert m.ps == pytest.approx(ps["ps"].to_numpy(), abs=1e-7)
    assert m.logit == pytest.approx(ps["logit_ps"].to_numpy(), abs=1e-6)
    # R glm stops at a relative deviance change of 1e-8, so its coefficients carry ~1e-4
    assert m.coef_table["coef"].to_numpy() == pytest.approx(coef["coef"].to_numpy(), rel=2e-4)
    assert m.coef_table["se"].to_numpy() == pytest.approx(coef["se"].to_numpy(), rel=2e-4)
    assert m.table().columns == ["row", "treat", "ps", "logit_ps", "preference"]


def test_2_penalty_shrinks_towards_no_preference():
    plain, ridge = model("b"), model("b", penalty=50.0)
    assert abs(ridge.coefficients["edss"]) < abs(plain.coefficients["edss"])
    assert ridge.equipoise >= plain.equipoise
    assert "L2 penalty" in ridge.method
    with pytest.raises(OptionError, match="'penalty' parameter"):
        model("a", penalty=-1)


def test_3_preference_and_equipoise():
    t = np.array([1, 0, 0, 0])
    pref = preference_score(np.array([0.25, 0.25, 0.5, 0.75]), t)
    # P = 0.25: logit F = logit PS - logit 0.25
    assert pref == pytest.approx([0.5, 0.5, 0.75, 0.9])
    assert equipoise_share(pref) == 0.5
    m = model("a")
    inside = (m.preference >= 0.3) & (m.preference <= 0.7)
    assert m.equipoise == pytest.approx(float(np.mean(inside)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.with_columns(age=pl.lit(50.0)), "'age' has the same value"),
        (lambda d: d.with_columns(edss=pl.col("treat") * 3.0 + 2.0), "'edss' separates the arms"),
        (lambda d: d.with_columns(duration=pl.col("age") * 2.0), "'duration' is a combination"),
        (lambda d: d.with_columns(treat=pl.lit(0)), "comparator arm has no patients"),
        (lambda d: d.with_columns(age=pl.when(pl.col("id") == 1).then(None).otherwise("age")),
         "'age' is missing for 1"),
    ],
)
def test_4_bad_designs(change, message):
    d = change(cohort("a"))
    with pytest.raises(InputError, match=message):
        fit_propensity(d.select(COVS).to_numpy(), d["treat"].to_numpy(), COVS)


def test_5_joint_separation_and_no_overlap():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 200), rng.normal(0, 1, 200)
    t = (a + b > 0).astype(int)  # neither alone separates, together they do
    with pytest.raises(InputError, match="separate the arms"):
        fit_propensity(np.column_stack([a, b]), t, ["a", "b"])
    with pytest.raises(InputError, match="do not overlap at all"):
        check_overlap(np.array([0.1, 0.2, 0.3, 0.4]), np.array([0, 0, 1, 1]), "x vs y")


@pytest.mark.parametrize("name", ["a", "b"])
def test_6_weights_equal_r(name):
    ps = pl.read_csv(GOLD / f"ps_{name}.csv")["ps"].to_numpy()
    gold = pl.read_csv(GOLD / f"iptw_{name}.csv")
    t = cohort(name)["treat"].to_numpy()
    for est, col in (("ate", "w_ate"), ("att", "w_att"), ("ato", "w_ato")):
        w = ps_weights(ps, t, estimand=est)
        assert w.weights == pytest.approx(gold[col].to_numpy(), rel=1e-12)
        assert w.n_truncated == 0
        assert w.ess_treated == pytest.approx(effective_sample_size(w.weights[t == 1]))


def test_7_truncation():
    ps = np.array([0.02, 0.5, 0.5, 0.5, 0.98, 0.5])
    t = np.array([1, 1, 0, 0, 0, 1])
    raw = ps_weights(ps, t).weights
    capped = ps_weights(ps, t, max_weight=10)
    assert raw.max() == pytest.approx(25.0)
    assert capped.max_weight == 10.0
    assert capped.n_truncated == 2
    pct = ps_weights(ps, t, truncate_percentiles=(10, 90)).weights
    assert pct.max() == pytest.approx(np.percentile(raw, 90))
    assert "capped at 10" in capped.method
    with pytest.raises(OptionError, match="'estimand' parameter"):
        ps_weights(ps, t, estimand="atc")
    with pytest.raises(OptionError, match="truncate_percentiles"):
        ps_weights(ps, t, truncate_percentiles=(90, 10))


DESIGNS = [  # design in smd_<name>.csv, weights source, estimand
    ("before_att", None, "att"),
    ("before_ate", None, "ate"),
    ("iptw_ate", "w_ate", "ate"),
    ("overlap", "w_ato", "ato"),
    ("match_r1_cal02", "match_r1_cal02", "att"),
    ("match_r2_cal02", "match_r2_cal02", "att"),
    ("match_r1_cal02_rep", "match_r1_cal02_rep", "att"),
]


@pytest.mark.parametrize("name", ["a", "b"])
@pytest.mark.parametrize(("design", "source", "estimand"), DESIGNS)
def test_8_balance_equals_cobalt_formulas(name, design, source, estimand):
    d = cohort(name)
    if source is None:
        w = None
    elif source.startswith("match_"):
        w = pl.read_csv(GOLD / f"{source.replace('match_', f'match_{name}_')}_units.csv")[
            "weight"].to_numpy()
    else:
        w = pl.read_csv(GOLD / f"iptw_{name}.csv")[source].to_numpy()
    tab = balance_table(d.select(COVS).to_numpy(), COVS, d["treat"].to_numpy(), w,
                        estimand=estimand)
    g = pl.read_csv(GOLD / f"smd_{name}.csv", null_values="NA").filter(pl.col("design") == design)
    assert tab["covariate"].to_list() == g["covariate"].to_list()
    assert tab["smd_after"].to_numpy() == pytest.approx(g["smd"].to_numpy(), abs=1e-12)
    assert tab["mean_treated_after"].to_numpy() == pytest.approx(g["mean_treated"].to_numpy())
    vr = tab["vr_after"].to_numpy().astype(float)
    assert vr == pytest.approx(g["vr"].to_numpy().astype(float), nan_ok=True, rel=1e-12)
    assert tab["binary"].to_list() == g["binary"].to_list()


def test_9_raw_binary_and_plots(tmp_path):
    d = cohort("a")
    tab = balance_table(d.select(COVS).to_numpy(), COVS, d["treat"].to_numpy(), binary="raw")
    g = pl.read_csv(GOLD / "smd_a.csv", null_values="NA").filter(pl.col("design") == "before_att")
    female = tab.filter(pl.col("covariate") == "female")
    raw = g.filter(pl.col("covariate") == "female")["diff_raw"][0]
    assert female["smd_before"][0] == pytest.approx(raw)
    assert tab["smd_before"].equals(tab["smd_after"])
    fig = love_plot(tab, title="Balance")
    fig.savefig(tmp_path / "love.svg")
    assert "<svg" in (tmp_path / "love.svg").read_text()[:500]
    fig2 = ps_overlap_plot(model("a").table(), column="preference", labels=("mtx", "rtx"))
    fig2.savefig(tmp_path / "overlap.svg")
    assert fig2.axes[0].get_xlabel() == "preference score"
    with pytest.raises(InputError, match="no column 'smd_after'"):
        love_plot(tab.drop("smd_after"))


def test_10_penalty_is_the_stated_objective():
    from scipy import optimize

    d = cohort("a")
    x = d.select(COVS).to_numpy()
    t = d["treat"].to_numpy().astype(float)
    lam = 20.0
    m = fit_propensity(x, t.astype(int), COVS, penalty=lam)
    z = np.column_stack([np.ones(len(t)), (x - x.mean(0)) / x.std(0)])

    def objective(b):
        eta = z @ b
        return -(np.sum(t * eta - np.logaddexp(0, eta)) - lam / 2 * np.sum(b[1:] ** 2))

    best = optimize.minimize(objective, np.zeros(z.shape[1]), method="BFGS", tol=1e-12).x
    assert m.logit == pytest.approx(z @ best, abs=1e-4)
    assert np.isnan(m.coef_table["se"][1])


@pytest.mark.parametrize("estimand", ["ate", "att", "ato"])
def test_11_balance_properties(estimand):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(120, 2))
    t = (rng.random(120) < 0.4).astype(int)
    w = rng.uniform(0.2, 3, 120)
    base = balance_table(x, ["a", "b"], t, w, estimand=estimand)
    # an affine change of a covariate's unit leaves SMD and VR unchanged
    moved = balance_table(x * [3.0, 1.0] + [10.0, 0.0], ["a", "b"], t, w, estimand=estimand)
    assert moved["smd_after"].to_numpy() == pytest.approx(base["smd_after"].to_numpy())
    assert moved["vr_after"].to_numpy() == pytest.approx(base["vr_after"].to_numpy())
    ess = effective_sample_size(w)
    assert 1 <= ess <= len(w)
