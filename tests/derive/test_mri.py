"""MRI activity derivations: numbered hand-written cases (endpoints.md 1-2)."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.derive.mri import (
    derive_mri_activity_years,
    derive_vars_mri_activity,
    derive_vars_mri_summary,
)
from msrwe.errors import InputError, OptionError

d = dt.date
SCHEMA = {"patient_id": pl.String, "date": pl.Date, "gd_lesions": pl.Int64,
          "new_t2_lesions": pl.Int64, "enlarging_t2_lesions": pl.Int64}


def _mri(*rows):
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _adsl(pid="a", start=None, end=None):
    start, end = start or d(2020, 1, 1), end or d(2022, 12, 31)
    return pl.DataFrame({"patient_id": [pid], "first_dose": [start], "end_date": [end]})


def test_1_first_scan_has_no_comparator_so_t2_counts_are_not_used():
    s = derive_vars_mri_activity(_mri(("a", d(2020, 1, 1), None, 3, 1)))
    assert s["comparator_date"].to_list() == [None]
    assert s["new_enlarging_t2"].to_list() == [None]
    assert s["evaluable"].to_list() == [False]
    assert s["active"].to_list() == [None]


def test_2_first_scan_gd_is_still_counted_on_its_own_date():
    s = derive_vars_mri_activity(_mri(("a", d(2020, 1, 1), 2, None, None)))
    assert s.select("gd_evaluable", "evaluable", "active").row(0) == (True, True, True)


def test_3_second_scan_compares_with_the_previous_one():
    s = derive_vars_mri_activity(_mri(("a", d(2021, 1, 1), 0, 0, 0), ("a", d(2020, 1, 1), 0,
                                                                         None, None)))
    assert s["date"].to_list() == [d(2020, 1, 1), d(2021, 1, 1)]
    assert s["comparator_date"].to_list() == [None, d(2020, 1, 1)]
    assert s["active"].to_list() == [False, False]


def test_4_charted_comparator_date_wins_over_the_previous_scan():
    m = _mri(("a", d(2020, 1, 1), 0, 5, 0), ("a", d(2021, 1, 1), 0, 1, 0)).with_columns(
        pl.Series("comparator_date", [d(2019, 6, 1), d(2019, 6, 1)]))
    s = derive_vars_mri_activity(m)
    assert s["comparator_date"].to_list() == [d(2019, 6, 1), d(2019, 6, 1)]
    assert s["new_enlarging_t2"].to_list() == [5, 1]


def test_5_no_contrast_is_not_zero_gd_and_t2_alone_decides():
    s = derive_vars_mri_activity(_mri(("a", d(2020, 1, 1), None, None, None),
                                      ("a", d(2021, 1, 1), None, 0, None)))
    assert s["gd_evaluable"].to_list() == [False, False]
    assert s["new_enlarging_t2"].to_list() == [None, 0]
    assert s["active"].to_list() == [None, False]


def test_6_new_and_enlarging_are_summed_gd_never_added():
    s = derive_vars_mri_activity(_mri(("a", d(2020, 1, 1), None, None, None),
                                      ("a", d(2021, 1, 1), 4, 2, 1)))
    assert s["new_enlarging_t2"].to_list()[1] == 3


def test_7_same_day_scans_share_the_earlier_comparator():
    s = derive_vars_mri_activity(_mri(("a", d(2020, 1, 1), None, None, None),
                                      ("a", d(2021, 1, 1), None, 0, 0),
                                      ("a", d(2021, 1, 1), 0, None, None)))
    assert s["comparator_date"].to_list() == [None, d(2020, 1, 1), d(2020, 1, 1)]


def test_8_a_year_with_no_scan_is_not_determined():
    scans = derive_vars_mri_activity(_mri(("a", d(2019, 12, 1), 0, None, None),
                                          ("a", d(2020, 6, 1), 0, 0, 0),
                                          ("a", d(2022, 6, 1), 0, 1, 0)))
    years = derive_mri_activity_years(_adsl(), scans=scans)
    assert years["mri_activity"].to_list() == ["not_active", "not_determined", "active"]
    assert years["n_scans"].to_list() == [1, 0, 1]


def test_9_gd_counted_on_the_scan_date_only():
    # Gd+ on 2021-01-01 (year 2 from 2020-01-01) does not make year 1 active
    scans = derive_vars_mri_activity(_mri(("a", d(2020, 6, 1), 0, None, None),
                                          ("a", d(2021, 1, 1), 2, None, None)))
    years = derive_mri_activity_years(_adsl(end=d(2021, 12, 31)), scans=scans)
    assert years["mri_activity"].to_list() == ["not_active", "active"]
    assert years["gd_lesions"].to_list() == [0, 2]


def test_10_an_unevaluable_scan_does_not_determine_a_year():
    scans = derive_vars_mri_activity(_mri(("a", d(2020, 6, 1), None, 0, 0)))  # first, no Gd
    years = derive_mri_activity_years(_adsl(end=d(2020, 12, 31)), scans=scans)
    assert years["mri_activity"].to_list() == ["not_determined"]


def test_11_patient_summary_free_active_not_evaluable_and_t2_years():
    m = _mri(("a", d(2019, 12, 1), None, None, None), ("a", d(2020, 12, 1), 0, 1, 0),
             ("a", d(2021, 12, 1), 0, 2, 0),
             ("b", d(2019, 12, 1), None, None, None), ("b", d(2021, 12, 1), 0, 0, 0),
             ("c", d(2020, 6, 1), None, None, None))
    adsl = pl.DataFrame({"patient_id": ["a", "b", "c", "e"],
                         "first_dose": [d(2020, 1, 1)] * 4, "end_date": [d(2022, 12, 31)] * 4})
    out = derive_vars_mri_summary(adsl, scans=derive_vars_mri_activity(m))
    assert out["mri_status"].to_list() == ["active", "free", "not_evaluable", "not_evaluable"]
    assert out["t2_count"].to_list() == [3, 0, 0, 0]
    assert out["t2_years"][0] == pytest.approx(731 / 365.25)
    assert out["n_scans"].to_list() == [2, 1, 1, 0]


def test_12_rebaseline_excludes_early_scans():
    m = _mri(("a", d(2019, 12, 1), None, None, None), ("a", d(2020, 3, 1), 1, 2, 0),
             ("a", d(2021, 1, 1), 0, 0, 0))
    out = derive_vars_mri_summary(_adsl(), scans=derive_vars_mri_activity(m),
                                  rebaseline_days=180)
    assert out["mri_status"].to_list() == ["free"]
    with pytest.raises(OptionError, match="rebaseline_days"):
        derive_vars_mri_summary(_adsl(), scans=derive_vars_mri_activity(m), rebaseline_days=-1)


def test_13_missing_columns_named():
    with pytest.raises(InputError, match="date"):
        derive_vars_mri_activity(pl.DataFrame({"patient_id": ["a"]}))


@given(st.lists(st.tuples(st.integers(0, 1500), st.one_of(st.none(), st.integers(0, 3)),
                          st.one_of(st.none(), st.integers(0, 3))), max_size=8))
def test_activity_properties(rows):
    m = _mri(*[("a", d(2019, 6, 1) + dt.timedelta(days=x), g, t, None) for x, g, t in rows])
    s = derive_vars_mri_activity(m)
    # the first scan never has a T2 count; active implies evaluable
    if s.height:
        first = s.filter(pl.col("date") == pl.col("date").min())
        assert first["new_enlarging_t2"].null_count() == first.height
    assert s.filter(pl.col("active").fill_null(False) & ~pl.col("evaluable")).height == 0
    years = derive_mri_activity_years(_adsl(), scans=s)
    assert years.height == 3  # 2020-01-01..2022-12-31 holds three complete years
    assert set(years["mri_activity"]) <= {"active", "not_active", "not_determined"}


def test_14_comparator_date_as_text_from_the_importer_is_parsed_or_refused():
    m = _mri(("a", d(2020, 1, 1), 0, 5, 0)).with_columns(
        pl.Series("comparator_date", ["2019-06-01"]))
    assert derive_vars_mri_activity(m)["comparator_date"].to_list() == [d(2019, 6, 1)]
    bad = m.with_columns(pl.Series("comparator_date", ["June 2019"]))
    with pytest.raises(InputError, match=r"mri, row 1, column 'comparator_date': 'June 2019'"):
        derive_vars_mri_activity(bad)
