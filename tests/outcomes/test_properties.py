"""Properties of detect_events on random small charts (hypothesis)."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.outcomes import detect_events

GRID = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0]
GAPS = [14, 30, 60, 84, 90, 120, 180, 365]


@st.composite
def charts(draw):
    n = draw(st.integers(2, 12))
    gaps = draw(st.lists(st.sampled_from(GAPS), min_size=n - 1, max_size=n - 1))
    days = [0]
    for g in gaps:
        days.append(days[-1] + g)
    values = draw(st.lists(st.sampled_from(GRID), min_size=n, max_size=n))
    rel = draw(st.lists(st.integers(-60, days[-1] + 60), max_size=3))
    visits = pl.DataFrame({"patient_id": ["A"] * n, "date": days, "edss": values})
    relapses = pl.DataFrame({"patient_id": ["A"] * len(rel), "onset_date": rel},
                            schema={"patient_id": pl.String, "onset_date": pl.Int64})
    return visits, relapses


OPTIONS = st.fixed_dictionaries({
    "baseline": st.sampled_from(["fixed", "roving", "roving_impr", "roving_wors"]),
    "RAW_PIRA": st.booleans(),
    "proceed_from": st.sampled_from(["firstconf", "event"]),
    "check_intermediate": st.booleans(),
    "relapse_rebl": st.booleans(),
    "sub_threshold_rebl": st.sampled_from(["none", "event"]),
    "skip_local_extrema": st.sampled_from(["none", "strict", "all"]),
    "conf_days": st.sampled_from([84, [84, 168], 168]),
    "conf_tol_days": st.sampled_from([(7, 730.5), (7, 30), (14, float("inf"))]),
})


@given(charts(), OPTIONS)
def test_onset_after_baseline(chart, opts):
    res = detect_events(*chart, event="multiple", **opts)
    for onset, bl in res.events.select("date", "bl_date").iter_rows():
        assert onset > bl


@given(charts(), OPTIONS)
def test_confirmation_inside_window(chart, opts):
    res = detect_events(*chart, event="multiple", **opts)
    o = res.options
    for row in res.events.iter_rows(named=True):
        found = False
        for c, (lo, hi), lab in zip(o.conf_days, o.conf_tol_days, o.conf_labels, strict=True):
            d = row[f"conf{lab}_date"]
            if d is None:
                continue
            found = True
            assert int(c) - lo <= d - row["date"] <= int(c) + hi
        assert found, row


@given(charts(), OPTIONS, st.sampled_from(GAPS), st.sampled_from(GRID))
def test_later_visit_keeps_first_event(chart, opts, gap, value):
    visits, relapses = chart
    opts = {**opts, "baseline": "fixed", "relapse_rebl": False}
    before = detect_events(visits, relapses, **opts).events
    later = pl.DataFrame({"patient_id": ["A"], "date": [visits["date"].max() + gap],
                          "edss": [value]})
    after = detect_events(pl.concat([visits, later]), relapses, **opts).events
    if before.height:
        assert after.height == 1
        assert after["date"][0] <= before["date"][0]


@given(st.lists(charts(), min_size=2, max_size=4), OPTIONS)
def test_patients_are_independent(chart_list, opts):
    # a cohort gives the events of its patients analysed one by one
    vs, rs = [], []
    for k, (v, r) in enumerate(chart_list):
        vs.append(v.with_columns(pl.lit(f"P{k}").alias("patient_id")))
        rs.append(r.with_columns(pl.lit(f"P{k}").alias("patient_id")))
    visits, relapses = pl.concat(vs), pl.concat(rs)
    whole = detect_events(visits, relapses, event="multiple", **opts).events
    parts = pl.concat([detect_events(v, r, event="multiple", **opts).events
                       for v, r in zip(vs, rs, strict=True)])
    assert whole.equals(parts)
