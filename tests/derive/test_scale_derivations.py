"""local_severity by binary search equals the element-wise definition (issue 14, item 1)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.derive.severity import local_severity

EDSS = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 6.0, 6.5, 10.0]


def _brute(edss, at, ref_e, ref_x, band):
    """The definition, one score at a time (what local_severity computed before)."""
    re_ = np.array([np.nan if v is None else v for v in ref_e], dtype=float)
    rx = np.array([np.nan if v is None else v for v in ref_x], dtype=float)
    ok = np.isfinite(re_) & np.isfinite(rx) & (re_ < 10)
    re_, rx = re_[ok], rx[ok]
    out = []
    for e, x in zip(edss, at, strict=True):
        if e is None or x is None or not (math.isfinite(e) and math.isfinite(x)) or e >= 10:
            out.append(None)
            continue
        near = re_[np.abs(rx - x) <= band]
        if near.size == 0:
            out.append(None)
            continue
        out.append((float(np.sum(near < e)) + (float(np.sum(near == e)) + 1) / 2)
                   / (near.size + 1) * 10)
    return out


_x = st.one_of(st.none(), st.integers(0, 12).map(float),
               st.integers(0, 4000).map(lambda d: d / 365.25))


@settings(max_examples=200, deadline=None)
@given(ref=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(EDSS)), _x), max_size=40),
       q=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(EDSS)), _x), max_size=15),
       band=st.sampled_from([2.0, 0.5, 1.0 / 3]))
def test_binary_search_equals_definition(ref, q, band):
    ref_e, ref_x = [r[0] for r in ref], [r[1] for r in ref]
    edss, at = [r[0] for r in q], [r[1] for r in q]
    assert (local_severity(edss, at, reference_edss=ref_e, reference_at=ref_x, band=band)
            == _brute(edss, at, ref_e, ref_x, band))


# Integer durations put many references exactly on the band's edges
def test_edges_and_duplicates():
    rng = np.random.default_rng(3)
    ref_x = rng.integers(0, 10, 500).astype(float).tolist()
    ref_e = rng.choice(EDSS, 500).tolist()
    at = [float(v) for v in range(-3, 14)] + [2.0000000000000004, 1.9999999999999998]
    edss = [4.0] * len(at)
    assert (local_severity(edss, at, reference_edss=ref_e, reference_at=ref_x)
            == _brute(edss, at, ref_e, ref_x, 2.0))


# The milestone scan's nearest-relapse search now lives in the compiled kernel
# (msrwe.derive._milestone_kernel); tests/derive/test_milestones_kernel.py checks it against
# the former per-patient loop, so its Python helper's own test went with it.


_day = st.one_of(st.none(), st.integers(-200, 12000))


@settings(max_examples=100, deadline=None)
@given(pats=st.lists(st.tuples(_day, _day, st.one_of(st.none(), st.sampled_from(EDSS)), _day,
                               st.one_of(st.none(), st.sampled_from(EDSS)), _day),
                     min_size=1, max_size=12),
       vis=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 12000),
                              st.one_of(st.none(), st.sampled_from(EDSS))), max_size=60))
def test_patient_scores_equal_the_list_path(pats, vis):
    """derive_vars_severity (one sorted reference per kind, numpy columns) gives what scoring
    each timepoint with local_severity on Python lists gave (the code before issue 14)."""
    import datetime as dt

    import polars as pl

    from msrwe.derive.severity import derive_vars_severity

    d0 = dt.date(1990, 1, 1)

    def day(x):
        return None if x is None else d0 + dt.timedelta(days=x)

    ids = [f"p{i}" for i in range(len(pats))]
    adsl = pl.DataFrame({
        "patient_id": ids, "ms_onset_date": [day(p[0]) for p in pats],
        "birth_date": [day(p[1] - 9000 if p[1] is not None else None) for p in pats],
        "base_edss": [p[2] for p in pats], "base_edss_date": [day(p[3]) for p in pats],
        "last_edss": [p[4] for p in pats], "last_edss_date": [day(p[5]) for p in pats],
    }, schema_overrides={"base_edss": pl.Float64, "last_edss": pl.Float64,
                         **dict.fromkeys(("ms_onset_date", "birth_date", "base_edss_date",
                                          "last_edss_date"), pl.Date)})
    visits = pl.DataFrame({"patient_id": [f"p{v[0]}" for v in vis],
                           "date": [day(v[1]) for v in vis], "edss": [v[2] for v in vis]},
                          schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64})
    got = derive_vars_severity(adsl, visits=visits)
    ref = (visits.filter(pl.col("edss").is_not_null())
           .join(adsl.select("patient_id", "ms_onset_date", "birth_date"), on="patient_id")
           .select("edss",
                   ((pl.col("date") - pl.col("ms_onset_date")).dt.total_days() / 365.25)
                   .alias("dd"),
                   ((pl.col("date") - pl.col("birth_date")).dt.total_days() / 365.25)
                   .alias("age")))
    for t in ("base", "last"):
        for kind, x in (("msss", "dd"), ("armss", "age")):
            want = local_severity(got[f"{t}_edss"].to_list(), got[f"{x}_{t}"].to_list(),
                                  reference_edss=ref["edss"].to_list(),
                                  reference_at=ref[x].to_list())
            assert got[f"{kind}_{t}"].to_list() == want


def _merged_by_loop(rel, merge_days):
    """The former merge_relapse_onsets loop (row by row), kept as the oracle."""
    rel = rel.filter(rel["onset_date"].is_not_null()).unique(
        ["patient_id", "onset_date"], keep="first").sort("patient_id", "onset_date")
    if merge_days == 0 or rel.height == 0:
        return rel
    keep, last_pid, last_day = [], None, None
    for pid, day in zip(rel["patient_id"].to_list(), rel["onset_date"].to_list(), strict=True):
        if pid != last_pid or (day - last_day).days >= merge_days:
            keep.append(True)
            last_pid, last_day = pid, day
        else:
            keep.append(False)
    import polars as pl

    return rel.filter(pl.Series(keep))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]),
                               st.one_of(st.none(), st.integers(-800, 800))), max_size=40),
       merge_days=st.sampled_from([0, 1, 7, 30, 90]))
def test_merged_onsets_equal_the_former_loop(rows, merge_days):
    import datetime as dt

    import polars as pl
    from polars.testing import assert_frame_equal

    from msrwe.derive.relapse_rates import merge_relapse_onsets

    d0 = dt.date(1970, 1, 1)
    rel = pl.DataFrame({"patient_id": [r[0] for r in rows],
                        "onset_date": [None if r[1] is None else d0 + dt.timedelta(days=r[1])
                                       for r in rows]},
                       schema={"patient_id": pl.String, "onset_date": pl.Date})
    assert_frame_equal(merge_relapse_onsets(rel, merge_days=merge_days),
                       _merged_by_loop(rel, merge_days))


@settings(max_examples=100, deadline=None)
@given(ref=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(EDSS)), _x), max_size=40),
       q=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(EDSS)), _x), max_size=15))
def test_per_value_path_equals_definition(ref, q):
    # the per-EDSS-value search used when the table of running totals would be too large
    from msrwe.derive import severity

    ref_e, ref_x = [r[0] for r in ref], [r[1] for r in ref]
    edss, at = [r[0] for r in q], [r[1] for r in q]
    saved = severity._MAX_TABLE
    severity._MAX_TABLE = 0
    try:
        got = local_severity(edss, at, reference_edss=ref_e, reference_at=ref_x)
    finally:
        severity._MAX_TABLE = saved
    assert got == _brute(edss, at, ref_e, ref_x, 2.0)
