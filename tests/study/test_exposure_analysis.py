"""add_exposure on small hand-written tables."""

import datetime as dt

import polars as pl
import pytest

from msrwe.study.config import Study
from msrwe.study.exposure import add_exposure, groups_of, resolve_interval_window
from msrwe.tables.results import ResultsTable

D = dt.date


def doses(rows):
    return pl.DataFrame(
        rows,
        schema={
            "patient_id": pl.String,
            "date": pl.Date,
            "drug": pl.String,
            "route": pl.String,
            "dose": pl.Float64,
            "dose_unit": pl.String,
            "bsa_m2": pl.Float64,
            "weight_kg": pl.Float64,
        },
        orient="row",
    )


MTX = doses(
    [
        # A: intervals 60, 90 (out of the 56-77 window)
        ("A", D(2020, 1, 1), "methotrexate", "intrathecal", 12.5, "mg", 2.0, 80.0),
        ("A", D(2020, 3, 1), "methotrexate", "intrathecal", 12.5, "mg", 2.0, 80.0),
        ("A", D(2020, 5, 30), "methotrexate", "intrathecal", 12.5, "mg", 2.0, 80.0),
        # B: interval 70
        ("B", D(2021, 1, 1), "methotrexate", "intrathecal", 12.5, "mg", 1.25, 50.0),
        ("B", D(2021, 3, 12), "methotrexate", "intrathecal", 12.5, "mg", 1.25, 50.0),
    ]
)
ADSL = pl.DataFrame({"patient_id": ["A", "B"], "group": ["SPMS", "PPMS"]})


def get(r, analysis, stat, group="overall", variable=None, level=None):
    return r.get(analysis, stat, group=group, variable=variable, level=level)


# Case 1: totals and distributions per group and overall
def test_exposure_rows():
    r = ResultsTable()
    out = add_exposure(r, doses=MTX, adsl=ADSL, study=Study())
    assert get(r, "exposure", "N", variable="patients") == 2
    assert get(r, "exposure", "total", variable="administrations") == 5
    assert get(r, "exposure", "total", group="SPMS", variable="administrations") == 3
    assert get(r, "exposure", "total", variable="years_on_treatment") == pytest.approx(
        (150 + 70) / 365.25
    )
    assert get(r, "exposure", "median", variable="n_doses") == 2.5
    assert get(r, "exposure", "max", variable="cum_mg") == 37.5
    assert get(r, "exposure", "median", group="SPMS", variable="cum_mg_m2") == 18.75
    assert get(r, "exposure", "median", group="PPMS", variable="cum_mg_m2") == 20.0
    assert get(r, "exposure", "median", group="PPMS", variable="cum_mg_kg") == 0.5
    assert out["addose"].height == 5
    assert out["addose"]["interval_days"].to_list() == [None, 60, 90, None, 70]


# Case 2: dose intervals against the known regimen (56-77 days for intrathecal MTX)
def test_dose_intervals_default_window():
    r = ResultsTable()
    add_exposure(r, doses=MTX, adsl=ADSL, study=Study())
    assert get(r, "dose_intervals", "n", variable="interval_days") == 3
    assert get(r, "dose_intervals", "median", variable="interval_days") == 70
    assert get(r, "dose_intervals", "window_low", variable="interval_days") == 56
    assert get(r, "dose_intervals", "n_in_window", variable="interval_days") == 2
    assert get(r, "dose_intervals", "pct_in_window", variable="interval_days") == (
        pytest.approx(200 / 3)
    )
    assert get(r, "dose_intervals", "pct_in_window", group="PPMS", variable="interval_days") == 100


# Case 3: the study file's window wins over the known regimen
def test_configured_window():
    r = ResultsTable()
    add_exposure(
        r, doses=MTX, adsl=ADSL, study=Study.from_dict({"exposure": {"interval_days": [80, 100]}})
    )
    assert get(r, "dose_intervals", "n_in_window", variable="interval_days") == 1


# Case 4: no known regimen and no setting: no window stats at all
def test_no_window():
    ritux = MTX.with_columns(pl.lit("rituximab").alias("drug"), pl.lit("iv").alias("route"))
    assert resolve_interval_window(None, ritux) is None
    r = ResultsTable()
    add_exposure(r, doses=ritux, adsl=ADSL, study=Study())
    assert get(r, "dose_intervals", "pct_in_window", variable="interval_days") is None
    assert get(r, "dose_intervals", "median", variable="interval_days") == 70


# Case 5: mitoxantrone: one patient at 84 mg/m2 crosses the EU limit (72), none the US (140)
def test_exposure_alerts():
    mito = doses(
        [
            (
                "A",
                D(2010, 1, 1) + dt.timedelta(days=90 * i),
                "mitoxantrone",
                "iv",
                12.0,
                "mg/m2",
                1.8,
                70.0,
            )
            for i in range(7)
        ]
        + [("B", D(2010, 1, 1), "mitoxantrone", "iv", 12.0, "mg/m2", 1.8, 70.0)]
    )
    r = ResultsTable()
    out = add_exposure(r, doses=mito, adsl=ADSL, study=Study())
    assert get(r, "exposure_alerts", "n", variable="limit", level="mitoxantrone_eu_72") == 1
    assert get(r, "exposure_alerts", "pct", variable="limit", level="mitoxantrone_eu_72") == 50
    assert get(r, "exposure_alerts", "n", variable="limit", level="mitoxantrone_us_140") == 0
    assert (
        get(r, "exposure_alerts", "n", group="PPMS", variable="limit", level="mitoxantrone_eu_72")
        == 0
    )
    assert out["adexpo"].filter(pl.col("patient_id") == "A")["alerts"].to_list() == [
        "mitoxantrone_eu_72"
    ]


# Case 6: a drug without known limits gets no alert rows
def test_no_alert_rows_for_methotrexate():
    r = ResultsTable()
    add_exposure(r, doses=MTX, adsl=ADSL, study=Study())
    assert r.to_polars().filter(pl.col("analysis") == "exposure_alerts").height == 0


def test_groups_of_without_group_column():
    assert groups_of(pl.DataFrame({"patient_id": ["x"]})) == [("overall", ["x"])]


def test_groups_of_missing_group_value():
    adsl = pl.DataFrame({"patient_id": ["x", "y"], "group": ["SPMS", None]})
    assert groups_of(adsl) == [("SPMS", ["x"]), ("unknown", ["y"]), ("overall", ["x", "y"])]


# Case 7: doses without a drug column (a minimal chart): exposure rows, no alerts, no error
def test_without_drug_column():
    r = ResultsTable()
    add_exposure(r, doses=MTX.drop("drug", "route"), adsl=ADSL, study=None)
    assert get(r, "exposure", "total", variable="administrations") == 5
    assert get(r, "dose_intervals", "pct_in_window", variable="interval_days") is None
