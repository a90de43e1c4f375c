"""Outcomes from index: each outcome of the design through the outcome engine (numbered cases)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from msrwe.compare import CompareDesign
from msrwe.compare.outcomes import derive_outcome_dates, time_to_event
from msrwe.study import Study

d = dt.date
UNITS = pl.DataFrame({
    "unit_id": ["a#x", "b#x"], "patient_id": ["a", "b"],
    "index_date": [d(2020, 1, 1)] * 2, "end_date": [d(2021, 1, 1)] * 2,
})


def visits() -> pl.DataFrame:
    rows = []
    for p in ("a", "b"):
        rows += [
            (p, d(2019, 1, 1), 2.0, 8.0, 20.0, 20.0),      # before the baseline window
            (p, d(2019, 12, 15), 4.0, 10.0, 20.0, 20.0),   # baseline (within 180 days)
            (p, d(2020, 7, 1), 5.0, 13.0, 20.0, 20.0),     # worsening of EDSS and T25FW
            (p, d(2021, 1, 1), 5.0, 13.0, 20.0, 20.0),     # confirmation (184 days)
            (p, d(2022, 1, 1), 7.0, 30.0, 40.0, 40.0),     # after the end of follow-up
        ]
    return pl.DataFrame(rows, schema=["patient_id", "date", "edss", "t25fw_s",
                                      "nhpt_dominant_s", "nhpt_nondominant_s"], orient="row")


RELAPSES = pl.DataFrame({"patient_id": ["b"], "onset_date": [d(2020, 6, 15)]})


def dates(outcomes: tuple[str, ...]):
    design = CompareDesign(arms=("x", "y"), outcomes=outcomes)
    return derive_outcome_dates(UNITS, visits=visits(), relapses=RELAPSES, study=Study(),
                                design=design)


def first(outcome: str, res) -> dict[str, dt.date | None]:
    ev = res.events.filter(pl.col("outcome") == outcome)
    return dict(zip(ev["unit_id"], ev["worsening_date"], strict=True))


# Test 1: EDSS worsening from the baseline at index (not from the older, lower score)
def test_01_edss_from_index_baseline() -> None:
    res = dates(("edss",))
    assert first("edss", res) == {"a#x": d(2020, 7, 1), "b#x": d(2020, 7, 1)}
    assert "msprog" in res.methods["edss"]


# Test 2: PIRA excludes the worsening near b's relapse (RAW)
def test_02_pira() -> None:
    assert first("pira", dates(("pira",))) == {"a#x": d(2020, 7, 1), "b#x": None}


# Test 3: timed 25-foot walk (20% worsening), 9-hole peg test (no change), EDSS-Plus
def test_03_t25fw_nhpt_edss_plus() -> None:
    res = dates(("t25fw", "nhpt", "edss_plus"))
    assert first("t25fw", res) == {"a#x": d(2020, 7, 1), "b#x": d(2020, 7, 1)}
    assert first("nhpt", res) == {"a#x": None, "b#x": None}
    assert first("edss_plus", res)["a#x"] == d(2020, 7, 1)


# Test 4: time from index to the event; visits after the end of follow-up are not used
def test_04_time_to_event() -> None:
    tte = time_to_event(UNITS, dates(("edss",)), "edss")
    assert tte["event"].to_list() == [1, 1]
    assert round(tte["time"][0], 4) == round(182 / 365.25, 4)
