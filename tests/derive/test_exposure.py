import datetime as dt

import polars as pl
import pytest

from msrwe.derive.exposure import (
    DOSE_LIMITS,
    derive_exposure,
    derive_exposure_alerts,
    derive_vars_dose,
    regimen_interval,
)
from msrwe.errors import InputError, OptionError

D = dt.date

SCHEMA = {
    "patient_id": pl.String,
    "date": pl.Date,
    "drug": pl.String,
    "route": pl.String,
    "dose": pl.Float64,
    "dose_unit": pl.String,
    "bsa_m2": pl.Float64,
    "weight_kg": pl.Float64,
}


def adm(rows):
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


# Case 1: intervals, dose numbers and running totals; output keeps the input's row order
def test_derive_vars_dose_intervals_and_order():
    a = adm(
        [
            ("P1", D(2020, 3, 1), "methotrexate", "intrathecal", 12.5, "mg", 2.0, 80.0),
            ("P1", D(2020, 1, 1), "methotrexate", "intrathecal", 12.5, "mg", 2.0, 80.0),
            ("P2", D(2021, 1, 1), "methotrexate", "intrathecal", 12.5, "mg", None, None),
            ("P1", D(2020, 5, 20), "methotrexate", "intrathecal", 12.5, "mg", 2.5, 100.0),
        ]
    )
    out = derive_vars_dose(a)
    assert out.select("patient_id", "date").equals(a.select("patient_id", "date"))
    assert out["dose_number"].to_list() == [2, 1, 1, 3]
    assert out["interval_days"].to_list() == [60, None, None, 80]
    assert out["dose_mg_m2"].to_list() == [6.25, 6.25, None, 5.0]
    assert out["dose_mg_kg"].to_list() == pytest.approx([12.5 / 80, 12.5 / 80, None, 0.125])
    assert out["cum_mg"].to_list() == [25.0, 12.5, 12.5, 37.5]
    assert out["cum_mg_m2"].to_list() == [12.5, 6.25, 0.0, 17.5]
    # the input is unchanged
    assert a.columns == list(SCHEMA)


# Case 2: unit conversion: g -> mg, mg/m2 -> mg via BSA, mg/kg -> mg via weight
def test_units():
    a = adm(
        [
            ("P1", D(2020, 1, 1), "rituximab", "iv", 1.0, "g", 2.0, 80.0),
            ("P2", D(2020, 1, 1), "mitoxantrone", "iv", 12.0, "mg/m2", 1.5, 60.0),
            ("P3", D(2020, 1, 1), "cladribine", "oral", 0.175, "mg/kg", None, 60.0),
            ("P4", D(2020, 1, 1), "mitoxantrone", "iv", 12.0, "mg/m2", None, None),
            ("P5", D(2020, 1, 1), "methotrexate", "intrathecal", 12.5, None, 2.0, None),
        ]
    )
    out = derive_vars_dose(a)
    assert out["dose_mg"].to_list() == pytest.approx([1000.0, 18.0, 10.5, None, None])
    assert out["dose_mg_m2"].to_list() == pytest.approx([500.0, 12.0, None, 12.0, None])
    assert out["dose_mg_kg"].to_list() == pytest.approx([12.5, 0.3, 0.175, None, None])


# Case 3: an unknown unit is an InputError naming the row, the patient and the value
def test_unknown_unit():
    a = adm([("P9", D(2020, 1, 1), "methotrexate", "intrathecal", 12.5, "ml", None, None)])
    with pytest.raises(InputError, match=r"row 1 \(patient P9\): dose_unit 'ml'"):
        derive_vars_dose(a)


def test_missing_column():
    with pytest.raises(InputError, match="no column 'date'"):
        derive_vars_dose(pl.DataFrame({"patient_id": ["P1"], "drug": ["x"]}))


# Case 4: the per-patient summary (intrathecal methotrexate, window 56-77 days)
def test_derive_exposure_summary():
    dates = [D(2020, 1, 1), D(2020, 3, 1), D(2020, 5, 20), D(2020, 7, 20)]  # 60, 80, 61 days
    a = adm([("P1", d, "methotrexate", "intrathecal", 12.5, "mg", 2.0, 80.0) for d in dates])
    ex = derive_exposure(derive_vars_dose(a), interval_days=(56, 77))
    row = ex.row(0, named=True)
    assert row["first_dose"] == D(2020, 1, 1)
    assert row["last_dose"] == D(2020, 7, 20)
    assert row["n_doses"] == 4
    assert row["years_on_treatment"] == pytest.approx(201 / 365.25)
    assert row["n_intervals"] == 3
    assert row["median_interval_days"] == 61.0
    assert row["n_intervals_in_window"] == 2
    assert row["pct_intervals_in_window"] == pytest.approx(200 / 3)
    assert row["cum_mg"] == 50.0
    assert row["cum_mg_m2"] == 25.0
    assert row["cum_mg_kg"] == pytest.approx(50 / 80)
    assert row["n_alerts"] == 0
    assert row["alerts"] == ""


# Case 5: one dose only: no interval, zero years; no window -> window columns null
def test_single_dose_no_window():
    a = adm([("P1", D(2020, 1, 1), "methotrexate", "intrathecal", 12.5, "mg", None, None)])
    row = derive_exposure(derive_vars_dose(a)).row(0, named=True)
    assert row["n_intervals"] == 0
    assert row["median_interval_days"] is None
    assert row["n_intervals_in_window"] is None
    assert row["pct_intervals_in_window"] is None
    assert row["years_on_treatment"] == 0.0
    # no BSA at any dose: the mg/m2 total is unknown, not 0
    assert row["cum_mg_m2"] is None
    assert row["n_doses_unknown_mg_m2"] == 1


# Case 6: mitoxantrone 12 mg/m2 x 7 = 84 crosses the EU 72 limit, not the US 140
def test_mitoxantrone_alert():
    dates = [D(2010, 1, 1) + dt.timedelta(days=90 * i) for i in range(7)]
    a = adm([("P1", d, "mitoxantrone", "iv", 12.0, "mg/m2", 1.8, 70.0) for d in dates])
    al = derive_exposure_alerts(derive_vars_dose(a))
    assert al["limit_id"].to_list() == ["mitoxantrone_eu_72"]
    assert al["value"].to_list() == [84.0]
    assert al["date_crossed"].to_list() == [dates[6]]  # the 7th dose passes 72
    ex = derive_exposure(derive_vars_dose(a))
    assert ex["alerts"].to_list() == ["mitoxantrone_eu_72"]


# Case 7: exactly at the limit is no alert (6 x 12 = 72)
def test_at_limit_no_alert():
    dates = [D(2010, 1, 1) + dt.timedelta(days=90 * i) for i in range(6)]
    a = adm([("P1", d, "mitoxantrone", "iv", 12.0, "mg/m2", 1.8, 70.0) for d in dates])
    assert derive_exposure_alerts(derive_vars_dose(a)).height == 0


# Case 8: mitoxantrone 12 x 12 = 144 mg/m2 crosses both limits
def test_both_mitoxantrone_limits():
    dates = [D(2010, 1, 1) + dt.timedelta(days=90 * i) for i in range(12)]
    a = adm([("P1", d, "mitoxantrone", "iv", 12.0, "mg/m2", 1.8, 70.0) for d in dates])
    ex = derive_exposure(derive_vars_dose(a))
    assert ex["alerts"].to_list() == ["mitoxantrone_eu_72; mitoxantrone_us_140"]
    assert ex["n_alerts"].to_list() == [2]


# Case 9: cladribine 3.5 mg/kg over two years: two full courses are fine, a third course
# within two years of the first is an alert, and a course after the window is not
def test_cladribine_window():
    def course(p, start, mg_kg):
        return [
            (
                "P" + p,
                start + dt.timedelta(days=i),
                "cladribine",
                "oral",
                mg_kg / 5,
                "mg/kg",
                None,
                60.0,
            )
            for i in range(5)
        ]

    ok = course("1", D(2020, 1, 1), 1.75) + course("1", D(2021, 1, 1), 1.75)
    extra = (
        course("2", D(2020, 1, 1), 1.75)
        + course("2", D(2021, 1, 1), 1.75)
        + course("2", D(2021, 6, 1), 0.5)
    )
    late = (
        course("3", D(2020, 1, 1), 1.75)
        + course("3", D(2021, 1, 1), 1.75)
        + course("3", D(2023, 1, 1), 1.75)
    )
    al = derive_exposure_alerts(derive_vars_dose(adm(ok + extra + late)))
    assert al["patient_id"].to_list() == ["P2"]
    assert al["value"].to_list() == pytest.approx([4.0])
    assert al["date_crossed"].to_list() == [D(2021, 6, 1)]
    assert DOSE_LIMITS[2].description.startswith("cladribine above 3.5 mg/kg")


# Case 10: a bad window is an OptionError
@pytest.mark.parametrize("window", [(77, 56), (56,), ("a", "b"), (56.5, 77)])
def test_bad_window(window):
    a = adm([("P1", D(2020, 1, 1), "methotrexate", "intrathecal", 12.5, "mg", None, None)])
    with pytest.raises(OptionError, match="'interval_days' parameter of derive_exposure"):
        derive_exposure(derive_vars_dose(a), interval_days=window)


def test_regimen_interval():
    assert regimen_interval("Methotrexate", "Intrathecal") == (56, 77)
    assert regimen_interval("methotrexate", None) is None


def test_public_names():
    import msrwe.derive.exposure as m

    assert sorted(m.__all__) == [
        "DOSE_LIMITS",
        "DoseLimit",
        "REGIMEN_INTERVALS",
        "derive_exposure",
        "derive_exposure_alerts",
        "derive_vars_dose",
        "most_given_drug",
        "regimen_interval",
    ]
