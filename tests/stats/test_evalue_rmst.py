"""e_value (hand-worked cases), rmst against survival::survfit, weighted Kaplan-Meier."""

import math
from pathlib import Path

import polars as pl
import pytest

from msrwe.errors import InputError, OptionError
from msrwe.stats import e_value, kaplan_meier, rmst, rmst_difference

GOLD = Path(__file__).parents[1] / "results" / "compare"


def cohort(name: str) -> pl.DataFrame:
    d = pl.read_csv(GOLD / f"cohort_{name}.csv")
    return d.with_columns(w_ate=pl.read_csv(GOLD / f"iptw_{name}.csv")["w_ate"])


# Case, estimate, limits, measure, rare, expected E-value and E-value of the CI (by hand):
EVALUE_CASES = [
    (1, 3.9, None, None, "rr", True, 3.9 + math.sqrt(3.9 * 2.9), None),
    (2, 0.5, 0.3, 0.8, "rr", True, 2 + math.sqrt(2), 1.25 + math.sqrt(1.25 * 0.25)),
    (3, 0.9, 0.7, 1.2, "rr", True, 1 / 0.9 + math.sqrt(1 / 0.9 * (1 / 0.9 - 1)), 1.0),
    (4, 2.0, 1.5, 2.7, "hr", True, 2 + math.sqrt(2), 1.5 + math.sqrt(0.75)),
    (5, 4.0, 2.25, 9.0, "or", False, 2 + math.sqrt(2), 1.5 + math.sqrt(0.75)),
    (6, 1.0, 0.8, 1.25, "rr", True, 1.0, 1.0),
]


@pytest.mark.parametrize(("case", "est", "lo", "hi", "measure", "rare", "e", "e_ci"),
                         EVALUE_CASES)
def test_1_e_value_cases(case, est, lo, hi, measure, rare, e, e_ci):
    got, got_ci = e_value(est, lo, hi, measure=measure, rare=rare)
    assert got == pytest.approx(e, rel=1e-12), case
    assert got_ci == (None if e_ci is None else pytest.approx(e_ci, rel=1e-12)), case


def test_2_common_outcome_hr_conversion():
    # RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)); HR 0.70 gives RR 0.78 and E 1.88
    rr = (1 - 0.5 ** math.sqrt(0.7)) / (1 - 0.5 ** math.sqrt(1 / 0.7))
    assert rr == pytest.approx(0.78, abs=2e-3)
    assert e_value(0.7, measure="hr", rare=False)[0] == pytest.approx(
        1 / rr + math.sqrt(1 / rr * (1 / rr - 1)))
    # the conversion is symmetric: HR and 1/HR give the same E-value
    assert e_value(1 / 0.7, measure="hr", rare=False)[0] == pytest.approx(
        e_value(0.7, measure="hr", rare=False)[0])


def test_3_e_value_bad_input():
    with pytest.raises(OptionError, match="> 0"):
        e_value(0.0)
    with pytest.raises(OptionError, match="bracket"):
        e_value(2.0, 2.5, 3.0)
    with pytest.raises(OptionError, match="both confidence limits"):
        e_value(2.0, 1.5)
    with pytest.raises(OptionError, match="'measure' parameter"):
        e_value(2.0, measure="rd")


@pytest.mark.parametrize("name", ["a", "b"])
def test_4_rmst_equals_survfit_rmean(name):
    d = cohort(name)
    g = pl.read_csv(GOLD / f"rmst_{name}.csv")
    gw = pl.read_csv(GOLD / f"rmst_weighted_{name}.csv")
    for arm in (0, 1):
        s = d.filter(pl.col("treat") == arm)
        est, se = rmst(s["time"], s["event"], tau=3)
        assert est == pytest.approx(g["rmean"][arm], rel=1e-9)
        assert se == pytest.approx(g["se"][arm], rel=1e-9)
        west, _ = rmst(s["time"], s["event"], tau=3, weights=s["w_ate"])
        assert west == pytest.approx(gw["rmean"][arm], rel=1e-9)


def test_5_rmst_difference():
    d = cohort("a")
    res = rmst_difference(d, time="time", event="event", group="treat", reference="0", tau=3)
    g = pl.read_csv(GOLD / "rmst_a.csv")
    assert res["diff"] == pytest.approx(g["rmean"][1] - g["rmean"][0], rel=1e-9)
    assert res["se"] == pytest.approx(math.hypot(g["se"][0], g["se"][1]), rel=1e-9)
    assert res["ci_low"] < res["diff"] < res["ci_high"]
    assert res["comparator"] == "1"
    with pytest.raises(InputError, match="beyond the longest follow-up"):
        rmst_difference(d, time="time", event="event", group="treat", reference="0", tau=60)


@pytest.mark.parametrize("name", ["a", "b"])
def test_6_weighted_kaplan_meier_equals_survfit(name):
    d = cohort(name)
    g = pl.read_csv(GOLD / f"km_{name}.csv")
    for arm in (0, 1):
        s = d.filter(pl.col("treat") == arm)
        km = kaplan_meier(s["time"], s["event"], at=[0.5, 1, 2, 3, 4], weights=s["w_ate"])
        expected = g.filter(pl.col("treat") == arm)["surv"].to_list()
        assert km.table["survival"].to_list() == pytest.approx(expected, rel=1e-9)
        assert km.weighted
        assert km.table["n_at_risk"][0] == s.filter(pl.col("time") >= 0.5).height
