"""derive_vars_pirma: numbered hand-written cases (endpoints.md 4)."""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.mri import derive_vars_mri_activity
from msrwe.derive.pirma import derive_vars_pirma
from msrwe.endpoints.pirma import add_pirma
from msrwe.errors import InputError, OptionError
from msrwe.tables.results import ResultsTable

d = dt.date
ONSET, CONF = d(2023, 5, 10), d(2023, 11, 2)


def _scans(*rows):
    m = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                   "gd_lesions": pl.Int64, "new_t2_lesions": pl.Int64},
                     orient="row")
    return derive_vars_mri_activity(m)


def _events(cdw_type="PIRA", event_type="CDW"):
    return pl.DataFrame({"patient_id": ["a"], "event_type": [event_type], "cdw_type": [cdw_type],
                         "date": [ONSET], "conf84_date": [CONF]})


def _cls(scans, **kw):
    return derive_vars_pirma(_events(), scans=scans, **kw)["mri_class"].item()


QUIET = (("a", d(2021, 1, 1), 0, None), ("a", d(2022, 10, 1), 0, 0), ("a", d(2023, 10, 1), 0, 0))


def test_1_quiet_covered_window_is_pirma():
    assert _cls(_scans(*QUIET)) == "PIRMA"


def test_2_active_scan_in_the_lookback_is_mri_active():
    s = _scans(("a", d(2020, 1, 1), None, None), ("a", d(2021, 9, 1), None, 2), *QUIET[1:])
    assert _cls(s) == "PIRA, MRI active"
    assert _cls(s, lookback_days=365) == "PIRMA"


def test_3_gd_on_a_first_scan_in_the_window_counts():
    s = _scans(("a", d(2022, 1, 1), 1, None), ("a", d(2023, 10, 1), 0, 0))
    assert _cls(s) == "PIRA, MRI active"


def test_4_active_scan_after_confirmation_does_not_count():
    s = _scans(*QUIET, ("a", d(2023, 11, 3), 3, 2))
    assert _cls(s) == "PIRMA"


def test_5_no_scan_near_onset_is_not_evaluable():
    s = _scans(("a", d(2021, 6, 1), 0, None), ("a", d(2022, 1, 1), 0, 0))
    assert _cls(s) == "PIRA, MRI not evaluable"
    assert _cls(_scans()) == "PIRA, MRI not evaluable"


def test_6_events_that_are_not_pira_get_no_class():
    out = derive_vars_pirma(_events("RAW"), scans=_scans(*QUIET))
    assert out["mri_class"].to_list() == [None]
    out = derive_vars_pirma(_events(None, "CDI"), scans=_scans(*QUIET))
    assert out["mri_class"].to_list() == [None]


def test_7_errors():
    with pytest.raises(OptionError, match="lookback_days"):
        derive_vars_pirma(_events(), scans=_scans(), lookback_days=-1)
    with pytest.raises(InputError, match="confirmation date"):
        derive_vars_pirma(_events().drop("conf84_date"), scans=_scans())


def test_8_rates_per_100_patient_years():
    ev = derive_vars_pirma(_events(), scans=_scans(*QUIET))
    adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "X"],
                         "person_years": [5.0, 5.0]})
    r = ResultsTable()
    add_pirma(r, adsl=adsl, adpirma=ev)
    assert r.get("pirma", "events", group="X", level="PIRMA") == 1
    assert r.get("pirma", "rate", group="X", level="PIRA") == pytest.approx(10.0)
    assert r.get("pirma", "events", level="PIRA, MRI active") == 0
