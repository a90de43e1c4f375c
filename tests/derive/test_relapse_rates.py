"""derive_vars_relapse_counts / merge_relapse_onsets: numbered hand-written cases."""

import datetime as dt
import itertools

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.followup import derive_var_end_date
from msrwe.derive.relapse_rates import (
    DAYS_PER_YEAR,
    derive_vars_relapse_counts,
    merge_relapse_onsets,
)
from msrwe.errors import InputError, OptionError

d = dt.date


def _adsl(*rows):
    return pl.DataFrame(
        rows, schema={"patient_id": pl.String, "first_dose": pl.Date, "end_date": pl.Date},
        orient="row",
    )


def _rel(*rows):
    return pl.DataFrame(rows, schema={"patient_id": pl.String, "onset_date": pl.Date},
                        orient="row")


def test_1_relapse_on_start_and_end_dates_count():
    adsl = _adsl(("a", d(2020, 1, 1), d(2021, 1, 1)))
    rel = _rel(("a", d(2020, 1, 1)), ("a", d(2021, 1, 1)))
    out = derive_vars_relapse_counts(adsl, relapses=rel)
    assert out["n_relapses"].to_list() == [2]
    assert out["relapse_time_years"].to_list() == [0.0]
    assert out["relapse_event"].to_list() == [True]


def test_2_relapses_outside_the_window_do_not_count():
    adsl = _adsl(("a", d(2020, 1, 1), d(2021, 1, 1)))
    rel = _rel(("a", d(2019, 12, 31)), ("a", d(2021, 1, 2)))
    out = derive_vars_relapse_counts(adsl, relapses=rel)
    assert out["n_relapses"].to_list() == [0]
    assert out["relapse_event"].to_list() == [False]
    assert out["relapse_time_years"].to_list() == [366 / DAYS_PER_YEAR]


def test_3_onsets_within_30_days_of_a_counted_onset_are_one_relapse():
    # 01-01 counted; 01-30 (29 d) merged; 02-01 (31 d after 01-01) counted; 02-20 merged (19 d)
    rel = _rel(("a", d(2020, 1, 1)), ("a", d(2020, 1, 30)), ("a", d(2020, 2, 1)),
               ("a", d(2020, 2, 20)))
    assert merge_relapse_onsets(rel)["onset_date"].to_list() == [d(2020, 1, 1), d(2020, 2, 1)]
    assert merge_relapse_onsets(rel, merge_days=0).height == 4


def test_4_exactly_30_days_apart_are_two_relapses():
    rel = _rel(("a", d(2020, 1, 1)), ("a", d(2020, 1, 31)))
    assert merge_relapse_onsets(rel).height == 2


def test_5_patient_without_relapses_and_zero_length_window():
    adsl = _adsl(("a", d(2020, 1, 1), d(2020, 1, 1)), ("b", d(2020, 1, 1), d(2022, 1, 1)))
    out = derive_vars_relapse_counts(adsl, relapses=_rel())
    assert out["n_relapses"].to_list() == [0, 0]
    assert out["person_years"].to_list() == [0.0, 731 / DAYS_PER_YEAR]


def test_6_duplicated_onset_dates_are_one_relapse_and_row_order_kept():
    adsl = _adsl(("b", d(2020, 1, 1), d(2021, 1, 1)), ("a", d(2020, 1, 1), d(2021, 1, 1)))
    rel = _rel(("a", d(2020, 5, 1)), ("a", d(2020, 5, 1)))
    out = derive_vars_relapse_counts(adsl, relapses=rel, merge_days=0)
    assert out["patient_id"].to_list() == ["b", "a"]
    assert out["n_relapses"].to_list() == [0, 1]


def test_7_bad_options_and_columns_are_refused():
    with pytest.raises(OptionError, match="merge_days"):
        merge_relapse_onsets(_rel(), merge_days=-1)
    with pytest.raises(InputError, match="end_date"):
        derive_vars_relapse_counts(_adsl().drop("end_date"), relapses=_rel())


def test_8_end_date_is_the_later_of_last_dose_and_last_visit_within_lag():
    adsl = pl.DataFrame({"patient_id": ["a", "b", "c"], "first_dose": [d(2020, 1, 1)] * 3,
                         "last_dose": [d(2021, 1, 1)] * 3})
    visits = pl.DataFrame({"patient_id": ["a", "a", "b", "b"],
                           "date": [d(2021, 3, 31), d(2021, 4, 2), d(2019, 1, 1),
                                    d(2020, 2, 1)]})
    out = derive_var_end_date(adsl, visits=visits)
    # a: 2021-03-31 is 89 days after the last dose, 04-02 is 91; b: only earlier visits; c: none
    assert out["end_date"].to_list() == [d(2021, 3, 31), d(2021, 1, 1), d(2021, 1, 1)]


@given(st.lists(st.integers(0, 400), max_size=12), st.integers(0, 60))
def test_merged_onsets_are_at_least_merge_days_apart(days, merge):
    rel = _rel(*[("a", d(2020, 1, 1) + dt.timedelta(days=x)) for x in days])
    out = merge_relapse_onsets(rel, merge_days=merge)["onset_date"].to_list()
    gaps = [(b - a).days for a, b in itertools.pairwise(out)]
    assert all(g >= max(merge, 1) for g in gaps)
    assert len(out) <= len(set(days))
    if days:
        assert out[0] == d(2020, 1, 1) + dt.timedelta(days=min(days))
