"""Vectorised log-rank and Cox per trial, checked trial by trial against lifelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test

from msrwe.design.survival import analyse_trials, cox_by_trial, logrank_by_trial

RESULTS = Path(__file__).parents[1] / "results" / "design"


def _trials(seed: int, n_trials: int, n: int, discrete: bool):
    rng = np.random.default_rng(seed)
    trial = np.repeat(np.arange(n_trials), n)
    arm = rng.random(trial.size) < 0.5
    t = rng.exponential(np.where(arm, 1 / 0.7, 1.0)) * 300
    c = rng.uniform(100, 700, trial.size)
    time = np.minimum(t, c)
    if discrete:  # visit days: heavy ties, as in the simulated trials
        time = np.ceil(time / 84) * 84
    return trial, time, t <= c, arm


@pytest.mark.parametrize("discrete", [False, True])
def test_logrank_matches_lifelines(discrete):
    trial, time, event, arm = _trials(1, 6, 80, discrete)
    lr = logrank_by_trial(trial, time, event, arm, 6)
    for j in range(6):
        m = trial == j
        ref = logrank_test(time[m & arm], time[m & ~arm], event[m & arm], event[m & ~arm])
        assert lr.p_value[j] == pytest.approx(ref.p_value, rel=1e-8, abs=1e-12)
        assert lr.z[j] ** 2 == pytest.approx(ref.test_statistic, rel=1e-8)
        assert lr.events[j] == event[m].sum()


def test_cox_matches_lifelines_efron():
    trial, time, event, arm = _trials(2, 5, 120, False)
    cox = cox_by_trial(trial, time, event, arm, 5)
    assert cox.converged.all()
    for j in range(5):
        m = trial == j
        df = pd.DataFrame({"T": time[m], "E": event[m].astype(int), "x": arm[m].astype(float)})
        f = CoxPHFitter().fit(df, "T", "E", fit_options={"precision": 1e-12})
        assert cox.log_hr[j] == pytest.approx(f.params_["x"], abs=1e-6)
        assert cox.se[j] == pytest.approx(f.standard_errors_["x"], rel=1e-5)


def test_cox_and_logrank_match_r_survival_with_ties():
    """Visit-day times (heavy ties): R survival's coxph (Efron) and survdiff are the reference.

    lifelines stops its Newton steps slightly early on some tied data (1e-5 off near 0), so the
    tied case is checked against R (tests/results/design/coxph_efron.R).
    """
    d = pl.read_csv(RESULTS / "cox_input.csv")
    ref = pl.read_csv(RESULTS / "coxph_efron.csv").sort("trial")
    n = ref.height
    args = (d["trial"].to_numpy(), d["time"].to_numpy().astype(float),
            d["event"].to_numpy().astype(bool), d["arm"].to_numpy().astype(bool), n)
    cox = cox_by_trial(*args)
    lr = logrank_by_trial(*args)
    assert np.allclose(cox.log_hr, ref["log_hr"].to_numpy(), atol=1e-8)
    assert np.allclose(cox.se, ref["se"].to_numpy(), rtol=1e-7)
    assert np.allclose(lr.z**2, ref["logrank_chisq"].to_numpy(), rtol=1e-8)
    assert lr.events.tolist() == ref["events"].to_list()


def test_shared_sort_gives_the_same_answer():
    trial, time, event, arm = _trials(3, 4, 50, True)
    lr, cox = analyse_trials(trial, time, event, arm, 4)
    assert np.array_equal(lr.p_value, logrank_by_trial(trial, time, event, arm, 4).p_value)
    assert np.allclose(cox.log_hr, cox_by_trial(trial, time, event, arm, 4).log_hr)


def test_degenerate_trials():
    # trial 0: events only in the control arm; trial 1: no events at all
    trial = np.array([0, 0, 0, 0, 1, 1])
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.array([1, 1, 0, 0, 0, 0], dtype=bool)
    arm = np.array([0, 0, 1, 1, 0, 1], dtype=bool)
    cox = cox_by_trial(trial, time, event, arm, 2)
    assert np.isnan(cox.log_hr).all()
    assert not cox.converged.any()
    lr = logrank_by_trial(trial, time, event, arm, 2)
    assert lr.p_value[1] == 1.0
    assert lr.events.tolist() == [2.0, 0.0]


def test_trial_order_of_rows_does_not_matter():
    trial, time, event, arm = _trials(4, 3, 40, True)
    perm = np.random.default_rng(0).permutation(trial.size)
    a = logrank_by_trial(trial, time, event, arm, 3).z
    b = logrank_by_trial(trial[perm], time[perm], event[perm], arm[perm], 3).z
    assert np.allclose(a, b)


@given(st.lists(st.tuples(st.integers(1, 6), st.booleans(), st.booleans()), min_size=4,
                max_size=25))
def test_logrank_property_single_trial(rows):
    time = np.array([r[0] for r in rows], dtype=float)
    event = np.array([r[1] for r in rows])
    arm = np.array([r[2] for r in rows])
    if arm.all() or not arm.any() or not event.any():
        return
    lr = logrank_by_trial(np.zeros(len(rows), int), time, event, arm, 1)
    ref = logrank_test(time[arm], time[~arm], event[arm], event[~arm])
    assert lr.p_value[0] == pytest.approx(ref.p_value, rel=1e-7, abs=1e-12)
