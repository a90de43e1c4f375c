"""negbin_rate_ratio against MASS::glm.nb + sandwich (tests/results/compare)."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from msrwe.errors import InputError
from msrwe.stats import negbin_rate_ratio

GOLD = Path(__file__).parents[1] / "results" / "compare"


def cohort(name: str) -> pl.DataFrame:
    d = pl.read_csv(GOLD / f"cohort_{name}.csv")
    return d.with_columns(w_ate=pl.read_csv(GOLD / f"iptw_{name}.csv")["w_ate"])


def gold(name: str, design: str) -> dict:
    g = pl.read_csv(GOLD / f"nb_{name}.csv", null_values="NA")
    return g.filter(pl.col("design") == design, pl.col("term") == "treat").row(0, named=True)


CASES = [
    # (design in nb_<name>.csv, keyword arguments, SE column)
    ("naive", {"robust": False}, "se"),
    ("naive", {}, "se_hc0"),
    ("naive", {"cluster": "id"}, "se_cl"),
    ("covariates_cluster", {"covariates": ["age", "relapses2y"], "cluster": "cluster"}, "se_cl"),
    ("weighted_cluster", {"weights": "ipw", "cluster": "cluster"}, "se_cl"),
    ("iptw_ate", {"weights": "w_ate", "cluster": "id"}, "se_cl"),
]


@pytest.mark.parametrize("name", ["a", "b"])
@pytest.mark.parametrize(("design", "kwargs", "se_col"), CASES)
def test_1_equals_glm_nb_and_vcovcl(name, design, kwargs, se_col):
    g = gold(name, design)
    res = negbin_rate_ratio(cohort(name), count="relapses", person_years="py", group="treat",
                            **kwargs)
    assert np.log(res.rate_ratio) == pytest.approx(g["coef"], rel=1e-6, abs=1e-8)
    assert res.terms["se_log_rr"][0] == pytest.approx(g[se_col], rel=1e-6)
    assert 1 / res.dispersion == pytest.approx(g["theta"], rel=1e-5)


def test_2_matched_design_clustered_on_the_matched_set():
    units = pl.read_csv(GOLD / "match_a_r2_cal02_units.csv", null_values="NA")
    d = cohort("a").join(units.select("id", "weight", "subclass"), on="id")
    res = negbin_rate_ratio(d, count="relapses", person_years="py", group="treat",
                            weights="weight", cluster="subclass")
    g = gold("a", "match_r2_cal02")
    assert np.log(res.rate_ratio) == pytest.approx(g["coef"], rel=1e-6)
    assert res.terms["se_log_rr"][0] == pytest.approx(g["se_cl"], rel=1e-6)


def test_3_rates_per_level():
    d = cohort("a")
    res = negbin_rate_ratio(d, count="relapses", person_years="py", group="treat")
    rates = res.rates
    assert rates["level"].to_list() == ["0", "1"]
    assert rates["events"].to_list() == [
        int(d.filter(pl.col("treat") == k)["relapses"].sum()) for k in (0, 1)
    ]
    # a model with one rate per level: its ratio is the rate ratio of the group-only model
    assert rates["rate"][1] / rates["rate"][0] == pytest.approx(res.rate_ratio, rel=1e-5)
    assert (rates["ci_low"] < rates["rate"]).all()
    assert (rates["rate"] < rates["ci_high"]).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.with_columns(relapses=pl.lit(1.5)), "whole number"),
        (lambda d: d.with_columns(py=pl.lit(0.0)), "must be > 0"),
        (lambda d: d.with_columns(relapses=pl.lit(0)), "no event"),
        (lambda d: d.with_columns(ipw=pl.lit(-1.0)), "finite numbers >= 0"),
    ],
)
def test_4_bad_input(change, message):
    with pytest.raises(InputError, match=message):
        negbin_rate_ratio(change(cohort("a")), count="relapses", person_years="py",
                          group="treat", weights="ipw")


def test_5_three_groups():
    d = cohort("a").with_columns(
        arm=pl.when(pl.col("treat") == 1)
        .then(pl.lit("rtx"))
        .when(pl.col("id") % 2 == 0)
        .then(pl.lit("clad"))
        .otherwise(pl.lit("mtx"))
    )
    res = negbin_rate_ratio(d, count="relapses", person_years="py", group="arm",
                            reference="mtx")
    assert res.terms["term"].to_list() == ["arm=clad", "arm=rtx"]
    assert res.rates["level"].to_list() == ["clad", "mtx", "rtx"]
    ratio = res.rates.filter(pl.col("level") == "rtx")["rate"][0] / res.rates.filter(
        pl.col("level") == "mtx")["rate"][0]
    assert ratio == pytest.approx(res.terms["rate_ratio"][1], rel=1e-5)
