"""Per-year MRI activity and NEDA components by as-of joins against the range-join statement.

``derive_mri_activity_years`` finds each scan's year, and NEDA's "any relapse / worsening /
active scan in the year" finds the last dated row up to the year's end, by as-of joins (the
years of a patient do not overlap); the first statement paired every year with every row of
the patient. Both are checked against that statement, kept here as the oracle.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.derive.mri import derive_mri_activity_years, follow_up_years
from msrwe.derive.neda import _any_in_year

_D0 = dt.date(2019, 2, 28)
_IDS = ["a", "b", "c10"]


def _cohort(ends):
    return pl.DataFrame({"patient_id": _IDS,
                         "first_dose": [_D0, _D0 + dt.timedelta(days=1), _D0 + dt.timedelta(400)],
                         "end_date": [_D0 + dt.timedelta(days=e) for e in ends]})


def _reference_years(dataset, scans):
    years = follow_up_years(dataset)
    per = (
        years.join(scans.select("patient_id", "date", "active", "evaluable", "new_enlarging_t2",
                                "gd_lesions"), on="patient_id", how="inner")
        .filter((pl.col("date") >= pl.col("period_start"))
                & (pl.col("date") <= pl.col("period_end")))
        .group_by("patient_id", "year")
        .agg(pl.len().alias("n_scans"), pl.col("evaluable").sum().alias("n_evaluable"),
             pl.col("gd_lesions").sum().alias("gd_lesions"),
             pl.when(pl.col("new_enlarging_t2").is_not_null().any())
             .then(pl.col("new_enlarging_t2").sum()).otherwise(None).alias("new_enlarging_t2"),
             pl.col("active").fill_null(False).any().alias("_active"))
    )
    return per


@st.composite
def _scans(draw):
    n = draw(st.integers(0, 30))
    return pl.DataFrame({
        "patient_id": draw(st.lists(st.sampled_from([*_IDS, "zz"]), min_size=n, max_size=n)),
        "date": [None if d is None else _D0 + dt.timedelta(days=d) for d in draw(
            st.lists(st.one_of(st.none(), st.integers(-30, 2200)), min_size=n, max_size=n))],
        "active": draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)),
        "evaluable": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "new_enlarging_t2": draw(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=n,
                                          max_size=n)),
        "gd_lesions": draw(st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=n,
                                    max_size=n)),
    }, schema_overrides={"date": pl.Date, "active": pl.Boolean, "evaluable": pl.Boolean,
                         "new_enlarging_t2": pl.Int64, "gd_lesions": pl.Int64,
                         "patient_id": pl.String})


@settings(max_examples=60, deadline=None)
@given(scans=_scans(), ends=st.lists(st.integers(100, 2200), min_size=3, max_size=3))
def test_activity_years_are_the_range_join(scans, ends):
    dataset = _cohort(ends)
    got = derive_mri_activity_years(dataset, scans=scans)
    # the years given by the caller (the endpoint datasets derive them once) change nothing
    assert derive_mri_activity_years(dataset, scans=scans,
                                     years=follow_up_years(dataset)).equals(got)
    want = _reference_years(dataset, scans)
    cols = ["n_scans", "n_evaluable", "new_enlarging_t2"]
    g = got.filter(pl.col("n_scans") > 0).select("patient_id", "year", *cols).sort(
        "patient_id", "year")
    w = want.select("patient_id", "year", *[pl.col(c).cast(pl.Int64) for c in cols]).sort(
        "patient_id", "year")
    assert g.equals(w)
    active = got.filter(pl.col("mri_activity") == "active").select("patient_id", "year")
    assert active.sort("patient_id", "year").equals(
        want.filter(pl.col("_active")).select("patient_id", "year").sort("patient_id", "year"))


@settings(max_examples=60, deadline=None)
@given(scans=_scans(), ends=st.lists(st.integers(100, 2200), min_size=3, max_size=3))
def test_any_in_year_is_the_range_join(scans, ends):
    years = follow_up_years(_cohort(ends))
    got = _any_in_year(years, scans, "patient_id", "date", "_x")
    want = (years.join(scans.select("patient_id", pl.col("date").alias("_d")), on="patient_id",
                       how="inner")
            .filter((pl.col("_d") >= pl.col("period_start"))
                    & (pl.col("_d") <= pl.col("period_end")))
            .select("patient_id", "year").unique())
    assert got.select("patient_id", "year").sort("patient_id", "year").equals(
        want.sort("patient_id", "year"))
