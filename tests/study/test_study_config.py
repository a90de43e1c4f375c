import datetime as dt
from pathlib import Path

import pytest

from msrwe.errors import StudyFileError
from msrwe.study.config import (
    AnalysisSettings,
    CohortCriteria,
    OutcomeSettings,
    PriorTreatmentCriteria,
    Study,
    load_study,
)

ISSUE_EXAMPLE = """
[study]
title = "Long-term intrathecal methotrexate in progressive MS"
[cohort]
drug = "methotrexate"
route = "intrathecal"
min_administrations = 18
phenotypes = ["SPMS", "PPMS"]
[analysis]
group_by = "phenotype"
"""


# Case 1: the issue's example study file loads with every other setting at its default
def test_issue_example_loads(tmp_path: Path):
    path = tmp_path / "study.toml"
    path.write_text(ISSUE_EXAMPLE)
    s = Study.from_toml(path)
    assert s.study.title == "Long-term intrathecal methotrexate in progressive MS"
    assert s.cohort == CohortCriteria(
        drug="methotrexate", route="intrathecal", min_administrations=18,
        phenotypes=("SPMS", "PPMS"),
    )
    assert s.analysis.group_by == "phenotype"
    assert s.analysis.baseline_window_days == 90
    assert s.safety.risk_window_days == 90
    assert s.safety.ae_grouping == "term"
    assert s.outcomes.conf_days == (84.0,)
    assert s.outcomes.conf_tol_days == ((7.0, 730.5),)
    assert s.cohort.prior_treatment.active is False
    assert s.source == str(path)


# Case 2: every setting can be set
def test_every_section_can_be_set():
    s = Study.from_toml_text("""
[cohort]
drug = "Mitoxantrone"
baseline_edss_min = 3.0
baseline_edss_max = 6.5
first_dose_from = 2010-01-01
first_dose_to = "2019-12-31"
[cohort.prior_treatment]
min_drugs = 3
min_days = 365
reasons = ["inefficacy"]
merge_gap_days = 60
[analysis]
group_by = "none"
baseline_window_days = 30
on_treatment_days = 0
zero_method = "pratt"
p_method = "exact"
km_years = [2, 1]
level = 0.9
[exposure]
interval_days = [56, 77]
[safety]
risk_window_days = 30
ae_grouping = "pt_code"
[outcomes]
conf_days = 168
baseline = "roving"
delta_fun = "trial"
worsening_pct = 25
""")
    assert s.cohort.drug == "mitoxantrone"
    assert s.cohort.first_dose_from == dt.date(2010, 1, 1)
    assert s.cohort.first_dose_to == dt.date(2019, 12, 31)
    assert s.cohort.prior_treatment == PriorTreatmentCriteria(
        min_drugs=3, reasons=("inefficacy",), merge_gap_days=60
    )
    assert s.analysis.group_column is None
    assert s.analysis.km_years == (1.0, 2.0)
    assert s.exposure.interval_days == (56, 77)
    assert s.safety.ae_grouping == "pt_code"
    assert s.outcomes == OutcomeSettings(
        conf_days=168, baseline="roving", delta_fun="trial", worsening_pct=25.0
    )


# Case 3: unknown keys and sections are refused, naming the key and the allowed keys
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[cohort]\nmin_doses = 3", "unknown key 'cohort.min_doses'. [cohort] accepts: "
         "baseline_edss_max, baseline_edss_min, drug, first_dose_from"),
        ("[cohorts]\ndrug = 'x'", "unknown section [cohorts]"),
        ("[cohort.prior_treatment]\nmin_drug = 3", "unknown key 'cohort.prior_treatment.min_drug'"),
        ("[safety]\nrisk_window = 30",
         "[safety] accepts: ae_grouping, end_at_next_treatment, risk_window_days"),
    ],
)
def test_unknown_keys(text, needle):
    with pytest.raises(StudyFileError) as e:
        Study.from_toml_text(text)
    assert needle in str(e.value)


# Case 4: bad values name the setting, the rule and the value
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[cohort]\nmin_administrations = 0",
         "cohort.min_administrations must be at least 1; got 0"),
        ("[cohort]\nmin_administrations = '18'", "must be a whole number; got \"18\""),
        ("[cohort]\nphenotypes = 'SPMS'", "cohort.phenotypes must be a list of texts"),
        ("[cohort]\nphenotypes = ['SPMS', 'PRMSX']",
         "must be one of CIS, RRMS, SPMS, PPMS; got \"PRMSX\""),
        ("[cohort]\nroute = 'nasal'", "cohort.route must be one of intrathecal"),
        ("[cohort]\nbaseline_edss_min = 7\nbaseline_edss_max = 6",
         "baseline_edss_min must not exceed baseline_edss_max"),
        ("[cohort]\nbaseline_edss_max = 12", "must be an EDSS between 0 and 10"),
        ("[cohort]\nfirst_dose_from = 'soon'", "must be a date such as 2015-01-31"),
        ("[analysis]\ngroup_by = 'age'",
         "analysis.group_by must be one of phenotype, sex, site, none"),
        ("[analysis]\nzero_method = 'drop'", "analysis.zero_method must be one of wilcox, pratt"),
        ("[analysis]\nlevel = 95", "analysis.level must be between 0.5 and 1"),
        ("[safety]\nae_grouping = 'soc'", "safety.ae_grouping must be one of term, pt_code"),
        ("[exposure]\ninterval_days = [77, 56]", "must have low <= high"),
        ("[outcomes]\nbaseline = 'rolling'", "outcomes.baseline must be one of fixed, roving"),
        ("[cohort.prior_treatment]\nreasons = ['pregnant']", "must be one of inefficacy"),
        ("[study]\ntitle = ''", "study.title must be a non-empty text"),
        ("[cohort]\ndrug = ", "not valid TOML"),
    ],
)
def test_bad_values(text, needle):
    with pytest.raises(StudyFileError) as e:
        Study.from_toml_text(text, source="my.toml")
    assert needle in str(e.value)
    assert str(e.value).startswith("my.toml")


# Case 5: a missing file is a clear error
def test_missing_file(tmp_path: Path):
    with pytest.raises(StudyFileError, match="no study file here"):
        Study.from_toml(tmp_path / "nope.toml")


# Case 6: settings are frozen and to_dict gives plain values with defaults filled in
def test_frozen_and_to_dict():
    s = Study.from_toml_text(ISSUE_EXAMPLE)
    with pytest.raises(AttributeError):
        s.cohort.drug = "x"  # type: ignore[misc]
    d = s.to_dict()
    assert d["cohort"]["phenotypes"] == ["SPMS", "PPMS"]
    assert d["analysis"]["km_years"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert d["outcomes"]["delta_fun"] == "msprog"
    assert d["outcomes"]["conf_days"] == 84
    assert d["outcomes"]["RAW_PIRA"] is False
    assert Study.from_dict({k: v for k, v in d.items() if k != "source"}) == s.replace(
        source="study file"
    )


# Case 7: direct construction validates too
def test_direct_construction_validates():
    with pytest.raises(StudyFileError, match=r"analysis\.baseline_window_days must be at least 0"):
        AnalysisSettings(baseline_window_days=-1)


# Case 8: load_study accepts a Study, a mapping or a path
def test_load_study(tmp_path: Path):
    s = Study()
    assert load_study(s, tmp_path / "db") is s
    assert load_study({"cohort": {"drug": "x"}}, tmp_path / "db").cohort.drug == "x"
    p = tmp_path / "s.toml"
    p.write_text(ISSUE_EXAMPLE)
    assert load_study(p, tmp_path / "db").cohort.min_administrations == 18


# Case 9: [outcomes] takes msprog's option names, checked by the engine's own function
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[outcomes]\nevent = 'firstCDI'",
         "outcomes.event must be one of firstCDW, first, multiple (a study analyses"),
        ("[outcomes]\nRAW_PIRA = 'yes'", 'outcomes.RAW_PIRA must be True or False; got "yes"'),
        ("[outcomes]\ndelta_fun = 'pct20'", "outcomes.delta_fun must be one of msprog, trial, "
         "lorscheider"),
        ("[outcomes]\nconf_tol_days = [-1, 30]", "outcomes.conf_tol_days must be a non-negative"),
        ("[outcomes]\nrelapse_indep = {prec = [0, 0]}", "outcomes.relapse_indep must be a dict"),
        ("[outcomes]\nvalue_col = 'edss2'", "outcomes.value_col is set by the study for each "
         "measure"),
        ("[outcomes]\nconfdays = 84", "unknown key 'outcomes.confdays'. [outcomes] accepts: "
         "baseline, bl_geq, check_intermediate, conf_days"),
        ("[outcomes]\nraw_pira = true\nRAW_PIRA = true", "outcomes.RAW_PIRA gives RAW_PIRA a "
         "second time"),
        ("[outcomes]\nworsening_pct = 0", "outcomes.worsening_pct must be more than 0"),
    ],
)
def test_outcomes_bad_values(text, needle):
    with pytest.raises(StudyFileError) as e:
        Study.from_toml_text(text, source="my.toml")
    assert needle in str(e.value)
    assert str(e.value).startswith("my.toml: outcomes.") or "unknown key" in str(e.value)


# Case 10: the earlier names raw_pira and delta_policy still work, with a warning
def test_outcomes_old_names_warn():
    with pytest.warns(FutureWarning, match="outcomes.raw_pira is now called RAW_PIRA"):
        old = Study.from_dict({"outcomes": {"raw_pira": True, "conf_days": 168}})
    with pytest.warns(FutureWarning, match="outcomes.delta_policy is now called delta_fun"):
        old2 = Study.from_dict({"outcomes": {"delta_policy": "trial"}})
    assert old.outcomes.options.RAW_PIRA is True
    assert old == Study.from_dict({"outcomes": {"RAW_PIRA": True, "conf_days": 168}})
    assert old2.outcomes.options.delta_fun.name == "trial"
    with pytest.warns(DeprecationWarning, match="delta_policy is now delta_fun"):
        assert old2.outcomes.delta_policy == "trial"
    with pytest.warns(DeprecationWarning, match="raw_pira is now RAW_PIRA"):
        assert old.outcomes.raw_pira is True


# Case 11: every engine option a study may set is accepted, and to_dict reads back equal
def test_outcomes_every_engine_option_round_trips():
    s = Study.from_dict({"outcomes": {
        "event": "multiple", "RAW_PIRA": True, "baseline": "roving_wors",
        "proceed_from": "event", "sub_threshold_rebl": "worsening", "bl_geq": True,
        "relapse_rebl": True, "skip_local_extrema": "strict", "conf_days": [84, 168],
        "conf_tol_days": {"84": [7, 30], "168": [14, 60]}, "require_sust_days": 30,
        "check_intermediate": False, "relapse_to_bl": [30, 7], "relapse_to_event": 10,
        "relapse_to_conf": 20, "relapse_assoc": [90, 7], "delta_fun": "lorscheider",
        "relapse_indep": {"prec": [0, 0], "event": [60, 30], "conf": [60, 30]},
        "impute_last_visit": 0.5, "random_state": 3, "worsening_pct": 15,
    }})
    o = s.outcomes.options
    assert o.conf_days == (84.0, 168.0)
    assert o.conf_tol_days == ((7.0, 30.0), (14.0, 60.0))
    assert o.bl_geq is True
    assert o.relapse_to_bl == (30.0, 7.0)
    d = s.to_dict()["outcomes"]
    assert d["conf_tol_days"] == [[7, 30], [14, 60]]
    assert Study.from_dict({"outcomes": d}) == s.replace(source="study file")


# Case 12: the defaults of [outcomes] are the engine's (msprog's) defaults
def test_outcomes_defaults_are_the_engines():
    from msrwe.derive.outcomes import make_options

    assert OutcomeSettings().options == make_options()
    assert Study().outcomes.options == make_options()


# Case 13: Study.default_for takes a drug; given a store (the earlier form) it warns and reads it
def test_default_for_drug_and_deprecated_store(tmp_path: Path):
    import polars as pl

    from msrwe.store import write_import

    s = Study.default_for("rituximab")
    assert s.cohort.drug == "rituximab"
    assert s.study.title == "Patients treated with rituximab"
    db = tmp_path / "s.duckdb"
    write_import(db, tables={"administrations": pl.DataFrame(
        {"patient_id": ["a", "b", "b"], "drug": ["x", "methotrexate", "methotrexate"]})})
    assert load_study(None, db).cohort.drug == "methotrexate"
    with pytest.warns(DeprecationWarning, match="takes a drug name now"):
        assert Study.default_for(db).cohort.drug == "methotrexate"
    with pytest.raises(StudyFileError, match="takes a drug name"):
        Study.default_for("")
    empty = tmp_path / "e.duckdb"
    write_import(empty, tables={"patients": pl.DataFrame({"patient_id": ["a"]})})
    with pytest.raises(StudyFileError, match="no administrations"):
        load_study(None, empty)
