import datetime as dt

import polars as pl
import pytest

from msrwe.derive.visits import derive_advs, derive_vars_adsl
from msrwe.study.config import Study
from msrwe.study.methods import describe_methods

d = dt.date
ADSL = pl.DataFrame({
    "patient_id": ["P1", "P2"],
    "group": ["SPMS", "PPMS"],
    "birth_date": [d(1965, 1, 1), d(1970, 7, 1)],
    "ms_onset_date": [d(1995, 1, 1), None],
    "first_dose": [d(2015, 1, 1), d(2015, 7, 1)],
    "last_dose": [d(2016, 1, 1), d(2015, 7, 1)],
    "prior_drugs": [3, 0],
})
VISITS = pl.DataFrame({
    "patient_id": ["P1", "P1", "P1", "P1", "P2", "P3"],
    "date": [d(2014, 9, 1), d(2014, 11, 1), d(2015, 6, 1), d(2016, 6, 1), d(2015, 7, 1),
             d(2015, 1, 1)],
    "edss": [5.0, 6.0, 6.5, 7.0, 4.0, 3.0],
    "nhpt_dominant_s": [None, 23.0, 777.0, None, None, None],
    "nhpt_nondominant_s": [None, 29.0, 30.0, 31.0, None, None],
})


# Case 1: advs keeps cohort patients, counts days from the first dose, flags on-treatment visits
def test_case1_advs():
    advs = derive_advs(VISITS, ADSL)
    assert advs.select("patient_id", "days", "on_treatment").rows() == [
        ("P1", -122, False),  # before the 90-day baseline window
        ("P1", -61, True),
        ("P1", 151, True),
        ("P1", 517, False),  # 152 days after the last dose (window 90)
        ("P2", 0, True),
    ]
    # the two-hand 9HPT is the harmonic mean; a hand at 777 gives 777; one hand alone is missing
    assert advs["nhpt_s"].round(2).to_list() == [None, 25.65, 777.0, None, None]
    assert advs["t25fw_s"].null_count() == 5  # added as an empty column when not charted


def test_case2_windows_are_settings():
    advs = derive_advs(VISITS, ADSL, baseline_window_days=130, on_treatment_days=200)
    assert advs["on_treatment"].to_list() == [True, True, True, True, True]


def test_case2b_the_old_call_warns_and_agrees():
    import msrwe.study.datasets as old

    study = Study.from_dict({"analysis": {"baseline_window_days": 130, "on_treatment_days": 200}})
    with pytest.warns(DeprecationWarning, match="msrwe.derive.visits"):
        got = old.derive_advs(VISITS, ADSL, study)
    assert got.equals(derive_advs(VISITS, ADSL, baseline_window_days=130, on_treatment_days=200))


# Case 3: adsl gains age, disease duration, prior treatments and follow-up
def test_case3_adsl_vars():
    advs = derive_advs(VISITS, ADSL)
    out = derive_vars_adsl(ADSL, advs)
    rows = out.select("age", "disease_duration_years", "n_prior_treatments",
                      "followup_years").rows()
    assert rows[0] == pytest.approx((50.0, 20.0, 3, 151 / 365.25), abs=0.01)
    assert rows[1][1] is None
    assert rows[1][3] == 0.0


# Case 4: the methods paragraph states the settings in force
def test_case4_methods_text():
    s = Study.from_dict({
        "cohort": {"drug": "methotrexate", "route": "intrathecal", "min_administrations": 18,
                   "phenotypes": ["SPMS", "PPMS"], "baseline_edss_min": 3, "baseline_edss_max": 6.5,
                   "prior_treatment": {"min_drugs": 3}},
        "analysis": {"zero_method": "pratt", "baseline_window_days": 30},
        "safety": {"risk_window_days": 60, "ae_grouping": "pt_code"},
        "outcomes": {"delta_fun": "trial", "conf_days": 168},
    })
    text = describe_methods(s, n_patients=83, engine={"edss": "ENGINE SAYS HI"},
                            interval_days=(56, 77))
    for needle in (
        "at least 18 intrathecal administrations of methotrexate",
        "had SPMS or PPMS",
        "baseline EDSS from 3 to 6.5",
        "failed at least 3 distinct disease-modifying drugs",
        "83 patients met the criteria",
        "within 30 days before it",
        "zero_method=pratt (zero differences ranked, then their ranks dropped)",
        "trial: +1.0 from a reference up to 5.5, +0.5 above 5.5",
        "at least 168 days later",
        "60 days after the last dose",
        "MedDRA preferred-term code",
        "Clopper-Pearson",
        "Results are given per phenotype and overall.",
        "Outcome engine settings (edss): ENGINE SAYS HI",
        "inside the regimen's window of 56-77 days",
    ):
        assert needle in text, needle


def test_case5_methods_default_drug():
    text = describe_methods(Study(), drug="rituximab")
    assert "at least 1 administration of rituximab." in text
    assert "msprog: +1.5 from a reference of 0" in text
