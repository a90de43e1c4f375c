"""End to end on the demo cohort: synth -> import -> analyze gives the published shape.

Stark et al. 2019 (clinical-methods 9.2): 83 patients (67 SPMS, 16 PPMS); headache at least once in
12%, transient fatigue in 53%; no serious related adverse event; no significant EDSS change in
either group.
"""

import importlib.util
import json
import warnings
from pathlib import Path

import polars as pl
import pytest

pytestmark = pytest.mark.slow

@pytest.fixture
def demo(demo_result):
    return demo_result, None


def test_cohort(demo):
    result, _ = demo
    r = result.results
    assert r.get("cohort", "N") == 83
    assert r.get("cohort", "N", group="SPMS") == 67
    assert r.get("cohort", "N", group="PPMS") == 16
    keys = ["analysis", "group", "variable", "level", "stat"]
    assert r.to_polars().select(keys).is_duplicated().sum() == 0  # one row per key


def test_edss_comparison_per_subtype(demo):
    result, _ = demo
    r = result.results
    for group, n in (("SPMS", 67), ("PPMS", 16), ("overall", 83)):
        assert r.get("edss_change", "n", group=group, variable="edss") == n
        p = r.get("edss_change", "p_value", group=group, variable="edss")
        assert p is not None
        assert p > 0.05  # no significant change in either group
        counts = [r.get("edss_change", s, group=group) for s in ("improved", "stable", "worsened")]
        assert sum(counts) == n
    assert r.get("edss_slope", "slope") is not None
    assert r.get("time_to_cdw", "n") == 83


def test_safety_shape(demo):
    result, _ = demo
    r = result.results
    assert r.get("ae_incidence", "N", variable="any") == 83
    df = r.to_polars().filter(
        (pl.col("analysis") == "ae_incidence") & (pl.col("group") == "overall")
        & (pl.col("variable") == "term") & (pl.col("stat") == "pct")
    )
    pct = {lev.lower(): v for lev, v in df.select("level", "value").iter_rows()}
    headache = [v for term, v in pct.items() if "headache" in term]
    assert headache == [pytest.approx(12.05, abs=0.01)]  # 10 of 83
    assert pct["fatigue"] == pytest.approx(53.01, abs=0.01)  # 44 of 83
    # Clopper-Pearson interval of 10/83 (clinical-methods 9.2): 5.93-21.04%
    level = next(term for term in pct if "headache" in term)
    lo = r.get("ae_incidence", "ci_low", variable="term", level=level)
    hi = r.get("ae_incidence", "ci_high", variable="term", level=level)
    assert (round(lo, 2), round(hi, 2)) == (5.93, 21.04)
    assert r.get("ae_related", "n", variable="serious") == 0  # no serious related event


GOLDEN = Path(__file__).parents[1] / "results" / "study" / "demo_edss_change.json"


def _golden_module():
    spec = importlib.util.spec_from_file_location("make_golden_demo",
                                                  GOLDEN.with_name("make_golden_demo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_edss_change_matches_independent_computation(demo):
    """tests/results/study/make_golden_demo.py recomputes edss_change with pandas and scipy."""
    result, _ = demo
    r = result.results
    golden = _golden_module().compute()
    assert set(golden) == set(json.loads(GOLDEN.read_text())) == {"SPMS", "PPMS", "overall"}
    for group, expected in golden.items():
        for stat, value in expected.items():
            if stat == "p_value":
                continue
            assert r.get("edss_change", stat, group=group) == pytest.approx(value), (group, stat)
    # with more than 50 non-zero differences the p value is the normal approximation, as scipy's
    assert r.get("edss_change", "exact") == 0
    assert r.get("edss_change", "p_value") == pytest.approx(golden["overall"]["p_value"])


def test_edss_slope_matches_statsmodels(demo):
    """The overall annual EDSS slope against statsmodels' MixedLM fitted here directly."""
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    result, _ = demo
    r = result.results
    adsl, advs = result.datasets["adsl"], result.datasets["advs"]
    df = (
        advs.join(adsl.select("patient_id", "base_edss_date"), on="patient_id")
        .filter(pl.col("on_treatment") & pl.col("edss").is_not_null()
                & (pl.col("date") >= pl.col("base_edss_date")))
        .with_columns((pl.col("days") / 365.25).alias("years"))
        .select("patient_id", "years", "edss")
        .sort("patient_id", "years")
        .to_pandas()
    )
    method = r.to_polars().filter(
        (pl.col("analysis") == "edss_slope") & (pl.col("group") == "overall")
    )["method"][0]
    re_formula = "~years" if "random intercept and slope" in method else "1"
    with warnings.catch_warnings():  # the reference fit may sit on the boundary: expected
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = smf.mixedlm("edss ~ years", df, groups=df["patient_id"],
                          re_formula=re_formula).fit(reml=True)
    assert r.get("edss_slope", "n_obs") == len(df)
    assert r.get("edss_slope", "slope") == pytest.approx(fit.fe_params["years"], abs=1e-4)
    lo, hi = fit.conf_int().loc["years"]
    assert r.get("edss_slope", "ci_low") == pytest.approx(lo, abs=1e-3)
    assert r.get("edss_slope", "ci_high") == pytest.approx(hi, abs=1e-3)


def test_every_name_is_documented(demo):
    """docs/results.md documents every analysis, variable and stat that analyze writes."""
    result, _ = demo
    doc = (Path(__file__).parents[2] / "docs" / "results.md").read_text()
    df = result.results.to_polars().filter(pl.col("analysis") != "table1")
    for column in ("analysis", "variable", "stat"):
        missing = sorted(n for n in df[column].unique().to_list() if f"`{n}`" not in doc)
        assert not missing, f"{column} names missing from docs/results.md: {missing}"
