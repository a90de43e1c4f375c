"""Baseline and last on-treatment scores by looked-up dates equal the join-and-filter definition.

:func:`derive_vars_baseline` and :func:`derive_vars_last_on_treatment` look each patient's
reference dates up per visit and keep the visits in the window, instead of joining every scored
visit with the reference dates and filtering (issue 14.1: a million patients' visits were copied
twice). Checked against that plain statement on random charts: patients outside the dataset,
missing scores and dates, shuffled or sorted visits; and a numbered case.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment

D0 = dt.date(2020, 1, 1)


def _plain_baseline(dataset, visits, window_days):  # the former statement
    ref = dataset.select("patient_id", pl.col("first_dose").alias("_ref")).unique("patient_id")
    cand = (
        visits.select("patient_id", "date", "edss").filter(pl.col("edss").is_not_null())
        .join(ref, on="patient_id", how="inner", maintain_order="left")
        .filter((pl.col("date") <= pl.col("_ref"))
                & (pl.col("date") >= pl.col("_ref") - pl.duration(days=window_days)))
        .sort("patient_id", "date")
        .group_by("patient_id", maintain_order=True).last()
        .select("patient_id", pl.col("edss").alias("base_edss"),
                pl.col("date").alias("base_edss_date"))
    )
    return dataset.join(cand, on="patient_id", how="left", maintain_order="left")


def _plain_last(dataset, visits, lag_days):
    ref = dataset.select("patient_id", pl.col("base_edss_date").alias("_start"),
                         pl.col("last_dose").alias("_end"))
    cand = (
        visits.select("patient_id", "date", "edss").filter(pl.col("edss").is_not_null())
        .join(ref.unique("patient_id"), on="patient_id", how="inner", maintain_order="left")
        .filter((pl.col("date") > pl.col("_start"))
                & (pl.col("date") <= pl.col("_end") + pl.duration(days=lag_days)))
        .sort("patient_id", "date")
        .group_by("patient_id", maintain_order=True).last()
        .select("patient_id", pl.col("edss").alias("last_edss"),
                pl.col("date").alias("last_edss_date"))
    )
    return dataset.join(cand, on="patient_id", how="left", maintain_order="left")


def _date(days: int | None) -> dt.date | None:
    return None if days is None else D0 + dt.timedelta(days=days)


visit_rows = st.lists(
    st.tuples(st.sampled_from("abcdef"), st.integers(0, 400),
              st.one_of(st.none(), st.sampled_from([0.0, 1.5, 3.0, 6.5]))),
    max_size=40, unique_by=lambda r: (r[0], r[1]),
)
patient_rows = st.lists(
    st.tuples(st.sampled_from("abcdeg"), st.one_of(st.none(), st.integers(0, 400)),
              st.one_of(st.none(), st.integers(0, 400))),
    max_size=6, unique_by=lambda r: r[0],
)


@settings(max_examples=150, deadline=None)
@given(visit_rows, patient_rows, st.integers(0, 120), st.integers(0, 120), st.booleans())
def test_lookup_equals_join_and_filter(vrows, prows, window, lag, in_order) -> None:
    visits = pl.DataFrame(
        {"patient_id": [p for p, _, _ in vrows], "date": [_date(d) for _, d, _ in vrows],
         "edss": [e for _, _, e in vrows]},
        schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64})
    if in_order:
        visits = visits.sort("patient_id", "date")
    dataset = pl.DataFrame(
        {"patient_id": [p for p, _, _ in prows], "first_dose": [_date(f) for _, f, _ in prows],
         "last_dose": [_date(f) for _, _, f in prows]},
        schema={"patient_id": pl.String, "first_dose": pl.Date, "last_dose": pl.Date})
    base = derive_vars_baseline(dataset, visits, window_days=window)
    assert_frame_equal(base, _plain_baseline(dataset, visits, window))
    last = derive_vars_last_on_treatment(base, visits, lag_days=lag)
    assert_frame_equal(last, _plain_last(base, visits, lag))


def test_case1_window_edges_and_missing() -> None:
    d = dt.date
    visits = pl.DataFrame({
        "patient_id": ["a", "a", "a", "b", "b", "z"],
        "date": [d(2020, 1, 1), d(2020, 3, 31), d(2020, 8, 1), d(2020, 1, 1), d(2020, 2, 1),
                 d(2020, 3, 1)],
        "edss": [2.0, 3.0, 3.5, None, 4.0, 1.0]})
    adsl = pl.DataFrame({"patient_id": ["a", "b", "c"],
                         "first_dose": [d(2020, 3, 31), d(2020, 1, 1), None],
                         "last_dose": [d(2020, 5, 3), d(2020, 1, 1), None]})
    out = derive_vars_last_on_treatment(derive_vars_baseline(adsl, visits, window_days=90),
                                        visits, lag_days=90)
    assert out.select("base_edss", "last_edss", "last_edss_date").rows() == [
        (3.0, 3.5, d(2020, 8, 1)),  # a: same-day baseline; last: 90 days after the last dose
        (None, None, None),  # b: no score on or before the first dose, so no start either
        (None, None, None),  # c: no dose
    ]
