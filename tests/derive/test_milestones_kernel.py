"""The compiled milestone scan equals the former per-patient Python loop, patient by patient.

``_milestone_reference.reference_milestone`` is the loop ``derive_milestone`` ran before the numba
scan (kept verbatim); both run on random cohorts with relapses, duplicate days, missing values,
confirmation flags and every option that changes the search.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive.milestones import derive_milestone

from ._milestone_reference import reference_milestone

DAY0 = dt.date(2019, 6, 1)


@st.composite
def cohorts(draw):
    n_pat = draw(st.integers(1, 6))
    vrows, rrows = [], []
    for p in range(n_pat):
        pid = f"p{draw(st.integers(0, 9))}{p}"
        day = draw(st.integers(-40, 40))
        for _ in range(draw(st.integers(1, 12))):
            day += draw(st.sampled_from([0, 7, 30, 60, 84, 90, 180, 365]))
            e = draw(st.one_of(st.none(), st.sampled_from([3.0, 4.0, 5.5, 6.0, 6.5, 7.0])))
            vrows.append((pid, DAY0 + dt.timedelta(days=day), e, draw(st.booleans())))
        for _ in range(draw(st.integers(0, 3))):
            rrows.append((pid, DAY0 + dt.timedelta(days=draw(st.integers(-100, 2000)))))
    visits = pl.DataFrame(vrows, schema={"patient_id": pl.String, "date": pl.Date,
                                         "edss": pl.Float64, "ok": pl.Boolean}, orient="row")
    rel = pl.DataFrame(rrows, schema={"patient_id": pl.String, "onset_date": pl.Date},
                       orient="row")
    return visits, rel


OPTIONS = st.fixed_dictionaries({}, optional={
    "conf_days": st.sampled_from([84, 168]),
    "conf_tol_days": st.sampled_from([7, (7, 730.5), (0, 30)]),
    "require_sust_days": st.sampled_from([0, 365, math.inf]),
    "relapse_to_event": st.sampled_from([0, 30, (30, 30)]),
    "relapse_to_conf": st.sampled_from([0, 30, (60, 30)]),
    "impute_last_visit": st.sampled_from([0, 1, 400]),
    "validconf": st.just("ok"),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=cohorts(), opts=OPTIONS, milestone=st.sampled_from([4.0, 6.0, 7.0]),
       with_relapses=st.booleans())
def test_the_scan_equals_the_former_loop(data, opts, milestone, with_relapses):
    visits, rel = data
    rel_arg = rel if with_relapses else None
    got = derive_milestone(visits, milestone=milestone, relapses=rel_arg, **opts)
    want = reference_milestone(visits, milestone=milestone, relapses=rel_arg, **opts)
    assert_frame_equal(got, want)


def test_relapse_ids_of_another_type_match_no_patient():
    # as the former loop (a dict keyed by id): integer relapse ids never match text visit ids
    v = pl.DataFrame({"patient_id": ["1"] * 3, "date": [DAY0, DAY0 + dt.timedelta(days=90),
                                                        DAY0 + dt.timedelta(days=200)],
                      "edss": [6.0, 6.0, 6.0]})
    rel = pl.DataFrame({"patient_id": [1], "onset_date": [DAY0]})
    got = derive_milestone(v, milestone=6.0, relapses=rel, relapse_to_event=30)
    assert_frame_equal(got, reference_milestone(v, milestone=6.0, relapses=rel,
                                                relapse_to_event=30))
    assert got["observed"].to_list() == [True]


def test_a_confirmation_visit_on_the_far_edge_of_the_window_counts():
    # 84 + 7 days: the last day of the window (the scan stops only after the far edge)
    v = pl.DataFrame({"patient_id": ["a", "a"], "date": [DAY0, DAY0 + dt.timedelta(days=91)],
                      "edss": [6.0, 6.0]})
    got = derive_milestone(v, milestone=6.0, conf_tol_days=7)
    assert got["observed"].to_list() == [True]
    assert_frame_equal(got, reference_milestone(v, milestone=6.0, conf_tol_days=7))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=cohorts(), opts=OPTIONS, with_relapses=st.booleans())
def test_several_milestones_on_one_preparation_equal_the_former_loop(data, opts, with_relapses):
    # derive_milestones prepares the visits once and scans each milestone (issue 14, item 1)
    from msrwe.derive.milestones import derive_milestones

    visits, rel = data
    rel_arg = rel if with_relapses else None
    got = derive_milestones(visits, milestones=[4.0, 6.0, 7.0], relapses=rel_arg, **opts)
    for m, g in zip([4.0, 6.0, 7.0], got, strict=True):
        assert_frame_equal(g, reference_milestone(visits, milestone=m, relapses=rel_arg, **opts))
