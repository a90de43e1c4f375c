"""The outcome options are declared once (OutcomeOptions) and every other place follows it."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.cli.outcomes_cmd import FLAG_OPTIONS, _parameter, flag_name, outcomes
from msrwe.derive.outcomes import OutcomeOptions, detect_events, get_policy, make_options
from msrwe.derive.outcomes.options import CHOICES, DEFAULTS, KINDS, OPTIONS, Option
from msrwe.errors import OptionError


# Case 1: OPTIONS, DEFAULTS and CHOICES are the fields of OutcomeOptions, in order
def test_case1_generated_from_the_fields():
    names = [f.name for f in dataclasses.fields(OutcomeOptions)]
    assert [o.name for o in OPTIONS] == names
    assert list(DEFAULTS) == names
    assert all(o.kind in KINDS for o in OPTIONS)
    assert CHOICES["baseline"] == ("fixed", "roving", "roving_impr", "roving_wors")
    assert set(CHOICES) == {o.name for o in OPTIONS if o.choices} | {"prec_type"}
    assert all(o.help.endswith(".") or o.help.endswith(")") for o in OPTIONS)


# Case 2: detect_events' keywords are msprog's, with the declared defaults (no drift); the only
# others are those of the MSoutcomes profile
def test_case2_detect_events_keywords_match_the_declaration():
    params = inspect.signature(detect_events).parameters
    keywords = {n: p.default for n, p in params.items() if p.kind is p.KEYWORD_ONLY}
    assert {n: keywords[n] for n in DEFAULTS} == DEFAULTS
    assert set(keywords) - set(DEFAULTS) <= {"profile", "mconf", "tRelapse", "sustained"}


# Case 3: building the object directly validates like make_options, naming the option
def test_case3_direct_construction_validates():
    with pytest.raises(OptionError, match="The 'event' parameter of detect_events must be"):
        OutcomeOptions(event="firstcdw")
    with pytest.raises(OptionError, match="unknown option"):
        make_options(conf_day=84)
    assert OutcomeOptions() == make_options()


# Case 4: replace() validates again; a changed outcome resets the defaults that follow it
def test_case4_replace():
    o = make_options(outcome="t25fw", conf_days=168)
    assert o.value_col == "t25fw_s"
    assert o.delta_fun.name == "pct20"
    e = o.replace(outcome="edss")
    assert (e.value_col, e.delta_fun, e.conf_days) == ("edss", get_policy("msprog"), (168.0,))
    assert o.replace(outcome="sdmt").worsening == "decrease"
    assert e.replace(value_col="x").value_col == "x"
    with pytest.raises(OptionError, match="'baseline'"):
        e.replace(baseline="rolling")
    with pytest.raises(OptionError, match="unknown option"):
        e.replace(baselines="fixed")
    assert e.replace() == e  # normalised values are accepted as given


# Case 5: to_dict() gives plain keywords that build equal options
@pytest.mark.parametrize("kw", [
    {},
    {"conf_days": [84, 168], "conf_tol_days": {84: 30, 168: (7, 60)}, "relapse_assoc": (90, 7)},
    {"outcome": "sdmt", "delta_fun": "sdmt_4_or_10pct", "require_sust_days": float("inf")},
    {"relapse_indep": {"prec": (0, 0), "event": (60, None), "conf": (None, 30)},
     "subjects": ["a", "b"], "random_state": 3, "impute_last_visit": 0.5},
])
def test_case5_to_dict_round_trip(kw):
    o = make_options(**kw)
    d = o.to_dict()
    assert list(d) == list(DEFAULTS)
    assert make_options(**d) == o


# Case 6: every option but return_unconfirmed is a flag of msrwe outcomes, with its default
def test_case6_cli_flags_from_the_declaration():
    assert [o.name for o in FLAG_OPTIONS] == [o.name for o in OPTIONS
                                              if o.name != "return_unconfirmed"]
    params = inspect.signature(outcomes).parameters
    for o in FLAG_OPTIONS:
        p = params[o.name.lower()]
        assert flag_name(o.name) in p.default.param_decls[0], o.name
    assert params["conf_tol_days"].default.default == "7,730.5"
    assert params["relapse_to_bl"].default.default == "30"
    assert params["conf_days"].default.default == [84.0]
    assert params["check_intermediate"].default.default is True
    res = CliRunner().invoke(app, ["outcomes", "--help"], env={"COLUMNS": "240"})
    assert res.exit_code == 0
    for o in FLAG_OPTIONS:
        assert flag_name(o.name) in res.output, o.name


# Case 7: a new declared option becomes a flag with no other code (e.g. a profile choice)
def test_case7_a_new_option_is_a_flag():
    new = Option("profile", "msprog", "choice", "Which rules to reproduce.",
                 choices=("msprog", "other"))
    p = _parameter(new)
    assert p.name == "profile"
    assert p.default.param_decls == ("--profile",)
    assert p.default.default == "msprog"
    assert "One of: msprog, other." in p.default.help


# Case 8: a flag's bad value is reported with the flag's name, before the store is read
def test_case8_flag_errors(tmp_path):
    res = CliRunner().invoke(app, ["outcomes", "--db", str(tmp_path / "none.duckdb"),
                                   "--relapse-assoc", "90,x"])
    assert res.exit_code == 1
    assert "--relapse-assoc must be a number of days" in res.output
    res = CliRunner().invoke(app, ["outcomes", "--db", str(tmp_path / "none.duckdb"),
                                   "--event", "firstcdw"])
    assert res.exit_code == 1
    assert "The option --event must be one of" in res.output
    assert "no store here" not in res.output


_days = st.one_of(st.integers(0, 400),
                  st.floats(0, 400, allow_nan=False).map(lambda x: round(x, 2)))
_pair = st.one_of(_days, st.tuples(_days, _days))


@st.composite
def _option_sets(draw):
    """Option sets of the msprog profile (the MSoutcomes profile has its own tests)."""
    kw = {}
    msoutcomes_only = {"profile", "mconf", "tRelapse", "sustained"}
    for o in OPTIONS:
        if o.name in msoutcomes_only:
            continue
        if o.kind == "choice" and o.name not in ("outcome", "worsening") and draw(st.booleans()):
            kw[o.name] = draw(st.sampled_from([c for c in o.choices
                                               if c not in ("CDW", "CDI", "CDEseq", "PIRA")]))
        elif o.kind == "bool" and draw(st.booleans()):
            kw[o.name] = draw(st.booleans())
        elif o.kind == "pair" and draw(st.booleans()):
            kw[o.name] = draw(_pair)
    if draw(st.booleans()):
        kw["outcome"] = draw(st.sampled_from(["edss", "sdmt", "t25fw", "nhpt"]))
    if draw(st.booleans()):
        conf = draw(st.lists(st.integers(1, 400), min_size=1, max_size=3, unique=True))
        kw["conf_days"] = conf
        if draw(st.booleans()):
            kw["conf_tol_days"] = {c: draw(st.tuples(_days, _days)) for c in conf}
    if draw(st.booleans()):
        kw["require_sust_days"] = draw(st.one_of(_days, st.just(float("inf"))))
    return kw


# Case 9 (property): any valid option set reads back equal from to_dict(), and replace() with no
# change gives it back
@settings(max_examples=60, deadline=None)
@given(kw=_option_sets())
def test_case9_property_round_trip(kw):
    o = make_options(**kw)
    assert make_options(**o.to_dict()) == o
    assert o.replace() == o
    assert OutcomeOptions(**{f.name: getattr(o, f.name) for f in dataclasses.fields(o)}) == o
