"""End to end on the demo cohort (synth -> import -> analyze): the safety and exposure shape of
Stark et al. 2019 (clinical-methods 9.2): 83 patients; headache at least once in 12% (10/83),
transient fatigue in 53% (44/83); no serious related adverse event; doses every 8-11 weeks.
"""


import polars as pl
import pytest
from scipy import stats

pytestmark = pytest.mark.slow

@pytest.fixture
def result(demo_result):
    return demo_result


def rows(result, analysis, stat, group="overall"):
    df = result.results.to_polars().filter(
        (pl.col("analysis") == analysis) & (pl.col("stat") == stat) & (pl.col("group") == group)
    )
    return {(v, lev): val for v, lev, val in df.select("variable", "level", "value").iter_rows()}


def test_headache_and_fatigue_percentages(result):
    pct = rows(result, "ae_incidence", "pct")
    headache = [v for (var, lev), v in pct.items() if var == "term" and "headache" in lev]
    assert len(headache) == 1
    assert headache[0] == pytest.approx(12.0, abs=1.5)
    assert pct[("term", "fatigue")] == pytest.approx(53.0, abs=1.5)
    # the interval is the Clopper-Pearson one of the published counts
    n = rows(result, "ae_incidence", "n")[("term", "fatigue")]
    big_n = rows(result, "ae_incidence", "N")[("term", "fatigue")]
    assert big_n == 83
    ci = stats.binomtest(int(n), int(big_n)).proportion_ci(method="exact")
    assert rows(result, "ae_incidence", "ci_low")[("term", "fatigue")] == pytest.approx(
        100 * ci.low
    )


def test_no_serious_related_event(result):
    assert rows(result, "ae_related", "n")[("serious", "")] == 0
    assert rows(result, "ae_related", "N")[("serious", "")] == 83
    assert rows(result, "hospitalization", "n")[("related", "")] == 0


def test_subtypes_add_up(result):
    for stat in ("n", "events"):
        total = rows(result, "ae_incidence", stat)[("any", "")]
        parts = sum(rows(result, "ae_incidence", stat, g)[("any", "")] for g in ("SPMS", "PPMS"))
        assert parts == total


def test_post_lp_headache_is_close_to_the_dose(result):
    near = rows(result, "ae_by_days_since_dose", "pct_within_7_days")
    headache = [v for (var, lev), v in near.items() if var == "term" and "headache" in lev]
    assert headache[0] > 90
    assert near[("any", "")] < headache[0]


def test_exposure_shape(result):
    r = result.results
    assert r.get("exposure", "min", variable="n_doses") >= 18
    assert 56 <= r.get("dose_intervals", "median", variable="interval_days") <= 77
    assert r.get("dose_intervals", "pct_in_window", variable="interval_days") > 80
    addose = result.datasets["addose"]
    assert {"dose_number", "interval_days", "cum_mg"} <= set(addose.columns)
    adae = result.datasets["adae"]
    assert {"trt_emergent", "days_since_dose", "serious_flag", "related_flag"} <= set(adae.columns)
