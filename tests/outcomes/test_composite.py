"""EDSS-Plus and user-defined composites (clinical-methods.md §4.2): numbered cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.outcomes.api import detect_events
from msrwe.derive.outcomes.composite import (
    EDSS_PLUS,
    STANDARD_COMPONENTS,
    Component,
    CompositeDefinition,
    detect_composite,
)
from msrwe.errors import InputError, OptionError

D0 = dt.date(2020, 1, 1)
COLS = ("edss", "t25fw_s", "nhpt_dominant_s", "nhpt_nondominant_s")


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def visits(rows: list[tuple], pid: str = "p1") -> pl.DataFrame:
    """Rows are (day, edss, t25fw, nhpt dominant, nhpt non-dominant)."""
    return pl.DataFrame(
        [(pid, day(r[0]), *r[1:]) for r in rows],
        schema={"patient_id": pl.String, "date": pl.Date, **{c: pl.Float64 for c in COLS}},
        orient="row",
    )


def ev(res) -> list[tuple]:
    return res.events.select("patient_id", "component", "date").rows()


def test_case1_edss_alone_drives():
    # Case 1: EDSS 3.0 -> 4.0 confirmed; walk and hands stable
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 8.2, 20.0, 22.0),
                (200, 4.0, 8.1, 20.5, 22.0)])
    res = detect_composite(v)
    assert ev(res) == [("p1", "edss", day(100))]
    assert res.events["bl_value"][0] == 3.0


def test_case2_earliest_component_wins():
    # Case 2: T25FW +25% on day 100, EDSS +1.0 on day 200: first composite event is T25FW
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 10.0, 20.0, 22.0),
                (200, 4.0, 10.0, 20.0, 22.0), (300, 4.0, 10.0, 20.0, 22.0)])
    res = detect_composite(v)
    assert ev(res) == [("p1", "t25fw", day(100))]
    assert res.summary.row(0, named=True) == {
        "patient_id": "p1", "n_events": 1, "first_date": day(100), "first_component": "t25fw",
        "edss_first_date": day(200), "t25fw_first_date": day(100), "nhpt_first_date": None,
    }
    assert sorted(res.component_events["component"].to_list()) == ["edss", "t25fw"]


def test_case3_same_date_lists_every_component():
    # Case 3: EDSS and T25FW worsen on the same visit -> one event "edss+t25fw"
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 10.0, 20.0, 22.0),
                (200, 4.0, 10.0, 20.0, 22.0)])
    res = detect_composite(v)
    assert ev(res) == [("p1", "edss+t25fw", day(100))]
    # Case 3b: the order of the names follows the order of the components
    res = detect_composite(v, components=["t25fw", "edss"])
    assert ev(res) == [("p1", "t25fw+edss", day(100))]


def test_case4_nhpt_component_and_its_hand():
    # Case 4: the non-dominant hand becomes unable (777): the 9HPT drives, hand recorded
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 8.0, 20.0, 777.0),
                (200, 3.0, 8.0, 20.0, 777.0)])
    res = detect_composite(v)
    assert ev(res) == [("p1", "nhpt", day(100))]
    assert res.component_events["hand"].to_list() == ["nondominant"]
    assert "hand" not in res.events.columns


def test_case5_edss_plus_needs_24_weeks():
    # Case 5: T25FW +25% on day 100 confirmed on day 200 (100 days) but back on day 300:
    # 12-week composite -> event; EDSS-Plus (168 days) -> none
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 10.0, 20.0, 22.0),
                (200, 3.0, 10.0, 20.0, 22.0), (300, 3.0, 8.0, 20.0, 22.0)])
    assert ev(detect_composite(v)) == [("p1", "t25fw", day(100))]
    assert ev(detect_composite(v, definition=EDSS_PLUS)) == []
    # Case 5b: the caller's engine options override the definition's (here 84 days)
    assert ev(detect_composite(v, definition=EDSS_PLUS, conf_days=84)) == [
        ("p1", "t25fw", day(100))
    ]


def test_case6_edss_plus_threshold_policy_at_5_5():
    # Case 6: 5.5 -> 6.0 confirmed 200 days later: no EDSS event under the trial step
    # (EDSS-Plus default), an event under msprog's step (+0.5 from 5.5)
    v = visits([(0, 5.5, 8.0, 20.0, 22.0), (100, 6.0, 8.0, 20.0, 22.0),
                (300, 6.0, 8.0, 20.0, 22.0)])
    assert ev(detect_composite(v, definition=EDSS_PLUS)) == []
    msprog_plus = EDSS_PLUS.with_edss_threshold("msprog")
    assert ev(detect_composite(v, definition=msprog_plus)) == [("p1", "edss", day(100))]
    assert msprog_plus.components[1:] == EDSS_PLUS.components[1:]


def test_case7_user_defined_component():
    # Case 7: a user's grip-strength column where worsening is a decrease of >= 20%,
    # combined with EDSS
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 8.0, 20.0, 22.0),
                (200, 3.0, 8.0, 20.0, 22.0)]).with_columns(grip_kg=pl.Series([30.0, 23.0, 22.0]))
    grip = Component("grip", column="grip_kg", worsening="decrease", threshold="pct20",
                     label="grip strength")
    d = CompositeDefinition("EDSS+grip", (STANDARD_COMPONENTS["edss"], grip))
    res = detect_composite(v, definition=d)
    assert ev(res) == [("p1", "grip", day(100))]
    assert "grip strength (grip_kg, worsening = decrease; minimal change: 20%" in res.describe()
    # Case 7b: a 10% decrease is not a 20% one
    v2 = v.with_columns(grip_kg=pl.Series([30.0, 27.0, 27.0]))
    assert ev(detect_composite(v2, definition=d)) == []


def test_case8_multiple_events_across_components():
    # Case 8: event="multiple", roving baseline: T25FW on day 100, EDSS on day 300
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 10.0, 20.0, 22.0),
                (200, 3.0, 10.0, 20.0, 22.0), (300, 4.0, 10.0, 20.0, 22.0),
                (400, 4.0, 10.0, 20.0, 22.0)])
    res = detect_composite(v, event="multiple", baseline="roving")
    assert res.events.select("nevent", "component", "date").rows() == [
        (1, "t25fw", day(100)), (2, "edss", day(300)),
    ]
    assert res.summary["n_events"].to_list() == [2]


def test_case9_patients_without_events_keep_their_place():
    a = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 8.0, 20.0, 22.0),
                (200, 4.0, 8.0, 20.0, 22.0)], "a")
    b = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 8.0, 20.0, 22.0)], "b")
    res = detect_composite(pl.concat([b, a]))
    assert res.summary.select("patient_id", "n_events", "first_component").rows() == [
        ("b", 0, None), ("a", 1, "edss"),
    ]
    assert ev(res) == [("a", "edss", day(100))]


def test_case10_relapses_reach_every_component():
    # Case 10: a confirmation visit 10 days after a relapse is not valid (relapse_to_conf=30);
    # no later visit confirms -> no event on either EDSS or T25FW
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 10.0, 20.0, 22.0),
                (200, 4.0, 10.0, 20.0, 22.0)])
    r = pl.DataFrame({"patient_id": ["p1"], "onset_date": [day(190)]})
    assert ev(detect_composite(v, r)) == []


def test_case11_bad_input_and_options():
    v = visits([(0, 3.0, 8.0, 20.0, 22.0)])
    with pytest.raises(InputError, match=r"column 't25fw_s' is missing.*'t25fw'"):
        detect_composite(v.drop("t25fw_s"))
    with pytest.raises(OptionError, match="either 'components' or 'definition'"):
        detect_composite(v, components=["edss"], definition=EDSS_PLUS)
    with pytest.raises(OptionError, match="does not take 'delta_fun'"):
        detect_composite(v, delta_fun="trial")
    with pytest.raises(OptionError, match="'components' parameter of detect_composite"):
        detect_composite(v, components=["walk"])
    with pytest.raises(OptionError, match="'baseline' parameter"):
        detect_composite(v, baseline="rolling")
    with pytest.raises(OptionError, match="'column' parameter of Component"):
        Component("x", worsening="increase", threshold="pct20")
    with pytest.raises(OptionError, match="'worsening' parameter of Component"):
        Component("x", column="x", threshold="pct20")
    with pytest.raises(OptionError, match="'worsening' parameter of Component"):
        Component("sdmt", outcome="sdmt", worsening="increase")
    with pytest.raises(OptionError, match="'name' parameter of Component"):
        Component("a+b", outcome="edss")
    with pytest.raises(OptionError, match="'delta_fun' parameter"):
        Component("t", outcome="t25fw", threshold="trial")
    with pytest.raises(OptionError, match="distinct names"):
        CompositeDefinition("x", (STANDARD_COMPONENTS["edss"], STANDARD_COMPONENTS["edss"]))
    with pytest.raises(OptionError, match="set thresholds per component"):
        CompositeDefinition("x", (STANDARD_COMPONENTS["edss"],), options={"delta_fun": "trial"})
    with pytest.raises(OptionError, match="'conf_days' parameter"):
        CompositeDefinition("x", (STANDARD_COMPONENTS["edss"],), options={"conf_days": -1})


def test_case12_describe_edss_plus():
    text = EDSS_PLUS.describe()
    assert text.startswith("EDSS-Plus (Cadavid et al., Mult Scler 2017")
    for part in ("EDSS (minimal change: +1.0 from a reference up to 5.5, +0.5 above 5.5)",
                 "timed 25-foot walk (minimal change: 20% of the reference value)",
                 "9-hole peg test on either hand", "777 s", ">= 168 days"):
        assert part in text
    assert ">= 84 days" in EDSS_PLUS.describe(conf_days=84)


def test_case13_per_component_options():
    # Case 13: the T25FW component confirmed at 84 days while the rest use 168
    walk84 = Component("t25fw", outcome="t25fw", threshold="pct20", options={"conf_days": 84})
    d = EDSS_PLUS.replace(components=(EDSS_PLUS.components[0], walk84))
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 3.0, 10.0, 20.0, 22.0),
                (200, 3.0, 10.0, 20.0, 22.0), (300, 3.0, 8.0, 20.0, 22.0)])
    res = detect_composite(v, definition=d)
    assert ev(res) == [("p1", "t25fw", day(100))]
    assert "[conf_days=84]" in res.describe()


# --- properties -------------------------------------------------------------------------

_edss = st.lists(st.sampled_from([2.0, 3.0, 3.5, 4.0, 5.0]), min_size=2, max_size=6)
_walk = st.lists(st.sampled_from([6.0, 7.0, 8.0, 9.0, 11.0]), min_size=2, max_size=6)


@given(st.lists(st.tuples(_edss, _walk), min_size=1, max_size=3))
def test_property_first_event_is_the_earliest_component(patients):
    frames = []
    for k, (e, w) in enumerate(patients):
        n = min(len(e), len(w))
        frames.append(visits([(100 * i, e[i], w[i], 20.0, 22.0) for i in range(n)], f"p{k}"))
    v = pl.concat(frames)
    res = detect_composite(v, components=["edss", "t25fw"])
    single = {
        "edss": detect_events(v, outcome="edss").events,
        "t25fw": detect_events(v, outcome="t25fw").events,
    }
    for pid in v["patient_id"].unique(maintain_order=True):
        firsts = {k: e.filter(pl.col("patient_id") == pid)["date"].min()
                  for k, e in single.items()}
        got = res.events.filter(pl.col("patient_id") == pid)
        dates = [d for d in firsts.values() if d is not None]
        if not dates:
            assert got.height == 0
            continue
        want = min(dates)
        assert got.select("date", "nevent").rows() == [(want, 1)]
        assert got["component"][0] == "+".join(k for k, d in firsts.items() if d == want)


def test_case14_integer_ids_pandas_and_empty_input():
    # Case 14: numeric ids become text; pandas is accepted; empty input gives empty results
    v = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 8.0, 25.0, 22.0),
                (200, 4.0, 8.0, 25.0, 22.0)]).with_columns(patient_id=pl.lit(7))
    res = detect_composite(v.to_pandas())
    assert ev(res) == [("7", "edss+nhpt", day(100))]
    empty = detect_composite(v.clear(), definition=EDSS_PLUS)
    assert empty.events.height == 0
    assert empty.summary.height == 0


def test_case15_subjects_limit_events_and_summary():
    # Case 15: subjects= (an engine option) limits every component and the summary;
    # numeric subject ids match the ids read as text
    a = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 8.0, 20.0, 22.0),
                (200, 4.0, 8.0, 20.0, 22.0)], "1")
    b = visits([(0, 3.0, 8.0, 20.0, 22.0), (100, 4.0, 10.0, 25.0, 22.0),
                (200, 4.0, 10.0, 25.0, 22.0)], "2")
    res = detect_composite(pl.concat([a, b]), subjects=[2])
    assert ev(res) == [("2", "edss+t25fw+nhpt", day(100))]
    assert res.summary["patient_id"].to_list() == ["2"]


def test_public_surface():
    import msrwe.derive.outcomes.composite as comp
    import msrwe.derive.outcomes.composite_merge as merge

    assert sorted(comp.__all__) == sorted([
        "EDSS_PLUS", "STANDARD_COMPONENTS", "Component", "CompositeDefinition",
        "CompositeResult", "detect_composite",
    ])
    assert sorted(merge.__all__) == sorted(["merge_events", "patient_order"])
    assert all(hasattr(comp, n) for n in comp.__all__)


def _former_patient_order(visits, subjects=None):
    """patient_order as it was: a Python list, filtered in Python."""
    out = visits.select(pl.col("patient_id").cast(pl.String)).unique(maintain_order=True)
    out = out["patient_id"].to_list()
    if subjects is not None:
        keep = {str(x) for x in subjects}
        out = [p for p in out if p in keep]
    return out


# The patient order as a Series (no Python object per patient) equals the former list, and
# merge_events orders the same whether it is given the list or the Series
@given(ids=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c", "10", "2"])),
                    min_size=1, max_size=12),
       subjects=st.one_of(st.none(), st.lists(st.sampled_from(["a", "c", "10", "x"]))),
       measured=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "10"]))))
def test_patient_series_equals_the_former_list(ids, subjects, measured):
    from msrwe.derive.outcomes.composite_merge import merge_events, patient_series

    v = pl.DataFrame({"patient_id": ids}, schema={"patient_id": pl.String})
    got = patient_series(v, subjects)
    assert got.to_list() == _former_patient_order(v, subjects)
    kept = got.filter(got.is_in(pl.Series(measured, dtype=pl.String).implode(),
                                nulls_equal=True))
    assert kept.to_list() == [p for p in _former_patient_order(v, subjects)
                              if p in set(measured)]
    d0 = dt.date(2020, 1, 1)
    ev = pl.DataFrame({"patient_id": [p for p in ids if p is not None],
                       "date": [d0 + dt.timedelta(days=k) for k, p in enumerate(ids)
                                if p is not None],
                       "event_type": "CDW"})
    tables = {"x": ev, "y": ev.reverse()}
    for first_only in (False, True):
        assert merge_events(tables, label_col="c", first_only=first_only,
                            patient_order=got).equals(
            merge_events(tables, label_col="c", first_only=first_only,
                         patient_order=got.to_list()))
