"""The default synthetic cohort has the published shape of the ITMTX series (section 9.2)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from scipy.stats import wilcoxon

from msrwe.schema import CONTRACT, POLARS_TYPES, pandera_schema
from msrwe.synth import TABLE_NAMES, TABLES, make_cohort

VALID_EDSS = {0.0, *(x / 2 for x in range(2, 20)), 10.0}
CUTOFF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def cohort() -> dict[str, pl.DataFrame]:
    return make_cohort()


def _mtx(cohort: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return cohort["administrations"].filter(pl.col("drug") == "methotrexate")


# Case 1: 83 patients, 67 SPMS and 16 PPMS (Stark 2019)
def test_case_01_phenotypes(cohort):
    p = cohort["patients"]
    assert p.height == 83
    assert p["patient_id"].n_unique() == 83
    assert dict(p["phenotype"].value_counts().iter_rows()) == {"SPMS": 67, "PPMS": 16}


# Case 2: every table and column is named, ordered and typed as in the contract
def test_case_02_contract_columns(cohort):
    assert tuple(cohort) == CONTRACT.names == TABLE_NAMES
    for name in CONTRACT.names:
        expected = {c.name: POLARS_TYPES[c.dtype] for c in CONTRACT[name].columns}
        assert cohort[name].schema == pl.Schema(expected), name
        assert dict(TABLES[name]) == expected


# Case 3: every table passes the store's pandera schema (ranges, allowed values)
@pytest.mark.parametrize("name", TABLE_NAMES)
def test_case_03_pandera(cohort, name):
    pandera_schema(name).validate(cohort[name], lazy=True)


# Case 4: every methotrexate patient had 18-57 doses of 12.5 mg intrathecal
def test_case_04_doses(cohort):
    mtx = _mtx(cohort)
    per = mtx.group_by("patient_id").len()
    assert per.height == 83
    assert per["len"].min() >= 18
    assert per["len"].max() <= 57
    assert set(mtx["dose"]) == {12.5}
    assert set(mtx["route"]) == {"intrathecal"}
    assert set(mtx["dose_unit"]) == {"mg"}
    assert mtx["bsa_m2"].is_between(1.2, 3.0).all()
    assert mtx["weight_kg"].is_between(40, 150).all()


# Case 5: doses every 8-11 weeks (56-77 days) for the most part, a few late
def test_case_05_intervals(cohort):
    gaps = (
        _mtx(cohort)
        .sort("patient_id", "date")
        .select(pl.col("date").diff().dt.total_days().over("patient_id").alias("gap"))["gap"]
        .drop_nulls()
    )
    share = gaps.is_between(56, 77).mean()
    assert 0.90 <= share < 1.0  # mostly on time, some late
    assert gaps.min() >= 56
    assert gaps.max() <= 120


# Case 6: follow-up on methotrexate is about 3-10 years
def test_case_06_follow_up(cohort):
    years = (
        _mtx(cohort)
        .group_by("patient_id")
        .agg(((pl.col("date").max() - pl.col("date").min()).dt.total_days() / 365.25).alias("y"))[
            "y"
        ]
    )
    assert years.min() >= 2.6  # 17 gaps of 56 days
    assert years.max() <= 12.5
    assert 5 <= years.mean() <= 8


# Case 7: EDSS at every dose (a visit on each dose day), all on the valid half-step scale
def test_case_07_edss_every_dose(cohort):
    visits = cohort["visits"]
    assert set(visits["edss"].unique()) <= VALID_EDSS
    assert 0.5 not in set(visits["edss"])
    doses = _mtx(cohort).select("patient_id", "date")
    scheduled = visits.filter("scheduled").select("patient_id", "date")
    assert doses.join(scheduled, on=["patient_id", "date"], how="anti").height == 0
    assert visits.select("patient_id", "date").is_unique().all()
    unscheduled = visits.filter(~pl.col("scheduled"))
    assert 0 < unscheduled.height < 0.1 * visits.height


# Case 8: baseline EDSS around 6.0 (SPMS) and 5.5 (PPMS)
def test_case_08_baseline_edss(cohort):
    first = (
        cohort["visits"]
        .join(cohort["patients"].select("patient_id", "phenotype"), on="patient_id")
        .group_by("patient_id", "phenotype")
        .agg(pl.col("edss").first())
    )
    med = dict(first.group_by("phenotype").agg(pl.col("edss").median()).iter_rows())
    assert 5.5 <= med["SPMS"] <= 6.5
    assert 5.0 <= med["PPMS"] <= 6.0
    assert first["edss"].min() >= 3.0


# Case 9: no significant EDSS change from first to last visit (Stark 2019), yet some patients
# worsen or improve by >= 1 point
def test_case_09_no_significant_change(cohort):
    fl = (
        cohort["visits"]
        .filter("scheduled")
        .join(cohort["patients"].select("patient_id", "phenotype"), on="patient_id")
        .group_by("patient_id", "phenotype", maintain_order=True)
        .agg(pl.col("edss").first().alias("first"), pl.col("edss").last().alias("last"))
    )
    for group in fl.partition_by("phenotype"):
        assert wilcoxon(group["first"], group["last"], zero_method="wilcox").pvalue > 0.05
    change = fl["last"] - fl["first"]
    assert (change >= 1.0).sum() >= 3
    assert (change <= -1.0).sum() >= 3


# Case 10: functional systems consistent with the EDSS and within Kurtzke's ranges
def test_case_10_functional_systems(cohort):
    v = cohort["visits"].drop_nulls("fs_pyramidal")
    assert v.filter(pl.col("edss") >= 4.0)["fs_pyramidal"].min() >= 2
    for name, top in {"fs_cerebellar": 5, "fs_brainstem": 5, "fs_cerebral": 5}.items():
        assert v[name].is_between(0, top).all()
    assert v["ambulation"].is_between(0, 16).all()
    assert 0.8 <= cohort["visits"]["fs_pyramidal"].is_not_null().mean() < 1.0


# Case 11: 9HPT and T25FW at some visits, in plausible ranges, with the occasional 777
def test_case_11_timed_tests(cohort):
    v = cohort["visits"]
    nhpt = v["nhpt_dominant_s"].drop_nulls()
    assert 0.15 <= v["nhpt_dominant_s"].is_not_null().mean() <= 0.35
    measured = nhpt.filter(nhpt != 777)
    assert 20 <= measured.median() <= 40
    assert measured.min() > 0
    t25 = v["t25fw_s"].drop_nulls()
    assert 6 <= t25.median() <= 20
    # walk time rises with EDSS
    walk = v.drop_nulls("t25fw_s")
    assert (
        walk["t25fw_s"].filter(walk["edss"] >= 6.0).mean()
        > walk["t25fw_s"].filter(walk["edss"] <= 5.0).mean()
    )


# Case 12: SDMT about yearly, 0-110, mostly 30-55
def test_case_12_sdmt(cohort):
    v = cohort["visits"].drop_nulls("sdmt")
    assert v["sdmt"].is_between(0, 110).all()
    assert 30 <= v["sdmt"].median() <= 55
    per_year = v.group_by("patient_id", pl.col("date").dt.year()).len()["len"]
    assert per_year.max() <= 2


# Case 13: relapses are rare (about 0.05 per patient-year in SPMS)
def test_case_13_relapses(cohort):
    n = cohort["relapses"].height
    assert 5 <= n <= 60
    assert set(cohort["relapses"]["patient_id"]) <= set(cohort["patients"]["patient_id"])


# Case 14: three to five earlier DMTs, each >= 1 year, at least three stopped for inefficacy,
# all before the first methotrexate dose and after the diagnosis
def test_case_14_prior_treatments(cohort):
    first = _mtx(cohort).group_by("patient_id").agg(pl.col("date").min().alias("first"))
    prior = (
        cohort["treatments"]
        .filter(~pl.col("drug").is_in(["methotrexate", "rituximab"]))
        .join(first, on="patient_id")
        .join(cohort["patients"].select("patient_id", "diagnosis_date"), on="patient_id")
    )
    assert (prior["stop_date"] < prior["first"]).all()
    assert (prior["start_date"] >= prior["diagnosis_date"]).all()
    assert ((prior["stop_date"] - prior["start_date"]).dt.total_days() >= 365).all()
    per = prior.group_by("patient_id").agg(
        pl.col("drug").n_unique().alias("drugs"),
        pl.len().alias("courses"),
        (pl.col("stop_reason") == "inefficacy").sum().alias("inefficacy"),
    )
    assert per.height == 83
    assert per["drugs"].is_between(3, 5).all()
    assert (per["drugs"] == per["courses"]).all()
    assert (per["inefficacy"] >= 3).all()
    assert set(prior["stop_reason"]) <= {"inefficacy", "intolerance"}


# Case 15: a methotrexate course row for everyone; about 8% switch to rituximab, 1000 mg iv,
# two infusions 14 days apart, then every ~24 weeks
def test_case_15_rituximab(cohort):
    t = cohort["treatments"]
    assert t.filter(drug="methotrexate").height == 83
    rtx_courses = t.filter(drug="rituximab")
    assert rtx_courses.height == 7  # round(8% of 83)
    rtx = cohort["administrations"].filter(drug="rituximab").sort("patient_id", "date")
    assert set(rtx["patient_id"]) == set(rtx_courses["patient_id"])
    assert set(rtx["dose"]) == {1000.0}
    assert set(rtx["route"]) == {"iv"}
    rtx = rtx.with_columns(
        k=pl.int_range(pl.len()).over("patient_id"),
        gap=pl.col("date").diff().dt.total_days().over("patient_id"),
    )
    assert set(rtx.filter(pl.col("k") % 2 == 1)["gap"]) == {14}
    assert rtx.filter((pl.col("k") % 2 == 0) & (pl.col("k") > 0))["gap"].is_between(140, 168).all()
    mtx_stop = t.filter(drug="methotrexate", stop_reason="inefficacy").select("patient_id")
    assert set(rtx_courses["patient_id"]) <= set(mtx_stop["patient_id"])


# Case 16: post-LP headache in 10/83 and transient fatigue in 44/83 patients, tied to a dose
def test_case_16_headache_fatigue(cohort):
    ae = cohort["adverse_events"]
    headache = ae.filter(term="post-lumbar puncture headache")
    fatigue = ae.filter(term="fatigue")
    assert headache["patient_id"].n_unique() == 10
    assert fatigue["patient_id"].n_unique() == 44
    assert set(headache["related"]) == {"related"}
    assert set(headache["grade"]) <= {1, 2}
    assert headache.height > 10  # some recur
    doses = _mtx(cohort).select("patient_id", pl.col("date").alias("dose"))
    lag = (
        headache.join(doses, on="patient_id")
        .with_columns((pl.col("onset_date") - pl.col("dose")).dt.total_days().alias("lag"))
        .filter(pl.col("lag").is_between(0, 10))
        .group_by("patient_id", "onset_date")
        .agg(pl.col("lag").min())
    )
    assert lag.height == headache.height
    assert lag["lag"].is_between(1, 3).all()


# Case 17: infections, no serious related event, no death; each serious event has its stay
def test_case_17_safety(cohort):
    ae = cohort["adverse_events"]
    assert ae.filter(pl.col("serious") & (pl.col("related") != "unrelated")).height == 0
    assert "fatal" not in set(ae["outcome"])
    assert cohort["patients"]["death_date"].is_null().all()
    infections = ae.filter("infection")
    assert {"urinary tract infection", "upper respiratory tract infection"} <= set(
        infections["term"]
    )
    assert set(infections["related"]) <= {"unrelated", "possibly_related"}
    serious = ae.filter("serious")
    assert serious.height >= 1
    assert set(serious["serious_criteria"]) == {"hospitalization"}
    hosp = cohort["hospitalizations"]
    assert hosp.height == serious.height
    assert set(hosp["related"]) == {"unrelated"}
    joined = serious.join(hosp, on="patient_id")
    lag = (pl.col("admit_date") - pl.col("onset_date")).dt.total_days()
    assert joined.filter(lag.is_between(0, 1)).height == serious.height


# Case 18: no date after the chart cut-off; nothing before birth
def test_case_18_dates(cohort):
    birth = cohort["patients"].select("patient_id", "birth_date")
    for name, frame in cohort.items():
        for col, dtype in frame.schema.items():
            if dtype == pl.Date and col != "death_date":
                values = frame[col].drop_nulls()
                assert values.max() <= CUTOFF, (name, col)
                if name != "patients":
                    early = frame.join(birth, on="patient_id").filter(
                        pl.col(col) < pl.col("birth_date")
                    )
                    assert early.is_empty(), (name, col)
    p = cohort["patients"]
    assert (p["ms_onset_date"] <= p["diagnosis_date"]).all()
    spms = p.filter(phenotype="SPMS")
    assert spms["spms_conversion_date"].is_not_null().all()
    assert (spms["spms_conversion_date"] > spms["diagnosis_date"]).all()
    assert p.filter(phenotype="PPMS")["spms_conversion_date"].is_null().all()


# Case 19: yearly MRI for some patients, sNfL for some
def test_case_19_mri_biomarkers(cohort):
    mri, bio = cohort["mri"], cohort["biomarkers"]
    assert 0.4 <= mri["patient_id"].n_unique() / 83 <= 0.8
    assert 0.2 <= bio.filter(marker="snfl")["patient_id"].n_unique() / 83 <= 0.6
    assert set(bio["unit"]) == {"pg/mL"}
    assert 5 <= bio.filter(marker="snfl")["value"].median() <= 30
