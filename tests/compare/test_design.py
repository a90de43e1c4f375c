"""The [compare] section: the issue's minimal example, defaults, and messages naming the key."""

from __future__ import annotations

import pytest

from msrwe.compare import CompareDesign
from msrwe.errors import StudyFileError
from msrwe.study import Study

MINIMAL = """
[compare]
arms = ["methotrexate", "rituximab"]
reference = "methotrexate"
method = "matching"           # or "weighting"
caliper = 0.2
ratio = 1
replace = false
censoring = "pairwise"        # or "arm"
follow_up = "itt"             # or "on_treatment"
outcomes = ["edss"]
"""


def test_01_minimal_example_of_the_issue() -> None:
    s = Study.from_toml_text(MINIMAL)
    d = s.compare
    assert d is not None
    assert (d.arms, d.reference, d.method, d.caliper, d.ratio, d.replace, d.censoring,
            d.follow_up, d.outcomes) == (("methotrexate", "rituximab"), "methotrexate",
                                         "matching", 0.2, 1, False, "pairwise", "itt",
                                         ("edss",))
    assert s.to_dict()["compare"]["arms"] == ["methotrexate", "rituximab"]


def test_02_no_compare_section_is_none() -> None:
    assert Study.from_dict({}).compare is None
    assert "compare" not in Study.from_dict({}).to_dict()


def test_03_reference_defaults_to_first_arm() -> None:
    d = CompareDesign.from_dict({"arms": ["Rituximab", "cladribine", "methotrexate"]})
    assert d.reference == "rituximab"
    assert d.comparators == ("cladribine", "methotrexate")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"arms": ["a"]}, "compare.arms must name at least two treatments"),
        ({"arms": ["a", "a"]}, "compare.arms must name distinct"),
        ({"arms": "a,b"}, "compare.arms must be a list of texts"),
        ({"arms": ["a", "b"], "reference": "c"}, "compare.reference must be one of the arms"),
        ({"arms": ["a", "b"], "method": "stratification"}, "compare.method must be one of"),
        ({"arms": ["a", "b"], "caliper": 0}, "compare.caliper must be more than 0"),
        ({"arms": ["a", "b"], "caliper": -1}, "compare.caliper must be at least 0"),
        ({"arms": ["a", "b"], "ratio": 0}, "compare.ratio must be at least 1"),
        ({"arms": ["a", "b"], "ratio": 1.5}, "compare.ratio must be a whole number"),
        ({"arms": ["a", "b"], "replace": "no"}, "compare.replace must be true or false"),
        ({"arms": ["a", "b"], "method": "weighting"},
         'compare.censoring can be "pairwise" only with method = "matching"'),
        ({"arms": ["a", "b"], "follow_up": "per_protocol"}, "compare.follow_up must be one of"),
        ({"arms": ["a", "b"], "outcomes": ["edss", "sdmt"]}, "compare.outcomes must be one of"),
        ({"arms": ["a", "b"], "outcomes": []}, "compare.outcomes must name at least one"),
        ({"arms": ["a", "b"], "covariates": ["age", "bmi"]}, "compare.covariates must be one of"),
        ({"arms": ["a", "b"], "edss_min": 11}, "compare.edss_min must be an EDSS"),
        ({"arms": ["a", "b"], "edss_min": 6, "edss_max": 4}, "compare.edss_min must not exceed"),
        ({"arms": ["a", "b"], "index_from": "2020-13-01"}, "compare.index_from must be a date"),
        ({"arms": ["a", "b"], "estimand": "atc", "method": "weighting", "censoring": "arm"},
         "compare.estimand must be one of ate, att, ato"),
        ({"arms": ["a", "b"], "truncate_percentiles": [99, 1]},
         "compare.truncate_percentiles must be [low, high]"),
        ({"arms": ["a", "b"], "max_weight": 0.5}, "compare.max_weight must be more than 1"),
        ({"arms": ["a", "b"], "missing": "impute"}, "compare.missing must be one of"),
        ({"arms": ["a", "b"], "routes": {"c": "iv"}}, "compare.routes names 'c'"),
        ({"arms": ["a", "b"], "routes": {"a": "nasal"}}, "compare.routes.a must be one of"),
        ({"arms": ["a", "b"], "grace_days": -1}, "compare.grace_days must be at least 0"),
        # the study file's own checks (msrwe._validate): finite numbers, at most 100 years of days
        ({"arms": ["a", "b"], "caliper": float("nan")}, "compare.caliper must be a finite number"),
        ({"arms": ["a", "b"], "max_weight": float("inf")},
         "compare.max_weight must be a finite number"),
        ({"arms": ["a", "b"], "grace_days": 10**9}, "compare.grace_days must be at most 36525"),
        ({"arms": ["a", "b"], "calliper": 0.1}, "unknown key 'compare.calliper'"),
        ({"reference": "a"}, "[compare] needs arms"),
    ],
)
def test_04_bad_values_name_the_key(raw: dict, message: str) -> None:
    with pytest.raises(StudyFileError) as exc:
        Study.from_dict({"compare": raw})
    assert message in str(exc.value)
    assert "Traceback" not in str(exc.value)


def test_05_source_file_named_in_message(tmp_path) -> None:
    p = tmp_path / "study.toml"
    p.write_text('[compare]\narms = ["a", "b"]\nratio = 0\n')
    with pytest.raises(StudyFileError, match=r"study\.toml: compare\.ratio must be at least 1"):
        Study.from_toml(p)


def test_06_default_covariates_add_mri_and_snfl_when_charted() -> None:
    d = CompareDesign(arms=("a", "b"))
    assert d.covariates_for(has_mri=True, has_snfl=True)[-2:] == ("mri_active", "snfl")
    assert "snfl" not in d.covariates_for(has_mri=False, has_snfl=False)
    assert CompareDesign(arms=("a", "b"), covariates=["edss"]).covariates_for(
        has_mri=True, has_snfl=True) == ("edss",)
