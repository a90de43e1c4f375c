"""derive_milestone: numbered cases (endpoints.md 8) and golden values from R msprog."""

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from msrwe.derive.milestones import derive_milestone
from msrwe.errors import OptionError

HERE = Path(__file__).parents[1] / "results"
DAY0 = dt.date(2020, 1, 1)


def _v(pairs, pid="p"):
    return pl.DataFrame({"patient_id": [pid] * len(pairs),
                         "date": [DAY0 + dt.timedelta(days=x) for x, _ in pairs],
                         "edss": [float(e) for _, e in pairs]})


def _one(pairs, milestone=6.0, **kw):
    return derive_milestone(_v(pairs), milestone=milestone, **kw).row(0, named=True)


P1 = [(0, 4.5), (180, 5.5), (365, 6.0), (450, 5.5), (540, 6.0), (730, 6.5), (900, 6.5)]
P2 = [(0, 5.5), (200, 6.0), (380, 6.0), (470, 6.5), (650, 6.5), (800, 7.0)]
P3 = [(0, 6.5), (300, 6.5), (500, 6.5), (700, 5.5)]


def test_1_p1_unconfirmed_first_reach_then_confirmed():
    r = _one(P1)
    assert (r["time2event"], r["observed"], r["edss"]) == (540.0, True, 6.0)


def test_2_p2_relapse_to_event_moves_the_event():
    rel = pl.DataFrame({"patient_id": ["p"], "onset_date": [DAY0 + dt.timedelta(days=190)]})
    assert _one(P2, relapses=rel)["time2event"] == 200.0
    # msrwe applies relapse_to_event to the EDSS (R msprog does not: see the module docstring)
    assert _one(P2, relapses=rel, relapse_to_event=30)["time2event"] == 380.0


def test_3_p3_already_reached_at_entry_and_sustained_to_the_end():
    assert _one(P3)["time2event"] == 0.0
    r = _one(P3, require_sust_days=math.inf)
    assert (r["observed"], r["time2event"], r["edss"]) == (False, 700.0, None)


def test_4_confirmation_needs_a_visit_in_the_window():
    # 6.0 at day 100, next visit 1000 days later (beyond 84 + 730.5): not confirmed
    assert _one([(0, 5.0), (100, 6.0), (1100, 6.0)])["observed"] is False
    assert _one([(0, 5.0), (100, 6.0), (176, 6.0)])["observed"] is False      # 76 days: too early
    assert _one([(0, 5.0), (100, 6.0), (177, 6.0)])["observed"] is True       # 77 = 84 - 7


def test_5_last_visit_only_with_impute():
    assert _one([(0, 5.0), (100, 6.0)])["observed"] is False
    assert _one([(0, 5.0), (100, 6.0)], impute_last_visit=1)["time2event"] == 100.0
    assert _one([(0, 5.0), (100, 6.0)], impute_last_visit=50)["observed"] is False


def test_6_confirmation_within_30_days_of_a_relapse_is_skipped():
    rel = pl.DataFrame({"patient_id": ["p"], "onset_date": [DAY0 + dt.timedelta(days=180)]})
    pairs = [(0, 5.0), (100, 6.0), (200, 6.0), (500, 5.0)]
    assert _one(pairs)["observed"] is True
    assert _one(pairs, relapses=rel)["observed"] is False


def test_7_same_day_visits_keep_the_last_row():
    pairs = [(0, 5.0), (100, 6.0), (100, 5.0), (200, 6.0)]
    assert _one(pairs)["observed"] is False


def test_8_options_refused():
    with pytest.raises(OptionError, match="impute_last_visit"):
        _one(P1, impute_last_visit=0.5)
    with pytest.raises(OptionError, match="conf_days"):
        _one(P1, conf_days=0)


GOLDEN = pl.read_csv(HERE / "endpoints" / "milestones.csv",
                     schema_overrides={"patient_id": pl.String, "date": pl.Date})
CASES = {
    "default": {}, "conf168": {"conf_days": 168}, "tol_7_7": {"conf_tol_days": (7, 7)},
    "sust_inf": {"require_sust_days": math.inf}, "sust_365": {"require_sust_days": 365},
    "impute1": {"impute_last_visit": 1}, "impute_days": {"impute_last_visit": 1500},
    "rtc0": {"relapse_to_conf": 0}, "rtc_60_30": {"relapse_to_conf": (60, 30)},
}


@pytest.mark.parametrize("data", ["toy", "cohort1", "cohort2"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_against_r_msprog_value_milestone(data, case):
    inputs = HERE / "outcomes" / "inputs"
    visits = pl.read_csv(inputs / f"{data}_visits.csv", schema_overrides={"patient_id": pl.String},
                         try_parse_dates=True)
    rel = pl.read_csv(inputs / f"{data}_relapses.csv", schema_overrides={"patient_id": pl.String},
                      try_parse_dates=True)
    for m in (4.0, 6.0, 7.0):
        want = GOLDEN.filter((pl.col("data") == data) & (pl.col("case") == case)
                             & (pl.col("milestone") == m)).sort("patient_id")
        got = derive_milestone(visits, milestone=m, relapses=rel, **CASES[case]).sort(
            "patient_id")
        assert got["patient_id"].to_list() == want["patient_id"].to_list()
        assert got["observed"].to_list() == want["observed"].to_list(), (m, case)
        assert got["time2event"].to_list() == want["time2event"].cast(pl.Float64).to_list()
        assert got["date"].to_list() == want["date"].to_list()
        assert got["edss"].to_list() == want["edss"].to_list()
