"""QA, issue #9 item 11: Kaplan-Meier estimates a reviewer accepts.

Estimates were reported after the risk set was empty (``0 at risk; 0.333``), zero-event outcomes
showed ``1.000 (1.000-1.000)``, bootstrap intervals ``0.000 (0.000-0.000)``, the median's
interval was not R's, and patients without an event were censored at their last on-treatment
assessment rather than the last one that could have confirmed a worsening (clinical-methods 8).
Item 20: the Kaplan-Meier caption said "each year" when the ticks were every 2 years.
"""

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.derive.tte import derive_adtte
from msrwe.endpoints._common import add_km_rows
from msrwe.errors import StudyFileError
from msrwe.report.figures import km_figure
from msrwe.report.summary_tables import per_dose_table
from msrwe.report.tables import tte_table
from msrwe.study.config import Study
from msrwe.study.efficacy import MEASURES, add_time_to_event
from msrwe.study.methods import efficacy_methods
from msrwe.tables.results import ResultsTable

D = dt.date
EDSS = MEASURES[0]
R_GOLDEN = Path(__file__).parents[1] / "results" / "stats"


def _tte(times: list[float], events: list[int], group: str = "SPMS") -> tuple[pl.DataFrame,
                                                                              pl.DataFrame]:
    ids = [f"p{i}" for i in range(len(times))]
    adtte = pl.DataFrame({"patient_id": ids, "time_years": [float(t) for t in times],
                          "event": [bool(e) for e in events]})
    return adtte, pl.DataFrame({"patient_id": ids, "group": [group] * len(ids)})


def _results(times, events, study=None) -> pl.DataFrame:
    adtte, adsl = _tte(times, events)
    r = ResultsTable()
    add_time_to_event(r, adtte, adsl, EDSS, study or Study())
    return r.to_polars()


def _cell(df: pl.DataFrame, row: str, group: str = "overall") -> str:
    """The cell of the row whose label starts with ``row`` ("1 year" matches "1 years ...")."""
    frame = tte_table(df, analysis=EDSS.tte_analysis).frame
    return frame.filter(pl.col("row").str.starts_with(row))[group].item()


# Case 1: the issue's "0 at risk; 0.333": no estimate where fewer than 10 remain at risk
def test_issue9_item11_case1_no_estimate_after_the_risk_set_empties():
    # 12 patients; by 3 years only 2 are followed, by 5 years nobody
    times = [0.5, 0.8, 1.2, 1.5, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.5, 4.0]
    events = [1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0]
    df = _results(times, events)
    at5 = df.filter((pl.col("level") == "5") & (pl.col("group") == "overall"))
    got = dict(zip(at5["stat"], at5["value"], strict=True))
    assert got["n_at_risk"] == 0
    assert got["survival"] is None
    assert got["cum_incidence_pct"] is None
    why = at5.filter(pl.col("stat") == "survival")["method"].item()
    assert why.startswith("not reported: fewer than 10 at risk")
    assert _cell(df, "5 year") == "0 at risk; not reported (fewer than " \
        "10 at risk)"
    assert _cell(df, "3 year").endswith("not reported (fewer than 10 at "
                                                              "risk)")
    # where 10 or more are at risk the estimate is there
    assert _cell(df, "1 year").startswith("10 at risk; 0.917 (")
    # the rule is stated with the method
    notes = tte_table(df, analysis=EDSS.tte_analysis).html
    assert "estimates stop where fewer than 10 patients remain at risk" in notes


# Case 2: zero events: "no events", never 1.000 (1.000-1.000), in the table and the median
def test_issue9_item11_case2_zero_events_say_no_events():
    df = _results([1.5] * 6 + [3.0] * 8, [0] * 14)
    assert _cell(df, "1 year") == "14 at risk; no events"
    assert _cell(df, "Median, years (95% CI)") == "no events"
    html = tte_table(df, analysis=EDSS.tte_analysis).html
    assert "1.000 (1.000" not in html
    ci = df.filter((pl.col("stat") == "ci_low") & (pl.col("level") == "1"))
    assert ci["value"].to_list() == [None, None]
    assert ci["method"].str.starts_with("not estimable: no events").all()


# Case 3: a rate without events has no bootstrap interval: "no events", not 0.000 (0.000-0.000)
def test_issue9_item11_case3_per_dose_without_events():
    from msrwe.study._per_dose import ratio_interval, resample_weights

    ev, doses = np.zeros(4), np.array([10.0, 12.0, 8.0, 9.0])
    w = resample_weights(4, np.random.default_rng(1))
    lo, hi, how = ratio_interval(ev, doses, 0.95, w)
    assert (lo, hi) == (None, None)
    assert how.startswith("not estimable: no events; events / administrations; patient-level "
                          "bootstrap")
    r = ResultsTable()
    r.add_stats("ae_per_administration", "overall", "term", "nausea",
                {"administrations": 39, "events": 0, "rate": 0.0, "ci_low": lo, "ci_high": hi},
                label="nausea", method=how)
    frame = per_dose_table(r.to_polars(), analysis="ae_per_administration").frame
    assert frame.row(0) == ("nausea", "0 / 39", "no events")
    assert "0.000 (0.000" not in per_dose_table(r.to_polars(),
                                                analysis="ae_per_administration").html


# Case 4: the median comes with its interval, as R's print.survfit gives them
@pytest.mark.parametrize("case", ["flat_then_drop", "random60", "ties200"])
def test_issue9_item11_case4_median_and_interval_as_r(case):
    data = pl.read_csv(R_GOLDEN / "km_median_input.csv").filter(pl.col("case") == case)
    want = pl.read_csv(R_GOLDEN / "km_median.csv").filter(pl.col("case") == case).row(
        0, named=True)
    study = Study.from_dict({"analysis": {"km_min_at_risk": 0}})
    df = _results(data["time"].to_list(), data["event"].to_list(), study)
    top = df.filter((pl.col("level") == "") & (pl.col("group") == "overall"))
    got = dict(zip(top["stat"], top["value"], strict=True))
    assert got["median"] == pytest.approx(want["median"])
    assert got["median_ci_low"] == pytest.approx(want["lower"])
    if want["upper"] is None:
        assert got["median_ci_high"] is None
    else:
        assert got["median_ci_high"] == pytest.approx(want["upper"])


def test_issue9_item11_case4b_median_cell_shows_the_interval_or_why():
    df = _results([0.5, 1.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0] * 2,
                  [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0] * 2)
    cell = _cell(df, "Median, years (95% CI)")
    assert cell[0].isdigit()
    assert "(" in cell
    # median reached only where fewer than 10 remain: not estimable, and why
    df = _results([0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4],
                  [0, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1])
    assert _cell(df, "Median, years (95% CI)") == "not estimable (fewer than 10 at risk)"


# Case 5: censored at the last assessment that could have served as a confirmation
ADSL = pl.DataFrame({
    "patient_id": ["A", "B", "C", "D"], "group": ["SPMS"] * 4,
    "first_dose": [D(2020, 1, 1)] * 4, "base_edss_date": [D(2020, 1, 1)] * 4,
})
_DAYS = {"A": [0, 100, 365, 400], "B": [0, 365, 400], "C": [0, 100, 1000], "D": [0, 100, 200]}
ADVS = pl.DataFrame(
    [(p, D(2020, 1, 1) + dt.timedelta(days=k), True, 4.0) for p, ks in _DAYS.items() for k in ks],
    schema=["patient_id", "date", "on_treatment", "edss"], orient="row")
NO_EVENTS = pl.DataFrame(schema={"patient_id": pl.String, "event_type": pl.String,
                                 "date": pl.Date})
RELAPSES = pl.DataFrame({"patient_id": ["A"], "onset_date": [D(2020, 1, 1) + dt.timedelta(390)]})


def test_issue9_item11_case5_censored_at_the_last_confirmable_assessment():
    from msrwe.derive.tte import confirmation_rule

    rule = confirmation_rule(Study().outcomes.options)  # 84 days, -7/+730.5, 30 after a relapse
    out = derive_adtte(ADSL, ADVS, NO_EVENTS, value="edss", param="CDW_EDSS",
                       relapses=RELAPSES, **rule)
    got = dict(zip(out["patient_id"], out["time_days"], strict=True))
    # A: day 400 lies 10 days after a relapse (cannot confirm); day 365 confirms an onset at 100
    # B: day 400 is 35 days after 365, the only possible onset; nothing could confirm: 0
    # C: day 1000 is 900 days after 100, beyond the 814.5-day window: 0
    # D: day 200 is 100 days after 100: it could confirm
    assert got == {"A": 365.0, "B": 0.0, "C": 0.0, "D": 200.0}
    old = derive_adtte(ADSL, ADVS, NO_EVENTS, value="edss", param="CDW_EDSS",
                       censor_at="last_assessment")
    assert dict(zip(old["patient_id"], old["time_days"], strict=True)) == {
        "A": 400.0, "B": 400.0, "C": 1000.0, "D": 200.0}


def test_issue9_item11_case5b_confirmation_rule_follows_the_outcome_options():
    from msrwe.derive.tte import confirmation_rule

    s = Study.from_dict({"outcomes": {"conf_days": 168}})
    assert confirmation_rule(s.outcomes.options)["windows"] == ((161.0, 898.5),)
    out = derive_adtte(ADSL, ADVS, NO_EVENTS, value="edss", param="CDW_EDSS",
                       **confirmation_rule(s.outcomes.options))
    # D's day 200 is only 100 days after 100: no longer a possible confirmation
    assert dict(zip(out["patient_id"], out["time_days"], strict=True))["D"] == 0.0


# Case 6 (item 20): the caption says how often the numbers at risk are given, as the axis does
def test_issue9_item11_case6_km_caption_true_to_the_axis():
    short = km_figure(pl.DataFrame({"time_days": [100.0 * i for i in range(1, 13)],
                                    "event": [1, 0] * 6}))
    assert "at the start of each year" in short.caption
    assert "curves stop where fewer than 10 patients remain at risk" in short.caption
    long = km_figure(pl.DataFrame({"time_days": [365.25 * i for i in range(1, 13)],
                                   "event": [1, 0] * 6}), min_at_risk=0)
    assert "every 2 years" in long.caption
    assert "each year" not in long.caption
    assert "curves stop" not in long.caption


# Case 7: the rule is a study-file key, validated, stated, and in the settings round trip
def test_issue9_item11_case7_study_file_keys():
    s = Study.from_dict({"analysis": {"km_min_at_risk": 5, "censor_at": "last_assessment"}})
    assert Study.from_toml_text(s.to_toml()) == s
    assert "km_min_at_risk = 5" in s.to_toml()
    assert Study().analysis.km_min_at_risk == 10
    assert Study().analysis.censor_at == "confirmable"
    for bad, match in ((-1, r"analysis\.km_min_at_risk must be at least 0"),
                       (2.5, r"analysis\.km_min_at_risk must be a whole number"),
                       (float("nan"), r"analysis\.km_min_at_risk must be a whole number")):
        with pytest.raises(StudyFileError, match=match):
            Study.from_dict({"analysis": {"km_min_at_risk": bad}})
    with pytest.raises(StudyFileError, match=r"analysis\.censor_at must be one of confirmable"):
        Study.from_dict({"analysis": {"censor_at": "last"}})
    text = " ".join(efficacy_methods(Study()))
    assert "stop where fewer than 10 patients remain at risk" in text
    assert "could have served as a confirmation" in text
    old = " ".join(efficacy_methods(Study.from_dict({"analysis": {"censor_at":
                                                                  "last_assessment"}})))
    assert "could have served as a confirmation" not in old


# Property: through the results table, no Kaplan-Meier row reports an estimate where fewer than
# km_min_at_risk patients are at risk, and none has a degenerate interval
@settings(max_examples=30, deadline=None)
@given(
    data=st.lists(st.tuples(st.floats(0, 8, allow_nan=False), st.booleans()),
                  min_size=1, max_size=40),
    m=st.integers(0, 15),
)
def test_issue9_item11_property_no_estimate_below_min_at_risk(data, m):
    t = np.array([round(d[0], 2) for d in data])
    e = np.array([int(d[1]) for d in data])
    r = ResultsTable()
    add_km_rows(r, analysis="arr", group="overall", variable="relapse_free", time=t, event=e,
                at=[0.5, 1, 2, 3, 5], level=0.95, label="x", min_at_risk=m)
    df = r.to_polars().filter(pl.col("level") != "")
    for _, rows in df.group_by("level"):
        got = dict(zip(rows["stat"], rows["value"], strict=True))
        if got["n_at_risk"] < m:
            assert got["survival"] is None
        lo, hi = got["ci_low"], got["ci_high"]
        if lo is not None:
            assert lo < hi


# Property: the confirmable censoring date is an assessment, never after the last one, and it
# lies within the confirmation window after an earlier post-baseline assessment (else time 0)
@settings(max_examples=40, deadline=None)
@given(days=st.lists(st.lists(st.integers(1, 2000), min_size=0, max_size=8, unique=True),
                     min_size=1, max_size=5),
       low=st.integers(1, 200), width=st.integers(0, 900))
def test_issue9_item11_property_confirmable_censoring(days, low, width):
    ids = [f"p{i}" for i in range(len(days))]
    start = D(2020, 1, 1)
    adsl = pl.DataFrame({"patient_id": ids, "group": ["X"] * len(ids),
                         "first_dose": [start] * len(ids), "base_edss_date": [start] * len(ids)})
    rows = [(p, start + dt.timedelta(days=k), True, 4.0)
            for p, ks in zip(ids, days, strict=True) for k in [0, *ks]]
    advs = pl.DataFrame(rows, schema=["patient_id", "date", "on_treatment", "edss"],
                        orient="row")
    new = derive_adtte(adsl, advs, NO_EVENTS, value="edss", param="CDW_EDSS",
                       windows=[(float(low), float(low + width))])
    old = derive_adtte(adsl, advs, NO_EVENTS, value="edss", param="CDW_EDSS",
                       censor_at="last_assessment")
    assert new["patient_id"].to_list() == old["patient_id"].to_list()
    for p, t_new, t_old in zip(new["patient_id"], new["time_days"], old["time_days"],
                               strict=True):
        ks = sorted(days[ids.index(p)])
        assert t_new <= t_old
        possible = [v for v in ks if any(low <= v - u <= low + width for u in ks if u < v)]
        assert t_new == (max(possible) if possible else 0.0)
