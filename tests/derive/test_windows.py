"""The per-year window helpers by binary search equal the former joins (issue 14, item 1).

``_any_in`` (Lublin), ``_any_in_year`` and ``_edss_documented`` (NEDA) now count dated rows
per patient-year with :func:`msrwe.derive._windows.window_counts`; the former polars
implementations (joins and as-of joins on the patient id) are kept here as the oracles and both
run on random years and dated rows with empty values, duplicates and window edges.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive import lublin, neda

D0 = dt.date(2020, 1, 1)
KEYS = ["patient_id", "year"]


def _former_any_in(years, dated, by, date, name):
    rows = (dated.select(by, pl.col(date).alias("_d")).filter(pl.col("_d").is_not_null())
            .unique().sort("_d"))
    return (
        years.select(*KEYS, "period_start", "period_end")
        .filter(pl.col("period_end").is_not_null()).sort("period_end")
        .join_asof(rows, left_on="period_end", right_on="_d", by=by, strategy="backward",
                   check_sortedness=False)
        .filter((pl.col("_d") >= pl.col("period_start")).fill_null(False))
        .select(*KEYS, pl.lit(1).alias(name))
        .unique(KEYS)
    )


def _former_any_in_year(years, dated, by, date, name):
    return (
        years.select(by, "year", "period_start", "period_end")
        .join(dated.select(by, pl.col(date).alias("_d")), on=by, how="inner")
        .filter((pl.col("_d") >= pl.col("period_start")) & (pl.col("_d") <= pl.col("period_end")))
        .group_by(by, "year").agg(pl.len().alias(name))
    )


def _former_edss_documented(years, visits, by, tol):
    edss = (visits.filter(pl.col("edss").is_not_null() & pl.col("date").is_not_null())
            .select(by, pl.col("date").alias("_near")).unique().sort("_near"))
    out = years.select(*KEYS, "period_start", "period_end")
    for end, flag in (("period_start", "_e0"), ("period_end", "_e1")):
        near = (out.select(*KEYS, end).filter(pl.col(end).is_not_null()).sort(end)
                .join_asof(edss, left_on=end, right_on="_near", by=by, strategy="nearest",
                           check_sortedness=False)
                .select(*KEYS, ((pl.col("_near") - pl.col(end)).dt.total_days().abs()
                                <= tol).fill_null(False).alias(flag)))
        out = out.join(near, on=KEYS, how="left", maintain_order="left")
    return out.select(*KEYS, (pl.col("_e0").fill_null(False) & pl.col("_e1").fill_null(False))
                      .alias("edss_documented"))


def _day(x):
    return None if x is None else D0 + dt.timedelta(days=x)


_pid = st.sampled_from(["a", "b", "c", "d"])
_d = st.one_of(st.none(), st.integers(-50, 1200))


@st.composite
def data(draw):
    yrows = []
    for p in ("a", "b", "c"):
        start = draw(st.integers(-30, 60))
        for y in range(1, draw(st.integers(0, 4)) + 1):
            s = start + 365 * (y - 1)
            yrows.append((p, y, _day(None if draw(st.integers(0, 9)) == 0 else s),
                          _day(None if draw(st.integers(0, 9)) == 0 else s + 364)))
    years = pl.DataFrame(yrows, schema={"patient_id": pl.String, "year": pl.Int64,
                                        "period_start": pl.Date, "period_end": pl.Date},
                         orient="row")
    drows = draw(st.lists(st.tuples(st.one_of(st.none(), _pid), _d,
                                    st.one_of(st.none(), st.sampled_from([2.0, 3.5]))),
                          max_size=40))
    dated = pl.DataFrame([(p, _day(x), e) for p, x, e in drows],
                         schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64},
                         orient="row")
    return years, dated


def _sorted(df):
    return df.sort(KEYS)


@settings(max_examples=200, deadline=None)
@given(d=data(), tol=st.sampled_from([0, 30, 90]))
def test_window_helpers_equal_the_former_joins(d, tol):
    years, dated = d
    assert_frame_equal(_sorted(lublin._any_in(years, dated, "patient_id", "date", "_x")),
                       _sorted(_former_any_in(years, dated, "patient_id", "date", "_x")),
                       check_dtypes=False)
    assert_frame_equal(_sorted(neda._any_in_year(years, dated, "patient_id", "date", "_x")),
                       _sorted(_former_any_in_year(years, dated, "patient_id", "date", "_x")),
                       check_dtypes=False)
    assert_frame_equal(neda._edss_documented(years, dated, "patient_id", tol),
                       _former_edss_documented(years, dated, "patient_id", tol))


def _former_anniversary(day, years):
    moved = day.dt.offset_by(pl.format("{}y", years))
    leap_day = (day.dt.month() == 2) & (day.dt.day() == 29)
    return pl.when(leap_day & (moved.dt.day() == 28)).then(moved + pl.duration(days=1)) \
        .otherwise(moved)


@settings(max_examples=200, deadline=None)
@given(days=st.lists(st.one_of(st.none(), st.integers(-40000, 40000),
                               st.sampled_from([11016, 11017, 10957, -24048, 789, -25508, 59])),
                     min_size=1, max_size=30),
       years=st.integers(0, 40))
def test_anniversaries_equal_offset_by(days, years):
    # follow_up_years' anniversaries by date arithmetic equal the former offset_by text
    from msrwe.derive.mri import _anniversary_expr

    df = pl.DataFrame({"d": [None if x is None else dt.date(1970, 1, 1) + dt.timedelta(days=x)
                             for x in days], "k": [years] * len(days)},
                      schema={"d": pl.Date, "k": pl.Int64})
    got = df.select(_anniversary_expr(pl.col("d"), pl.col("k")).alias("a"))
    want = df.select(_former_anniversary(pl.col("d"), pl.col("k")).alias("a"))
    assert_frame_equal(got, want)
