"""follow_up_years (now Polars expressions) equals the former per-patient Python loop.

The loop is kept here as the oracle: complete years from ``start`` (29 February moves to 1 March
in a common year), periods inclusive, patients without a start or an end left out.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive.mri import follow_up_years


def _anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year: 1 March
        return dt.date(day.year + years, 3, 1)


def former_loop(dataset: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for pid, s, e in dataset.select("patient_id", "first_dose", "end_date").iter_rows():
        if s is None or e is None:
            continue
        k = 1
        while True:
            p0 = _anniversary(s, k - 1)
            p1 = _anniversary(s, k) - dt.timedelta(days=1)
            if p1 > e:
                break
            rows.append((pid, k, p0, p1))
            k += 1
    return pl.DataFrame(rows, schema={"patient_id": pl.String, "year": pl.Int64,
                                      "period_start": pl.Date, "period_end": pl.Date},
                        orient="row")


DAYS = st.one_of(
    st.dates(dt.date(1995, 1, 1), dt.date(2030, 12, 31)),
    st.sampled_from([dt.date(2000, 2, 29), dt.date(2004, 2, 29), dt.date(2001, 2, 28),
                     dt.date(2001, 3, 1)]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), DAYS),
                          st.one_of(st.none(), st.integers(-400, 6000))), max_size=12))
def test_equals_the_former_loop(spec):
    d = pl.DataFrame(
        {"patient_id": [f"p{i}" for i in range(len(spec))],
         "first_dose": [s for s, _ in spec],
         "end_date": [None if s is None or k is None else s + dt.timedelta(days=k)
                      for s, k in spec]},
        schema={"patient_id": pl.String, "first_dose": pl.Date, "end_date": pl.Date},
    )
    assert_frame_equal(follow_up_years(d), former_loop(d))


def test_a_leap_day_start_keeps_1_march_in_common_years():
    d = pl.DataFrame({"patient_id": ["a"], "first_dose": [dt.date(2000, 2, 29)],
                      "end_date": [dt.date(2004, 3, 1)]})
    got = follow_up_years(d)
    assert got["period_start"].to_list() == [dt.date(2000, 2, 29), dt.date(2001, 3, 1),
                                             dt.date(2002, 3, 1), dt.date(2003, 3, 1)]
    assert got["period_end"][-1] == dt.date(2004, 2, 28)
