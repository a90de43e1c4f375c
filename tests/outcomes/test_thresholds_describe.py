"""Threshold policies (CM 1.4, 4.1), the methods paragraph, toy-data check numbers (CM 9.4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from msrwe.derive.outcomes import POLICIES, detect_events, get_policy, make_options
from msrwe.derive.outcomes.describe import describe_options
from msrwe.errors import OptionError

TOY = Path(__file__).resolve().parents[1] / "results" / "outcomes" / "inputs"


def test_compute_delta_check_numbers():
    # clinical-methods.md 9.4: compute_delta of pymsprog 1.0.7
    edss = get_policy("msprog", "edss")
    assert [edss(b) for b in (0.0, 1.0, 5.0, 5.5, 6.0)] == [1.5, 1.0, 1.0, 0.5, 0.5]
    assert get_policy("msprog", "sdmt")(50.0) == 4.0
    assert get_policy("msprog", "t25fw")(10.0) == 2.0
    assert get_policy("msprog", "nhpt")(25.0) == 5.0


def test_policies_differ_only_at_5_5():
    grid = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0, 7.0, 9.5])
    ms, lor = POLICIES["msprog"](grid), POLICIES["lorscheider"](grid)
    assert list(grid[ms != lor]) == [5.5]
    tr = POLICIES["trial"](grid)
    assert tr[grid == 5.5][0] == 1.0
    assert tr[grid == 0.0][0] == 1.0


def test_sdmt_rules():
    assert get_policy("sdmt_4_or_10pct", "sdmt")(30.0) == pytest.approx(3.0)
    assert get_policy("sdmt_4_or_10pct", "sdmt")(60.0) == 4.0
    assert get_policy("msprog", "sdmt")(15.0) == 3.0


def test_policy_prints_its_rule():
    assert str(get_policy("trial")) == "trial: +1.0 from a reference up to 5.5, +0.5 above 5.5"
    with pytest.raises(OptionError, match="'delta_fun' parameter"):
        get_policy("trial", "t25fw")


def test_describe_states_the_definitions():
    text = describe_options(make_options(
        event="multiple", baseline="roving", RAW_PIRA=True, conf_days=[84, 168],
        require_sust_days=float("inf"), relapse_assoc=(90, 7), delta_fun="trial"))
    for fragment in ("all confirmed worsening (CDW) and improvement (CDI) events",
                     "+1.0 from a reference up to 5.5", "84 days", "168 days",
                     "sustained until the last visit", "roving baseline",
                     "within 90 days after or 7 days before", "PIRA",
                     "Baseline visits could not lie within 30 days after a relapse"):
        assert fragment in text, fragment
    plain = describe_options(make_options())
    assert "RAW" not in plain
    assert "fixed baseline" in plain


def test_result_describe_and_options_print():
    v = pl.DataFrame({"patient_id": ["A"], "date": [0], "edss": [2.0]})
    res = detect_events(v, impute_last_visit=1)
    assert "always" in res.describe()
    assert "impute_last_visit = 1.0" in str(res.options)


def _toy():
    v = pl.read_csv(TOY / "toy_visits.csv", schema_overrides={"patient_id": pl.String},
                    try_parse_dates=True)
    r = pl.read_csv(TOY / "toy_relapses.csv", schema_overrides={"patient_id": pl.String},
                    try_parse_dates=True)
    return v, r


def test_toy_check_numbers():
    # clinical-methods.md 9.4, in days since each patient's first visit
    v, r = _toy()
    res = detect_events(v, r)
    got = dict(res.events.select("patient_id", "time2event").iter_rows())
    assert got == {"1": 292, "2": 198, "5": 140, "7": 372}
    p2 = res.events.filter(pl.col("patient_id") == "2").row(0, named=True)
    assert (p2["conf84_date"] - p2["date"]).days == 84
    assert p2["conf84_value"] == 5.0
    assert "1" not in detect_events(v, r, delta_fun="trial").events["patient_id"].to_list()
    for kw in ({"require_sust_days": float("inf")}, {"conf_days": 168}):
        onset = detect_events(v, r, **kw).events.filter(pl.col("patient_id") == "2")
        assert onset["time2event"].to_list() == [539]
    mult = detect_events(v, r, event="multiple", baseline="roving", RAW_PIRA=True)
    seq = dict(mult.summary.select("patient_id", "event_sequence").iter_rows())
    assert seq["2"] == "RAW, PIRA"
    cdi = mult.events.filter(pl.col("event_type") == "CDI")
    assert dict(cdi.select("patient_id", "time2event").iter_rows()) == {"4": 77, "6": 120}


def test_public_surface():
    import dataclasses

    import msrwe.derive.outcomes as pkg

    assert {"OutcomeOptions", "OutcomeResult", "RelapseIndep", "ThresholdPolicy", "POLICIES",
            "detect_events", "get_policy", "make_options"} <= set(pkg.__all__)
    v = pl.DataFrame({"patient_id": ["A"], "date": [0], "edss": [2.0]})
    res = detect_events(v)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.events = v  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.options.baseline = "roving"  # type: ignore[misc]
    assert repr(res).startswith("OutcomeResult(0 events in 1 patients")


def test_kernel_codes_agree():
    from msrwe.derive.outcomes import assemble, kernel

    assert (assemble.CDI, assemble.CDW, assemble.RAW, assemble.PIRA) == (
        kernel.CDI, kernel.CDW, kernel.RAW, kernel.PIRA)
