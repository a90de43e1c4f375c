"""QA, issue #9 item 10: every numeric study key has a range, enforced with a message naming it.

``nan``, ``inf``, ``1e308`` and negative windows were accepted and produced rows such as
"nan years after the first dose" or method text "pctnan". Each case fails on the code before
the fix (``1e308`` and ``nan``/``inf`` cases) or guards the rule that held already (negatives).
"""

import pytest

from msrwe.errors import StudyFileError
from msrwe.study.config import Study

#: (section, key, how a value is written in that key)
NUMERIC_KEYS = [
    ("cohort", "min_administrations", "{}"),
    ("cohort", "baseline_edss_min", "{}"),
    ("cohort", "baseline_edss_max", "{}"),
    ("cohort.prior_treatment", "min_drugs", "{}"),
    ("cohort.prior_treatment", "min_days", "{}"),
    ("cohort.prior_treatment", "merge_gap_days", "{}"),
    ("analysis", "baseline_window_days", "{}"),
    ("analysis", "on_treatment_days", "{}"),
    ("analysis", "km_years", "[{}]"),
    ("analysis", "level", "{}"),
    ("exposure", "interval_days", "[1, {}]"),
    ("safety", "risk_window_days", "{}"),
    ("outcomes", "worsening_pct", "{}"),
    ("outcomes", "conf_days", "{}"),
    ("outcomes", "conf_tol_days", "{}"),
    ("outcomes", "relapse_to_bl", "{}"),
    ("outcomes", "relapse_to_event", "{}"),
    ("outcomes", "relapse_to_conf", "{}"),
]

#: Keys where ``inf`` means "no limit" (msprog's meaning), so only the other values are refused.
INF_MEANS_NO_LIMIT = {"require_sust_days", "relapse_assoc"}


def _study(section: str, key: str, value: str) -> str:
    text = '[cohort]\ndrug = "methotrexate"\n'
    if section == "cohort":
        return text + f"{key} = {value}\n"
    return text + f"[{section}]\n{key} = {value}\n"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e308", "-1"])
@pytest.mark.parametrize(("section", "key", "form"), NUMERIC_KEYS)
def test_item10_numeric_key_out_of_range_is_refused_naming_the_key(section, key, form, value):
    # Item 10: nan, inf, 1e308 and negative windows were accepted
    with pytest.raises(StudyFileError) as err:
        Study.from_toml_text(_study(section, key, form.format(value)))
    assert f"{section}.{key}" in str(err.value)


@pytest.mark.parametrize("key", sorted(INF_MEANS_NO_LIMIT))
@pytest.mark.parametrize("value", ["nan", "1e308", "-1"])
def test_item10_days_that_may_be_inf_still_refuse_the_rest(key, value):
    with pytest.raises(StudyFileError) as err:
        Study.from_toml_text(_study("outcomes", key, value))
    assert f"outcomes.{key}" in str(err.value)


def test_item10_the_message_says_the_range():
    with pytest.raises(StudyFileError, match=r"outcomes\.conf_days must be at most 36525 days"):
        Study.from_toml_text(_study("outcomes", "conf_days", "1e308"))
    with pytest.raises(StudyFileError, match=r"analysis\.km_years must be a finite number"):
        Study.from_toml_text(_study("analysis", "km_years", "[nan]"))


def test_item10_ordinary_values_still_accepted():
    s = Study.from_toml_text(_study("outcomes", "require_sust_days", "inf"))
    assert s.outcomes.require_sust_days == float("inf")
    assert Study.from_toml_text(_study("analysis", "km_years", "[1, 2.5, 10]")).analysis.km_years \
        == (1.0, 2.5, 10.0)
