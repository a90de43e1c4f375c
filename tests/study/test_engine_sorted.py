"""``study._engine.run_engine`` skips the sort of visits already in patient and date order.

The engine's input is sorted by patient and date; visits that come strictly in that order (the
store's order) are passed as they are (issue 14, item 1: one linear check instead of a sort of
text ids per engine call). The events must be those of the sorted input: the same visits (no
two of a patient on one day, so the sorted order is unique) in any row order give the same
events. Visits with same-day ties are not strictly ordered and are sorted as before.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.study._engine import run_engine


def _cohort(seed: int, n_pat: int, ties: bool):
    rng = np.random.default_rng(seed)
    d0 = dt.date(2015, 1, 1)
    rows = []
    for p in range(n_pat):
        k = int(rng.integers(1, 12))
        days = np.cumsum(rng.integers(0 if ties else 1, 200, k))
        edss = np.clip(np.round(2 * (2 + np.cumsum(rng.normal(0.1, 0.6, k)))) / 2, 0, 9.5)
        for d, v in zip(days, edss, strict=True):
            rows.append((f"p{p:03d}", d0 + dt.timedelta(days=int(d)), float(v),
                         bool(rng.random() < 0.9)))
    advs = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                      "edss": pl.Float64, "on_treatment": pl.Boolean},
                        orient="row")
    adsl = advs.group_by("patient_id").agg(pl.col("date").min().alias("base_edss_date"))
    who = rng.integers(0, n_pat, n_pat // 3)
    relapses = pl.DataFrame({
        "patient_id": [f"p{p:03d}" for p in who],
        "onset_date": [d0 + dt.timedelta(days=int(x)) for x in rng.integers(0, 2000, who.size)],
    }, schema={"patient_id": pl.String, "onset_date": pl.Date})
    return adsl, advs, relapses


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pat=st.integers(1, 40))
def test_sorted_and_shuffled_visits_give_the_same_events(seed, n_pat):
    adsl, advs, relapses = _cohort(seed, n_pat, ties=False)
    options = OutcomeOptions(outcome="edss", value_col="edss", event="multiple")
    in_order = advs.sort("patient_id", "date", maintain_order=True)
    shuffled = advs.sample(fraction=1.0, shuffle=True, seed=seed % 1000)
    got, _ = run_engine(adsl, in_order, relapses, options)  # passed as it is
    want, _ = run_engine(adsl, shuffled, relapses, options)  # sorted first
    assert got.equals(want)



@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pat=st.integers(1, 30), ties=st.booleans())
def test_shared_engine_input_gives_the_same_events(seed, n_pat, ties):
    # inside shared_engine_visits the input of a measure is built once: the events of every
    # later call (other options, a copy of adsl with more columns) are those built afresh
    from msrwe.study._engine import engine_visits, shared_engine_visits

    adsl, advs, relapses = _cohort(seed, n_pat, ties)
    multiple = OutcomeOptions(outcome="edss", value_col="edss", event="multiple")
    first = OutcomeOptions(outcome="edss", value_col="edss")
    want = [run_engine(adsl, advs, relapses, o)[0] for o in (first, multiple)]
    with shared_engine_visits():
        a = run_engine(adsl, advs, relapses, first)[0]
        wider = adsl.with_columns(pl.lit(1).alias("extra"))  # another frame, same baselines
        b = run_engine(wider, advs, relapses, multiple)[0]
        assert engine_visits(wider, advs, "edss") is engine_visits(adsl, advs, "edss")
        moved = adsl.with_columns(pl.col("base_edss_date").dt.offset_by("30d"))
        got_moved = engine_visits(moved, advs, "edss")  # other baselines: built again
    assert got_moved.equals(engine_visits(moved, advs, "edss"))  # as outside the block
    assert a.equals(want[0])
    assert b.equals(want[1])
