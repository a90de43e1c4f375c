"""Safety counts by risk-table row (study/_risk_rows.py) equal the join they replace.

``RiskRows`` tags the events once with their patient's row in the time-at-risk table and counts
each subset by ``bincount`` (issue 14, item 1); the incidence summary and the per-patient counts
must be those of the former join of every subset with the whole time-at-risk table (kept here
as the reference), to the bit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.stats import IncidenceSummary, incidence_summary
from msrwe.study._risk_rows import RiskRows


def _summary_by_join(risk: pl.DataFrame, events: pl.DataFrame, date_col: str,
                     level: float) -> IncidenceSummary:
    """The former ``msrwe.study.safety._summary``: a join with every patient at risk."""
    per_patient = events.group_by("patient_id").agg(
        pl.len().cast(pl.Int64).alias("__n"), pl.col(date_col).min().alias("__first"))
    t = risk.join(per_patient, on="patient_id", how="left").with_columns(
        pl.col("__n").fill_null(0),
        pl.when(pl.col("__first").is_not_null())
        .then((pl.col("__first") - pl.col("risk_start")).dt.total_days() / 365.25)
        .otherwise(pl.col("risk_years")).clip(lower_bound=0.0).alias("__ttf"))
    return incidence_summary(t["__n"].to_numpy(), t["__ttf"].to_numpy(),
                             t["risk_years"].to_numpy(),
                             administrations=int(risk["n_doses"].sum()), level=level)


def _counts_by_join(risk: pl.DataFrame, events: pl.DataFrame) -> np.ndarray:
    counts = risk.select("patient_id", "n_doses").join(
        events.group_by("patient_id").len(), on="patient_id", how="left", maintain_order="left")
    return counts["len"].fill_null(0).to_numpy().astype(float)


def _data(seed: int, n_pat: int, n_ev: int, outsiders: bool, null_dates: bool):
    rng = np.random.default_rng(seed)
    d0 = dt.date(2020, 1, 1)
    ids = [f"p{i:04d}" for i in rng.permutation(n_pat)]
    start = [d0 + dt.timedelta(days=int(x)) for x in rng.integers(0, 400, n_pat)]
    risk = pl.DataFrame({
        "patient_id": ids, "risk_start": start,
        "risk_years": rng.integers(1, 3000, n_pat) / 365.25,
        "n_doses": rng.integers(1, 30, n_pat),
    })
    pool = ids + (["stranger1", "stranger2"] if outsiders else [])
    who = rng.integers(0, len(pool), n_ev)
    onset = [d0 + dt.timedelta(days=int(x)) for x in rng.integers(-30, 3000, n_ev)]
    events = pl.DataFrame({"patient_id": [pool[i] for i in who], "onset_date": onset,
                           "serious": rng.random(n_ev) < 0.3},
                          schema={"patient_id": pl.String, "onset_date": pl.Date,
                                  "serious": pl.Boolean})
    if null_dates:
        events = events.with_columns(
            pl.when(pl.Series(rng.random(n_ev) < 0.2)).then(None)
            .otherwise(pl.col("onset_date")).alias("onset_date"))
    return risk, events


def _same(a: IncidenceSummary, b: IncidenceSummary) -> None:
    sa, sb = a.as_stats(), b.as_stats()
    assert sa.keys() == sb.keys()
    for k in sa:
        x, y = sa[k], sb[k]
        assert x == y or (x != x and y != y), (k, x, y)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_pat=st.sampled_from([1, 1, 2, 3, 17, 120]),
       n_ev=st.integers(0, 300),
       outsiders=st.booleans(), null_dates=st.booleans(),
       level=st.sampled_from([0.9, 0.95]))
def test_counts_by_row_equal_the_join(seed, n_pat, n_ev, outsiders, null_dates, level):
    risk, events = _data(seed, n_pat, n_ev, outsiders, null_dates)
    at = RiskRows(risk)
    tagged = at.tag(events)
    assert tagged.drop("__row").equals(events)  # same rows, same order
    for sub_t, sub in ((tagged, events),
                       (tagged.filter(pl.col("serious")), events.filter(pl.col("serious"))),
                       (tagged.clear(), events.clear())):
        _same(at.summary(sub_t, "onset_date", level),
              _summary_by_join(risk, sub, "onset_date", level))
        got = at.counts(sub_t).astype(float)
        want = _counts_by_join(risk, sub)
        assert got.tobytes() == want.tobytes()
