"""Milestones of visits already in patient and date order skip the sort, with the same result.

``_prepare`` sorts the visits by patient, date and row; chart visits come in that order, and
then the sort is skipped (issue 14, item 1). The milestones must be those of the sorted path,
same-day visits (the last charted row of the day is kept) included.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import msrwe.derive.milestones as milestones_module
from msrwe.derive.milestones import derive_milestones


def _visits(seed: int, n_pat: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    d0 = dt.date(2012, 1, 1)
    rows = []
    for p in range(n_pat):
        k = int(rng.integers(1, 15))
        days = np.cumsum(rng.integers(0, 250, k))  # 0: a second visit the same day
        edss = np.clip(np.round(2 * (3 + np.cumsum(rng.normal(0.15, 0.7, k)))) / 2, 0, 9.5)
        rows += [(f"p{p:03d}", d0 + dt.timedelta(days=int(d)), float(e))
                 for d, e in zip(days, edss, strict=True)]
    visits = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                        "edss": pl.Float64}, orient="row")
    who = rng.integers(0, n_pat, max(1, n_pat // 2))
    relapses = pl.DataFrame({
        "patient_id": [f"p{p:03d}" for p in who],
        "onset_date": [d0 + dt.timedelta(days=int(x)) for x in rng.integers(0, 2500, who.size)],
    }, schema={"patient_id": pl.String, "onset_date": pl.Date})
    return visits, relapses


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pat=st.integers(1, 30))
def test_sorted_visits_skip_the_sort_with_the_same_milestones(seed, n_pat):
    visits, relapses = _visits(seed, n_pat)
    got = derive_milestones(visits, milestones=(4.0, 6.0), relapses=relapses)
    with pytest.MonkeyPatch.context() as m:  # the plain version: always sort
        m.setattr(milestones_module, "sort_unless_sorted", lambda df, by: df.sort(by))
        want = derive_milestones(visits, milestones=(4.0, 6.0), relapses=relapses)
    for a, b in zip(got, want, strict=True):
        assert a.equals(b)
