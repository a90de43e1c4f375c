"""Properties of the exposure derivations on random dosing histories."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.exposure import derive_exposure, derive_vars_dose

START = dt.date(2015, 1, 1)

history = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P2", "P3"]),
        st.integers(0, 3000),  # day of the dose
        st.sampled_from([10.0, 12.5, 15.0]),
        st.one_of(st.none(), st.floats(1.2, 2.4)),  # BSA
    ),
    min_size=1,
    max_size=40,
)


def frame(rows):
    return pl.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "date": [START + dt.timedelta(days=r[1]) for r in rows],
            "drug": ["methotrexate"] * len(rows),
            "dose": [r[2] for r in rows],
            "dose_unit": ["mg"] * len(rows),
            "bsa_m2": [r[3] for r in rows],
        },
        schema_overrides={"bsa_m2": pl.Float64},
    )


# Property: the intervals of a patient add up to last minus first dose; the number of doses,
# the dose numbers and the cumulative mg agree with plain sums; the input order is kept
@given(rows=history)
def test_intervals_and_totals_add_up(rows):
    adm = frame(rows)
    dose = derive_vars_dose(adm)
    assert dose["date"].to_list() == adm["date"].to_list()
    ex = derive_exposure(dose, interval_days=(56, 77))
    for row in ex.iter_rows(named=True):
        mine = dose.filter(pl.col("patient_id") == row["patient_id"])
        assert row["n_doses"] == mine.height
        assert sorted(mine["dose_number"].to_list()) == list(range(1, mine.height + 1))
        span = (row["last_dose"] - row["first_dose"]).days
        assert mine["interval_days"].drop_nulls().sum() == span
        assert row["n_intervals"] == mine.height - 1
        assert row["cum_mg"] == pytest.approx(mine["dose"].sum())
        assert mine["cum_mg"].max() == pytest.approx(mine["dose"].sum())
        assert 0 <= (row["n_intervals_in_window"] or 0) <= row["n_intervals"]
        known = mine.filter(pl.col("bsa_m2").is_not_null())
        if known.height:
            assert row["cum_mg_m2"] == pytest.approx((known["dose"] / known["bsa_m2"]).sum())
        else:
            assert row["cum_mg_m2"] is None
