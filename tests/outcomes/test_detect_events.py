"""Numbered hand-written cases for each rule of detect_events (dates as day numbers)."""

from __future__ import annotations

import polars as pl
import pytest

from msrwe.derive.outcomes import detect_events, make_options
from msrwe.derive.outcomes.api import run_prepared
from msrwe.derive.outcomes.prepare import prepare

KEY = ["patient_id", "event_type", "cdw_type", "date", "value", "bl_date", "bl_value"]


def visits(*patients: tuple[str, list[tuple[int, float]]], col: str = "edss") -> pl.DataFrame:
    rows = [(pid, d, v) for pid, vis in patients for d, v in vis]
    return pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Int64, col: pl.Float64},
                        orient="row")


def relapses(*rows: tuple[str, int]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema={"patient_id": pl.String, "onset_date": pl.Int64},
                        orient="row")


def ev(res, cols=("patient_id", "event_type", "date", "bl_date", "bl_value", "conf84_date")):
    return res.events.select(cols).rows()


# Case 1: a +1.0 increase from 3.0 confirmed 90 days later is a CDW dated at onset
def test_case01_basic_cdw():
    res = detect_events(visits(("A", [(0, 3.0), (90, 4.0), (180, 4.0)])))
    assert ev(res) == [("A", "CDW", 90, 0, 3.0, 180)]
    assert res.events.select("time2event", "bl2event", "total_fu").row(0) == (90, 90, 180)


# Case 2: a worsening that falls back at the confirmation visit is not an event
def test_case02_unconfirmed():
    res = detect_events(visits(("A", [(0, 3.0), (90, 4.0), (180, 3.0), (270, 3.0)])))
    assert res.events.height == 0
    assert res.summary.row(0, named=True)["CDW"] == 0


# Case 3: EDSS 5.5 -> 6.0 is worsening under msprog (+0.5) but not under the trial rule (+1.0)
def test_case03_threshold_at_5_5():
    v = visits(("A", [(0, 5.5), (100, 6.0), (200, 6.0)]))
    assert detect_events(v).events.height == 1
    assert detect_events(v, delta_fun="trial").events.height == 0
    assert detect_events(v, delta_fun=lambda b: 1.0).events.height == 0


# Case 4: from EDSS 0 the change must be +1.5
def test_case04_from_zero():
    assert detect_events(visits(("A", [(0, 0.0), (100, 1.0), (200, 1.0)]))).events.height == 0
    assert detect_events(visits(("A", [(0, 0.0), (100, 1.5), (200, 1.5)]))).events.height == 1


# Case 5: the confirmation visit is the first one at least 84 - 7 = 77 days after onset
def test_case05_confirmation_window():
    res = detect_events(visits(("A", [(0, 3.0), (100, 4.0), (170, 4.0), (250, 4.0)])))
    assert ev(res) == [("A", "CDW", 100, 0, 3.0, 250)]
    # with a right tolerance of 30 days nothing lies 77-114 days after day 100, so the
    # onset becomes day 170, confirmed 80 days later
    res = detect_events(visits(("A", [(0, 3.0), (100, 4.0), (170, 4.0), (250, 4.0)])),
                        conf_tol_days=(7, 30))
    assert ev(res) == [("A", "CDW", 170, 0, 3.0, 250)]


# Case 6: an intermediate visit below threshold breaks confirmation (unless check_intermediate)
def test_case06_check_intermediate():
    v = visits(("A", [(0, 3.0), (100, 4.0), (150, 3.0), (200, 4.0)]))
    assert detect_events(v).events.height == 0
    assert ev(detect_events(v, check_intermediate=False)) == [("A", "CDW", 100, 0, 3.0, 200)]


# Case 7: a baseline within 30 days after a relapse moves to the next visit
def test_case07_relapse_to_bl():
    v = visits(("A", [(0, 2.0), (60, 3.0), (150, 4.0), (250, 4.0)]))
    assert ev(detect_events(v)) == [("A", "CDW", 60, 0, 2.0, 150)]
    assert ev(detect_events(v, relapses(("A", -10)))) == [("A", "CDW", 150, 60, 3.0, 250)]
    # a relapse more than relapse_to_bl days before the first visit is ignored altogether
    assert ev(detect_events(v, relapses(("A", -31)))) == [("A", "CDW", 60, 0, 2.0, 150)]


# Case 8: a visit within 30 days after a relapse cannot confirm
def test_case08_relapse_to_conf():
    v = visits(("A", [(0, 3.0), (100, 4.0), (190, 4.0), (300, 4.0)]))
    assert ev(detect_events(v, relapses(("A", 180)))) == [("A", "CDW", 100, 0, 3.0, 300)]
    assert ev(detect_events(v, relapses(("A", 180)), relapse_to_conf=0)) == [
        ("A", "CDW", 100, 0, 3.0, 190)]


# Case 9: RAW (onset within 90 days after a relapse), PIRA (relapse-free), undefined
def test_case09_raw_pira_undefined():
    v = visits(("R", [(0, 3.0), (100, 4.0), (200, 4.0)]),
               ("P", [(0, 3.0), (100, 4.0), (200, 4.0)]),
               ("U", [(0, 3.0), (100, 4.0), (250, 4.0)]))
    res = detect_events(v, relapses(("R", 80), ("U", 180)), RAW_PIRA=True)
    got = res.events.select("patient_id", "cdw_type", "PIRA_conf84_date").rows()
    assert got == [("R", "RAW", None), ("P", "PIRA", 200), ("U", "undefined", None)]
    assert res.summary.select("RAW", "PIRA", "undefined").sum().row(0) == (1, 1, 1)
    # without classification cdw_type is empty and there are no PIRA columns
    plain = detect_events(v, relapses(("R", 80), ("U", 180)))
    assert plain.events["cdw_type"].to_list() == ["", "", ""]
    assert "PIRA_conf84_date" not in plain.events.columns


# Case 10: a roving baseline moves to the confirmation visit; a fixed one stays
def test_case10_roving_vs_fixed():
    v = visits(("A", [(0, 2.0), (100, 3.0), (200, 3.0), (300, 4.0), (400, 4.0)]))
    rov = detect_events(v, event="multiple", baseline="roving")
    assert ev(rov) == [("A", "CDW", 100, 0, 2.0, 200), ("A", "CDW", 300, 200, 3.0, 400)]
    fix = detect_events(v, event="multiple")
    assert ev(fix) == [("A", "CDW", 100, 0, 2.0, 200), ("A", "CDW", 300, 0, 2.0, 400)]
    assert fix.events["nevent"].to_list() == [1, 2]
    assert detect_events(v).events.height == 1  # firstCDW stops at the first


# Case 11: improvement is the mirror image (CDI)
def test_case11_cdi():
    v = visits(("A", [(0, 4.0), (100, 3.0), (200, 3.0)]))
    assert detect_events(v).events.height == 0
    assert ev(detect_events(v, event="firstCDI")) == [("A", "CDI", 100, 0, 4.0, 200)]


# Case 12: sustained for the rest of follow-up (require_sust_days=inf)
def test_case12_sustained():
    v = visits(("A", [(0, 3.0), (100, 4.0), (200, 4.0), (300, 3.0)]))
    res = detect_events(v)
    assert res.events.select("sust_days", "sust_last").row(0) == (100, False)
    assert detect_events(v, require_sust_days=float("inf")).events.height == 0
    assert detect_events(v, require_sust_days=200).events.height == 1
    assert detect_events(v, require_sust_days=201).events.height == 0


# Case 13: an unconfirmed worsening at the last visit counts when imputed
def test_case13_impute_last_visit():
    v = visits(("A", [(0, 3.0), (100, 3.0), (200, 4.0)]))
    assert detect_events(v).events.height == 0
    res = detect_events(v, impute_last_visit=1)
    assert res.events.select("date", "conf84_date", "sust_last").row(0) == (200, None, True)
    assert detect_events(v, impute_last_visit=150).events.height == 0  # follow-up 200 > 150
    assert detect_events(v, impute_last_visit=200).events.height == 1


# Case 14: two rows on one date: the last one is kept (as msprog)
def test_case14_same_day_keeps_last():
    v = visits(("A", [(0, 3.0), (100, 4.0), (100, 3.0), (200, 4.0)]))
    assert detect_events(v).events.height == 0
    assert detect_events(v).summary["n_visits"].to_list() == [3]


# Case 15: row order does not matter; patients keep their order of first appearance
def test_case15_unsorted_input():
    v = visits(("B", [(200, 4.0), (0, 3.0)]), ("A", [(180, 4.0), (0, 3.0), (90, 4.0)]),
               ("B", [(100, 4.0)]))
    res = detect_events(v)
    assert res.summary["patient_id"].to_list() == ["B", "A"]
    assert ev(res) == [("B", "CDW", 100, 0, 3.0, 200), ("A", "CDW", 90, 0, 3.0, 180)]


# Case 16: SDMT worsens downwards; msprog's threshold is min(4 points, 20%)
def test_case16_sdmt():
    v = visits(("A", [(0, 50.0), (100, 45.0), (200, 45.0)]), col="sdmt")
    assert ev(detect_events(v, outcome="sdmt")) == [("A", "CDW", 100, 0, 50.0, 200)]
    v = visits(("A", [(0, 50.0), (100, 47.0), (200, 47.0)]), col="sdmt")
    assert detect_events(v, outcome="sdmt").events.height == 0
    # "4 points or 10%": from 30 a fall of 3 is enough
    v = visits(("A", [(0, 30.0), (100, 27.0), (200, 27.0)]), col="sdmt")
    assert detect_events(v, outcome="sdmt").events.height == 0
    assert detect_events(v, outcome="sdmt", delta_fun="sdmt_4_or_10pct").events.height == 1


# Case 17: custom outcome through value_col, worsening and a function
def test_case17_custom():
    v = visits(("A", [(0, 10.0), (100, 12.5), (200, 12.5)]), col="walk")
    res = detect_events(v, outcome="custom", value_col="walk", worsening="increase",
                        delta_fun=lambda b: b * 0.2)
    assert ev(res) == [("A", "CDW", 100, 0, 10.0, 200)]


# Case 18: the confirmation window and proceed_from='event' re-baseline at onset
def test_case18_proceed_from_event():
    v = visits(("A", [(0, 2.0), (100, 3.0), (200, 4.0), (300, 4.0), (400, 5.0), (500, 5.0)]))
    res = detect_events(v, event="multiple", baseline="roving", proceed_from="event")
    assert res.events.select("date", "bl_date").rows() == [(100, 0), (200, 100), (400, 200)]


# Case 19: dates, ISO strings and pandas give the same events as day numbers
def test_case19_input_types():
    import datetime as dt

    import pandas as pd

    d0 = dt.date(2020, 1, 1)
    v = pl.DataFrame({"patient_id": ["A"] * 3,
                      "date": [d0, d0 + dt.timedelta(90), d0 + dt.timedelta(180)],
                      "edss": [3.0, 4.0, 4.0]})
    a = detect_events(v).events
    assert a["date"].to_list() == [d0 + dt.timedelta(90)]
    b = detect_events(v.with_columns(pl.col("date").cast(pl.String))).events
    c = detect_events(v.to_pandas()).events
    assert a.equals(b)
    assert a.equals(c)
    assert isinstance(v.to_pandas(), pd.DataFrame)


# Case 20: the input tables are not changed
def test_case20_input_untouched():
    v = visits(("A", [(100, 4.0), (0, 3.0), (200, 4.0)]))
    before = v.clone()
    detect_events(v, relapse_rebl=True, bl_geq=True, event="multiple")
    assert v.equals(before)


# Case 21: subjects restricts the analysis; unconfirmed changes are returned on request
def test_case21_subjects_and_unconfirmed():
    v = visits(("A", [(0, 3.0), (90, 4.0), (180, 3.0)]), ("B", [(0, 3.0), (90, 4.0), (180, 4.0)]))
    res = detect_events(v, subjects=["A"], return_unconfirmed=True)
    assert res.summary["patient_id"].to_list() == ["A"]
    assert res.unconfirmed is not None
    assert res.unconfirmed.select("patient_id", "date", "bl_value").rows() == [("A", 90, 3.0)]
    assert detect_events(v).unconfirmed is None


# Case 22: validconf_col: only flagged visits confirm
def test_case22_validconf():
    v = visits(("A", [(0, 3.0), (90, 4.0), (180, 4.0), (270, 4.0)])).with_columns(
        sched=pl.Series([True, True, False, True]))
    assert ev(detect_events(v, validconf_col="sched"))[0][-1] == 270


# Case 23: several confirmation windows give one column pair each
def test_case23_two_windows():
    v = visits(("A", [(0, 3.0), (90, 4.0), (180, 4.0), (300, 4.0)]))
    res = detect_events(v, conf_days=[84, 168])
    assert res.events.select("conf84_date", "conf168_date").row(0) == (180, 300)


# Case 24: relapse_rebl re-baselines after a relapse; bl_geq keeps the old, higher reference
def test_case24_relapse_rebl():
    v = visits(("A", [(0, 3.0), (100, 3.0), (200, 2.0), (300, 3.5), (400, 3.5)]))
    r = relapses(("A", 150))
    plain = detect_events(v, r, relapse_rebl=True, relapse_to_bl=0)
    assert plain.events.select("date", "bl_date", "bl_value").rows() == [(300, 200, 2.0)]
    geq = detect_events(v, r, relapse_rebl=True, bl_geq=True, relapse_to_bl=0)
    assert geq.events.height == 0  # the reference stays 3.0, so 3.5 is not enough


def test_no_events_gives_empty_tables_with_columns():
    # pymsprog 1.0.7 raised KeyError here (B4) when stable patients were excluded
    res = detect_events(visits(("A", [(0, 3.0), (90, 3.0)])), RAW_PIRA=True, event="multiple")
    assert res.events.height == 0
    assert {"cdw_type", "conf84_date", "PIRA_conf84_date"} <= set(res.events.columns)
    assert res.summary.row(0, named=True)["event_sequence"] == ""


def test_r_behaviour_firstpira_several_windows():
    # B1: pymsprog 1.0.7 crashes when a skipped RAW leaves a window without confirmation
    v = visits(("A", [(0, 3.0), (100, 4.0), (200, 4.0), (290, 3.0), (380, 3.0), (470, 4.0),
                      (560, 4.0), (740, 4.0)]))
    res = detect_events(v, relapses(("A", 80)), event="firstPIRA", conf_days=[84, 168])
    assert res.events.select("cdw_type", "date", "conf84_date", "conf168_date").rows() == [
        ("PIRA", 470, 560, 740)]


def test_r_behaviour_sub_threshold_direction():
    # B2: for a "decrease" outcome, sub-threshold improvement means an increase (as in R)
    v = visits(("A", [(0, 50.0), (100, 45.0), (200, 45.0)]), col="sdmt")
    kw = {"outcome": "sdmt", "baseline": "roving", "sub_threshold_rebl": "improvement",
          "event": "multiple"}
    assert ev(detect_events(v, **kw))[0][:3] == ("A", "CDW", 100)
    # pymsprog 1.0.7 re-baselines on the worsening instead and misses it
    opts = make_options(**kw)
    assert run_prepared(prepare(v, None, opts), opts, fix_direction=False).events.height == 0


def test_nhpt_delegates(monkeypatch):
    # NHPT without value_col goes to the either-hand rule, with the validated options object
    import msrwe.derive.outcomes.api as api

    calls = {}

    def detect_nhpt_events(v, r, **kw):
        calls.update(kw)
        return "delegated"

    monkeypatch.setattr(api, "detect_nhpt_events", detect_nhpt_events)
    assert detect_events(visits(("A", [(0, 20.0)])), outcome="nhpt", conf_days=168) == "delegated"
    assert set(calls) == {"options"}
    assert calls["options"].conf_days == (168.0,)
    assert calls["options"].outcome == "nhpt"
    # with value_col the engine handles NHPT itself (20% rule)
    v = visits(("A", [(0, 20.0), (100, 24.0), (200, 24.0)]), col="nhpt_dominant_s")
    assert detect_events(v, outcome="nhpt", value_col="nhpt_dominant_s").events.height == 1


@pytest.mark.parametrize(("kw", "fragment"), [
    ({"baseline": "rolling"}, "The 'baseline' parameter of detect_events must be one of "
                              "{'fixed', 'roving', 'roving_impr', 'roving_wors'}. Got 'rolling'"),
    ({"event": "all"}, "The 'event' parameter"),
    ({"conf_days": -1}, "The 'conf_days' parameter"),
    ({"relapse_assoc": "90"}, "The 'relapse_assoc' parameter"),
    ({"impute_last_visit": -1}, "The 'impute_last_visit' parameter"),
    ({"outcome": "custom"}, "The 'worsening' parameter"),
    ({"outcome": "custom", "worsening": "increase"}, "The 'delta_fun' parameter"),
    ({"delta_fun": "trial", "outcome": "sdmt"}, "The 'delta_fun' parameter"),
    ({"relapse_indep": {"prec": (0, 0)}}, "The 'relapse_indep' parameter"),
    ({"conf_days": [84, 168], "conf_tol_days": {84: 7}}, "missing 168"),
    ({"bl_geq": "yes"}, "The 'bl_geq' parameter"),
])
def test_option_errors(kw, fragment):
    from msrwe.errors import OptionError

    with pytest.raises(OptionError, match=None) as exc:
        detect_events(visits(("A", [(0, 3.0)])), **kw)
    assert fragment in str(exc.value)


def test_input_errors():
    from msrwe.errors import InputError

    with pytest.raises(InputError, match="no column 'edss'"):
        detect_events(pl.DataFrame({"patient_id": ["A"], "date": [0]}))
    with pytest.raises(InputError, match="outside 0-10"):
        detect_events(visits(("A", [(0, 3.0), (10, -1.0)])))
    with pytest.raises(InputError, match="not an ISO date"):
        detect_events(pl.DataFrame({"patient_id": ["A"], "date": ["3/1/2020"], "edss": [1.0]}))
    with pytest.raises(InputError, match="Polars or pandas"):
        detect_events([1, 2, 3])
    with pytest.raises(InputError, match="relapses has no column 'onset_date'"):
        detect_events(visits(("A", [(0, 3.0)])), pl.DataFrame({"patient_id": ["A"], "d": [1]}))


# Case 25: integer patient identifiers in both tables
def test_case25_integer_ids():
    v = pl.DataFrame({"patient_id": [7, 7, 7], "date": [0, 100, 200], "edss": [3.0, 4.0, 4.0]})
    r = pl.DataFrame({"patient_id": [7], "onset_date": [80]})
    res = detect_events(v, r, RAW_PIRA=True)
    assert res.events.select("patient_id", "cdw_type").rows() == [(7, "RAW")]


# Case 26: a probability of imputation draws once per patient, reproducibly with a seed
def test_case26_impute_probability():
    n = 400
    v = pl.DataFrame({"patient_id": [str(i) for i in range(n) for _ in range(3)],
                      "date": [0, 100, 200] * n, "edss": [3.0, 3.0, 4.0] * n})
    a = detect_events(v, impute_last_visit=0.5, random_state=1).events
    b = detect_events(v, impute_last_visit=0.5, random_state=1).events
    assert a.equals(b)
    assert 150 < a.height < 250


# Case 27: missing values are dropped before the scan (as msprog)
def test_case27_missing_values():
    v = pl.DataFrame({"patient_id": ["A"] * 4, "date": [0, 50, 100, 200],
                      "edss": [3.0, None, 4.0, 4.0]})
    res = detect_events(v)
    assert res.summary["n_visits"].to_list() == [3]
    assert res.events.select("date", "conf84_date").rows() == [(100, 200)]


# Case 28: implausibly slow timed tests are used but warned about (as msprog)
def test_case28_timed_test_warning():
    v = visits(("A", [(0, 10.0), (100, 200.0), (200, 200.0)]), col="t25fw_s")
    with pytest.warns(UserWarning, match="T25FW value"):
        res = detect_events(v, outcome="t25fw")
    assert res.events.height == 1


# Case 29: subjects given with another type than patient_id still select; empty input is empty
def test_case29_subjects_types_and_empty_input():
    v = pl.DataFrame({"patient_id": [1, 1, 1], "date": [0, 100, 200], "edss": [3.0, 4.0, 4.0]})
    assert detect_events(v, subjects=["1"]).events.height == 1
    empty = v.clear()
    res = detect_events(empty)
    assert res.events.height == 0
    assert res.summary.height == 0


# Case 30: with relapse re-baselining an onset can be detected twice; the first CDW is still
# reported (pymsprog 1.0.7 raises IndexError on this chart)
def test_case30_first_event_after_duplicate_detections():
    import datetime as dt

    d0 = dt.date(2015, 1, 1)
    days = [0, 1, 86, 146, 153, 229, 259, 350, 435, 449, 526, 527, 618, 632, 692, 782, 813, 898,
            926, 927, 1012, 1088, 1172]
    edss = [2.5, 2.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 0.0, 1.5, 3.0, 1.5, 0.0,
            1.5, 2.5, 4.0, 5.5, 4.0, 3.0]
    v = pl.DataFrame({"patient_id": "Q", "date": [d0 + dt.timedelta(days=d) for d in days],
                      "edss": edss})
    r = pl.DataFrame({"patient_id": "Q", "onset_date": [
        d0 + dt.timedelta(days=d) for d in (-9, 186, 261, 398, 991)]})
    kw = {"RAW_PIRA": True, "sub_threshold_rebl": "improvement", "relapse_rebl": True,
          "bl_geq": True, "skip_local_extrema": "all", "conf_days": [84, 168],
          "conf_tol_days": (14, float("inf")), "relapse_to_bl": 0, "relapse_to_event": (14, 7),
          "relapse_to_conf": (30, 7), "impute_last_visit": 500}
    res = detect_events(v, r, **kw)
    assert res.events.select("cdw_type", "date").rows() == [("PIRA", d0 + dt.timedelta(days=927))]
    mult = detect_events(v, r, event="multiple", **kw)
    assert mult.events["event_type"].to_list() == ["CDI"] * 4 + ["CDW"]
