"""Hand-written cases of the comparison cohort: index date, switches, eligibility, follow-up.

Each case is a tiny chart (admiral style) with the expected units next to it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from msrwe.compare import CompareDesign, build_compare_cohort
from msrwe.compare.outcomes import OutcomeDates, censor_follow_up, relapse_counts, time_to_event
from msrwe.errors import StudyFileError

d = dt.date
ARMS = ("mtx", "rtx")


def patients(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """(patient_id, phenotype, spms_conversion_date or '')."""
    return pl.DataFrame({
        "patient_id": [r[0] for r in rows],
        "sex": ["F"] * len(rows),
        "birth_date": [d(1970, 1, 1)] * len(rows),
        "ms_onset_date": [d(2000, 1, 1)] * len(rows),
        "phenotype": [r[1] for r in rows],
        "spms_conversion_date": [d.fromisoformat(r[2]) if r[2] else None for r in rows],
    })


def doses(*rows: tuple[str, str, dt.date]) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [r[0] for r in rows], "drug": [r[1] for r in rows],
                         "date": [r[2] for r in rows], "route": ["iv"] * len(rows)})


def visits(*rows: tuple[str, dt.date, float]) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": [r[0] for r in rows], "date": [r[1] for r in rows],
                         "edss": [r[2] for r in rows]})


def build(design: CompareDesign, **tables: pl.DataFrame):
    return build_compare_cohort(design, **tables)


def units_of(cohort) -> list[tuple]:
    return cohort.units.select("patient_id", "arm", "index_date", "end_date").sort(
        "patient_id", "index_date").rows()


# Test 1: the index date is the first dose of the arm's drug (later doses do not move it)
def test_01_index_is_first_dose() -> None:
    c = build(
        CompareDesign(arms=ARMS, covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 3, 1)), ("a", "mtx", d(2020, 1, 1)),
                              ("b", "rtx", d(2021, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2021, 1, 1), 5.0), ("b", d(2022, 1, 1), 5.0)),
    )
    assert units_of(c) == [("a", "mtx", d(2020, 1, 1), d(2021, 1, 1)),
                           ("b", "rtx", d(2021, 1, 1), d(2022, 1, 1))]


# Test 2: a patient who had both drugs belongs to the arm started first (no allow_switch)
def test_02_both_drugs_first_started_wins() -> None:
    c = build(
        CompareDesign(arms=ARMS, covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("z", "SPMS", "")),
        administrations=doses(("a", "rtx", d(2020, 1, 1)), ("a", "mtx", d(2021, 1, 1)),
                              ("z", "mtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2022, 1, 1), 4.0),
                      ("z", d(2020, 1, 1), 4.0), ("z", d(2020, 6, 1), 4.0)),
    )
    assert units_of(c)[0] == ("a", "rtx", d(2020, 1, 1), d(2022, 1, 1))
    assert c.attrition.filter(pl.col("step") == 2)["excluded"].item() == 1


# Test 3: with allow_switch every start is a unit, and its follow-up ends at the next start
def test_03_allow_switch_new_index_per_start() -> None:
    c = build(
        CompareDesign(arms=ARMS, allow_switch=True, covariates=("age",)),
        patients=patients(("a", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("a", "rtx", d(2021, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2020, 7, 1), 4.0),
                      ("a", d(2021, 1, 1), 4.5), ("a", d(2022, 1, 1), 5.0)),
    )
    assert units_of(c) == [("a", "mtx", d(2020, 1, 1), d(2021, 1, 1)),
                           ("a", "rtx", d(2021, 1, 1), d(2022, 1, 1))]
    # each unit has its own baseline EDSS
    assert c.units.sort("index_date")["edss"].to_list() == [4.0, 4.5]


# Test 4: starts of two arms on the same day are left out (the arm is ambiguous)
def test_04_same_day_starts_excluded() -> None:
    c = build(
        CompareDesign(arms=ARMS, covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("a", "rtx", d(2020, 1, 1)),
                              ("b", "mtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2020, 1, 1), 4.0), ("b", d(2021, 1, 1), 4.0)),
    )
    assert [u[0] for u in units_of(c)] == ["b"]


# Test 5: a first dose before the index window is not a new start (new-user design)
def test_05_index_window() -> None:
    c = build(
        CompareDesign(arms=ARMS, index_from=d(2015, 1, 1), covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2014, 1, 1)), ("a", "mtx", d(2016, 1, 1)),
                              ("b", "rtx", d(2016, 1, 1))),
        visits=visits(("a", d(2016, 1, 1), 4.0), ("a", d(2017, 1, 1), 4.0),
                      ("b", d(2016, 1, 1), 4.0), ("b", d(2017, 1, 1), 4.0)),
    )
    assert [u[0] for u in units_of(c)] == ["b"]


# Test 6: eligibility uses the phenotype AT INDEX (SPMS converting after index is RRMS then)
def test_06_phenotype_at_index() -> None:
    c = build(
        CompareDesign(arms=ARMS, phenotypes=["SPMS"], covariates=("age",)),
        patients=patients(("a", "SPMS", "2021-06-01"), ("b", "SPMS", "2019-01-01")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2020, 1, 1), 4.0), ("b", d(2021, 1, 1), 4.0)),
    )
    assert [u[0] for u in units_of(c)] == ["b"]


# Test 7: baseline EDSS range; the baseline is the last score in the window up to index
def test_07_edss_range_and_window() -> None:
    c = build(
        CompareDesign(arms=ARMS, edss_min=3.0, edss_max=6.0, baseline_window_days=90,
                      covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", ""), ("c", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1)),
                              ("c", "rtx", d(2020, 1, 1))),
        visits=visits(
            ("a", d(2019, 11, 1), 2.0), ("a", d(2019, 12, 20), 3.5), ("a", d(2021, 1, 1), 4.0),
            ("b", d(2019, 12, 1), 6.5), ("b", d(2021, 1, 1), 6.5),
            ("c", d(2019, 6, 1), 4.0), ("c", d(2021, 1, 1), 4.0),  # only one outside window
        ),
    )
    assert [(u[0]) for u in units_of(c)] == ["a"]
    assert c.units["edss"].to_list() == [3.5]


# Test 8: minimum chart history before index
def test_08_min_history() -> None:
    c = build(
        CompareDesign(arms=ARMS, min_history_days=365, covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2018, 1, 1), 4.0), ("a", d(2020, 1, 1), 4.0),
                      ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2019, 6, 1), 4.0), ("b", d(2020, 1, 1), 4.0),
                      ("b", d(2021, 1, 1), 4.0)),
    )
    assert [u[0] for u in units_of(c)] == ["a"]


# Test 9: washout: another treatment ongoing or stopped within the washout excludes
def test_09_washout_and_prior_count() -> None:
    tr = pl.DataFrame({
        "patient_id": ["a", "a", "b"], "drug": ["fingolimod", "interferon", "natalizumab"],
        "start_date": [d(2015, 1, 1), d(2012, 1, 1), d(2018, 1, 1)],
        "stop_date": [d(2019, 1, 1), d(2014, 1, 1), d(2019, 12, 1)],
    })
    c = build(
        CompareDesign(arms=ARMS, washout_days=90, covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2020, 1, 1), 4.0), ("b", d(2021, 1, 1), 4.0)),
        treatments=tr,
    )
    assert [u[0] for u in units_of(c)] == ["a"]
    assert c.units["prior_dmts"].to_list() == [2.0]


# Test 10: on treatment: follow-up ends at stop + grace (the last assessment up to then)
def test_10_on_treatment_grace() -> None:
    tr = pl.DataFrame({"patient_id": ["a"], "drug": ["mtx"], "start_date": [d(2020, 1, 1)],
                       "stop_date": [d(2021, 1, 1)]})
    tables = dict(
        patients=patients(("a", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("a", "mtx", d(2020, 12, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 2, 15), 4.0),
                      ("a", d(2021, 5, 1), 4.0), ("a", d(2023, 1, 1), 4.0)),
        treatments=tr,
    )
    design = CompareDesign(arms=("mtx", "rtx"), follow_up="on_treatment", grace_days=90,
                           covariates=("age",))
    with pytest.raises(StudyFileError, match="no patient in the store received rtx"):
        build(design, **tables)
    tables["patients"] = patients(("a", "SPMS", ""), ("b", "SPMS", ""))
    tables["administrations"] = pl.concat([tables["administrations"],
                                           doses(("b", "rtx", d(2020, 1, 1)))])
    tables["visits"] = pl.concat([tables["visits"],
                                  visits(("b", d(2020, 1, 1), 4.0), ("b", d(2022, 1, 1), 4.0))])
    c = build(design, **tables)
    # stop 2021-01-01 + 90 days = 2021-04-01: the 2021-02-15 assessment is the last one
    assert units_of(c)[0] == ("a", "mtx", d(2020, 1, 1), d(2021, 2, 15))
    itt = build(design.with_changes(follow_up="itt"), **tables)
    assert units_of(itt)[0][3] == d(2023, 1, 1)


# Test 11: on treatment: the start of another treatment ends follow-up (no grace after a switch)
def test_11_on_treatment_switch() -> None:
    c = build(
        CompareDesign(arms=ARMS, follow_up="on_treatment", grace_days=90, covariates=("age",)),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("a", "mtx", d(2022, 1, 1)),
                              ("a", "ocrelizumab", d(2021, 1, 1)), ("b", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2020, 12, 1), 4.0),
                      ("a", d(2021, 1, 1), 4.0), ("a", d(2022, 6, 1), 4.0),
                      ("b", d(2020, 1, 1), 4.0), ("b", d(2021, 1, 1), 4.0)),
    )
    assert units_of(c)[0] == ("a", "mtx", d(2020, 1, 1), d(2021, 1, 1))


# Test 12: pairwise censoring cuts each matched set to its shortest follow-up
def test_12_pairwise_censoring_event_after_cut_is_censored() -> None:
    used = pl.DataFrame({
        "unit_id": ["t1", "c1", "t2", "c2", "c3"], "set_id": ["1", "1", "2", "2", "2"],
        "index_date": [d(2020, 1, 1)] * 5,
        "end_date": [d(2024, 1, 1), d(2022, 1, 1), d(2021, 1, 1), d(2023, 1, 1),
                     d(2025, 1, 1)],
    })
    cut = censor_follow_up(used, "pairwise")
    assert cut["cut_date"].to_list() == [d(2022, 1, 1)] * 2 + [d(2021, 1, 1)] * 3
    ev = pl.DataFrame({
        "unit_id": ["t1", "c1", "t2", "c2", "c3"], "outcome": ["edss"] * 5,
        "worsening_date": [d(2023, 1, 1), None, d(2020, 6, 1), d(2022, 1, 1), None],
        "improvement_date": [None] * 5, "has_baseline": [True] * 5,
    }, schema_overrides={"improvement_date": pl.Date, "worsening_date": pl.Date})
    tte = time_to_event(cut, OutcomeDates(ev, {}), "edss", end="cut_date")
    # t1's worsening (2023) is after its set's cut (2022): censored at the cut
    assert dict(zip(tte["unit_id"], tte["event"], strict=True)) == {
        "t1": 0, "c1": 0, "t2": 1, "c2": 0, "c3": 0}
    assert round(tte.filter(pl.col("unit_id") == "t1")["time"].item(), 3) == round(
        731 / 365.25, 3)
    arm = time_to_event(censor_follow_up(used, "arm"), OutcomeDates(ev, {}), "edss",
                        end="cut_date")
    assert dict(zip(arm["unit_id"], arm["event"], strict=True))["t1"] == 1


# Test 13: relapses count after index and up to the (cut) end of follow-up
def test_13_relapses_in_follow_up() -> None:
    u = pl.DataFrame({"unit_id": ["a#x"], "patient_id": ["a"], "index_date": [d(2020, 1, 1)],
                      "cut_date": [d(2021, 1, 1)]})
    r = pl.DataFrame({"patient_id": ["a"] * 4,
                      "onset_date": [d(2020, 1, 1), d(2020, 6, 1), d(2021, 1, 1),
                                     d(2021, 6, 1)],
                      "confirmed": [True, True, True, True]})
    out = relapse_counts(u, r, end="cut_date")
    assert out["relapses"].to_list() == [2]


# Test 14: covariates at index: relapses in the 2 years before, age, disease duration
def test_14_covariates_at_index() -> None:
    rel = pl.DataFrame({"patient_id": ["a"] * 3,
                        "onset_date": [d(2017, 6, 1), d(2018, 6, 1), d(2019, 6, 1)]})
    c = build(
        CompareDesign(arms=ARMS),
        patients=patients(("a", "SPMS", ""), ("b", "PPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2020, 1, 1), 6.0), ("b", d(2021, 1, 1), 6.0)),
        relapses=rel,
    )
    a = c.units.filter(pl.col("patient_id") == "a").row(0, named=True)
    assert a["relapses_2y"] == 2.0
    assert round(a["age"], 2) == 50.0
    assert round(a["disease_duration"], 2) == 20.0
    assert c.covariates == ("age", "sex", "disease_duration", "edss", "relapses_2y",
                            "prior_dmts", "phenotype")


# Test 15: complete case leaves out a unit missing a covariate; indicator keeps it
def test_15_missing_data() -> None:
    tables = dict(
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", ""), ("c", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1)),
                              ("c", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2020, 1, 1), 6.0), ("b", d(2021, 1, 1), 6.0),
                      ("c", d(2021, 1, 1), 5.0)),  # c has no baseline EDSS
    )
    cc = build(CompareDesign(arms=ARMS, covariates=("edss",)), **tables)
    assert sorted(cc.units["patient_id"]) == ["a", "b"]
    ind = build(CompareDesign(arms=ARMS, covariates=("edss",), missing="indicator"), **tables)
    row = ind.units.filter(pl.col("patient_id") == "c").row(0, named=True)
    assert row["edss_missing"] == 1.0
    assert row["edss"] == 5.0


# Test 16: MRI activity and sNfL enter the default covariates when charted (year before index)
def test_16_mri_and_snfl_when_charted() -> None:
    mri = pl.DataFrame({"patient_id": ["a", "b", "b"],
                        "date": [d(2019, 6, 1), d(2018, 1, 1), d(2019, 9, 1)],
                        "gd_lesions": [1, 3, 0], "new_t2_lesions": [0, 0, 0]})
    bio = pl.DataFrame({"patient_id": ["a", "a", "b"], "marker": ["snfl", "snfl", "sgfap"],
                        "date": [d(2019, 3, 1), d(2019, 11, 1), d(2019, 11, 1)],
                        "value": [12.0, 15.5, 90.0]})
    c = build(
        CompareDesign(arms=ARMS, missing="indicator"),
        patients=patients(("a", "SPMS", ""), ("b", "SPMS", "")),
        administrations=doses(("a", "mtx", d(2020, 1, 1)), ("b", "rtx", d(2020, 1, 1))),
        visits=visits(("a", d(2020, 1, 1), 4.0), ("a", d(2021, 1, 1), 4.0),
                      ("b", d(2020, 1, 1), 4.0), ("b", d(2021, 1, 1), 4.0)),
        mri=mri, biomarkers=bio,
    )
    assert c.covariates[-2:] == ("mri_active", "snfl")
    u = {r["patient_id"]: r for r in c.units.iter_rows(named=True)}
    assert (u["a"]["mri_active"], u["b"]["mri_active"]) == (1.0, 0.0)  # b's active MRI is old
    assert u["a"]["snfl"] == 15.5
    assert u["b"]["snfl_missing"] == 1.0  # b has no sNfL (sGFAP is another marker)
