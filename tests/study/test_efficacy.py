import datetime as dt
import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from msrwe.derive.outcomes.thresholds import EDSS_MSPROG, EDSS_TRIAL
from msrwe.derive.tte import derive_adtte
from msrwe.study.config import Study
from msrwe.study.efficacy import (
    MEASURES,
    add_efficacy,
    change_stats,
    measure_policy,
)
from msrwe.tables.results import ResultsTable

d = dt.date
EDSS = MEASURES[0]
B8 = [6.0, 6.5, 6.0, 7.0, 6.5, 5.5, 6.0, 6.5]
F8 = [6.0, 6.5, 6.5, 7.0, 6.0, 6.0, 6.5, 6.5]


# Case 1: the Wilcoxon check of clinical-methods 8, also against scipy
@pytest.mark.parametrize(("zero_method", "w"), [("wilcox", 2.5), ("pratt", 6.5)])
def test_case1_wilcoxon_check_values(zero_method, w):
    s, method = change_stats(B8, F8, EDSS_MSPROG, zero_method=zero_method)
    ref = stats.wilcoxon(F8, B8, zero_method=zero_method)
    assert s["statistic"] == w == pytest.approx(ref.statistic)
    assert s["p_value"] == pytest.approx(0.625)
    assert s["p_value"] == pytest.approx(ref.pvalue)
    assert s["n"] == 8
    assert s["n_zero"] == 4
    assert s["exact"] == 1.0
    assert method == f"Wilcoxon signed-rank, zero_method={zero_method}, exact p"


# Case 2: improved/stable/worsened follow the threshold policy; 5.5 -> 6.0 is where they differ
def test_case2_policy_decides_worsening():
    s, _ = change_stats(B8, F8, EDSS_MSPROG)
    # +0.5 from 5.5, 6.0, 6.0 (>= 5.5 needs +0.5): worsened 3; 6.5 -> 6.0 improved
    assert (s["improved"], s["stable"], s["worsened"]) == (1, 4, 3)
    assert s["worsened_pct"] == pytest.approx(37.5)
    s, _ = change_stats(B8, F8, EDSS_TRIAL)
    # trial: +1.0 up to 5.5, so 5.5 -> 6.0 is stable; 6.0 -> 6.5 still worsened (+0.5 above 5.5)
    assert (s["improved"], s["stable"], s["worsened"]) == (1, 5, 2)
    assert s["baseline_median"] == 6.25
    assert s["last_median"] == 6.5
    assert s["change_median"] == 0.0
    assert s["change_q1"] == 0.0
    assert s["change_q3"] == pytest.approx(np.quantile(np.subtract(F8, B8), 0.75))


# Case 3: missing pairs are dropped; nothing to compare gives missing values and a reason
def test_case3_missing_and_empty():
    s, _ = change_stats([4.0, None, 3.0], [5.0, 6.0, None], EDSS_MSPROG)
    assert s["n"] == 1
    assert s["worsened"] == 1
    s, method = change_stats([None], [5.0], EDSS_MSPROG)
    assert s["n"] == 0
    assert s["p_value"] is None
    assert s["statistic"] is None
    assert method.startswith("not computed: no patient has both")
    s, method = change_stats([4.0, 5.0], [4.0, 5.0], EDSS_MSPROG)
    assert s["p_value"] == 1.0
    assert "every difference is zero" in method


# Case 4: the 9HPT/T25FW policy is the study's percentage; 777 on the 9HPT always worsens
def test_case4_timed_test_policies():
    s = Study.from_dict({"outcomes": {"worsening_pct": 25}})
    assert measure_policy(MEASURES[2], s)(20.0) == pytest.approx(5.0)
    assert measure_policy(MEASURES[2], Study())(20.0) == pytest.approx(4.0)
    nhpt = measure_policy(MEASURES[1], Study())
    assert 700.0 + nhpt(700.0) <= 777.0


ADSL = pl.DataFrame({
    "patient_id": ["P1", "P2", "P3"],
    "group": ["SPMS", "SPMS", "PPMS"],
    "first_dose": [d(2015, 1, 1), d(2015, 1, 1), d(2016, 1, 1)],
    "last_dose": [d(2015, 9, 1), d(2015, 11, 1), d(2016, 3, 1)],
})
ADVS = pl.DataFrame({
    "patient_id": ["P1", "P1", "P1", "P1", "P2", "P2", "P2", "P3", "P3"],
    "date": [d(2015, 1, 1), d(2015, 4, 1), d(2015, 7, 1), d(2015, 10, 1),
             d(2014, 12, 1), d(2015, 6, 1), d(2015, 12, 1), d(2016, 1, 1), d(2016, 4, 1)],
    "edss": [4.0, 5.0, 5.0, 5.0, 6.0, 6.0, 6.0, 3.0, 2.0],
}).join(ADSL.select("patient_id", "first_dose"), on="patient_id").with_columns(
    (pl.col("date") - pl.col("first_dose")).dt.total_days().alias("days"),
    pl.lit(True).alias("on_treatment"),
    pl.lit(None, dtype=pl.Float64).alias("t25fw_s"),
    pl.lit(None, dtype=pl.Float64).alias("nhpt_s"),
)
RELAPSES = pl.DataFrame({"patient_id": ["P2"], "onset_date": [d(2015, 2, 1)]})


# Case 5: adtte: time from the first dose to the first CDW onset, else to the last assessment
def test_case5_derive_adtte():
    adsl = ADSL.with_columns(
        pl.Series("base_edss_date", [d(2015, 1, 1), d(2014, 12, 1), d(2016, 1, 1)])
    )
    events = pl.DataFrame({"patient_id": ["P1", "P1"], "event_type": ["CDW", "CDW"],
                           "date": [d(2015, 7, 1), d(2015, 4, 1)]})
    out = derive_adtte(adsl, ADVS, events, value="edss", param="CDW_EDSS",
                       censor_at="last_assessment")
    assert out.select("patient_id", "event", "time_days").rows() == [
        ("P1", True, 90.0), ("P2", False, 334.0), ("P3", False, 91.0)]
    # issue 9 item 11: censored at the last assessment that could have confirmed; P3's one
    # assessment after the baseline has no earlier onset to confirm: censored at 0
    out = derive_adtte(adsl, ADVS, events, value="edss", param="CDW_EDSS")
    assert out.select("patient_id", "event", "time_days").rows() == [
        ("P1", True, 90.0), ("P2", False, 334.0), ("P3", False, 0.0)]
    assert out["param"].unique().to_list() == ["CDW_EDSS"]
    # the old name and call keep working, with a warning
    import msrwe.study.efficacy as eff

    with pytest.warns(DeprecationWarning, match="msrwe.derive.tte"):
        old = eff.derive_adtte(adsl, ADVS, events, EDSS)
    assert old.equals(out)


class FakeResult:
    def __init__(self, events):
        self.events = events

    def describe(self):
        return "fake engine"


# Case 6: add_efficacy gives the engine the study's options and only assessments from baseline
@pytest.mark.filterwarnings("error")
def test_case6_engine_wiring_and_results():
    seen = {}

    def detect(visits, relapses, options):
        seen["visits"], seen["relapses"], seen["options"] = visits, relapses, options
        warnings.warn("visits: 1 odd value; used as given.", UserWarning, stacklevel=2)
        return FakeResult(pl.DataFrame({"patient_id": ["P1"], "event_type": ["CDW"],
                                        "date": [d(2015, 4, 1)]}))

    study = Study.from_dict({"outcomes": {"conf_days": 168, "delta_fun": "trial"},
                             "analysis": {"km_years": [0.5, 1], "km_min_at_risk": 0}})
    from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment

    adsl = derive_vars_last_on_treatment(derive_vars_baseline(ADSL, ADVS), ADVS)
    r = ResultsTable()
    out = add_efficacy(r, adsl=adsl, advs=ADVS, relapses=RELAPSES, study=study, detect=detect)
    assert seen["options"].conf_days == (168.0,)
    assert seen["options"].RAW_PIRA is False
    assert seen["options"].delta_fun.name == "trial"
    assert seen["options"].outcome == "edss"
    assert seen["options"].value_col == "edss"
    assert seen["visits"].height == 9  # every visit is on or after its patient's baseline
    assert seen["relapses"].height == 1
    # the engine's data warnings go into its description, not onto the console
    assert out.engine == {"edss": "fake engine Data notes: visits: 1 odd value; used as given."}
    assert out.adevents["param"].to_list() == ["CDW_EDSS"]
    # edss_change per group and overall, with the names other tools rely on
    res = r.to_polars()
    ch = res.filter(pl.col("analysis") == "edss_change")
    assert set(ch["group"]) == {"SPMS", "PPMS", "overall"}
    assert set(ch["variable"]) == {"edss"}
    assert set(ch["level"]) == {""}
    for stat in ("n", "baseline_median", "last_median", "change_median", "improved", "stable",
                 "worsened", "statistic", "p_value"):
        assert stat in set(ch["stat"]), stat
    assert r.get("edss_change", "n") == 3
    assert r.get("edss_change", "worsened") == 1  # P1 4 -> 5
    assert r.get("edss_change", "improved") == 1  # P3 3 -> 2
    assert r.get("edss_change", "stable", group="SPMS") == 1
    ref = stats.wilcoxon([5.0, 6.0, 2.0], [4.0, 6.0, 3.0])
    assert r.get("edss_change", "p_value") == pytest.approx(ref.pvalue)
    # time_to_cdw: Kaplan-Meier at the study's times, against lifelines
    from lifelines import KaplanMeierFitter

    # P3 has one assessment after the baseline, which could confirm nothing: censored at 0
    # (issue 9 item 11); km_min_at_risk = 0 in this study, so every time is reported
    t = np.array([90.0, 334.0, 0.0]) / 365.25
    e = np.array([1, 0, 0])
    km = KaplanMeierFitter().fit(t, e)
    assert r.get("time_to_cdw", "events") == 1
    assert r.get("time_to_cdw", "n") == 3
    for year in (0.5, 1.0):
        lvl = f"{year:g}"
        assert r.get("time_to_cdw", "survival", level=lvl) == pytest.approx(
            float(km.survival_function_at_times(year).iloc[0]))
        assert r.get("time_to_cdw", "n_at_risk", level=lvl) == int((t >= year).sum())
        ci = km.confidence_interval_survival_function_
        row = ci[ci.index <= year].iloc[-1]
        assert r.get("time_to_cdw", "ci_low", level=lvl) == pytest.approx(float(row.iloc[0]))
        assert r.get("time_to_cdw", "ci_high", level=lvl) == pytest.approx(float(row.iloc[1]))
    assert r.get("time_to_cdw", "survival", level="0.5") == pytest.approx(1 / 2)  # P3 out at 0
    assert r.get("time_to_cdw", "events", group="PPMS") == 0
    # the timed tests are not measured: no rows for them
    assert "nhpt_change" not in set(res["analysis"])
    assert "t25fw_change" not in set(res["analysis"])


# Case 7: the default engine is the real outcome engine (a missing one fails, never a silent
# "not computed" row)
def test_case7_default_engine_is_the_real_one():
    from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment

    adsl = derive_vars_last_on_treatment(derive_vars_baseline(ADSL, ADVS), ADVS)
    r = ResultsTable()
    out = add_efficacy(r, adsl=adsl, advs=ADVS, relapses=RELAPSES, study=Study())
    rows = r.to_polars().filter(pl.col("analysis") == "time_to_cdw")
    assert rows.height
    assert rows["value"].null_count() < rows.height
    assert not any(str(m).startswith("not computed") for m in rows["method"].to_list())
    assert out.engine["edss"].startswith("Confirmed EDSS worsening (CDW) was detected")


EDSS_VALUES = [0.0, *np.arange(1.0, 10.5, 0.5).tolist()]


# Case 8 (property): every pair is improved, stable or worsened; the statistic is scipy's
@settings(max_examples=25, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(EDSS_VALUES), st.sampled_from(EDSS_VALUES)),
                      min_size=1, max_size=30))
def test_case8_property_counts_and_statistic(pairs):
    b, f = [p[0] for p in pairs], [p[1] for p in pairs]
    s, _ = change_stats(b, f, EDSS_MSPROG)
    assert s["improved"] + s["stable"] + s["worsened"] == s["n"] == len(pairs)
    diffs = np.subtract(f, b)
    if np.any(diffs != 0):
        ref = stats.wilcoxon(f, b, zero_method="wilcox", method="approx")
        assert s["statistic"] == pytest.approx(ref.statistic)
    else:
        assert s["p_value"] == 1.0
