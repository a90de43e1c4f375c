"""Matching, weighting and balance of one comparison, against brute force and hand numbers."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.compare._adjust import (
    balance_table,
    check_overlap,
    effective_sample_size,
    fit_propensity,
    match_units,
    weight_units,
)
from msrwe.errors import StudyFileError


def brute_force(logit: np.ndarray, treat: np.ndarray, caliper: float, ratio: int,
                replace: bool) -> set[tuple[int, int]]:
    """Greedy nearest neighbour, largest score first, by scanning every control (O(n^2))."""
    width = caliper * np.std(logit, ddof=1)
    used: set[int] = set()
    pairs: set[tuple[int, int]] = set()
    treated = sorted(np.flatnonzero(treat == 1), key=lambda i: -logit[i])
    for t in treated:
        taken: list[int] = []
        for _ in range(ratio):
            cands = [c for c in np.flatnonzero(treat == 0)
                     if (replace and c not in taken) or (not replace and c not in used)]
            if not cands:
                break
            c = min(cands, key=lambda c: (abs(logit[c] - logit[t]), c))
            if abs(logit[c] - logit[t]) > width:
                break
            taken.append(c)
            used.add(c)
        pairs.update((t, c) for c in taken)
    return pairs


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(4, 40), seed=st.integers(0, 10_000), ratio=st.integers(1, 3),
    replace=st.booleans(), caliper=st.sampled_from([0.05, 0.2, 1.0]),
)
def test_01_matching_equals_brute_force(n: int, seed: int, ratio: int, replace: bool,
                                        caliper: float) -> None:
    rng = np.random.default_rng(seed)
    logit = np.round(rng.normal(0, 1, n), 6) + np.arange(n) * 1e-9  # no exact ties
    treat = (rng.random(n) < 0.4).astype(int)
    if treat.sum() in (0, n):
        return
    m = match_units(logit, treat, caliper=caliper, ratio=ratio, replace=replace)
    got = {(s, r) for r, s in zip(m["row"], m["set_id"], strict=True) if r != s}
    assert got == brute_force(logit, treat, caliper, ratio, replace)
    # weights: 1 for the treated, 1/k for each of the k controls of a set
    for _s, d in m.group_by("set_id"):
        k = d.height - 1
        ctrl = d.filter(pl.col("row") != pl.col("set_id"))["weight"].to_list()
        assert ctrl == pytest.approx([1 / k] * k)


def test_02_matching_without_replacement_uses_a_control_once() -> None:
    logit = np.array([0.0, 0.01, 0.02, 0.03])
    treat = np.array([1, 1, 0, 0])
    m = match_units(logit, treat, caliper=10, ratio=1, replace=False)
    # the largest score first: treated 1 (0.01) takes control 2 (0.02), treated 0 gets 3
    assert m.sort("set_id", "row").rows() == [(0, 0, 1.0), (3, 0, 1.0), (1, 1, 1.0),
                                              (2, 1, 1.0)]
    r = match_units(logit, treat, caliper=10, ratio=1, replace=True)
    assert sorted(r.filter(pl.col("row") != pl.col("set_id"))["row"].to_list()) == [2, 2]


def test_03_caliper_leaves_distant_treated_unmatched() -> None:
    logit = np.array([0.0, 0.05, 3.0, 0.1, 0.2])
    treat = np.array([1, 0, 1, 0, 0])
    m = match_units(logit, treat, caliper=0.2, ratio=1, replace=False)
    assert 2 not in m["set_id"].to_list()


def test_04_weights_by_estimand() -> None:
    ps = np.array([0.2, 0.5, 0.8, 0.4])
    t = np.array([1, 1, 0, 0])
    ate = weight_units(ps, t, estimand="ate", truncate_percentiles=None, max_weight=None)
    assert ate.tolist() == pytest.approx([0.5 / 0.2, 0.5 / 0.5, 0.5 / 0.2, 0.5 / 0.6])
    ato = weight_units(ps, t, estimand="ato", truncate_percentiles=None, max_weight=None)
    assert ato.tolist() == pytest.approx([0.8, 0.5, 0.8, 0.4])
    capped = weight_units(ps, t, estimand="ate", truncate_percentiles=None, max_weight=2.0)
    assert capped.max() == 2.0
    trunc = weight_units(ps, t, estimand="ate", truncate_percentiles=(0, 50), max_weight=None)
    assert trunc.max() == pytest.approx(np.percentile(ate, 50))
    assert effective_sample_size(np.ones(5)) == 5.0


def test_05_smd_as_cobalt_defines_it() -> None:
    # continuous: (m1 - m0) / sqrt((s1^2 + s0^2) / 2), SDs of the unadjusted sample
    x = np.array([[1.0, 1], [2.0, 0], [3.0, 1], [2.0, 0], [4.0, 0], [6.0, 1]])
    t = np.array([1, 1, 1, 0, 0, 0])
    bal = balance_table(x, ["age", "female"], t, np.ones(6), np.array([1, 1, 1, 1, 1, 0.0]))
    age = bal.row(0, named=True)
    sd = np.sqrt((np.var([1, 2, 3], ddof=1) + np.var([2, 4, 6], ddof=1)) / 2)
    assert age["smd_before"] == pytest.approx((2 - 4) / sd)
    assert age["smd_after"] == pytest.approx((2 - 3) / sd)  # unit 5 has weight 0
    assert age["vr_before"] == pytest.approx(1 / 4)
    fem = bal.row(1, named=True)
    p1, p0 = 2 / 3, 1 / 3
    assert fem["smd_before"] == pytest.approx((p1 - p0) / np.sqrt((p1 * (1 - p1)
                                                                    + p0 * (1 - p0)) / 2))
    assert fem["vr_before"] is None


def test_06_separation_and_no_overlap_are_clear_errors() -> None:
    x = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]])
    t = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(StudyFileError, match="'edss' separates the arms completely"):
        fit_propensity(x, t, ["edss"], label="compare (b vs a)")
    with pytest.raises(StudyFileError, match="do not overlap at all"):
        check_overlap(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]), "compare")


def test_07_propensity_recovers_logistic_coefficients() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (4000, 1))
    t = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 + 1.0 * x[:, 0])))).astype(int)
    p = fit_propensity(x, t, ["z"])
    assert p.coefficients["z"] == pytest.approx(1.0, abs=0.1)
    pen = fit_propensity(x, t, ["z"], penalty=50.0)
    assert abs(pen.coefficients["z"]) < abs(p.coefficients["z"])
