"""add_safety on small hand-written tables: every number is worked out beside the input."""

import datetime as dt

import polars as pl
import pytest
from scipy import stats

from msrwe.derive.risk import derive_risk_periods
from msrwe.study.config import Study
from msrwe.study.safety import add_safety
from msrwe.tables.results import ResultsTable

D = dt.date

# Three SPMS patients and one PPMS patient, doses every ~60 days.
ADSL = pl.DataFrame(
    {
        "patient_id": ["A", "B", "C", "D"],
        "group": ["SPMS", "SPMS", "SPMS", "PPMS"],
        "death_date": [None, None, None, None],
    },
    schema={"patient_id": pl.String, "group": pl.String, "death_date": pl.Date},
)
DOSES = pl.DataFrame(
    {
        "patient_id": ["A"] * 3 + ["B"] * 2 + ["C"] * 2 + ["D"] * 3,
        "date": [
            D(2020, 1, 1),
            D(2020, 3, 1),
            D(2020, 5, 1),
            D(2020, 1, 1),
            D(2020, 3, 1),
            D(2020, 1, 1),
            D(2020, 3, 1),
            D(2020, 1, 1),
            D(2020, 3, 1),
            D(2020, 5, 1),
        ],
    }
)
AE = pl.DataFrame(
    {
        "patient_id": ["A", "A", "A", "B", "C", "D", "A"],
        "onset_date": [
            D(2020, 3, 2),
            D(2020, 5, 1),
            D(2020, 6, 1),
            D(2020, 1, 20),
            D(2021, 5, 1),
            D(2020, 1, 3),
            D(2019, 12, 1),
        ],
        "term": ["Headache", "headache", "Fatigue", "Fatigue", "Fatigue", "Pneumonia", "Fatigue"],
        "serious": [None, None, None, None, None, True, None],
        "serious_criteria": [None, None, None, None, None, "hospitalization", None],
        "related": ["related", "related", "unrelated", "possibly_related", None, "unrelated", None],
        "infection": [None, None, None, None, None, True, None],
    },
    schema_overrides={"serious": pl.Boolean, "infection": pl.Boolean},
)
HOSP = pl.DataFrame(
    {
        "patient_id": ["D"],
        "admit_date": [D(2020, 1, 4)],
        "discharge_date": [D(2020, 1, 10)],
        "reason": ["pneumonia"],
        "related": ["unrelated"],
    }
)


@pytest.fixture(scope="module")
def run():
    r = ResultsTable()
    out = add_safety(
        r, doses=DOSES, adsl=ADSL, adverse_events=AE, hospitalizations=HOSP, study=Study()
    )
    return r, out


def get(r, analysis, stat, group="overall", variable="any", level=""):
    return r.get(analysis, stat, group=group, variable=variable, level=level)


# Case 1: the time at risk: first dose to last dose + 90 days, cut at the data cut-off
# (the latest date in the tables: C's fatigue on 2021-05-01 does not cut anyone here)
def test_risk_periods(run):
    _, out = run
    risk = out["adrisk"].sort("patient_id")
    assert risk["risk_end"].to_list() == [
        D(2020, 7, 30),
        D(2020, 5, 30),
        D(2020, 5, 30),
        D(2020, 7, 30),
    ]
    assert risk["risk_years"].to_list() == pytest.approx(
        [211 / 365.25, 150 / 365.25, 150 / 365.25, 211 / 365.25]
    )
    assert risk["n_doses"].to_list() == [3, 2, 2, 3]


# Case 2: treatment-emergent events: A's 2019 fatigue (before dosing) and C's fatigue a year
# after the window are not; 5 events in 3 patients (A, B, D) remain
def test_any_ae(run):
    r, out = run
    assert out["adae"]["trt_emergent"].to_list() == [True, True, True, True, False, True, False]
    assert get(r, "ae_incidence", "N") == 4
    assert get(r, "ae_incidence", "n") == 3
    assert get(r, "ae_incidence", "events") == 5
    ci = stats.binomtest(3, 4).proportion_ci(method="exact")
    assert get(r, "ae_incidence", "ci_low") == pytest.approx(100 * ci.low)
    assert get(r, "ae_incidence", "ci_high") == pytest.approx(100 * ci.high)
    # EAIR: time to first event: A 61 d (2020-03-02), B 19 d, C 150 d (none), D 2 d
    py = (61 + 19 + 150 + 2) / 365.25
    assert get(r, "ae_incidence", "person_years") == pytest.approx(py)
    assert get(r, "ae_incidence", "eair") == pytest.approx(300 / py)
    assert get(r, "ae_incidence", "eair_ci_high") == pytest.approx(
        100 * stats.chi2.ppf(0.975, 8) / (2 * py)
    )
    # EAER: 5 events over the whole time at risk
    total = (211 + 150 + 150 + 211) / 365.25
    assert get(r, "ae_incidence", "eaer") == pytest.approx(500 / total)


# Case 3: per term (trimmed, lower case), per group; a group without the term shows n = 0
def test_per_term_and_group(run):
    r, _ = run
    assert get(r, "ae_incidence", "n", variable="term", level="headache") == 1
    assert get(r, "ae_incidence", "events", variable="term", level="headache") == 2
    assert get(r, "ae_incidence", "n", variable="term", level="fatigue") == 2
    assert get(r, "ae_incidence", "pct", group="SPMS", variable="term", level="fatigue") == (
        pytest.approx(200 / 3)
    )
    assert get(r, "ae_incidence", "n", group="PPMS", variable="term", level="fatigue") == 0
    assert get(r, "ae_incidence", "N", group="PPMS", variable="term", level="fatigue") == 1


# Case 4: serious (by ICH E2A criterion), related, infection, hospital stays
def test_serious_related_infection_hospital(run):
    r, _ = run
    assert get(r, "ae_serious", "n") == 1
    assert get(r, "ae_serious", "n", variable="criterion", level="hospitalization") == 1
    assert get(r, "ae_serious", "n", variable="criterion", level="death") == 0
    assert get(r, "ae_serious", "n", variable="criterion", level="not_stated") == 0
    assert get(r, "ae_serious", "n", variable="term", level="pneumonia") == 1
    assert get(r, "ae_related", "n") == 2  # A (headache x2) and B (possibly related fatigue)
    assert get(r, "ae_related", "events") == 3
    assert get(r, "ae_related", "n", variable="serious") == 0
    assert get(r, "ae_infection", "n") == 1
    assert get(r, "ae_infection", "n", variable="serious") == 1
    assert get(r, "hospitalization", "n") == 1
    assert get(r, "hospitalization", "n", variable="related") == 0
    assert get(r, "hospitalization", "median", variable="length_of_stay_days") == 6


# Case 5: events per administration (5 / 10 doses) and days since the nearest dose
def test_per_administration_and_days_since_dose(run):
    r, _ = run
    assert get(r, "ae_per_administration", "administrations") == 10
    assert get(r, "ae_per_administration", "rate") == 0.5
    low = get(r, "ae_per_administration", "ci_low")
    high = get(r, "ae_per_administration", "ci_high")
    assert 0 <= low <= 0.5 <= high
    # A headache 1 day and 0 days after a dose; A fatigue 31 d; B fatigue 19 d; D pneumonia 2 d
    assert get(r, "ae_by_days_since_dose", "n_0_1", variable="term", level="headache") == 2
    assert get(r, "ae_by_days_since_dose", "n_0_1") == 2
    assert get(r, "ae_by_days_since_dose", "n_2_7") == 1
    assert get(r, "ae_by_days_since_dose", "n_8_30") == 1
    assert get(r, "ae_by_days_since_dose", "n_31_plus") == 1
    assert get(r, "ae_by_days_since_dose", "pct_within_7_days") == 60.0
    assert get(r, "ae_by_days_since_dose", "median_days") == 2.0


# Case 6: the labels keep the chart's most common spelling; methods are stated
def test_labels_and_methods(run):
    r, _ = run
    df = r.to_polars().filter(
        (pl.col("analysis") == "ae_incidence")
        & (pl.col("level") == "headache")
        & (pl.col("stat") == "pct")
        & (pl.col("group") == "overall")
    )
    assert df["label"].to_list() == ["Headache"]
    assert df["method"].to_list() == ["Clopper-Pearson exact 95%"]


# Case 7: a shorter risk window (0 days) ends the time at risk at the last dose, so the
# fatigue of A on 2020-06-01 is no longer treatment-emergent
def test_risk_window_setting():
    r = ResultsTable()
    add_safety(
        r,
        doses=DOSES,
        adsl=ADSL,
        adverse_events=AE,
        hospitalizations=None,
        study=Study.from_dict({"safety": {"risk_window_days": 0}}),
    )
    assert get(r, "ae_incidence", "events") == 4
    assert get(r, "hospitalization", "n") is None  # no hospitalizations table: unknown


# Case 8: grouping by MedDRA code: events without a code keep their term
def test_pt_code_grouping():
    ae = AE.with_columns(
        pl.when(pl.col("term").str.to_lowercase() == "headache")
        .then(pl.lit("10019211"))
        .alias("pt_code")
    )
    r = ResultsTable()
    add_safety(
        r,
        doses=DOSES,
        adsl=ADSL,
        adverse_events=ae,
        study=Study.from_dict({"safety": {"ae_grouping": "pt_code"}}),
    )
    assert get(r, "ae_incidence", "n", variable="pt_code", level="10019211") == 1
    assert get(r, "ae_incidence", "n", variable="pt_code", level="fatigue") == 2


# Case 9: no adverse-event table at all: the counts are unknown (missing, "not computed"),
# never zeros that would read as evidence of safety; the cohort size is still given
def test_no_adverse_events():
    r = ResultsTable()
    out = add_safety(r, doses=DOSES, adsl=ADSL, adverse_events=None)
    assert get(r, "ae_incidence", "N") == 4
    assert get(r, "ae_incidence", "n") is None
    assert get(r, "ae_incidence", "ci_high") is None
    assert get(r, "ae_serious", "n") is None
    df = r.to_polars().filter(pl.col("analysis") == "ae_incidence")
    assert set(df["method"]) == {"not computed: no adverse_events table was imported"}
    assert out["adae"].height == 0


# Case 9b: an imported adverse-event table with no rows is a true zero
def test_empty_adverse_event_table_gives_zero_counts():
    r = ResultsTable()
    add_safety(r, doses=DOSES, adsl=ADSL, adverse_events=AE.clear())
    assert get(r, "ae_incidence", "n") == 0
    assert get(r, "ae_incidence", "eair_ci_low") == 0


# Case 9c: no hospitalizations table: hospital stays are unknown, adverse events still counted
def test_no_hospitalizations_table():
    r = ResultsTable()
    add_safety(r, doses=DOSES, adsl=ADSL, adverse_events=AE, hospitalizations=None)
    assert get(r, "hospitalization", "n") is None
    assert get(r, "ae_incidence", "n") is not None


# Case 10: death cuts the time at risk
def test_death_cuts_time_at_risk():
    adsl = ADSL.with_columns(
        pl.when(pl.col("patient_id") == "B").then(pl.lit(D(2020, 3, 31))).alias("death_date")
    )
    risk = derive_risk_periods(adsl, DOSES, risk_window_days=90)
    assert risk.filter(pl.col("patient_id") == "B")["risk_end"].to_list() == [D(2020, 3, 31)]


# Case 11: a table without a needed column is an InputError naming it; optional hospital
# columns may be absent
def test_missing_columns():
    from msrwe.errors import InputError

    with pytest.raises(InputError, match="adverse_events has no column 'onset_date'"):
        add_safety(ResultsTable(), doses=DOSES, adsl=ADSL, adverse_events=AE.drop("onset_date"))
    with pytest.raises(InputError, match="hospitalizations has no column 'admit_date'"):
        add_safety(
            ResultsTable(),
            doses=DOSES,
            adsl=ADSL,
            adverse_events=AE,
            hospitalizations=HOSP.drop("admit_date"),
        )
    r = ResultsTable()
    add_safety(
        r,
        doses=DOSES,
        adsl=ADSL,
        adverse_events=AE,
        hospitalizations=HOSP.select("patient_id", "admit_date"),
    )
    assert get(r, "hospitalization", "n") == 1
    assert get(r, "hospitalization", "n", variable="length_of_stay_days") == 0


# Case 12: events per administration above BOOTSTRAP_MAX_PATIENTS use the cluster-robust
# (sandwich) interval; its standard error equals statsmodels' Poisson GLM with a log(doses)
# offset and patient-clustered covariance (delta method back to the rate scale)
def test_sandwich_interval_matches_statsmodels():
    import numpy as np
    import statsmodels.api as sm

    from msrwe.study._per_dose import ratio_interval as _ratio_interval

    rng = np.random.default_rng(9)
    doses = rng.integers(5, 40, 300).astype(float)
    events = rng.poisson(0.05 * doses * rng.gamma(2, 0.5, 300)).astype(float)
    lo, hi, how = _ratio_interval(events, doses, 0.95, None)
    assert "sandwich" in how
    fit = sm.GLM(events, np.ones((300, 1)), family=sm.families.Poisson(), offset=np.log(doses)).fit(
        cov_type="cluster", cov_kwds={"groups": np.arange(300)}
    )
    rate = float(np.exp(fit.params[0]))
    assert rate == pytest.approx(events.sum() / doses.sum())
    se = rate * float(fit.bse[0])
    z = stats.norm.ppf(0.975)
    assert lo == pytest.approx(rate - z * se, rel=1e-6)
    assert hi == pytest.approx(rate + z * se, rel=1e-6)


# Case 13: the bootstrap interval is reproducible (fixed seed) and brackets the estimate
def test_bootstrap_reproducible():
    a, b = ResultsTable(), ResultsTable()
    for r in (a, b):
        add_safety(r, doses=DOSES, adsl=ADSL, adverse_events=AE)
    assert get(a, "ae_per_administration", "ci_high") == get(b, "ae_per_administration", "ci_high")
    df = a.to_polars().filter(pl.col("analysis") == "ae_per_administration")
    assert df.filter(pl.col("group") != "PPMS")["method"].str.contains("bootstrap").all()
    # one patient (PPMS) cannot be resampled: the rate is given, the interval is empty
    assert get(a, "ae_per_administration", "rate", group="PPMS") == pytest.approx(1 / 3)
    assert get(a, "ae_per_administration", "ci_low", group="PPMS") is None


def test_public_names():
    import msrwe.study.exposure as e
    import msrwe.study.safety as s

    assert sorted(s.__all__) == [
        "AE_ANALYSES",
        "BOOTSTRAP_MAX_PATIENTS",
        "BOOTSTRAP_RESAMPLES",
        "BOOTSTRAP_SEED",
        "DAYS_SINCE_DOSE_BINS",
        "Safety",
        "add_safety",
    ]
    assert sorted(e.__all__) == [
        "DOSE_INTERVALS", "EXPOSURE", "EXPOSURE_ALERTS", "Exposure", "add_exposure", "groups_of",
        "join_exposure", "resolve_interval_window",
    ]


    with pytest.warns(DeprecationWarning, match="msrwe.derive.risk"):
        assert s.derive_risk_periods is derive_risk_periods


# Case 14: a serious event without a stated criterion is counted under not_stated
def test_serious_without_criterion():
    ae = AE.with_columns(
        pl.when(pl.col("term") == "Headache")
        .then(True)
        .otherwise(pl.col("serious"))
        .alias("serious")
    )
    r = ResultsTable()
    add_safety(r, doses=DOSES, adsl=ADSL, adverse_events=ae)
    assert get(r, "ae_serious", "n") == 2
    assert get(r, "ae_serious", "n", variable="criterion", level="not_stated") == 1
    assert get(r, "ae_serious", "n", variable="criterion", level="hospitalization") == 1
    assert get(r, "ae_related", "n", variable="serious") == 1
