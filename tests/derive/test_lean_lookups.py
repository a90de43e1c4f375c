"""Adverse-event dose numbers and the end of follow-up without copying a registry's rows (14.1).

``derive_adae`` numbers doses that come in patient and date order as they stand (no codes, no
sorted copy); ``derive_var_end_date`` (and the EDSS slope) look up each visit's patient dates
instead of joining the visits with the cohort (``derive._frames.looked_up``). Each lean path is
checked against the plain one on drawn charts: the shuffled doses take the sorting path, and the
join is the former code kept here.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive.adverse_events import derive_adae
from msrwe.derive.followup import derive_var_end_date

_PATIENTS = ["p1", "p2", "p3", "p4"]


def _days(lo: int = 0, hi: int = 400) -> st.SearchStrategy[dt.date]:
    return st.integers(lo, hi).map(lambda n: dt.date(2015, 1, 1) + dt.timedelta(days=n))


@st.composite
def _doses_and_events(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = draw(st.integers(1, 25))
    doses = pl.DataFrame({
        "patient_id": draw(st.lists(st.sampled_from(_PATIENTS), min_size=n, max_size=n)),
        "date": draw(st.lists(st.one_of(st.none(), _days()), min_size=n, max_size=n)),
    }, schema={"patient_id": pl.String, "date": pl.Date})
    m = draw(st.integers(0, 12))
    events = pl.DataFrame({
        "patient_id": draw(st.lists(st.sampled_from([*_PATIENTS, "p9"]), min_size=m,
                                    max_size=m)),
        "onset_date": draw(st.lists(_days(-30, 450), min_size=m, max_size=m)),
        "term": draw(st.lists(st.sampled_from(["Headache", "UTI"]), min_size=m, max_size=m)),
    }, schema={"patient_id": pl.String, "onset_date": pl.Date, "term": pl.String})
    return doses, events


@settings(max_examples=20, deadline=None)
@given(_doses_and_events(), st.randoms(use_true_random=False))
def test_case1_doses_in_order_number_as_the_sort_does(
    drawn: tuple[pl.DataFrame, pl.DataFrame], rnd: object
) -> None:
    doses, events = drawn
    ordered = doses.sort("patient_id", "date")  # the lean path (in order, nulls first)
    shuffled = doses.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 10**6))  # type: ignore[attr-defined]
    lean = derive_adae(events, ordered)
    plain = derive_adae(events, shuffled)
    assert_frame_equal(lean, plain)


def _plain_end_date(dataset: pl.DataFrame, visits: pl.DataFrame, lag: int) -> pl.DataFrame:
    """The former join of every visit with the cohort."""
    last_seen = (
        visits.select("patient_id", "date")
        .join(dataset.select("patient_id", "first_dose", "last_dose"), on="patient_id",
              how="inner")
        .filter((pl.col("date") >= pl.col("first_dose"))
                & (pl.col("date") <= pl.col("last_dose") + pl.duration(days=lag)))
        .group_by("patient_id").agg(pl.col("date").max().alias("_last_seen"))
    )
    return (dataset.join(last_seen, on="patient_id", how="left", maintain_order="left")
            .with_columns(pl.max_horizontal("last_dose", "_last_seen").alias("end_date"))
            .drop("_last_seen"))


@st.composite
def _cohort_and_visits(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = draw(st.lists(st.one_of(st.none(), st.sampled_from(_PATIENTS)), min_size=1,
                        max_size=4, unique=True))
    first = draw(st.lists(st.one_of(st.none(), _days(0, 100)), min_size=len(ids),
                          max_size=len(ids)))
    span = draw(st.lists(st.integers(0, 300), min_size=len(ids), max_size=len(ids)))
    adsl = pl.DataFrame({
        "patient_id": ids, "first_dose": first,
        "last_dose": [f + dt.timedelta(days=s) if f else None
                      for f, s in zip(first, span, strict=True)],
    }, schema={"patient_id": pl.String, "first_dose": pl.Date, "last_dose": pl.Date})
    n = draw(st.integers(0, 30))
    visits = pl.DataFrame({
        "patient_id": draw(st.lists(st.one_of(st.none(), st.sampled_from([*_PATIENTS, "p9"])),
                                    min_size=n, max_size=n)),
        "date": draw(st.lists(st.one_of(st.none(), _days(-20, 500)), min_size=n, max_size=n)),
    }, schema={"patient_id": pl.String, "date": pl.Date})
    return adsl, visits


@settings(max_examples=50, deadline=None)
@given(_cohort_and_visits(), st.sampled_from([0, 30, 90]))
def test_case2_end_date_by_lookup_equals_the_join(
    drawn: tuple[pl.DataFrame, pl.DataFrame], lag: int
) -> None:
    adsl, visits = drawn
    assert_frame_equal(derive_var_end_date(adsl, visits=visits, lag_days=lag),
                       _plain_end_date(adsl, visits, lag))


@settings(max_examples=50, deadline=None)
@given(_cohort_and_visits())
def test_case3_looked_up_mask_keeps_the_rows_of_the_join(
    drawn: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    from msrwe.derive._frames import looked_up

    adsl, visits = drawn
    looked = looked_up(adsl, "patient_id", ["first_dose", "last_dose"], visits["patient_id"])
    assert looked is not None  # one row per patient
    lean = visits.filter((pl.col("date") >= pl.lit(looked["first_dose"]))
                         & (pl.col("date") <= pl.lit(looked["last_dose"])))
    plain = (visits.join(adsl, on="patient_id", how="inner", maintain_order="left")
             .filter((pl.col("date") >= pl.col("first_dose"))
                     & (pl.col("date") <= pl.col("last_dose")))
             .select(visits.columns))
    assert_frame_equal(lean, plain)
    # a patient twice: no lookup (the join repeats rows)
    assert looked_up(pl.concat([adsl, adsl]), "patient_id", ["first_dose"],
                     visits["patient_id"]) is None


@st.composite
def _advs(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame]:
    adsl, visits = draw(_cohort_and_visits())
    n = visits.height
    adsl = adsl.rename({"first_dose": "base_edss_date"}).drop("last_dose")
    advs = visits.with_columns(
        pl.Series("edss", draw(st.lists(st.one_of(st.none(), st.sampled_from([1.0, 2.5, 6.0])),
                                        min_size=n, max_size=n)), dtype=pl.Float64),
        pl.Series("on_treatment", draw(st.lists(st.one_of(st.none(), st.booleans()),
                                                min_size=n, max_size=n)), dtype=pl.Boolean),
    )
    return adsl, advs


@settings(max_examples=50, deadline=None)
@given(_advs())
def test_case4_engine_assessments_by_lookup_equal_the_join(
    drawn: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    from msrwe.study._engine import engine_visits

    adsl, advs = drawn
    plain = (advs.lazy().filter(pl.col("on_treatment") & pl.col("edss").is_not_null())
             .join(adsl.lazy(), on="patient_id", how="inner", maintain_order="left")
             .filter(pl.col("date") >= pl.col("base_edss_date"))
             .select("patient_id", "date", "edss").collect())
    # (the same rows; ties of patient and date compared in a fixed order)
    every = ["patient_id", "date", "edss"]
    assert_frame_equal(engine_visits(adsl, advs, "edss").sort(every), plain.sort(every))


@settings(max_examples=30, deadline=None)
@given(_advs(), st.sampled_from(["confirmable", "last_assessment"]))
def test_case5_adtte_by_lookup_equals_the_join(
    drawn: tuple[pl.DataFrame, pl.DataFrame], censor_at: str
) -> None:
    # the plain path: the inner join the per-run look-up (a left one, then the filter) replaces
    from unittest import mock

    from msrwe.derive import tte

    adsl, advs = drawn
    adsl = adsl.with_columns(pl.col("base_edss_date").alias("first_dose"),
                             pl.lit("overall").alias("group"))
    events = advs.filter(pl.col("edss") >= 6.0).select(
        "patient_id", pl.lit("CDW").alias("event_type"), "date")
    lean = tte.derive_adtte(adsl, advs, events, value="edss", param="CDW_EDSS",
                            censor_at=censor_at)

    def inner(df: pl.DataFrame, ref: pl.DataFrame, on: str, how: str) -> pl.DataFrame:
        return df.join(ref, on=on, how="inner", maintain_order="left")

    with mock.patch.object(tte, "join_by_runs", inner):
        plain = tte.derive_adtte(adsl, advs, events, value="edss", param="CDW_EDSS",
                                 censor_at=censor_at)
    assert_frame_equal(lean, plain)
