"""QA, issue #9 item 19: confirmed improvement beside worsening; PIRA/RAW, SDMT and composites.

A clinical reviewer found only confirmed worsening in results.csv and the report; PIRA/RAW, the
SDMT and EDSS-Plus existed in the engine but not in a study. ``[analyses.disability_events]``
now asks for them. Six hand-written patients (tests/results/disability_events/visits.csv, first
dose on the first visit, every visit on treatment), admiral style:

1. ``c1``: EDSS 4.0 -> 3.0 confirmed: improvement at day 90; SDMT 40 -> 46 (improved).
2. ``c2``: EDSS 3.0 -> 4.0 at day 180, no relapse: worsening, PIRA; 9HPT dominant hand 20 -> 25 s
   the same day (EDSS-Plus driven by both).
3. ``c3``: EDSS 2.0 -> 3.5 at day 100, relapse at day 80: worsening, RAW.
4. ``c4``: EDSS 5.0 -> 4.0 (improvement at day 90) -> 5.5: worsening only from a roving
   baseline (PIRA), not from the fixed one.
5. ``c5``: EDSS stable 6.0; SDMT 50 -> 45 -> 44: confirmed SDMT worsening at day 90.
6. ``c6``: EDSS stable 4.0; T25FW 8 -> 10 s at day 100, confirmed 200 days later: EDSS-Plus.

The event dates are checked against R msprog (tests/results/disability_events/events.csv, made
by make_golden.R there); the tests never need R.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from scipy import stats

from msrwe.analysis.base import Context
from msrwe.derive.visits import derive_advs
from msrwe.errors import StudyFileError
from msrwe.pipeline import check_study
from msrwe.study.config import Study
from msrwe.study.disability_events import DisabilityEvents
from msrwe.study.efficacy import Efficacy
from msrwe.tables.results import ResultsTable

HERE = Path(__file__).parents[1] / "results" / "disability_events"
D0 = dt.date(2020, 1, 1)
GROUPS = {"c1": "A", "c2": "A", "c3": "A", "c4": "B", "c5": "B", "c6": "B"}


def _visits() -> pl.DataFrame:
    return pl.read_csv(HERE / "visits.csv", try_parse_dates=True).with_columns(
        pl.col("sdmt").cast(pl.Float64), pl.col("edss").cast(pl.Float64))


def _golden(run: str) -> pl.DataFrame:
    g = pl.read_csv(HERE / "events.csv", try_parse_dates=True, schema_overrides={
        "cdw_type": pl.String})
    return g.filter(pl.col("run") == run)


def _run(extra: dict | None = None, *, efficacy: bool = True) -> tuple[ResultsTable, Context]:
    settings = {"analysis": {"km_years": [0.5], "km_min_at_risk": 0}, "analyses": {}}
    if extra is not None:
        settings["analyses"]["disability_events"] = extra
    study = Study.from_dict(settings)
    adsl = pl.DataFrame({"patient_id": list(GROUPS), "group": list(GROUPS.values()),
                         "first_dose": [D0] * 6, "last_dose": [dt.date(2021, 12, 31)] * 6})
    advs = derive_advs(_visits(), adsl)
    relapses = pl.read_csv(HERE / "relapses.csv", try_parse_dates=True).with_columns(
        pl.lit(True).alias("confirmed"))
    ctx = Context(study=study, tables={"relapses": relapses}, cohort=None,  # type: ignore[arg-type]
                  in_force=None, datasets={"adsl": adsl, "advs": advs})  # type: ignore[arg-type]
    results = ResultsTable()
    if efficacy:
        Efficacy().run(ctx, results)
    DisabilityEvents().run(ctx, results)
    return results, ctx


def _get(r: ResultsTable, analysis: str, stat: str, *, group: str = "overall",
         variable: str = "edss", level: str = "") -> float | None:
    return r.get(analysis, stat, group=group, variable=variable, level=level)


@pytest.fixture(scope="module")
def everything() -> tuple[ResultsTable, Context]:
    return _run({"tables": ["improvement", "pira_raw", "sdmt"],
                 "composites": ["edss_plus", "edss+nhpt"]})


def test_item19_case1_improvement_is_counted_beside_worsening(everything):
    r, _ = everything
    ce = "confirmed_events"
    assert _get(r, ce, "N", level="improvement") == 6
    assert _get(r, ce, "n", level="improvement") == 2  # c1, c4
    assert _get(r, ce, "n", level="worsening") == 2  # c2, c3 (fixed baseline)
    assert _get(r, ce, "n", group="A", level="improvement") == 1
    assert _get(r, ce, "n", group="A", level="worsening") == 2
    assert _get(r, ce, "n", group="B", level="worsening") == 0
    # the worsening beside it is time_to_cdw's own count
    assert _get(r, "time_to_cdw", "events") == _get(r, ce, "n", level="worsening")
    # exact interval, as scipy's beta quantiles give it
    assert _get(r, ce, "pct", level="improvement") == pytest.approx(100 * 2 / 6)
    assert _get(r, ce, "ci_low", level="improvement") == pytest.approx(
        100 * stats.beta.ppf(0.025, 2, 5))
    assert _get(r, ce, "ci_high", level="improvement") == pytest.approx(
        100 * stats.beta.ppf(0.975, 3, 4))


def test_item19_case2_improvement_dates_match_r_msprog(everything):
    _, ctx = everything
    cdi = ctx.datasets["adttecdi"].filter((pl.col("param") == "CDI_EDSS") & pl.col("event"))
    got = sorted(cdi.select("patient_id", "event_date").rows())
    want = sorted(_golden("cdi_edss").select("patient_id", "date").rows())
    assert got == want == [("c1", dt.date(2020, 3, 31)), ("c4", dt.date(2020, 3, 31))]


def test_item19_case3_time_to_first_improvement_by_kaplan_meier(everything):
    r, _ = everything
    assert _get(r, "time_to_cdi", "n") == 6
    assert _get(r, "time_to_cdi", "events") == 2
    # both improvements at day 90, nobody censored before: 4 of 6 free of improvement at 0.5 y
    assert _get(r, "time_to_cdi", "survival", level="0.5") == pytest.approx(4 / 6)
    assert _get(r, "time_to_cdi", "n_at_risk", level="0.5") == 4
    assert _get(r, "time_to_cdi", "cum_incidence_pct", level="0.5") == pytest.approx(100 / 3)


def test_item19_case4_pira_raw_breakdown_matches_r_msprog(everything):
    r, ctx = everything
    assert _get(r, "pira_raw", "events", level="PIRA") == 2  # c2, and c4 from a roving baseline
    assert _get(r, "pira_raw", "events", level="RAW") == 1  # c3
    assert _get(r, "pira_raw", "events", level="undefined") == 0
    assert _get(r, "pira_raw", "events", level="any") == 3
    assert _get(r, "pira_raw", "events_pct", level="PIRA") == pytest.approx(200 / 3)
    assert _get(r, "pira_raw", "n", group="B", level="PIRA") == 1
    assert _get(r, "pira_raw", "N", group="B", level="PIRA") == 3
    got = (ctx.datasets["adpiraraw"].filter(pl.col("event_type") == "CDW")
           .select("patient_id", "cdw_type", "date").sort("patient_id", "date").rows())
    want = (_golden("pira_raw").filter(pl.col("event_type") == "CDW")
            .select("patient_id", "cdw_type", "date").sort("patient_id", "date").rows())
    assert got == want


def test_item19_case5_sdmt_change_and_confirmed_worsening(everything):
    r, ctx = everything
    # worsening on the SDMT is a decrease: c5 (50 -> 44) worsened, c1 (40 -> 46) improved
    assert _get(r, "sdmt_change", "worsened", variable="sdmt") == 1
    assert _get(r, "sdmt_change", "improved", variable="sdmt") == 1
    assert _get(r, "sdmt_change", "stable", variable="sdmt") == 4
    assert _get(r, "time_to_cdw_sdmt", "events", variable="sdmt") == 1
    got = ctx.datasets["adttesdmt"].filter(pl.col("event")).select("patient_id",
                                                                   "event_date").rows()
    assert got == _golden("cdw_sdmt").select("patient_id", "date").rows()


def test_item19_case6_edss_plus_from_the_study_file_matches_r_msprog(everything):
    r, ctx = everything
    assert _get(r, "composite_cdw", "n", variable="edss_plus") == 6
    assert _get(r, "composite_cdw", "events", variable="edss_plus") == 3  # c2, c3, c6
    # the share sits beside the single measures, with its exact interval
    assert _get(r, "confirmed_events", "n", variable="edss_plus", level="worsening") == 3
    assert _get(r, "confirmed_events", "pct", variable="edss_plus", level="worsening") == 50.0
    assert _get(r, "composite_km", "survival", variable="edss_plus",
                level="0.5") == pytest.approx(0.5)
    comp = "composite_components"
    assert _get(r, comp, "events", variable="edss_plus", level="edss+nhpt") == 1  # c2
    assert _get(r, comp, "events", variable="edss_plus", level="edss") == 1  # c3
    assert _get(r, comp, "events", variable="edss_plus", level="t25fw") == 1  # c6
    # the composite event is the earliest component event of R msprog's own runs
    runs = ("plus_edss", "plus_t25fw", "plus_nhpt_dominant", "plus_nhpt_nondominant")
    want = (pl.concat([_golden(x) for x in runs]).group_by("patient_id")
            .agg(pl.col("date").min()).sort("patient_id").rows())
    adcomp = ctx.datasets["adcomp"].filter((pl.col("param") == "CDW_EDSS_PLUS")
                                           & pl.col("event"))
    assert adcomp.select("patient_id", "event_date").sort("patient_id").rows() == want


def test_item19_case7_joined_composite_uses_the_study_thresholds(everything):
    r, _ = everything
    # msprog's EDSS step and 84-day confirmation: c2 (EDSS and 9HPT the same day), c3
    assert _get(r, "composite_cdw", "events", variable="edss+nhpt") == 2
    assert _get(r, "composite_components", "events", variable="edss+nhpt",
                level="edss+nhpt") == 1


def test_item19_case8_by_default_only_improvement_is_added():
    r, ctx = _run(None)
    names = set(r.to_polars()["analysis"].unique())
    assert {"confirmed_events", "time_to_cdi"} <= names
    assert not names & {"pira_raw", "sdmt_change", "time_to_cdw_sdmt", "composite_cdw"}
    methods = " ".join(DisabilityEvents().methods(ctx))
    assert "firstCDI" in methods
    assert "EDSS-Plus" not in methods


def test_item19_case9_without_the_efficacy_analysis_the_worsening_is_its_own():
    r, _ = _run({"tables": ["improvement"]}, efficacy=False)
    assert _get(r, "confirmed_events", "n", level="worsening") == 2


def test_item19_case10_methods_state_the_definitions(everything):
    _, ctx = everything
    text = " ".join(DisabilityEvents().methods(ctx))
    assert "Confirmed disability improvement (CDI) followed msprog's conventions" in text
    assert "roving baseline" in text
    assert "the smaller of 4 points and 20% of the reference value" in text
    assert "EDSS-Plus (Cadavid et al., Mult Scler 2017" in text
    assert "Composite endpoint edss+nhpt: EDSS + 9HPT" in text


@pytest.mark.parametrize(("table", "key"), [
    ({"tables": ["pira"]}, "analyses.disability_events.tables"),
    ({"tables": "sdmt"}, "analyses.disability_events.tables"),
    ({"tables": ["sdmt", "sdmt"]}, "analyses.disability_events.tables"),
    ({"composites": ["edss+9hpt"]}, "analyses.disability_events.composites"),
    ({"composites": ["edss"]}, "analyses.disability_events.composites"),
    ({"sdmt_threshold": "10pct"}, "analyses.disability_events.sdmt_threshold"),
    ({"table": ["sdmt"]}, "analyses.disability_events.table"),
], ids=["unknown-table", "not-a-list", "twice", "unknown-measure", "one-measure",
        "sdmt-threshold", "unknown-key"])
def test_item19_case11_bad_settings_name_the_key(table, key):
    study = Study.from_dict({"analyses": {"disability_events": table}})
    with pytest.raises(StudyFileError, match=key.replace(".", r"\.")):
        check_study(study)


def test_item19_case12_settings_round_trip_through_the_appendix():
    given = {"tables": ["improvement", "pira_raw", "sdmt"], "composites": ["edss_plus"],
             "sdmt_threshold": "sdmt_4_or_10pct"}
    study = Study.from_dict({"cohort": {"drug": "methotrexate"},
                             "analyses": {"disability_events": given}})
    again = Study.from_toml_text(study.to_toml())
    check_study(again)
    a = DisabilityEvents()
    assert a.read_options(again) == a.read_options(study)
    assert dict(again.analyses["disability_events"]) == given


def test_item19_case13_the_docs_example_is_accepted_and_its_message_is_true():
    import re

    text = (Path(__file__).parents[2] / "docs" / "outcomes.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[analyses\.disability_events\].*?)```", text, re.S)
    assert block is not None
    study = Study.from_toml_text(block.group(1))
    check_study(study)
    assert DisabilityEvents().read_options(study).composites == ("edss_plus", "edss+nhpt")
    quoted = re.search(r"`(study file: analyses\.disability_events\.tables must\s+list.*?)`",
                       text, re.S)
    assert quoted is not None
    bad = Study.from_dict({"analyses": {"disability_events": {"tables": ["pira"]}}})
    with pytest.raises(StudyFileError) as err:
        check_study(bad)
    assert str(err.value) == " ".join(quoted.group(1).split())


def test_item19_case14_msoutcomes_profile_says_which_parts_stay_on_msprog():
    study = Study.from_dict({"outcomes": {"profile": "msoutcomes"}, "analyses": {
        "disability_events": {"tables": ["improvement", "pira_raw"]}}})
    ctx = Context(study=study, tables={}, cohort=None, in_force=None)  # type: ignore[arg-type]
    text = " ".join(DisabilityEvents().methods(ctx))
    assert "those used the msprog profile" in text


def _report_tables(results: ResultsTable) -> dict[str, object]:
    from msrwe.report.sections import analysis_sections

    secs = analysis_sections(results.to_polars(), attrition=pl.DataFrame(), methods="",
                             fi=None, analyses=(DisabilityEvents(),))  # type: ignore[arg-type]
    return {b["table"].title: b["table"] for s in secs for b in s.blocks
            if b["kind"] == "table"}


def test_item19_case15_the_report_shows_the_tables_the_study_asks_for(everything):
    r, _ = everything
    tables = _report_tables(r)
    for title in ("Confirmed improvement and worsening (patients)",
                  "Time to confirmed improvement (EDSS)",
                  "Confirmed EDSS worsening by kind: PIRA, RAW, undefined",
                  "SDMT from baseline to last assessment",
                  "Time to confirmed SDMT worsening (a decrease)",
                  "Time to confirmed worsening on composite endpoints",
                  "Composite events by the component(s) that drove them"):
        assert title in tables, title
    ce = tables["Confirmed improvement and worsening (patients)"].frame  # type: ignore[attr-defined]
    cells = [str(c) for row in ce.rows() for c in row]
    assert "confirmed EDSS improvement" in cells
    assert "confirmed EDSS-Plus worsening" in cells
    # by default: improvement only, no PIRA/RAW, SDMT or composite table
    default, _ = _run(None)
    shown = _report_tables(default)
    assert "Confirmed improvement and worsening (patients)" in shown
    assert not any("PIRA" in t or "SDMT" in t or "composite" in t for t in shown)


def test_item19_case16_the_study_path_matches_r_msprog_on_a_cohort_of_400():
    """The project's seeded cohort (gaps, same-day duplicates, relapses): first dose on each
    patient's first visit, every visit on treatment; patients whose first visit lacks the EDSS or
    the SDMT are left out (the study's baseline is that visit, msprog's the first value)."""
    inputs = Path(__file__).parents[1] / "results" / "outcomes" / "inputs"
    visits = pl.read_csv(inputs / "cohort1_visits.csv", try_parse_dates=True).with_columns(
        pl.col("sdmt").cast(pl.Float64), pl.col("edss").cast(pl.Float64))
    first = visits.group_by("patient_id").agg(pl.col("date").min().alias("first_dose"))
    complete = (visits.join(first, on="patient_id")
                .filter(pl.col("date") == pl.col("first_dose"))
                .group_by("patient_id")
                .agg((pl.col("edss").is_not_null() & pl.col("sdmt").is_not_null()).all()
                     .alias("ok"))
                .filter(pl.col("ok")).select("patient_id"))
    adsl = first.join(complete, on="patient_id").with_columns(
        pl.lit("X").alias("group"), pl.lit(dt.date(2040, 1, 1)).alias("last_dose")).sort(
        "patient_id")
    advs = derive_advs(visits.drop("edss_delta", "scheduled"), adsl)
    relapses = pl.read_csv(inputs / "cohort1_relapses.csv", try_parse_dates=True)
    study = Study.from_dict({"analyses": {"disability_events": {
        "tables": ["improvement", "pira_raw", "sdmt"]}}})
    ctx = Context(study=study, tables={"relapses": relapses}, cohort=None,  # type: ignore[arg-type]
                  in_force=None, datasets={"adsl": adsl, "advs": advs})  # type: ignore[arg-type]
    r = ResultsTable()
    Efficacy().run(ctx, r)
    DisabilityEvents().run(ctx, r)
    gold = pl.read_csv(HERE / "cohort1_events.csv", try_parse_dates=True,
                       schema_overrides={"cdw_type": pl.String}).join(
        adsl.select("patient_id"), on="patient_id", how="semi")

    def want(run: str, kind: str) -> list[tuple]:
        g = gold.filter((pl.col("run") == run) & (pl.col("event_type") == kind))
        return sorted(g.select("patient_id", "date").rows())

    def got(name: str, param: str) -> list[tuple]:
        d = ctx.datasets[name].filter((pl.col("param") == param) & pl.col("event"))
        return sorted(d.select("patient_id", "event_date").rows())

    assert len(want("cdi_edss", "CDI")) > 30
    assert got("adttecdi", "CDI_EDSS") == want("cdi_edss", "CDI")
    assert got("adtte", "CDW_EDSS") == want("cdw_edss", "CDW")
    assert got("adttesdmt", "CDW_SDMT") == want("cdw_sdmt", "CDW")
    labelled = sorted(ctx.datasets["adpiraraw"].filter(pl.col("event_type") == "CDW")
                      .select("patient_id", "date", "cdw_type").rows())
    assert labelled == sorted(gold.filter((pl.col("run") == "pira_raw")
                                          & (pl.col("event_type") == "CDW"))
                              .select("patient_id", "date", "cdw_type").rows())
    assert r.get("pira_raw", "events", group="overall", variable="edss",
                 level="any") == len(labelled)


def test_item19_case17_pira_raw_rows_add_up_whatever_the_events():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from msrwe.study._event_rows import add_pira_raw

    ids = [f"p{i}" for i in range(8)]
    adsl = pl.DataFrame({"patient_id": ids, "group": ["A", "B"] * 4})
    event = st.tuples(st.sampled_from(ids), st.sampled_from(["CDW", "CDI"]),
                      st.sampled_from(["PIRA", "RAW", "undefined", None]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(event, max_size=25))
    def check(rows):
        ev = pl.DataFrame(rows, orient="row", schema={"patient_id": pl.String,
                                                      "event_type": pl.String,
                                                      "cdw_type": pl.String})
        r = ResultsTable()
        add_pira_raw(r, analysis="pira_raw", events=ev, followed=adsl, adsl=adsl)
        for group in ("A", "B", "overall"):
            def get(stat, level, group=group):
                return r.get("pira_raw", stat, group=group, variable="edss", level=level)

            kinds = ("PIRA", "RAW", "undefined")
            assert sum(get("events", k) for k in kinds) == get("events", "any")
            assert get("n", "any") <= sum(get("n", k) for k in kinds)
            for k in (*kinds, "any"):
                assert get("ci_low", k) <= get("pct", k) <= get("ci_high", k)
                assert get("n", k) <= get("events", k)
        cdw = ev.filter(pl.col("event_type") == "CDW")
        assert r.get("pira_raw", "events", group="overall", variable="edss",
                     level="any") == cdw.height
        assert r.get("pira_raw", "n", group="overall", variable="edss",
                     level="any") == cdw["patient_id"].n_unique()

    check()
