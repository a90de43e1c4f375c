"""Properties of the MSoutcomes profile on random patients (hypothesis)."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import polars as pl
from hypothesis import given, settings

from msrwe.derive.outcomes.msoutcomes import detect_msoutcomes_events

EDSS = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0]
GAPS = [30, 60, 84, 91, 120, 182, 365]


@st.composite
def cohorts(draw: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Patients with distinct visit days, EDSS on the grid and a few relapses."""
    rows, rel = [], []
    for p in range(draw(st.integers(1, 6))):
        n = draw(st.integers(1, 12))
        day = draw(st.integers(0, 100))
        for _ in range(n):
            rows.append((f"p{p}", day, draw(st.sampled_from(EDSS))))
            day += draw(st.sampled_from(GAPS))
        for _ in range(draw(st.integers(0, 3))):
            rel.append((f"p{p}", draw(st.integers(-60, day))))
    v = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Int64, "edss": pl.Float64},
                     orient="row")
    r = pl.DataFrame(rel, schema={"patient_id": pl.String, "onset_date": pl.Int64},
                     orient="row")
    return v, r


def _step_up(b: float) -> float:
    return 1.5 if b == 0 else (1.0 if b < 6 else 0.5)


def _step_down(b: float) -> float:
    return 1.5 if b <= 1.5 else (1.0 if b <= 6 else 0.5)


def _events(res: Any) -> list[tuple[Any, ...]]:
    return res.events.drop("nevent").rows()


@settings(max_examples=60, deadline=None)
@given(cohorts(), st.sampled_from(["CDW", "CDI", "CDEseq", "PIRA"]), st.booleans(),
       st.sampled_from([90.75, 180.0]))
def test_every_event_crosses_its_step_and_is_confirmed(data: Any, event: str, sustained: bool,
                                                       mconf: float) -> None:
    v, r = data
    ev = detect_msoutcomes_events(v, r, event=event, sustained=sustained, mconf=mconf).events
    last_day = dict(v.group_by("patient_id").agg(pl.col("date").max()).iter_rows())
    for e in ev.iter_rows(named=True):
        if e["event_type"] == "CDW":
            assert e["value"] - e["bl_value"] >= _step_up(e["bl_value"])
        else:
            assert e["bl_value"] - e["value"] >= _step_down(e["bl_value"])
        assert e["sust_days"] >= mconf
        assert e["timepoint"] > 0
        if sustained and event != "CDEseq":
            assert e["sust_date"] == last_day[e["patient_id"]]
            assert e["sust_last"]


@settings(max_examples=40, deadline=None)
@given(cohorts(), st.sampled_from(["CDW", "CDI", "CDEseq", "PIRA"]), st.randoms())
def test_row_order_and_other_patients_do_not_matter(data: Any, event: str, rnd: Any) -> None:
    v, r = data
    full = detect_msoutcomes_events(v, r, event=event).events
    idx = list(range(v.height))
    rnd.shuffle(idx)
    shuffled = detect_msoutcomes_events(v[idx], r, event=event).events
    key = ["patient_id", "date", "event_type"]
    assert full.sort(key).drop("nevent").equals(shuffled.sort(key).drop("nevent"))
    for pid in v["patient_id"].unique():
        alone = detect_msoutcomes_events(v.filter(pl.col("patient_id") == pid),
                                         r.filter(pl.col("patient_id") == pid), event=event)
        assert alone.events.equals(full.filter(pl.col("patient_id") == pid))


@settings(max_examples=60, deadline=None)
@given(cohorts())
def test_cdeseq_early_stop_is_a_prefix_of_the_corrected_variant(data: Any) -> None:
    v, r = data
    stop = detect_msoutcomes_events(v, r, event="CDEseq").events
    go_on = detect_msoutcomes_events(v, r, event="CDEseq", early_stop=False).events
    for pid in v["patient_id"].unique():
        a = stop.filter(pl.col("patient_id") == pid).rows()
        b = go_on.filter(pl.col("patient_id") == pid).rows()
        assert b[: len(a)] == a


@settings(max_examples=40, deadline=None)
@given(cohorts())
def test_without_relapses_pira_is_cdw(data: Any) -> None:
    v, _ = data
    cdw = detect_msoutcomes_events(v, None, event="CDW").events
    pira = detect_msoutcomes_events(v, None, event="PIRA").events
    assert pira.drop("cdw_type").equals(cdw.drop("cdw_type"))
