"""Schoenfeld's formula against R rpact, and the simulated power in the exponential test mode.

Golden values: tests/results/design/rpact_schoenfeld.R (rpact getSampleSizeSurvival, two-sided
alpha 0.05, 1:1, exponential events and dropout, every patient followed 672 days).
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from msrwe.design import parse_design, schoenfeld_events, schoenfeld_n, schoenfeld_power, simulate
from msrwe.errors import OptionError

GOLDEN = pl.read_csv(Path(__file__).parents[1] / "results" / "design" / "rpact_schoenfeld.csv")

DESIGN = """\
[design]
title = "exponential check"
n_trials = {n_trials}
seed = {seed}
[arms]
placebo = 1
active = 1
[schedule]
duration_weeks = 96
visit_every_weeks = 12
dropout_per_year = 0.1
[effect]
hazard_ratio = {hr}
[[endpoints]]
name = "e"
outcome = "edss"
[analysis]
n_per_arm = [{n}]
"""


def _p_event(rate: float, hr: float, dropout: float, days: float) -> float:
    lam = -math.log1p(-rate) / days * hr
    mu = -math.log1p(-dropout) / 365.25
    return lam / (lam + mu) * (1 - math.exp(-(lam + mu) * days))


@pytest.mark.parametrize("row", list(GOLDEN.iter_rows(named=True)),
                         ids=lambda r: f"{r['hazard_ratio']}-{r['power']}")
def test_events_and_patients_match_rpact(row):
    hr, power = row["hazard_ratio"], row["power"]
    assert schoenfeld_events(hr, power=power) == pytest.approx(row["events"], rel=1e-9)
    p = 0.5 * (_p_event(row["placebo_rate"], 1.0, 0.1, 672)
               + _p_event(row["placebo_rate"], hr, 0.1, 672))
    assert schoenfeld_events(hr, power=power) / p == pytest.approx(row["subjects"], rel=1e-4)
    assert schoenfeld_power(row["events"], hr) == pytest.approx(power, abs=1e-9)


def test_known_design_targets():
    # trial-design.md 3.2: 330 events (1:1) and 372 (2:1) for HR 0.70 and 90% power
    assert round(schoenfeld_events(0.7, power=0.9)) == 330
    assert round(schoenfeld_events(0.7, power=0.9, treated_share=2 / 3)) == 372
    assert schoenfeld_n(0.7, 0.4, active_rate=0.3) == pytest.approx(
        schoenfeld_events(0.7) / 0.35)
    with pytest.raises(OptionError, match="hazard_ratio"):
        schoenfeld_events(1.0)


@pytest.mark.parametrize("hr", [0.7, 0.8])
def test_exponential_mode_power_matches_schoenfeld(hr):
    """Simulated power at rpact's sample size for 80% power is 80% within 2 points."""
    row = GOLDEN.filter((pl.col("hazard_ratio") == hr) & (pl.col("power") == 0.8)).row(
        0, named=True)
    n = round(row["subjects"] / 2)
    n_trials = 3000 if hr == 0.7 else 1500
    d = parse_design(DESIGN.format(n_trials=n_trials, seed=7, hr=hr, n=n))
    res = simulate(d, event_model="exponential", exponential_rates={"e": 0.4})
    g = res.grid[0]
    assert abs(g.power - 0.8) <= 0.02, (g.power, g.power_mc_se)
    assert g.events == pytest.approx(row["events"], rel=0.02)
    assert g.hazard_ratio == pytest.approx(hr, abs=0.02)
    assert abs(g.type1_error - 0.05) <= 0.015
