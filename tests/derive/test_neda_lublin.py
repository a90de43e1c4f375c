"""NEDA-3/4 and the Lublin modifiers per year: numbered hand-written cases (endpoints.md 2-3)."""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.lublin import derive_lublin_years
from msrwe.derive.mri import derive_vars_mri_activity, follow_up_years
from msrwe.derive.neda import derive_neda_years
from msrwe.errors import OptionError

d = dt.date
Y0, Y1 = d(2020, 1, 1), d(2020, 12, 31)
NO_REL = pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
NO_EV = pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date})


def _years():
    return follow_up_years(pl.DataFrame({"patient_id": ["a"], "first_dose": [Y0],
                                         "end_date": [Y1]}))


def _scans(*rows, bv=None):
    m = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                   "gd_lesions": pl.Int64, "new_t2_lesions": pl.Int64,
                                   "enlarging_t2_lesions": pl.Int64}, orient="row")
    if bv is not None:
        m = m.with_columns(pl.Series("brain_volume_ml", bv, dtype=pl.Float64))
    return derive_vars_mri_activity(m)


def _visits(*days, edss=3.0):
    return pl.DataFrame({"patient_id": ["a"] * len(days), "date": list(days),
                         "edss": [edss] * len(days)},
                        schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64})


CLEAN = (("a", d(2019, 12, 15), 0, None, None), ("a", d(2020, 12, 20), 0, 0, 0))
EDSS_OK = (d(2020, 1, 1), d(2020, 12, 20))


def _neda(scans, visits, relapses=NO_REL, events=NO_EV, **kw):
    return derive_neda_years(_years(), scans=scans, visits=visits, relapses=relapses,
                             events=events, **kw).row(0, named=True)


def test_1_everything_documented_and_quiet_is_neda():
    assert _neda(_scans(*CLEAN), _visits(*EDSS_OK))["neda3"] == "NEDA"


def test_2_a_year_with_no_scan_is_not_evaluable_never_neda():
    assert _neda(_scans(), _visits(*EDSS_OK))["neda3"] == "not_evaluable"


def test_3_a_relapse_gives_eda_even_without_scans():
    rel = pl.DataFrame({"patient_id": ["a"], "onset_date": [d(2020, 5, 1)]})
    assert _neda(_scans(), _visits(), relapses=rel)["neda3"] == "EDA"


def test_4_a_confirmed_worsening_gives_eda():
    ev = pl.DataFrame({"patient_id": ["a"], "date": [d(2020, 8, 1)]})
    assert _neda(_scans(*CLEAN), _visits(*EDSS_OK), events=ev)["neda3"] == "EDA"


def test_5_an_active_scan_in_the_year_gives_eda():
    s = _scans(("a", d(2019, 12, 15), 0, None, None), ("a", d(2020, 6, 1), 1, 0, 0))
    r = _neda(s, _visits(*EDSS_OK))
    assert (r["mri_active"], r["neda3"]) == (True, "EDA")


def test_6_first_scan_only_no_comparator_is_not_documented():
    s = _scans(("a", d(2020, 12, 20), 0, 0, 0))
    r = _neda(s, _visits(*EDSS_OK))
    assert (r["mri_documented"], r["neda3"]) == (False, "not_evaluable")


def test_7_scan_too_early_in_the_year_does_not_document_its_end():
    s = _scans(("a", d(2019, 12, 15), 0, None, None), ("a", d(2020, 6, 1), 0, 0, 0))
    assert _neda(s, _visits(*EDSS_OK))["neda3"] == "not_evaluable"


def test_8_a_clean_scan_within_tolerance_after_the_year_documents_it():
    s = _scans(("a", d(2019, 12, 15), 0, None, None), ("a", d(2021, 3, 15), 0, 0, 0))
    assert _neda(s, _visits(*EDSS_OK))["neda3"] == "NEDA"
    assert _neda(s, _visits(*EDSS_OK), tolerance_days=30)["neda3"] == "not_evaluable"


def test_9_an_active_scan_after_the_year_cannot_document_it():
    s = _scans(("a", d(2019, 12, 15), 0, None, None), ("a", d(2021, 3, 15), 0, 2, 0))
    r = _neda(s, _visits(*EDSS_OK))
    assert (r["mri_active"], r["neda3"]) == (False, "not_evaluable")


def test_10_missing_edss_at_the_end_is_not_evaluable():
    assert _neda(_scans(*CLEAN), _visits(d(2020, 1, 1)))["neda3"] == "not_evaluable"


def test_11_neda4_threshold_is_inclusive_at_04_percent():
    # 365 days apart (2019-12-31 .. 2020-12-30): exactly -0.4 %/year passes, -0.41 fails
    days = (d(2019, 12, 31), d(2020, 12, 30))
    yrs = 365 / 365.25
    for loss, want in ((0.4 * yrs, "NEDA"), (0.41 * yrs, "EDA")):
        s = _scans(("a", days[0], 0, None, None), ("a", days[1], 0, 0, 0),
                   bv=[1000.0, 1000.0 * (1 - loss / 100)])
        r = _neda(s, _visits(*EDSS_OK))
        assert r["neda4"] == want, (loss, r["apbvc"])
        assert r["neda3"] == "NEDA"


def test_12_neda4_needs_a_volume_pair_nine_months_apart():
    s = _scans(("a", d(2019, 12, 31), 0, None, None), ("a", d(2020, 12, 30), 0, 0, 0),
               bv=[1000.0, None])
    assert _neda(s, _visits(*EDSS_OK))["neda4"] == "not_evaluable"


def test_13_bad_tolerance_refused():
    with pytest.raises(OptionError, match="tolerance_days"):
        _neda(_scans(), _visits(), tolerance_days=-5)


def _lublin(phenotype, scans, visits, relapses=NO_REL, events=NO_EV):
    return derive_lublin_years(
        _years(), phenotypes=pl.DataFrame({"patient_id": ["a"], "phenotype": [phenotype]}),
        scans=scans, visits=visits, relapses=relapses, events=events).row(0, named=True)


def test_14_lublin_year_without_scan_or_relapse_is_not_determined():
    r = _lublin("PPMS", _scans(), _visits(d(2020, 6, 1)))
    assert (r["activity"], r["progression"]) == ("not_determined", "without")
    assert r["course"] == "PPMS, activity not determined, without progression"


def test_15_lublin_relapse_makes_active_and_rrms_has_no_progression_modifier():
    rel = pl.DataFrame({"patient_id": ["a"], "onset_date": [d(2020, 3, 1)]})
    r = _lublin("RRMS", _scans(), _visits(), relapses=rel)
    assert (r["activity"], r["progression"], r["course"]) == ("active", None, "RRMS, active")


def test_16_lublin_progression_not_determined_without_edss():
    r = _lublin("SPMS", _scans(*CLEAN), _visits())
    assert (r["activity"], r["progression"]) == ("not_active", "not_determined")
