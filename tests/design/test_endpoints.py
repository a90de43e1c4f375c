"""Endpoints through the real engine: shared component runs equal separate runs."""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.derive.outcomes import EDSS_PLUS, detect_composite
from msrwe.design.config import Endpoint, Population, Schedule
from msrwe.design.endpoints import endpoint_runs, first_events
from msrwe.design.model import simulate_cohort
from msrwe.design.params import published_params

ENDPOINTS = (
    Endpoint("edss24", "edss", 168),
    Endpoint("t25", "t25fw", 168),
    Endpoint("nhpt24", "nhpt", 168),
    Endpoint("nhpt_mean", "nhpt", 168, hands="harmonic"),   # not a component: its own run
    Endpoint("edss12", "edss", 84),                         # other confirmation: its own run
    Endpoint("plus", "edss_plus", 168),
    Endpoint("pira", "pira", 168),
)


def _cohort(n=1500):
    s = Schedule(duration_weeks=96, visit_every_weeks=12, dropout_per_year=0.1)
    return simulate_cohort(np.random.default_rng(8), np.arange(n), np.array(["SPMS"] * n), {},
                           published_params(), Population(), s, np.full(n, 672.0)), n


def test_shared_runs_equal_separate_runs():
    c, n = _cohort()
    shared = endpoint_runs(ENDPOINTS, c.visits, c.relapses, n)
    assert set(shared) == {e.name for e in ENDPOINTS}
    for ep in ENDPOINTS:
        alone = first_events(ep, c.visits, c.relapses, n)
        got = shared[ep.name]
        assert np.array_equal(got.event, alone.event), ep.name
        assert np.array_equal(got.onset, alone.onset), ep.name
        assert np.array_equal(got.confirmed, alone.confirmed), ep.name


def test_edss_plus_endpoint_is_msrwe_edss_plus():
    c, n = _cohort(800)
    got = first_events(Endpoint("plus", "edss_plus", 168), c.visits, c.relapses, n)
    ref = detect_composite(c.visits, c.relapses, definition=EDSS_PLUS).events
    ids = ref["patient_id"].cast(pl.Int64).unique().to_numpy()
    assert np.array_equal(np.flatnonzero(got.event), np.sort(ids))
    assert got.event.mean() > 0.3
