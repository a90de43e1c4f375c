"""The design file: the minimal file of the issue reads; bad designs get clear errors."""

from __future__ import annotations

import pytest

from msrwe.design import DesignError, load_design, parse_design

MINIMAL = """\
[design]
title = "Intrathecal methotrexate vs placebo in progressive MS"
n_trials = 1000
seed = 1
[population]
phenotype = "SPMS"          # or "PPMS", or a list
edss = [3.0, 6.5]
source = "published"        # or "store"
[arms]
placebo = 1                 # allocation ratio
active = 1
[schedule]
duration_weeks = 96
visit_every_weeks = 12
dropout_per_year = 0.1
[effect]
hazard_ratio = 0.7          # 1.0 for the null
[[endpoints]]
name = "edss_cdw24"
outcome = "edss"
conf_days = 168
[[endpoints]]
name = "nhpt_20pct"
outcome = "nhpt"
conf_days = 84
[analysis]
alpha = 0.05
n_per_arm = [100, 200, 300]
"""


def test_minimal_file_of_the_issue(tmp_path):
    p = tmp_path / "design.toml"
    p.write_text(MINIMAL, encoding="utf-8")
    d = load_design(p)
    assert d.title.startswith("Intrathecal methotrexate")
    assert (d.n_trials, d.seed) == (1000, 1)
    assert d.population.phenotypes == ("SPMS",)
    assert d.population.edss == (3.0, 6.5)
    assert (d.control, d.treatment) == ("placebo", "active")
    assert d.schedule.visit_days() == tuple(84 * k for k in range(9))
    assert d.effect.factor("edss") == 0.7
    assert not d.effect.is_null
    assert [(e.name, e.outcome, e.conf_days) for e in d.endpoints] == [
        ("edss_cdw24", "edss", 168), ("nhpt_20pct", "nhpt", 84)]
    assert d.endpoints[0].policy_name("edss") == "trial"
    assert d.analysis.n_per_arm == (100, 200, 300)
    assert d.source == str(p)


def _with(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new)


@pytest.mark.parametrize(
    ("case", "text", "words"),
    [
        # 1: allocation fractions that do not sum to 1
        (1, _with("placebo = 1 ", "placebo = 0.3").replace("active = 1\n", "active = 0.5\n"),
         ["[arms]", "sum to 1", "0.8"]),
        # 2: a zero allocation
        (2, _with("active = 1\n", "active = 0\n"), ["[arms] active", "> 0"]),
        # 3: three arms
        (3, _with("active = 1\n", "active = 1\nlow_dose = 1\n"), ["[arms]", "exactly two arms"]),
        # 4: an endpoint the engine does not know
        (4, _with('outcome = "nhpt"', 'outcome = "grip"'),
         ["'nhpt_20pct' outcome", "'grip'", "outcome engine knows", "'edss_plus'"]),
        # 5: a visit schedule longer than the trial
        (5, _with("visit_every_weeks = 12", "visit_every_weeks = 120"),
         ["[schedule] visit_every_weeks", "120", "longer than the trial", "96"]),
        # 6: zero patients
        (6, _with("n_per_arm = [100, 200, 300]", "n_per_arm = [0, 100]"),
         ["[analysis] n_per_arm", "zero patients"]),
        # 7: no patients at all (an empty grid)
        (7, _with("n_per_arm = [100, 200, 300]", "n_per_arm = []"),
         ["[analysis] n_per_arm", "list of patients per arm"]),
        # 8: an unknown key is named, not ignored
        (8, _with("seed = 1", "seed = 1\nseeds = 2"), ["[design]", "'seeds'"]),
        # 9: a threshold policy that does not fit the outcome
        (9, _with('conf_days = 84', 'conf_days = 84\nthreshold = "lorscheider"'),
         ["threshold", "lorscheider"]),
        # 10: a bad engine option
        (10, _with('conf_days = 84', 'conf_days = 84\noptions = { baseline = "rolling" }'),
         ["options", "baseline"]),
        # 11: a missing required section
        (11, MINIMAL.replace("[arms]\nplacebo = 1                 # allocation ratio\n"
                             "active = 1\n", ""), ["[arms]", "missing"]),
        # 12: an unknown phenotype
        (12, _with('phenotype = "SPMS"', 'phenotype = "RRMS"'), ["[population] phenotype"]),
        # 13: duplicate endpoint names
        (13, _with('name = "nhpt_20pct"', 'name = "edss_cdw24"'), ["unique"]),
        # 14: event-driven without a target
        (14, _with("dropout_per_year = 0.1", 'dropout_per_year = 0.1\nfollow_up = "events"'),
         ["target_events"]),
        # 15: the hazard ratio is a number
        (15, _with("hazard_ratio = 0.7", 'hazard_ratio = "strong"'), ["[effect] hazard_ratio"]),
        # 16: EDSS range reversed
        (16, _with("edss = [3.0, 6.5]", "edss = [6.5, 3.0]"), ["[population] edss", "low end"]),
    ],
)
def test_bad_designs_are_named(case, text, words):
    with pytest.raises(DesignError) as exc:
        parse_design(text, source="trial.toml")
    msg = str(exc.value)
    assert msg.startswith("trial.toml"), (case, msg)
    for w in words:
        assert w in msg, (case, w, msg)


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(DesignError, match="not valid TOML"):
        parse_design("[design", source="x.toml")
    with pytest.raises(DesignError, match=r"nope\.toml"):
        load_design(tmp_path / "nope.toml")


def test_whole_number_ratios_and_sizes():
    d = parse_design(_with("active = 1\n", "active = 2\n"))
    assert d.arm_sizes(150) == (100, 200)
    d = parse_design(_with("placebo = 1 ", "placebo = 0.25").replace("active = 1\n",
                                                                      "active = 0.75\n"))
    assert d.arm_sizes(100) == (50, 150)


def test_effect_none_and_by_measure():
    d = parse_design(_with("hazard_ratio = 0.7", 'hazard_ratio = "none"\n'
                           "by_measure = { nhpt = 0.6 }"))
    assert d.effect.factor("edss") == 1.0
    assert d.effect.factor("nhpt") == 0.6
    assert not d.effect.is_null
    assert parse_design(_with("hazard_ratio = 0.7", "hazard_ratio = 1.0")).effect.is_null
