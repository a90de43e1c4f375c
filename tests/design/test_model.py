"""The natural-history model: numbered small cases for each piece."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from msrwe.design.config import Population, Schedule
from msrwe.design.model import (
    EDSS_GRID,
    baseline_edss,
    relapse_effect,
    simulate_cohort,
    snap_edss,
)
from msrwe.design.params import NaturalHistoryParams

# ## EDSS half-step rounding: latent value -> EDSS
SNAP_CASES = [
    (1, 0.0, 0.0),     # zero stays zero
    (2, 0.24, 0.0),    # below a quarter rounds down
    (3, 0.49, 0.0),    # 0.5 does not exist: below it, 0
    (4, 0.5, 1.0),     # ... from it, 1.0
    (5, 0.74, 1.0),
    (6, 1.24, 1.0),
    (7, 1.25, 1.5),    # ties round up (half steps)
    (8, 3.74, 3.5),
    (9, 5.76, 6.0),
    (10, 9.6, 9.5),    # 10 (death) is never simulated
    (11, 12.0, 9.5),
    (12, -0.7, 0.0),   # never negative
]


@pytest.mark.parametrize(("case", "latent", "expected"), SNAP_CASES)
def test_snap_edss(case, latent, expected):
    assert snap_edss(np.array([latent]))[0] == expected, case


def test_snap_edss_lands_on_the_grid():
    x = np.random.default_rng(0).uniform(-1, 11, 10_000)
    assert np.isin(snap_edss(x), EDSS_GRID).all()


# ## Relapse recovery: days since onset -> EDSS added by a relapse of 1.0 (30% residual, T=60 d)
RELAPSE_CASES = [
    (1, -10.0, 0.0),                 # before the relapse: nothing
    (2, 0.0, 1.0),                   # at onset: the whole rise
    (3, 60.0, 0.3 + 0.7 / np.e),     # one time constant later
    (4, 600.0, 0.3 + 0.7 * np.exp(-10)),
    (5, 1e6, 0.3),                   # partial recovery: the residual stays
]


@pytest.mark.parametrize(("case", "days", "expected"), RELAPSE_CASES)
def test_relapse_recovery(case, days, expected):
    got = relapse_effect(np.array([days]), np.array([1.0]), 0.3, 60.0)[0]
    assert got == pytest.approx(expected), case


def _cohort(n=3000, seed=1, params=None, **sched):
    s = Schedule(**{"duration_weeks": 96, "visit_every_weeks": 12, **sched})
    rng = np.random.default_rng(seed)
    return simulate_cohort(rng, np.arange(n), np.array(["SPMS"] * n), {},
                           params or NaturalHistoryParams(), Population(), s,
                           np.full(n, s.duration_weeks * 7.0)), s


def test_dropout_case_1_no_dropout_keeps_every_visit():
    c, _s = _cohort(n=200, relapse_visits=False)
    assert not c.dropout.any()
    assert c.visits.group_by("patient_id").len()["len"].unique().to_list() == [9]


def test_dropout_case_2_rate_per_year_and_no_visit_after_leaving():
    c, _s = _cohort(n=20_000, dropout_per_year=0.2, relapse_visits=False, visit_window_days=0)
    # P(leave within 96 weeks) = 1 - 0.8 ** (672 / 365.25)
    assert c.dropout.mean() == pytest.approx(1 - 0.8 ** (672 / 365.25), abs=0.01)
    n_vis = c.visits.group_by("patient_id", maintain_order=True).len()["len"].to_numpy()
    assert (n_vis[c.dropout] < 9).all()
    assert (n_vis[~c.dropout] == 9).all()
    assert (c.last_day[c.dropout] < 672).all()


def test_dropout_case_3_baseline_always_kept():
    c, _s = _cohort(n=2000, dropout_per_year=0.99, relapse_visits=False)
    assert c.visits.filter(pl.col("date") == 0).height == 2000


def test_visits_within_window_and_relapse_visits():
    c, _s = _cohort(n=3000, visit_window_days=7)
    v = c.visits.join(c.relapses.with_columns((pl.col("onset_date") + 14).alias("date"))
                      .select("patient_id", "date", pl.lit(True).alias("rv")),
                      on=["patient_id", "date"], how="left")
    sched = v.filter(pl.col("rv").is_null())
    off = (sched["date"].to_numpy() + 42) % 84 - 42
    assert np.abs(off).max() <= 7
    assert v["rv"].sum() > 0  # relapse visits exist
    assert c.visits.select(pl.col("edss").is_in(EDSS_GRID.tolist()).all()).item()


def test_baseline_edss_within_range_and_weighted():
    rng = np.random.default_rng(2)
    p = NaturalHistoryParams()
    e = baseline_edss(rng, np.array(["SPMS"] * 20_000), p, (3.0, 6.5))
    assert e.min() >= 3.0
    assert e.max() <= 6.5
    assert np.mean(e >= 6.0) == pytest.approx(0.63, abs=0.02)  # IMPACT's share at 6.0-6.5


def test_noise_makes_spurious_improvement_and_practice_makes_faster_pegs():
    zero = NaturalHistoryParams().replace(**{f"slope_median.{m}": 1e-9 for m in
                                             ("edss", "t25fw", "nhpt", "sdmt")})
    c, _ = _cohort(n=4000, params=zero.replace(relapse_rate={"SPMS": 0.0}))
    v = c.visits.with_columns(pl.col("edss").first().over("patient_id").alias("bl"),
                              pl.col("nhpt_dominant_s").first().over("patient_id").alias("hbl"))
    later = v.filter(pl.col("date") > 0)
    # without progression, visits below baseline are as frequent as visits above it
    down = (later["edss"] < later["bl"]).mean()
    up = (later["edss"] > later["bl"]).mean()
    assert down > 0.1
    assert abs(up - down) < 0.03
    # practice: the peg test gets faster than baseline on average (log scale)
    ratio = np.log(later["nhpt_dominant_s"] / later["hbl"]).mean()
    assert ratio < -0.02


def test_treatment_slows_progression():
    n = 4000
    s = Schedule(duration_weeks=96, visit_every_weeks=12)
    f = {m: np.r_[np.ones(n // 2), np.full(n // 2, 0.5)] for m in ("edss", "t25fw")}
    c = simulate_cohort(np.random.default_rng(5), np.arange(n), np.array(["SPMS"] * n), f,
                        NaturalHistoryParams(), Population(), s, np.full(n, 672.0))
    last = c.visits.group_by("patient_id").agg(pl.col("t25fw_s").first().alias("b"),
                                               pl.col("t25fw_s").last().alias("e")).sort(
        "patient_id")
    change = np.log(last["e"] / last["b"]).to_numpy()
    assert change[: n // 2].mean() > 1.5 * change[n // 2:].mean()
