"""match_nearest: MatchIt's rules (brute-force oracle), MatchIt's weights (golden), speed shape."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.compare.matching import match_nearest, weights_from_pairs
from msrwe.errors import InputError, OptionError

from ._oracle import oracle

GOLD = Path(__file__).parents[1] / "results" / "compare"
CONFIGS = {  # name in the golden files: (ratio, caliper, replace)
    "r1_cal02": (1, 0.2, False),
    "r2_cal02": (2, 0.2, False),
    "r3_cal01": (3, 0.1, False),
    "r1_cal02_rep": (1, 0.2, True),
    "r1_nocal": (1, None, False),
    "r2_nocal": (2, None, False),
}


def as_set(m):
    return set(zip(m.pairs["treated"], m.pairs["slot"], m.pairs["control"], strict=True))


def golden_pairs(name, cfg):
    p = pl.read_csv(GOLD / f"match_{name}_{cfg}_pairs.csv")
    return set(zip(p["treated"] - 1, p["slot"], p["control"] - 1, strict=True))


def logit(name):
    return pl.read_csv(GOLD / f"ps_{name}.csv")["logit_ps"].to_numpy()


def treat(name):
    return pl.read_csv(GOLD / f"cohort_{name}.csv")["treat"].to_numpy()


@pytest.mark.parametrize("name", ["a", "b"])
@pytest.mark.parametrize("cfg", list(CONFIGS))
def test_1_oracle_with_matchit_451_defects_reproduces_matchit(name, cfg):
    # confirms the oracle's order conventions are MatchIt's (see _oracle.py)
    ratio, caliper, replace = CONFIGS[cfg]
    got = oracle(logit(name), treat(name), caliper, ratio, replace, matchit_451=True)
    assert got == golden_pairs(name, cfg)


@pytest.mark.parametrize("name", ["a", "b"])
@pytest.mark.parametrize("cfg", list(CONFIGS))
def test_2_match_nearest_equals_the_oracle_on_the_golden_cohorts(name, cfg):
    ratio, caliper, replace = CONFIGS[cfg]
    m = match_nearest(logit(name), treat(name), caliper=caliper, ratio=ratio, replace=replace)
    assert as_set(m) == oracle(logit(name), treat(name), caliper, ratio, replace)
    # every match respects the caliper
    if caliper is not None:
        d = logit(name)
        gap = np.abs(d[m.pairs["treated"].to_numpy()] - d[m.pairs["control"].to_numpy()])
        assert gap.max() <= m.caliper_width


@pytest.mark.parametrize("name", ["a", "b"])
@pytest.mark.parametrize("cfg", list(CONFIGS))
def test_3_weights_equal_matchit_given_matchits_pairs(name, cfg):
    p = pl.read_csv(GOLD / f"match_{name}_{cfg}_pairs.csv").with_columns(
        pl.col("treated") - 1, pl.col("control") - 1
    )
    units = pl.read_csv(GOLD / f"match_{name}_{cfg}_units.csv", null_values="NA")
    assert weights_from_pairs(p, treat(name)) == pytest.approx(units["weight"].to_numpy(),
                                                                abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.integers(-30, 30), min_size=2, max_size=40),
    flags=st.lists(st.booleans(), min_size=40, max_size=40),
    ratio=st.integers(1, 3),
    replace=st.booleans(),
    caliper=st.sampled_from([None, 0.1, 0.3, 1.0]),
)
def test_4_property_equals_oracle_with_ties(values, flags, ratio, replace, caliper):
    d = np.array(values, dtype=float) / 10  # many ties on purpose
    t = np.array(flags[: len(d)], dtype=int)
    if t.min() == t.max():
        return
    expected = oracle(d, t, caliper, ratio, replace)
    if not expected:
        with pytest.raises(InputError, match="no patient could be matched"):
            match_nearest(d, t, caliper=caliper, ratio=ratio, replace=replace)
        return
    m = match_nearest(d, t, caliper=caliper, ratio=ratio, replace=replace)
    assert as_set(m) == expected
    if not replace:
        assert m.pairs["control"].n_unique() == m.pairs.height
    # each treated patient's controls are distinct, also with replacement
    distinct = m.pairs.group_by("treated").agg(pl.col("control").n_unique() == pl.len())
    assert distinct.to_series(1).all()


def test_5_sets_subclass_and_uses():
    d = np.array([0.0, 0.1, 2.0, 0.05, 1.9, 1.95, -0.1])
    t = np.array([1, 0, 1, 0, 0, 0, 0])
    m = match_nearest(d, t, caliper=None, ratio=2)
    # largest first: row 2 takes 5 then (round 2) 4; row 0 takes 3 then 1 (0.1 < 0.1? tie: lower)
    assert m.pairs.select("treated", "control", "slot", "set_id").rows() == [
        (0, 3, 1, 1), (0, 6, 2, 1), (2, 5, 1, 2), (2, 4, 2, 2),
    ]
    assert m.subclass.tolist() == [1, -1, 2, 1, 2, 2, 1]
    assert m.uses.filter(pl.col("row") == 3)["weight"].to_list() == [0.5]
    per_row = m.uses.group_by("row").agg(pl.col("matchit_weight").sum()).sort("row")
    assert per_row["matchit_weight"].to_numpy() == pytest.approx(m.weights[per_row["row"]])
    assert m.n_treated_matched == 2
    assert m.n_control_matched == 4


def test_6_replacement_reuses_controls_and_weights_them():
    d = np.array([0.0, 0.01, 0.02, 5.0])
    t = np.array([1, 1, 0, 0])
    m = match_nearest(d, t, caliper=0.2, replace=True)
    assert m.pairs["control"].to_list() == [2, 2]
    assert m.weights.tolist() == [1.0, 1.0, 1.0, 0.0]  # 2 uses, scaled to 1 distinct control
    assert (m.subclass == -1).all()
    assert m.uses.filter(pl.col("row") == 2).height == 2
    assert m.uses.filter(pl.col("row") == 2)["matchit_weight"].to_list() == [0.5, 0.5]


def test_7_bad_options_and_input():
    d, t = np.array([0.0, 1.0]), np.array([1, 0])
    with pytest.raises(OptionError, match="'caliper' parameter"):
        match_nearest(d, t, caliper=-1)
    with pytest.raises(OptionError, match="'ratio' parameter"):
        match_nearest(d, t, ratio=0)
    with pytest.raises(InputError, match="both arms"):
        match_nearest(d, np.array([1, 1]))
    with pytest.raises(InputError, match="finite"):
        match_nearest(np.array([np.nan, 1.0]), t)
    with pytest.raises(InputError, match="no patient could be matched"):
        match_nearest(np.array([0.0, 10.0, 0.1, 10.1]), np.array([1, 0, 1, 0]) , caliper=0.01)


def test_8_large_input_is_fast_enough_to_be_n_log_n():
    # 200,000 patients match in well under a minute only without an n x n matrix
    rng = np.random.default_rng(5)
    d = rng.normal(0, 1, 200_000)
    t = (rng.random(200_000) < 0.4).astype(int)
    m = match_nearest(d, t, caliper=0.2)
    assert m.n_treated_matched > 70_000
