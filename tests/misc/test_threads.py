"""Pieces of a step on two threads give the answers of one after the other (issue 14, item 1).

:func:`msrwe._threads.map_in_order` runs independent pieces (the mixed-model fit of each group
and of everyone) two at a time; the answers come back in the pieces' order, so the results
table is the same. Each case compares with the pieces run one after the other.
"""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe import _threads
from msrwe._threads import map_in_order


# Case 1: answers in the pieces' order, on two threads where two cores are there
def test_case1_answers_in_order_on_two_threads() -> None:
    names: set[str] = set()

    def piece(x: int) -> int:
        names.add(threading.current_thread().name)
        return x * 10

    assert map_in_order(piece, range(7)) == [x * 10 for x in range(7)]
    assert map_in_order(piece, []) == []
    assert len(names) == _threads.thread_count() or len(names) == 1


# Case 2: a piece's error reaches the caller (the first in order)
def test_case2_a_failing_piece_raises() -> None:
    def piece(x: int) -> int:
        if x >= 2:
            raise ValueError(f"piece {x}")
        return x

    with pytest.raises(ValueError, match="piece 2"):
        map_in_order(piece, range(5))


# Case 3: the EDSS slope rows with the groups fitted two at a time equal those fitted one by
# one (each group's rows reach its own fit, the rows come back in group order)
@settings(max_examples=15, deadline=None)
@given(n_pat=st.integers(1, 12), seed=st.integers(0, 10_000))
def test_case3_slope_rows_equal_one_by_one(n_pat: int, seed: int) -> None:
    from msrwe.study import efficacy
    from msrwe.study.config import Study
    from msrwe.tables.results import ResultsTable

    rng = np.random.default_rng(seed)
    d0 = dt.date(2020, 1, 1)
    pids = [f"P{i:02d}" for i in range(n_pat)]
    adsl = pl.DataFrame({"patient_id": pids, "group": [("A", "B")[i % 2] for i in range(n_pat)],
                         "base_edss_date": [d0] * n_pat})
    rows = [(p, d0 + dt.timedelta(days=int(d)), float(rng.integers(0, 14)) / 2, int(d))
            for p in pids for d in sorted(rng.choice(2000, size=int(rng.integers(1, 6)),
                                                     replace=False))]
    advs = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                      "edss": pl.Float64, "days": pl.Int64}, orient="row") \
        .with_columns(pl.lit(True).alias("on_treatment"))
    study = Study.default_for("x")

    class Fit:  # stands for the mixed model (deterministic per part, as the model is)
        def __init__(self, part: pl.DataFrame) -> None:
            self.slope = float(part["edss"].mean())
            self.ci_low, self.ci_high = float(part["years"].min()), float(part["years"].max())
            self.method = f"stand-in on {part.height} rows"

    def table() -> pl.DataFrame:
        results = ResultsTable()
        efficacy.add_slope(results, advs, adsl, study)
        return results.to_polars()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(efficacy, "mixed_slope", lambda part, *a, **k: Fit(part))
        two = table()
        mp.setattr(_threads, "MAX_THREADS", 1)
        one = table()
    assert two["group"].unique(maintain_order=True).to_list()[-1] == "overall"
    # each group's row holds its own rows' fit
    on = advs.join(adsl, on="patient_id")
    for g in ("A", "B", "overall"):
        mine = on if g == "overall" else on.filter(pl.col("group") == g)
        got = two.filter((pl.col("group") == g) & (pl.col("stat") == "slope"))["value"]
        if mine["patient_id"].n_unique() >= 2 and mine.height >= 3:
            assert got.to_list() == [pytest.approx(mine["edss"].mean())]
    assert two.equals(one, null_equal=True)
