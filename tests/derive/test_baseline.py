import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment
from msrwe.errors import InputError, OptionError

d = dt.date


def adsl(*rows):
    return pl.DataFrame(
        rows, schema={"patient_id": pl.String, "first_dose": pl.Date, "last_dose": pl.Date},
        orient="row",
    )


def visits(*rows):
    return pl.DataFrame(
        rows, schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64}, orient="row"
    )


# Case 1: baseline is the score on the day of the first dose, even if an earlier one exists
def test_case1_same_day_wins():
    out = derive_vars_baseline(
        adsl(("P1", d(2015, 1, 10), d(2016, 1, 1))),
        visits(("P1", d(2015, 1, 1), 5.0), ("P1", d(2015, 1, 10), 6.0)),
    )
    assert out.select("base_edss", "base_edss_date").row(0) == (6.0, d(2015, 1, 10))


# Case 2: baseline is the last value before first dose within the window
def test_case2_last_before_within_window():
    out = derive_vars_baseline(
        adsl(("P1", d(2015, 4, 1), d(2016, 1, 1))),
        visits(("P1", d(2014, 1, 1), 4.0), ("P1", d(2015, 3, 1), 5.5), ("P1", d(2015, 5, 1), 7.0)),
        window_days=90,
    )
    assert out.select("base_edss", "base_edss_date").row(0) == (5.5, d(2015, 3, 1))


# Case 3: a score outside the window, or after the first dose, is no baseline
def test_case3_outside_window_is_null():
    out = derive_vars_baseline(
        adsl(("P1", d(2015, 4, 1), d(2016, 1, 1)), ("P2", d(2015, 4, 1), d(2016, 1, 1))),
        visits(("P1", d(2015, 1, 1), 5.5), ("P2", d(2015, 4, 2), 6.0)),
        window_days=89,  # 2015-01-01 is 90 days before 2015-04-01
    )
    assert out["base_edss"].to_list() == [None, None]
    out = derive_vars_baseline(
        adsl(("P1", d(2015, 4, 1), d(2016, 1, 1))),
        visits(("P1", d(2015, 1, 1), 5.5)),
        window_days=90,
    )
    assert out["base_edss"].to_list() == [5.5]


# Case 4: visits without the measure are skipped; other patients' visits never leak
def test_case4_missing_values_and_patients():
    out = derive_vars_baseline(
        adsl(("P1", d(2015, 4, 1), d(2016, 1, 1)), ("P2", d(2015, 4, 1), d(2016, 1, 1))),
        visits(("P1", d(2015, 3, 1), 6.0), ("P1", d(2015, 4, 1), None), ("P3", d(2015, 4, 1), 2.0)),
    )
    assert out.select("patient_id", "base_edss").rows() == [("P1", 6.0), ("P2", None)]


# Case 5: last on treatment is after baseline and within the lag after the last dose
def test_case5_last_on_treatment():
    a = derive_vars_baseline(
        adsl(("P1", d(2015, 1, 1), d(2016, 1, 1)), ("P2", d(2015, 1, 1), d(2016, 1, 1))),
        v := visits(
            ("P1", d(2015, 1, 1), 6.0), ("P1", d(2015, 6, 1), 6.5), ("P1", d(2016, 3, 1), 7.0),
            ("P1", d(2016, 6, 1), 7.5),
            ("P2", d(2015, 1, 1), 4.0),
        ),
    )
    out = derive_vars_last_on_treatment(a, v, lag_days=90)
    assert out.select("patient_id", "last_edss", "last_edss_date").rows() == [
        ("P1", 7.0, d(2016, 3, 1)),  # 2016-06-01 is 152 days after the last dose
        ("P2", None, None),  # only the baseline score: no follow-up
    ]
    out0 = derive_vars_last_on_treatment(a, v, lag_days=0)
    assert out0["last_edss"].to_list() == [6.5, None]


# Case 6: the input is not changed, rows keep their order, other measures work
def test_case6_dataset_in_dataset_out():
    a = adsl(("P2", d(2015, 1, 1), d(2016, 1, 1)), ("P1", d(2015, 1, 1), d(2016, 1, 1)))
    v = pl.DataFrame({
        "patient_id": ["P1", "P1", "P2"],
        "date": [d(2015, 1, 1), d(2015, 8, 1), d(2015, 1, 1)],
        "t25fw_s": [8.0, 9.5, 12.0],
    })
    before = a.clone()
    out = derive_vars_last_on_treatment(derive_vars_baseline(a, v, value="t25fw_s"), v,
                                        value="t25fw_s")
    assert_frame_equal(a, before)
    assert out.columns == [*a.columns, "base_t25fw_s", "base_t25fw_s_date", "last_t25fw_s",
                           "last_t25fw_s_date"]
    assert out.select("patient_id", "base_t25fw_s", "last_t25fw_s").rows() == [
        ("P2", 12.0, None), ("P1", 8.0, 9.5)]


# Case 7: bad arguments give clear errors
def test_case7_errors():
    a = adsl(("P1", d(2015, 1, 1), d(2016, 1, 1)))
    with pytest.raises(InputError, match="visits has no column 'sdmt'"):
        derive_vars_baseline(a, visits(), value="sdmt")
    with pytest.raises(OptionError, match="window_days must be a whole number"):
        derive_vars_baseline(a, visits(), window_days=-3)
    with pytest.raises(OptionError, match="must hold dates"):
        derive_vars_baseline(a.with_columns(pl.col("first_dose").cast(pl.String)), visits())


# Case 8 (property): the baseline is a real score of the patient, in the window, and the latest one
@given(
    offsets=st.lists(st.integers(-200, 200), min_size=0, max_size=12, unique=True),
    window=st.integers(0, 150),
)
def test_case8_property_baseline_in_window(offsets, window):
    ref = d(2015, 6, 1)
    v = visits(*[("P1", ref + dt.timedelta(days=o), float(i % 10)) for i, o in enumerate(offsets)])
    out = derive_vars_baseline(adsl(("P1", ref, ref)), v, window_days=window)
    got = out.select("base_edss", "base_edss_date").row(0)
    eligible = sorted(o for o in offsets if -window <= o <= 0)
    if not eligible:
        assert got == (None, None)
    else:
        assert got[1] == ref + dt.timedelta(days=eligible[-1])
        assert got[0] == float(offsets.index(eligible[-1]) % 10)
