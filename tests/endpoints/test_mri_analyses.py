"""add_mri_activity / add_t2_lesion_rate on hand-made cohorts."""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.mri import (
    derive_mri_activity_years,
    derive_vars_mri_activity,
    derive_vars_mri_summary,
)
from msrwe.endpoints.mri import add_mri_activity, add_t2_lesion_rate
from msrwe.tables.results import ResultsTable

d = dt.date


def _case():
    adsl = pl.DataFrame({"patient_id": ["a", "b", "c", "e"], "group": ["X", "X", "Y", "Y"],
                         "first_dose": [d(2020, 1, 1)] * 4, "end_date": [d(2021, 12, 31)] * 4})
    mri = pl.DataFrame(
        [("a", d(2019, 12, 1), None, None, None, 1500.0),
         ("a", d(2020, 12, 1), 0, 1, 0, 1490.0),
         ("a", d(2021, 12, 1), 0, 0, 0, 1480.0),
         ("b", d(2019, 12, 1), None, None, None, 1400.0),
         ("b", d(2021, 12, 1), 0, 0, 0, 1386.0),
         ("c", d(2020, 6, 1), None, None, None, 1300.0)],
        schema={"patient_id": pl.String, "date": pl.Date, "gd_lesions": pl.Int64,
                "new_t2_lesions": pl.Int64, "enlarging_t2_lesions": pl.Int64,
                "brain_volume_ml": pl.Float64}, orient="row",
    )
    scans = derive_vars_mri_activity(mri)
    return adsl, scans, derive_vars_mri_summary(adsl, scans=scans), \
        derive_mri_activity_years(adsl, scans=scans)


def test_1_share_free_and_patient_years():
    adsl, scans, admri, years = _case()
    r = ResultsTable()
    add_mri_activity(r, adsl=adsl, admri=admri, adyears=years, scans=scans)
    assert r.get("mri_activity", "n_evaluable", group="X", variable="patients") == 2
    assert r.get("mri_activity", "n_free", group="X", variable="patients") == 1
    assert r.get("mri_activity", "pct", group="X", variable="patients") == 50
    assert r.get("mri_activity", "pct", group="Y", variable="patients") is None
    assert r.get("mri_activity", "n_not_evaluable", variable="patients") == 2
    # a: year 1 active, year 2 not active; b: year 1 none, year 2 not active; c,e: none
    assert r.get("mri_activity", "active", variable="patient_years") == 1
    assert r.get("mri_activity", "not_active", variable="patient_years") == 2
    assert r.get("mri_activity", "not_determined", variable="patient_years") == 5
    assert r.get("mri_activity", "pct_active", variable="patient_years") == pytest.approx(
        100 / 3)


def test_2_brain_volume_change_per_year():
    adsl, scans, admri, years = _case()
    r = ResultsTable()
    add_mri_activity(r, adsl=adsl, admri=admri, adyears=years, scans=scans)
    pct = r.get("mri_activity", "pct_change_per_year", group="X", variable="brain_volume")
    assert -1.0 < pct < -0.4   # about -0.67 %/year for a, -0.5 %/year for b
    assert r.get("mri_activity", "n_scans", group="X", variable="brain_volume") == 5


def test_3_t2_rate_per_patient_year():
    adsl, _, admri, _ = _case()
    r = ResultsTable()
    add_t2_lesion_rate(r, adsl=adsl, admri=admri, rate_ratio=False)
    # a: 1 lesion over 366 + 365 days; b: 0 over 731 days
    assert r.get("t2_lesion_rate", "lesions", group="X") == 1
    assert r.get("t2_lesion_rate", "years", group="X") == pytest.approx(1462 / 365.25)
    assert r.get("t2_lesion_rate", "N", group="Y") == 0
    assert r.get("t2_lesion_rate", "rate", group="Y") is None
