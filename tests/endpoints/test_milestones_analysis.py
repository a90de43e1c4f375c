"""derive_admilestone / add_milestones: origins, patients already at the milestone, entry."""

import datetime as dt

import polars as pl
import pytest

from msrwe.endpoints.milestones import add_milestones, derive_admilestone
from msrwe.tables.results import ResultsTable

d = dt.date


def _case():
    adsl = pl.DataFrame({"patient_id": ["a", "b", "c"], "group": ["X"] * 3,
                         "ms_onset_date": [d(2000, 1, 1)] * 3,
                         "base_edss_date": [d(2020, 1, 1)] * 3,
                         "end_date": [d(2022, 1, 1)] * 3})
    rows = [("a", d(2018, 1, 1), 5.0), ("a", d(2020, 1, 1), 5.0), ("a", d(2020, 7, 1), 6.0),
            ("a", d(2021, 1, 1), 6.0), ("b", d(2020, 1, 1), 6.5), ("b", d(2021, 1, 1), 6.5),
            ("c", d(2020, 1, 1), 4.0), ("c", d(2021, 12, 1), 4.5)]
    visits = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                        "edss": pl.Float64}, orient="row")
    return adsl, visits


def test_1_first_dose_and_onset_origins():
    adsl, visits = _case()
    adm = derive_admilestone(adsl, visits=visits, relapses=None, milestones=[6.0])
    fd = adm.filter(pl.col("origin") == "first_dose").sort("patient_id")
    assert fd["event"].to_list() == [True, True, False]
    assert fd["already_reached"].to_list() == [False, True, False]
    assert fd["time_years"][0] == pytest.approx(182 / 365.25)
    on = adm.filter(pl.col("origin") == "onset").sort("patient_id")
    # a: onset 2000-01-01 to 2020-07-01; entry at the first charted visit 2018-01-01
    assert on["time_years"][0] == pytest.approx(7487 / 365.25)
    assert on["entry_years"][0] == pytest.approx(6575 / 365.25)


def test_2_rows_count_the_already_reached_apart():
    adsl, visits = _case()
    adm = derive_admilestone(adsl, visits=visits, relapses=None, milestones=[6.0])
    r = ResultsTable()
    add_milestones(r, adsl=adsl, admilestone=adm, km_years=[1])
    assert r.get("milestone", "already_reached", group="X", variable="edss_6_first_dose") == 1
    assert r.get("milestone", "n", group="X", variable="edss_6_first_dose") == 2
    assert r.get("milestone", "events", group="X", variable="edss_6_first_dose") == 1
    assert r.get("milestone", "survival", group="X", variable="edss_6_first_dose",
                 level="1") == pytest.approx(0.5)
