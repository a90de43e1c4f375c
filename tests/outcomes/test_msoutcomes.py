"""The MSoutcomes profile: numbered hand-written cases, options, dispatch and methods text.

The cases are those of tests/results/msoutcomes/make_cohorts.py (visit days from 2015-01-01);
each expected row is (onset day, baseline EDSS, baseline day, EDSS at onset, sust days). The R
package's own outputs for the same cases are checked in test_msoutcomes_golden.py.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from msrwe.derive.outcomes import detect_events
from msrwe.derive.outcomes.msoutcomes import (
    MSOutcomesResult,
    detect_msoutcomes_events,
    event_columns_msoutcomes,
)
from msrwe.derive.outcomes.msoutcomes_options import describe_msoutcomes, make_msoutcomes_options
from msrwe.errors import InputError, OptionError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "results" / "msoutcomes"))
from make_cohorts import D0, cases

VISITS, RELAPSES = cases()
VISITS = VISITS.with_columns(pl.col("date").str.to_date())
RELAPSES = RELAPSES.with_columns(pl.col("onset_date").str.to_date())

Row = tuple[int, float, int, float, int]

# number, case, event, options, expected events (onset day, bEDSS, base day, EDSS, sust)
CASES: list[tuple[int, str, str, dict[str, Any], list[Row]]] = [
    (1, "c01", "CDW", {}, []),  # 5.5 -> 6.0 is not enough (+1.0 below 6.0)
    (2, "c02", "CDW", {}, [(100, 5.5, 0, 6.5, 200)]),
    (3, "c03", "CDW", {}, []),  # confirmed over 84 days only
    (4, "c04", "CDW", {}, [(100, 2.0, 0, 3.0, 91)]),  # 91 days >= 90.75
    (5, "c04", "CDW", {"mconf": 180}, []),
    (6, "c05", "CDW", {}, [(100, 2.0, 0, 3.0, 200)]),  # onset 5 days after a relapse
    (7, "c05", "PIRA", {}, []),  # ... is not PIRA
    (8, "c06", "CDW", {}, []),  # last visit 10 days after a relapse: not sustained
    (9, "c06", "CDW", {"sustained": False}, [(100, 2.0, 0, 3.0, 100)]),
    (10, "c06", "PIRA", {"sustained": False}, [(100, 2.0, 0, 3.0, 100)]),
    (11, "c07", "CDI", {}, [(250, 4.0, 0, 2.5, 250)]),
    (12, "c07", "CDEseq", {}, []),  # unconfirmed worsening first: the package stops
    (13, "c07", "CDEseq", {"early_stop": False}, [(250, 4.0, 0, 2.5, 250)]),
    (14, "c10", "CDW", {}, [(100, 2.0, 0, 3.5, 500), (400, 3.0, 150, 4.5, 200)]),
    (15, "c11", "CDW", {}, [(160, 2.0, 60, 3.0, 100)]),  # baseline after the relapse
    (16, "c12", "CDW", {}, []),  # no visit outside a relapse: no baseline
    (17, "c12", "CDEseq", {}, []),
    (18, "c13", "CDI", {}, []),  # from 1.0 improvement needs -1.5: impossible
    (19, "c14", "CDI", {}, [(100, 1.5, 0, 0.0, 200)]),
    (20, "c15", "CDW", {}, [(300, 0.0, 0, 1.5, 200)]),  # +1.5 from 0
    (21, "c16", "CDI", {}, []),  # 6.0 -> 5.5: -1.0 needed
    (22, "c17", "CDI", {}, [(100, 6.5, 0, 6.0, 200)]),  # 6.5 -> 6.0: -0.5 enough
    (23, "c18", "CDW", {}, [(100, 2.0, 0, 3.0, 500), (400, 3.0, 100, 4.5, 200)]),
    (24, "c18", "PIRA", {}, [(400, 3.0, 200, 4.5, 200)]),  # re-baselined after the relapse
    (25, "c19", "CDW", {}, [(100, 2.0, 0, 3.0, 200)]),  # two visits on one day
    (26, "c20", "CDW", {}, [(160, 2.0, 60, 3.0, 100)]),
    (27, "c21", "CDW", {"sustained": False}, [(100, 3.0, 0, 4.0, 200)]),
    (28, "c21", "CDEseq", {}, [(100, 3.0, 0, 4.0, 200), (400, 4.0, 100, 3.0, 200),
                               (700, 3.0, 400, 4.5, 200)]),
    (29, "c22", "CDW", {}, [(250, 2.0, 0, 3.0, 100)]),  # the dip at day 150 breaks the first
]


def _day(d: dt.date) -> int:
    return (d - D0).days


@pytest.mark.parametrize(("num", "case", "event", "kw", "expected"), CASES,
                         ids=[f"{c[0]:02d}-{c[1]}-{c[2]}" for c in CASES])
def test_numbered_case(num: int, case: str, event: str, kw: dict[str, Any],
                       expected: list[Row]) -> None:
    res = detect_msoutcomes_events(VISITS.filter(pl.col("patient_id") == case),
                                   RELAPSES.filter(pl.col("patient_id") == case),
                                   event=event, **kw)
    got = [(_day(r["date"]), r["bl_value"], _day(r["bl_date"]), r["value"], r["sust_days"])
           for r in res.events.iter_rows(named=True)]
    assert got == expected, f"case {num}"


def test_case_1_differs_from_msprog() -> None:
    """At a baseline of 5.5 msprog counts +0.5; MSoutcomes does not (README difference 1)."""
    v = VISITS.filter(pl.col("patient_id") == "c01")
    assert detect_events(v).events.height == 1
    assert detect_events(v, profile="msoutcomes").events.height == 0


def test_event_table_columns_and_types() -> None:
    res = detect_msoutcomes_events(VISITS, RELAPSES, event="CDEseq")
    assert res.events.columns == event_columns_msoutcomes()
    ev = res.events
    assert ev["last_delta_date"].null_count() == ev.height
    assert ev["last_delta_value"].null_count() == ev.height
    assert ev.schema["date"] == pl.Date
    assert ev.schema["sust_date"] == pl.Date
    assert (ev["bl2event"] == (ev["date"] - ev["bl_date"]).dt.total_days()).all()
    assert (ev["d_value"] == ev["value"] - ev["bl_value"]).all()
    assert (ev["sust_days"] == (ev["sust_date"] - ev["date"]).dt.total_days()).all()
    c21 = ev.filter(pl.col("patient_id") == "c21")
    assert c21["event_type"].to_list() == ["CDW", "CDI", "CDW"]
    assert c21["nevent"].to_list() == [1, 2, 3]
    s = res.summary.filter(pl.col("patient_id") == "c21").row(0, named=True)
    assert (s["event_sequence"], s["CDW"], s["CDI"], s["event_count"]) == ("CDW, CDI, CDW",
                                                                            2, 1, 3)
    assert res.summary.height == VISITS["patient_id"].n_unique()
    assert isinstance(res, MSOutcomesResult)
    assert res.unconfirmed is None
    assert "events in" in repr(res)


def test_pira_events_are_labelled_and_counted() -> None:
    res = detect_msoutcomes_events(VISITS, RELAPSES, event="PIRA")
    assert set(res.events["cdw_type"]) == {"PIRA"}
    assert set(res.events["event_type"]) == {"CDW"}
    assert res.summary["PIRA"].sum() == res.events.height == res.summary["CDW"].sum()


def test_day_numbers_stay_day_numbers() -> None:
    v = pl.DataFrame({"patient_id": ["a"] * 3, "date": [0, 100, 200], "edss": [2.0, 3.0, 3.0]})
    ev = detect_events(v, profile="msoutcomes").events
    assert ev.schema["date"] == pl.Int64
    assert ev["date"].to_list() == [100]


def test_pandas_input_and_missing_edss() -> None:
    v = VISITS.filter(pl.col("patient_id") == "c02").with_columns(
        pl.when(pl.col("date") == dt.date(2015, 7, 20)).then(None).otherwise(pl.col("edss"))
        .alias("edss"))
    res = detect_msoutcomes_events(v.to_pandas())
    assert res.events.height == 1
    assert res.summary["n_visits"].to_list() == [3]


@pytest.mark.parametrize(("kw", "option"), [
    ({"event": "multiple"}, "event"), ({"mconf": 0}, "mconf"), ({"mconf": "90"}, "mconf"),
    ({"tRelapse": -1}, "tRelapse"), ({"sustained": "yes"}, "sustained"),
    ({"early_stop": 1}, "early_stop"), ({"value_col": 3}, "value_col"),
])
def test_option_errors_name_the_option(kw: dict[str, Any], option: str) -> None:
    with pytest.raises(OptionError) as exc:
        make_msoutcomes_options(**kw)
    assert exc.value.option == option
    assert option in str(exc.value)


@pytest.mark.parametrize(("kw", "option"), [
    ({"profile": "msbase"}, "profile"),
    ({"profile": "msoutcomes", "outcome": "sdmt"}, "outcome"),
    ({"profile": "msoutcomes", "baseline": "roving"}, "baseline"),
    ({"profile": "msoutcomes", "conf_days": 180}, "conf_days"),
    ({"mconf": 180}, "mconf"),  # an MSoutcomes option under the msprog profile
    ({"sustained": False}, "sustained"),
])
def test_dispatch_errors(kw: dict[str, Any], option: str) -> None:
    with pytest.raises(OptionError) as exc:
        detect_events(VISITS, **kw)
    assert exc.value.option == option


def test_msprog_aliases_read_as_msoutcomes_functions() -> None:
    assert make_msoutcomes_options(event="firstCDW").event == "CDW"
    assert make_msoutcomes_options(event="firstCDI").event == "CDI"
    assert make_msoutcomes_options(event="firstPIRA").event == "PIRA"
    a = detect_events(VISITS, RELAPSES, profile="msoutcomes").events
    b = detect_events(VISITS, RELAPSES, profile="msoutcomes", event="CDW").events
    assert a.equals(b)


def test_input_errors() -> None:
    with pytest.raises(InputError, match="outside 0-10"):
        detect_msoutcomes_events(VISITS.with_columns(pl.lit(11.0).alias("edss")))
    with pytest.raises(InputError, match="edss"):
        detect_msoutcomes_events(VISITS.drop("edss"))
    with pytest.raises(InputError, match="both be dates"):
        detect_msoutcomes_events(VISITS, pl.DataFrame({"patient_id": ["c01"],
                                                        "onset_date": [5]}))


@pytest.mark.parametrize("event", ["CDW", "CDI", "CDEseq", "PIRA"])
def test_describe_names_profile_package_and_every_parameter(event: str) -> None:
    res = detect_msoutcomes_events(VISITS, RELAPSES, event=event, mconf=120, tRelapse=45,
                                   sustained=False)
    text = res.describe()
    assert "MSoutcomes profile" in text
    assert "MSoutcomes 0.2.1" in text
    assert f"function {event}" in text
    assert "mconf = 120 days" in text
    assert "tRelapse = 45 days" in text
    if event != "CDEseq":
        assert "sustained = FALSE" in text
    else:
        assert "stopped at the first change that was not confirmed" in text
    assert text == describe_msoutcomes(res.options)


def test_describe_corrected_cdeseq_and_recorded_relapse_days() -> None:
    o = make_msoutcomes_options(event="CDEseq", early_stop=False,
                                days_post_relapse_col="dpr")
    text = describe_msoutcomes(o)
    assert "early_stop = FALSE" in text
    assert "recorded days since the last relapse" in text


def test_subjects() -> None:
    res = detect_msoutcomes_events(VISITS, RELAPSES, subjects=["c10", "c02"])
    assert res.summary["patient_id"].to_list() == ["c02", "c10"]
    assert res.events["patient_id"].to_list() == ["c02", "c10", "c10"]


def test_study_file_profile_and_other_measures() -> None:
    """[outcomes] profile = "msoutcomes": EDSS uses MSoutcomes, other measures msprog (said so)."""
    from msrwe.errors import StudyFileError
    from msrwe.study._engine import run_engine
    from msrwe.study.config import Study

    study = Study.from_dict({"outcomes": {"profile": "msoutcomes", "event": "CDW",
                                          "sustained": False}})
    opts = study.outcomes.options
    assert (opts.profile, opts.event, opts.sustained) == ("msoutcomes", "CDW", False)
    with pytest.raises(StudyFileError, match="under profile msoutcomes"):
        Study.from_dict({"outcomes": {"profile": "msoutcomes", "event": "CDI"}})
    d = [D0 + dt.timedelta(days=k) for k in (0, 100, 200)]
    adsl = pl.DataFrame({"patient_id": ["a"], "base_edss_date": [D0], "base_t25fw_s_date": [D0]})
    advs = pl.DataFrame({"patient_id": ["a"] * 3, "date": d, "edss": [5.5, 6.0, 6.0],
                         "t25fw_s": [6.0, 9.0, 9.0], "on_treatment": [True] * 3})
    rel = pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
    ev, text = run_engine(adsl, advs, rel, opts)
    assert ev.height == 0  # 5.5 -> 6.0 is no MSoutcomes worsening
    assert "MSoutcomes 0.2.1" in text
    ev, text = run_engine(adsl, advs, rel, opts.replace(outcome="t25fw", value_col="t25fw_s"))
    assert ev["date"].to_list() == [d[1]]
    assert text.startswith("MSoutcomes defines EDSS outcomes only")


def test_outcome_options_round_trip_under_the_profile() -> None:
    from msrwe.derive.outcomes.options import make_options

    for kw in ({"profile": "msoutcomes", "event": "CDEseq", "mconf": 120.0},
               {"profile": "msoutcomes", "event": "PIRA", "tRelapse": 45, "sustained": False}):
        o = make_options(**kw)
        assert make_options(**o.to_dict()) == o
        assert o.replace() == o
