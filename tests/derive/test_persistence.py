"""Gaps, persistence and history alerts: numbered hand-written cases (clinical-methods 7)."""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.persistence import derive_history_alerts, derive_persistence, derive_vars_gap
from msrwe.endpoints.persistence import add_persistence
from msrwe.errors import OptionError
from msrwe.tables.results import ResultsTable

d = dt.date


def test_1_gap_is_a_dose_later_than_the_window_allows():
    a = pl.DataFrame({"patient_id": ["a"] * 4, "interval_days": [None, 77, 78, 55]})
    out = derive_vars_gap(a, window=(56, 77))
    assert out["gap"].to_list() == [False, False, True, False]
    assert out["early"].to_list() == [False, False, False, True]
    with pytest.raises(OptionError, match="window"):
        derive_vars_gap(a, window=(80, 77))


def test_2_persistence_stops_are_events_ongoing_censored_at_the_cut():
    tr = pl.DataFrame({"patient_id": ["a", "b", "c"], "drug": ["MTX", "mtx", "rituximab"],
                       "start_date": [d(2020, 1, 1)] * 3,
                       "stop_date": [d(2020, 7, 1), None, d(2020, 2, 1)],
                       "stop_reason": [None, None, "cost"]})
    out = derive_persistence(tr, data_cut=d(2021, 1, 1), drug="mtx")
    assert out["patient_id"].to_list() == ["a", "b"]
    assert out["event"].to_list() == [True, False]
    assert out["stop_reason"].to_list() == ["unknown", None]
    assert out["time_years"][1] == pytest.approx(366 / 365.25)


def test_3_mitoxantrone_two_year_limit_and_cladribine_course():
    adm = pl.DataFrame({
        "patient_id": ["a", "a", "b", "b", "c", "c"],
        "drug": ["mitoxantrone"] * 2 + ["cladribine"] * 4,
        "date": [d(2010, 1, 1), d(2011, 12, 31), d(2010, 1, 1), d(2012, 7, 3),
                 d(2010, 1, 1), d(2012, 7, 5)]})
    out = derive_history_alerts(adm)
    # a: 729 days: within; b: 914 days = 730.5 + 183.5: after the course; c: 916 days
    assert out.select("patient_id", "limit_id").rows() == [("b", "cladribine_course_2y"),
                                                           ("c", "cladribine_course_2y")]


def test_4_earlier_mitoxantrone_course_without_doses_is_flagged():
    adm = pl.DataFrame({"patient_id": ["a"], "drug": ["mitoxantrone"], "date": [d(2015, 1, 1)]})
    tr = pl.DataFrame({"patient_id": ["a", "a"], "drug": ["Mitoxantrone", "mitoxantrone"],
                       "start_date": [d(2008, 1, 1), d(2015, 1, 1)]})
    out = derive_history_alerts(adm, treatments=tr)
    assert out.select("limit_id", "date").rows() == [
        ("mitoxantrone_prior_course_dose_unknown", d(2008, 1, 1))]
    assert derive_history_alerts(adm, treatments=tr.slice(1)).height == 0


def test_5_rows():
    adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "X"]})
    doses = derive_vars_gap(pl.DataFrame({"patient_id": ["a", "a", "b"],
                                          "interval_days": [None, 90, 60]}), window=(56, 77))
    persist = pl.DataFrame({"patient_id": ["a", "b"], "stop_reason": ["cost", None],
                            "event": [True, False], "time_years": [1.0, 3.0]})
    alerts = pl.DataFrame({"patient_id": ["a"], "drug": ["mitoxantrone"], "limit_id": ["x"],
                           "description": ["words"], "date": [d(2020, 1, 1)]})
    r = ResultsTable()
    add_persistence(r, adsl=adsl, addose=doses, window=(56, 77), adpersist=persist,
                    alerts=alerts, km_years=[2])
    assert r.get("persistence", "n_gaps", group="X", variable="dose_gaps") == 1
    assert r.get("persistence", "pct_gaps", group="X", variable="dose_gaps") == 50
    assert r.get("persistence", "survival", group="X", variable="persistence_cost",
                 level="2") == pytest.approx(0.5)
    assert r.get("persistence", "patients", group="X", variable="history_alert",
                 level="x") == 1
