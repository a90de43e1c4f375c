import datetime as dt

import polars as pl
import pytest

from msrwe.derive.prior_treatments import derive_prior_courses, derive_vars_prior_failure
from msrwe.errors import InputError, OptionError

d = dt.date
SCHEMA = {"patient_id": pl.String, "drug": pl.String, "start_date": pl.Date,
          "stop_date": pl.Date, "stop_reason": pl.String}


def trt(*rows):
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


FIRST = pl.DataFrame({"patient_id": ["P1", "P2"], "first_dose": [d(2015, 1, 1), d(2015, 1, 1)]})


# Case 1: three drugs each >= 1 year and stopped for inefficacy/intolerance: 3 failed
def test_case1_three_failed():
    t = trt(
        ("P1", "interferon", d(2005, 1, 1), d(2006, 1, 1), "inefficacy"),  # exactly 365 days
        ("P1", "glatiramer", d(2007, 1, 1), d(2009, 1, 1), "intolerance"),
        ("P1", "fingolimod", d(2010, 1, 1), d(2014, 12, 1), "inefficacy"),
    )
    out = derive_vars_prior_failure(FIRST, t, study_drug="methotrexate")
    assert out.select("patient_id", "prior_drugs", "prior_failed", "prior_failed_drugs").rows() == [
        ("P1", 3, 3, "fingolimod; glatiramer; interferon"),
        ("P2", 0, 0, ""),
    ]
    # inefficacy and intolerance are also recorded separately
    assert out.select("prior_stopped_inefficacy", "prior_stopped_intolerance").rows() == [
        (2, 1), (0, 0)]


# Case 2: too short, excluded reasons, ongoing and later courses do not count
def test_case2_not_failures():
    t = trt(
        ("P1", "interferon", d(2005, 1, 1), d(2005, 12, 31), "inefficacy"),  # 364 days
        ("P1", "glatiramer", d(2007, 1, 1), d(2009, 1, 1), "pregnancy"),
        ("P1", "natalizumab", d(2010, 1, 1), None, None),  # ongoing
        ("P1", "ocrelizumab", d(2015, 1, 1), d(2017, 1, 1), "inefficacy"),  # starts at first dose
    )
    out = derive_vars_prior_failure(FIRST, t, study_drug="methotrexate")
    assert out.filter(pl.col("patient_id") == "P1").select(
        "prior_drugs", "prior_failed").row(0) == (3, 0)


# Case 3: courses of one drug within merge_gap_days are merged before the duration rule
def test_case3_merge_courses():
    t = trt(
        ("P1", "fingolimod", d(2010, 1, 1), d(2010, 7, 1), "other"),
        ("P1", "fingolimod", d(2010, 8, 1), d(2011, 3, 1), "inefficacy"),  # 31-day gap
    )
    courses = derive_prior_courses(t, FIRST, study_drug=None)
    assert courses.select("drug", "start_date", "stop_date", "stop_reason", "n_courses", "days",
                          "adequate", "failed").rows() == [
        ("fingolimod", d(2010, 1, 1), d(2011, 3, 1), "inefficacy", 2, 424, True, True)]
    apart = derive_prior_courses(t, FIRST, study_drug=None, merge_gap_days=30)
    assert apart["n_courses"].to_list() == [1, 1]
    assert apart["failed"].to_list() == [False, False]


# Case 4: the reasons are a setting; the study drug counts only when asked
def test_case4_settings():
    t = trt(
        ("P1", "glatiramer", d(2007, 1, 1), d(2009, 1, 1), "intolerance"),
        ("P1", "methotrexate", d(2010, 1, 1), d(2012, 1, 1), "inefficacy"),
    )
    out = derive_vars_prior_failure(FIRST, t, study_drug="methotrexate", reasons=["inefficacy"])
    assert out["prior_failed"].to_list() == [0, 0]
    out = derive_vars_prior_failure(FIRST, t, study_drug="methotrexate", reasons=["inefficacy"],
                                    count_study_drug=True)
    assert out["prior_failed"].to_list() == [1, 0]
    assert out["prior_failed_drugs"].to_list() == ["methotrexate", ""]


# Case 5: drug names are compared case-insensitively; one drug failing twice counts once
def test_case5_distinct_drugs():
    t = trt(
        ("P1", "Rituximab", d(2005, 1, 1), d(2007, 1, 1), "inefficacy"),
        ("P1", "rituximab", d(2009, 1, 1), d(2011, 1, 1), "inefficacy"),
    )
    out = derive_vars_prior_failure(FIRST, t, study_drug="methotrexate")
    assert out.select("prior_drugs", "prior_failed").row(0) == (1, 1)


# Case 6: errors
def test_case6_errors():
    with pytest.raises(InputError, match="treatments has no column 'stop_reason'"):
        derive_vars_prior_failure(FIRST, trt().drop("stop_reason"), study_drug=None)
    with pytest.raises(OptionError, match="min_days must be"):
        derive_vars_prior_failure(FIRST, trt(), study_drug=None, min_days=-1)
