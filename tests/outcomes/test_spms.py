"""Lorscheider 2016 SPMS conversion (clinical-methods.md §5.2): numbered hand-made cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.outcomes.spms import (
    LORSCHEIDER_2016,
    SpmsDefinition,
    derive_spms_conversion,
    evaluate_spms_rule,
    lorscheider_increase,
)
from msrwe.errors import InputError, OptionError

D0 = dt.date(2020, 1, 1)
FS = ["fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory"]


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def visits(rows: list[tuple], pid: str = "p1") -> pl.DataFrame:
    """Rows are (day, edss, pyramidal[, cerebellar, brainstem, sensory])."""
    data: dict[str, list] = {"patient_id": [], "date": [], "edss": []}
    for c in FS:
        data[c] = []
    for r in rows:
        data["patient_id"].append(pid)
        data["date"].append(day(r[0]))
        data["edss"].append(r[1])
        fs = list(r[2:]) + [None] * (len(FS) - len(r[2:]))
        for c, g in zip(FS, fs, strict=True):
            data[c].append(g)
    return pl.DataFrame(
        data,
        schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64,
                **{c: pl.Int64 for c in FS}},
    )


def relapses(*days: int, pid: str = "p1") -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [pid] * len(days), "onset_date": [day(d) for d in days]})


def conversion(v: pl.DataFrame, r: pl.DataFrame | None = None, **kw) -> dt.date | None:
    d = LORSCHEIDER_2016.replace(**kw) if kw else LORSCHEIDER_2016
    return derive_spms_conversion(v, r, definition=d)["spms_conversion_date"][0]


def test_increase_rule_from_the_paper():
    # Case 1: +1.5 from 0, +1.0 from 1.0 to 5.5 (5.5 included), +0.5 above 5.5
    assert [lorscheider_increase(x) for x in (0, 1.0, 3.5, 5.5, 6.0, 9.5)] == [
        1.5, 1.0, 1.0, 1.0, 0.5, 0.5,
    ]


def test_case2_typical_conversion():
    # Case 2: 3.0 -> 4.0 with pyramidal 1 -> 2, confirmed 120 days later
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (320, 4.0, 2)])
    out = derive_spms_conversion(v)
    assert out.row(0, named=True) == {
        "patient_id": "p1",
        "spms_conversion_date": day(200),
        "spms_edss": 4.0,
        "spms_leading_fs": "pyramidal",
        "spms_leading_fs_grade": 2,
        "spms_reference_date": day(0),
        "spms_reference_edss": 3.0,
        "spms_required_increase": 1.0,
        "spms_confirmation_date": day(320),
        "spms_confirmation_edss": 4.0,
        "spms_rule1_worsening": True,
        "spms_rule2_no_relapse": True,
        "spms_rule3_edss_pyramidal": True,
        "spms_rule4_confirmed": True,
    }


@pytest.mark.parametrize(
    ("ref", "new", "worse"),
    [
        (0.0, 1.0, False),  # Case 3a: from 0 needs +1.5
        (0.0, 1.5, True),  # Case 3b
        (5.5, 6.0, False),  # Case 3c: 5.5 needs +1.0 here (msprog would accept +0.5)
        (5.5, 6.5, True),  # Case 3d
        (6.0, 6.5, True),  # Case 3e: above 5.5 needs +0.5
        (4.5, 5.0, False),  # Case 3f
    ],
)
def test_case3_rule1_thresholds(ref, new, worse):
    v = visits([(0, ref, 1), (100, new, 2)])
    assert evaluate_spms_rule(v)["rule1_worsening"].to_list() == [False, worse]


def test_case4_conversion_above_5_5_by_half_step():
    # Case 4: 6.0 -> 6.5 converts
    v = visits([(0, 6.0, 3), (180, 6.5, 4), (300, 6.5, 4)])
    assert conversion(v) == day(180)


@pytest.mark.parametrize(("onset", "converts"), [(190, False), (200, False), (169, True),
                                                  (201, True)])
def test_case5_relapse_at_the_time(onset, converts):
    # Case 5: a relapse onset 0-30 days up to the worsening visit (day 200) blocks rule 2;
    # 31 days before, or after the visit, does not
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (400, 4.0, 2)])
    got = conversion(v, relapses(onset))
    assert (got == day(200)) is converts


def test_case6_unconfirmed_relapse_is_ignored():
    # Case 6: a relapse charted as not confirmed does not count
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (400, 4.0, 2)])
    r = relapses(190).with_columns(confirmed=pl.lit(False))
    assert conversion(v, r) == day(200)


def test_case7_severity_floor():
    # Case 7a: 2.5 -> 3.5 is a worsening but EDSS < 4.0
    v = visits([(0, 2.5, 1), (200, 3.5, 2), (400, 3.5, 2)])
    out = derive_spms_conversion(v).row(0, named=True)
    assert out["spms_rule2_no_relapse"]
    assert not out["spms_rule3_edss_pyramidal"]
    assert out["spms_conversion_date"] is None
    # Case 7b: pyramidal FS 1 at the worsening visit (the cerebellar FS drove the change)
    v = visits([(0, 3.0, 1, 1), (200, 4.0, 1, 3), (400, 4.0, 1, 3)])
    assert conversion(v) is None
    # Case 7c: pyramidal FS not charted at the worsening visit: missing never satisfies a rule
    v = visits([(0, 3.0, 1), (200, 4.0, None), (400, 4.0, 2)])
    assert conversion(v) is None


@pytest.mark.parametrize(("conf_day", "converts"), [(289, False), (290, True)])
def test_case8_confirmation_needs_90_days(conf_day, converts):
    # Case 8: confirmation at >= 90 days after the worsening visit (day 200)
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (conf_day, 4.0, 2)])
    assert (conversion(v) is not None) is converts


def test_case9_intermediate_visit_must_hold():
    # Case 9: an intermediate visit falls back to 3.5 -> not confirmed at day 200; the later
    # rise from 3.5 to 4.5 (day 320) converts instead
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (250, 3.5, 2), (320, 4.5, 3), (420, 4.5, 3)])
    out = derive_spms_conversion(v).row(0, named=True)
    assert out["spms_conversion_date"] == day(320)
    assert out["spms_reference_date"] == day(250)


def test_case10_leading_fs_confirmation():
    # Case 10: cerebellar rises 2 -> 4 (leading), pyramidal 2 -> 3
    base = [(0, 3.0, 2, 2), (200, 4.0, 3, 4)]
    # 10a: cerebellar back to reference grade 2 at confirmation -> fails
    assert conversion(visits([*base, (300, 4.0, 3, 2)])) is None
    # 10b: cerebellar 3: still above reference -> confirmed under "increase" ...
    v = visits([*base, (300, 4.0, 3, 3)])
    assert conversion(v) == day(200)
    assert derive_spms_conversion(v)["spms_leading_fs"][0] == "cerebellar"
    assert derive_spms_conversion(v)["spms_leading_fs_grade"][0] == 4
    # 10c: ... but not under "onset" (needs >= 4)
    assert conversion(v, leading_fs_confirmation="onset") is None


def test_case11_ties_go_to_pyramidal_first():
    # Case 11: pyramidal and sensory both +1; pyramidal leads; sensory back to 0 is irrelevant
    v = visits([(0, 3.0, 1, 0, 0, 0), (200, 4.0, 2, 0, 0, 1), (300, 4.0, 2, 0, 0, 0)])
    out = derive_spms_conversion(v)
    assert out["spms_leading_fs"][0] == "pyramidal"
    assert out["spms_conversion_date"][0] == day(200)


def test_case12_no_fs_rose():
    # Case 12: EDSS rose (ambulation) but no FS grade changed
    v = visits([(0, 3.5, 2, 2), (200, 4.5, 2, 2), (300, 4.5, 2, 2)])
    assert conversion(v) is None
    out = derive_spms_conversion(v, definition=LORSCHEIDER_2016.replace(require_leading_fs=False))
    assert out["spms_conversion_date"][0] == day(200)
    assert out["spms_leading_fs"][0] is None


def test_case13_leading_fs_not_charted_moves_to_next_visit():
    # Case 13: the first visit >= 90 days has no pyramidal grade; the next one confirms
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (300, 4.0, None), (400, 4.0, 2)])
    out = derive_spms_conversion(v).row(0, named=True)
    assert out["spms_confirmation_date"] == day(400)


def test_case14_visits_after_a_relapse_are_skipped_for_confirmation():
    # Case 14: relapse on day 290; the day-300 visit (EDSS 3.0) is skipped, day 400 confirms
    v = visits([(0, 3.0, 1), (200, 4.0, 2), (300, 3.0, 2), (400, 4.0, 2)])
    assert conversion(v) is None
    assert conversion(v, relapses(290)) == day(200)


def test_case15_visits_without_edss_are_ignored():
    # Case 15: the reference is the last visit *with* an EDSS
    v = visits([(0, 3.0, 1), (100, None, 1), (200, 4.0, 2), (250, None, None), (300, 4.0, 2)])
    out = derive_spms_conversion(v).row(0, named=True)
    assert out["spms_reference_date"] == day(0)
    assert out["spms_conversion_date"] == day(200)
    assert evaluate_spms_rule(v).height == 3


def test_case16_first_conversion_and_patient_order():
    # Case 16: patient "b" listed first keeps its place; "a" converts at its first candidate;
    # unsorted rows are fine and the input is not changed
    a = visits([(0, 3.0, 1), (200, 4.0, 2), (300, 4.0, 2), (500, 5.0, 3), (600, 5.0, 3)], "a")
    b = visits([(0, 2.0, 1), (100, 2.0, 1)], "b")
    v = pl.concat([b, a]).reverse()
    before = v.clone()
    out = derive_spms_conversion(v)
    assert out["patient_id"].to_list() == ["a", "b"]  # first appearance in the reversed table
    assert out["spms_conversion_date"].to_list() == [day(200), None]
    assert v.equals(before)
    out2 = derive_spms_conversion(pl.concat([b, a]))
    assert out2["patient_id"].to_list() == ["b", "a"]


def test_case17_text_dates_and_missing_other_fs():
    # Case 17: ISO text dates are accepted; only fs_pyramidal is needed among the FS
    v = pl.DataFrame({"patient_id": ["x"] * 3, "date": ["2020-01-01", "2020-07-01", "2020-12-01"],
                      "edss": [3.0, 4.0, 4.0], "fs_pyramidal": [1, 2, 2]})
    assert conversion(v) == dt.date(2020, 7, 1)


def test_case18_bad_input_is_named():
    v = visits([(0, 3.0, 1), (200, 4.0, 2)])
    with pytest.raises(InputError, match="'fs_pyramidal' is missing") as info:
        derive_spms_conversion(v.drop("fs_pyramidal"))
    assert not isinstance(info.value, OptionError)  # a data problem, not a bad option
    with pytest.raises(InputError, match=r"row 2, column 'edss': value 0.5 is not a valid EDSS"):
        derive_spms_conversion(v.with_columns(edss=pl.Series([3.0, 0.5])))
    with pytest.raises(InputError, match=r"row 1, column 'fs_pyramidal': value 7"):
        derive_spms_conversion(v.with_columns(fs_pyramidal=pl.Series([7, 2])))
    with pytest.raises(InputError, match="more than one visit on 2020-01-01"):
        derive_spms_conversion(pl.concat([v, v.head(1)]))
    bad = v.with_columns(date=pl.Series(["2020-01-01", "01/07/2020"]))
    with pytest.raises(InputError, match=r"row 2, column 'date': value '01/07/2020'"):
        derive_spms_conversion(bad)
    with pytest.raises(InputError, match="relapses: required column"):
        derive_spms_conversion(v, pl.DataFrame({"patient_id": ["p1"]}))
    with pytest.raises(InputError, match="must be a polars"):
        derive_spms_conversion(v.to_dicts())
    # pandas frames are converted
    assert derive_spms_conversion(v.to_pandas()).equals(derive_spms_conversion(v))


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"confirmation_days": -1}, "'confirmation_days' parameter of SpmsDefinition"),
        ({"confirmation_days": 1.5}, "whole number of days"),
        ({"min_edss": 11}, "a number from 0 to 10"),
        ({"min_pyramidal": 7}, "whole grade from 0 to 6"),
        ({"require_leading_fs": "yes"}, "True or False"),
    ],
)
def test_case19_definition_is_validated(kw, msg):
    with pytest.raises(OptionError, match=msg):
        SpmsDefinition(**kw)
    with pytest.raises(OptionError, match="'definition' parameter"):
        derive_spms_conversion(visits([(0, 3.0, 1)]), definition="lorscheider")


def test_case20_describe_states_every_parameter():
    d = SpmsDefinition(confirmation_days=180, relapse_window_days=60, min_pyramidal=3,
                       leading_fs_confirmation="onset", require_leading_fs=False, name="strict")
    text = d.describe()
    for part in ("Lorscheider", "180 days", "60 days", ">= 4.0", ">= 3", "worsening visit",
                 "EDSS confirmation alone", "'strict'", "1.5 points from 0"):
        assert part in text
    assert "at least at its grade at the worsening visit" in text
    default = LORSCHEIDER_2016.describe()
    assert "remained above its grade at the reference visit" in default
    assert ">= 90 days" in default
    assert "30 days" in default
    assert "could not be confirmed" in default


# --- properties -------------------------------------------------------------------------

_edss = st.sampled_from([0.0, *[x / 2 for x in range(2, 20)]])
_visit = st.tuples(st.integers(20, 200), _edss, st.integers(0, 6), st.integers(0, 5))


def _random_patient(pid: str, steps: list[tuple[int, float, int, int]]) -> pl.DataFrame:
    rows, t = [], 0
    for gap, e, p, c in steps:
        t += gap
        rows.append((t, e, p, c))
    return visits(rows, pid)


@given(st.lists(_visit, min_size=1, max_size=12), st.lists(st.integers(0, 1500), max_size=3))
def test_property_conversion_meets_every_condition(steps, rel_days):
    v = _random_patient("p", steps)
    r = relapses(*rel_days, pid="p")
    out = derive_spms_conversion(v, r).row(0, named=True)
    flags = [out[f"spms_rule{k}_{n}"] for k, n in
             ((1, "worsening"), (2, "no_relapse"), (3, "edss_pyramidal"), (4, "confirmed"))]
    assert flags == sorted(flags, reverse=True)  # each rule implies the ones before
    assert (out["spms_conversion_date"] is not None) is flags[3]
    if out["spms_conversion_date"] is None:
        return
    conv, ref, conf = out["spms_conversion_date"], out["spms_reference_date"], \
        out["spms_confirmation_date"]
    rows = v.filter(pl.col("edss").is_not_null()).sort("date")
    at = rows.filter(pl.col("date") == conv).row(0, named=True)
    before = rows.filter(pl.col("date") < conv)
    assert before["date"][-1] == ref
    need = lorscheider_increase(before["edss"][-1])
    assert at["edss"] >= before["edss"][-1] + need
    assert at["edss"] >= 4.0
    assert at["fs_pyramidal"] >= 2
    assert all(not (0 <= (conv - d).days <= 30) for d in r["onset_date"])
    assert (conf - conv).days >= 90
    between = rows.filter((pl.col("date") > conv) & (pl.col("date") <= conf))
    kept = [e for d, e in zip(between["date"], between["edss"], strict=True)
            if not any(0 <= (d - o).days <= 30 for o in r["onset_date"])]
    assert all(e >= before["edss"][-1] + need for e in kept)


@given(st.lists(_visit, min_size=1, max_size=8), st.lists(_visit, min_size=1, max_size=8),
       st.randoms(use_true_random=False))
def test_property_patients_are_independent_and_order_free(s1, s2, rnd):
    a, b = _random_patient("a", s1), _random_patient("b", s2)
    both = pl.concat([a, b])
    shuffled = both.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 1000))
    together = derive_spms_conversion(shuffled).sort("patient_id")
    alone = pl.concat([derive_spms_conversion(a), derive_spms_conversion(b)])
    assert together.equals(alone)


def test_public_surface():
    import msrwe.derive.outcomes.spms as spms
    import msrwe.derive.phenotype as phenotype

    assert sorted(spms.__all__) == sorted([
        "LORSCHEIDER_2016", "SpmsDefinition", "derive_spms_conversion", "evaluate_spms_rule",
        "lorscheider_increase",
    ])
    assert phenotype.__all__ == ["CHARTED_BEFORE_FOLLOW_UP", "INDETERMINATE", "PHENOTYPES",
                                 "derive_phenotype", "describe_phenotype"]
    assert all(hasattr(spms, n) for n in spms.__all__)


@given(st.lists(_visit, min_size=2, max_size=10), st.lists(st.integers(0, 1200), max_size=2),
       st.sampled_from([
           {"min_edss": 5.0}, {"min_pyramidal": 3}, {"leading_fs_confirmation": "onset"},
       ]))
def test_property_stricter_definition_never_converts_earlier(steps, rel_days, stricter):
    # raising a floor or demanding more of the leading FS can only remove conversions;
    # dropping the leading-FS requirement can only add them
    v = _random_patient("p", steps)
    r = relapses(*rel_days, pid="p")

    def date(**kw):
        return derive_spms_conversion(v, r, definition=LORSCHEIDER_2016.replace(**kw))[
            "spms_conversion_date"][0]

    base, strict, loose = date(), date(**stricter), date(require_leading_fs=False)
    if strict is not None:
        assert base is not None
        assert strict >= base
    if base is not None:
        assert loose is not None
        assert loose <= base
