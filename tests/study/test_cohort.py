import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.errors import StudyFileError
from msrwe.study.cohort import build_cohort, most_given_drug
from msrwe.study.config import Study

d = dt.date

PATIENTS = pl.DataFrame({
    "patient_id": ["A1", "A2", "A3", "A4", "A5"],
    "sex": ["F", "M", "F", "M", None],
    "phenotype": ["SPMS", "PPMS", "RRMS", "SPMS", "SPMS"],
})
# A1: 3 IT doses; A2: 2 IT doses; A3: 1 IT dose; A4: 3 IV doses; A5: 1 rituximab dose
ADM = pl.DataFrame({
    "patient_id": ["A1", "A1", "A1", "A2", "A2", "A3", "A4", "A4", "A4", "A5"],
    "date": [d(2015, 1, 1), d(2015, 3, 1), d(2015, 5, 1), d(2016, 1, 1), d(2016, 3, 1),
             d(2015, 1, 1), d(2012, 1, 1), d(2012, 3, 1), d(2012, 5, 1), d(2015, 1, 1)],
    "drug": ["methotrexate"] * 9 + ["rituximab"],
    "route": ["intrathecal"] * 6 + ["iv"] * 3 + ["iv"],
})
VISITS = pl.DataFrame({
    "patient_id": ["A1", "A1", "A2", "A2", "A4"],
    "date": [d(2014, 12, 1), d(2015, 6, 1), d(2016, 1, 1), d(2016, 6, 1), d(2012, 1, 1)],
    "edss": [6.0, 6.5, 4.0, 4.0, 7.5],
})
TRT = pl.DataFrame({
    "patient_id": ["A1", "A1", "A1", "A2"],
    "drug": ["interferon", "glatiramer", "fingolimod", "interferon"],
    "start_date": [d(2005, 1, 1), d(2007, 1, 1), d(2010, 1, 1), d(2005, 1, 1)],
    "stop_date": [d(2006, 6, 1), d(2009, 1, 1), d(2014, 1, 1), d(2010, 1, 1)],
    "stop_reason": ["inefficacy", "intolerance", "inefficacy", "inefficacy"],
})


def run(cohort: dict, analysis: dict | None = None):
    study = Study.from_dict({"cohort": cohort, "analysis": analysis or {}})
    return build_cohort(study, patients=PATIENTS, administrations=ADM, visits=VISITS,
                        treatments=TRT)


def attrition(c):
    return c.attrition.select("criterion", "excluded", "remaining").rows()


# Case 1: drug and phenotype criteria; the attrition table counts each step
def test_case1_drug_route_phenotype():
    c = run({"drug": "methotrexate", "route": "intrathecal", "min_administrations": 2,
             "phenotypes": ["SPMS", "PPMS"]})
    assert attrition(c) == [
        ("patients in the store", 0, 5),
        ("received methotrexate by the intrathecal route", 2, 3),  # A4 (iv), A5 (rituximab)
        ("at least 2 administrations", 1, 2),  # A3
        ("phenotype SPMS or PPMS", 0, 2),
        ("first dose date (any)", 0, 2),
        ("baseline EDSS (any)", 0, 2),
        ("prior treatment failure (not required)", 0, 2),
    ]
    assert c.adsl.select("patient_id", "group", "first_dose", "last_dose", "n_doses").rows() == [
        ("A1", "SPMS", d(2015, 1, 1), d(2015, 5, 1), 3),
        ("A2", "PPMS", d(2016, 1, 1), d(2016, 3, 1), 2),
    ]
    assert c.doses.height == 5
    assert c.screening.filter(pl.col("patient_id") == "A3")["excluded_by"].item() == (
        "at least 2 administrations")


# Case 2: without a route every methotrexate dose counts; phenotype removes RRMS
def test_case2_any_route():
    c = run({"drug": "methotrexate", "phenotypes": ["SPMS", "PPMS"]})
    assert c.adsl["patient_id"].to_list() == ["A1", "A2", "A4"]
    assert attrition(c)[3] == ("phenotype SPMS or PPMS", 1, 3)


# Case 3: baseline EDSS range; a patient without baseline fails a range
def test_case3_baseline_edss_range():
    c = run({"drug": "methotrexate", "baseline_edss_min": 4.5, "baseline_edss_max": 7.0})
    assert c.adsl.select("patient_id", "base_edss", "last_edss").rows() == [("A1", 6.0, 6.5)]
    assert attrition(c)[5] == ("baseline EDSS 4.5 to 7", 3, 1)  # A2 4.0, A3 none, A4 7.5


# Case 4: first-dose dates
def test_case4_dates():
    c = run({"drug": "methotrexate", "first_dose_from": "2014-06-01",
             "first_dose_to": "2015-12-31"})
    assert c.adsl["patient_id"].to_list() == ["A1", "A3"]
    assert attrition(c)[4] == ("first dose 2014-06-01 to 2015-12-31", 2, 2)


# Case 5: prior treatment failure (clinical-methods 7): A1 failed 3 drugs, A2 one
def test_case5_prior_failure():
    c = run({"drug": "methotrexate", "prior_treatment": {"min_drugs": 3}})
    assert c.adsl.select("patient_id", "prior_failed").rows() == [("A1", 3)]
    assert attrition(c)[6] == (
        "at least 3 prior drugs failed (>= 365 days, stopped for inefficacy or intolerance)", 3, 1)


# Case 6: grouping by sex, missing values form the group 'unknown'; 'none' gives 'overall'
def test_case6_grouping():
    c = run({"drug": "rituximab"}, {"group_by": "sex"})
    assert c.adsl.select("patient_id", "group").rows() == [("A5", "unknown")]
    c = run({"drug": "methotrexate"}, {"group_by": "none"})
    assert set(c.adsl["group"]) == {"overall"}


# Case 7: without a drug, the most-given drug is used
def test_case7_most_given_drug():
    assert most_given_drug(ADM) == "methotrexate"
    c = run({})
    assert c.drug == "methotrexate"
    assert c.adsl.height == 4


# Case 8: a drug nobody received and an empty cohort are clear errors
def test_case8_errors():
    with pytest.raises(StudyFileError, match=r"cohort.drug = 'natalizumab', but no administration"
                       r".*Drugs in the store: methotrexate \(9 administrations\), rituximab \(1"):
        run({"drug": "natalizumab"})
    with pytest.raises(StudyFileError, match=r"no patient meets the cohort criteria \(received "
                       r"rituximab by the intrathecal route: -5\)"):
        run({"drug": "rituximab", "route": "intrathecal"})
    with pytest.raises(StudyFileError, match="at least 50 administrations: -4"):
        run({"drug": "methotrexate", "min_administrations": 50})


# Case 9: missing optional tables are fine
def test_case9_no_visits_no_treatments():
    study = Study.from_dict({"cohort": {"drug": "methotrexate"}})
    c = build_cohort(study, patients=PATIENTS, administrations=ADM)
    assert c.adsl["base_edss"].null_count() == 4
    c = build_cohort(study, patients=PATIENTS, administrations=ADM,
                     visits=VISITS.drop("edss").with_columns(pl.lit(20.0).alias("t25fw_s")))
    assert c.adsl["base_edss"].null_count() == 4
    assert c.adsl["prior_failed"].to_list() == [0, 0, 0, 0]


# Case 10 (property): attrition adds up, and the cohort is exactly who passed every criterion
@settings(max_examples=30, deadline=None)
@given(
    n_doses=st.lists(st.integers(0, 5), min_size=1, max_size=15),
    phen=st.lists(st.sampled_from(["SPMS", "PPMS", "RRMS", None]), min_size=15, max_size=15),
    min_adm=st.integers(1, 4),
)
def test_case10_property_attrition_adds_up(n_doses, phen, min_adm):
    ids = [f"X{i}" for i in range(len(n_doses))]
    patients = pl.DataFrame({"patient_id": ids, "phenotype": phen[: len(ids)]},
                            schema={"patient_id": pl.String, "phenotype": pl.String})
    rows = [(pid, d(2015, 1, 1) + dt.timedelta(days=60 * k), "methotrexate", "intrathecal")
            for pid, n in zip(ids, n_doses, strict=True) for k in range(n)]
    rows.append(("X0", d(2014, 1, 1), "rituximab", "iv"))
    adm = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                     "drug": pl.String, "route": pl.String}, orient="row")
    study = Study.from_dict({"cohort": {"drug": "methotrexate", "min_administrations": min_adm,
                                        "phenotypes": ["SPMS", "PPMS"]}})
    expected = sorted(pid for pid, n, p in zip(ids, n_doses, phen, strict=False)
                      if n >= min_adm and p in ("SPMS", "PPMS"))
    if not expected:
        # nobody left, or nobody received the drug at all: both are clear errors
        with pytest.raises(StudyFileError, match=r"no patient meets|no administration in the"):
            build_cohort(study, patients=patients, administrations=adm)
        return
    c = build_cohort(study, patients=patients, administrations=adm)
    assert sorted(c.adsl["patient_id"].to_list()) == expected
    att = c.attrition
    assert att["remaining"][0] - att["excluded"][1:].sum() == att["remaining"][-1] == len(expected)
    assert att["remaining"].diff().drop_nulls().le(0).all()
    assert c.screening.filter(pl.col("included")).height == len(expected)
