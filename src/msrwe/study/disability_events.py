"""Confirmed improvement beside worsening, PIRA/RAW, the SDMT and composite endpoints.

The declared analysis ``disability_events`` (:class:`DisabilityEvents`) adds, per group and
overall, the tables a study asks for in ``[analyses.disability_events]``::

    [analyses.disability_events]
    tables = ["improvement", "pira_raw", "sdmt"]   # default: ["improvement"]
    composites = ["edss_plus", "edss+nhpt"]        # default: none
    sdmt_threshold = "sdmt_msprog"                 # or "sdmt_4_or_10pct"

- ``improvement``: patients with a confirmed improvement (CDI) beside those with a confirmed
  worsening (CDW), with Clopper-Pearson exact intervals (``confirmed_events``), and the time to
  the first confirmed improvement by Kaplan-Meier (``time_to_cdi``, ``time_to_cdi_nhpt``,
  ``time_to_cdi_t25fw``). Improvement follows msprog: the same baseline-dependent minimal change
  as worsening, downwards, confirmed the same way (``event = "firstCDI"``; clinical-methods 1.4
  and 2).
- ``pira_raw``: every confirmed EDSS worsening (msprog ``event = "multiple"``,
  ``RAW_PIRA = true``), counted by kind: PIRA, RAW, undefined (clinical-methods 3).
- ``sdmt``: the SDMT change from baseline and the time to confirmed SDMT worsening, a decrease of
  at least msprog's threshold (the smaller of 4 points and 20% of the reference) or of 4 points
  or 10% (``sdmt_threshold = "sdmt_4_or_10pct"``; clinical-methods 4.1).
- ``composites``: confirmed worsening on at least one component
  (:func:`msrwe.derive.outcomes.composite.detect_composite`): ``edss_plus`` is EDSS-Plus as
  published (Cadavid et al. 2017: EDSS, timed 25-foot walk >= 20%, 9-hole peg test >= 20% on
  either hand, 24-week confirmation); a name such as ``edss+nhpt`` joins measures (``edss``,
  ``t25fw``, ``nhpt``, ``sdmt``) under the study's own thresholds and confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from msrwe.analysis.base import (
    Analysis,
    Column,
    Context,
    KeyFact,
    Output,
    Stat,
    SummarySpec,
    reading,
)
from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment
from msrwe.derive.outcomes.composite import EDSS_PLUS, Component, CompositeDefinition
from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.derive.outcomes.thresholds import get_policy
from msrwe.derive.relapses import filter_confirmed_relapses
from msrwe.derive.tte import confirmation_rule, derive_adtte
from msrwe.study._engine import run_engine
from msrwe.study._event_rows import (
    add_first_event_km,
    add_pira_raw,
    add_share,
    group_parts,
    sdmt_change_stats,
)
from msrwe.study._validate import _choice, _fail, _str_tuple
from msrwe.study.composite_rows import add_composite
from msrwe.study.config import Study
from msrwe.study.efficacy import CHANGE_STATS, MEASURES, TTE_STATS, change_stats, measure_policy
from msrwe.tables.results import ResultsTable

__all__ = [
    "COMPOSITE_MEASURES",
    "DISABILITY_EVENT_OUTPUTS",
    "TABLES",
    "DisabilityEventOptions",
    "DisabilityEvents",
    "composite_definition",
    "pira_raw_options",
]

_SEC = "analyses.disability_events"
#: The tables a study can ask for in ``[analyses.disability_events] tables``.
TABLES: tuple[str, ...] = ("improvement", "pira_raw", "sdmt")
#: Measures a composite named ``a+b`` can join.
COMPOSITE_MEASURES: tuple[str, ...] = ("edss", "t25fw", "nhpt", "sdmt")
_SDMT_THRESHOLDS = ("sdmt_msprog", "sdmt_4_or_10pct")
_LABELS = {"edss": "EDSS", "t25fw": "T25FW", "nhpt": "9HPT", "sdmt": "SDMT"}


def _composite_key(value: str) -> str:
    if value == "edss_plus":
        return value
    parts = value.split("+")
    if len(parts) < 2 or len(set(parts)) != len(parts) or any(
            p not in COMPOSITE_MEASURES for p in parts):
        raise _fail(_SEC, "composites",
                    "must list \"edss_plus\" or measures joined by '+' (two or more of "
                    f"{', '.join(COMPOSITE_MEASURES)}, each once, e.g. \"edss+nhpt\")", value)
    return value


@dataclass(frozen=True)
class DisabilityEventOptions:
    """``[analyses.disability_events]``: tables (improvement, pira_raw, sdmt) and composites.

    See docs/outcomes.md, "In a study".

    Parameters
    ----------
    tables
        Among ``improvement`` (the default), ``pira_raw`` and ``sdmt``; ``[]`` for none.
    composites
        ``edss_plus`` and/or measures joined by ``+`` (two or more of ``edss``, ``t25fw``,
        ``nhpt``, ``sdmt``: ``edss+nhpt``); none by default.
    sdmt_threshold
        ``sdmt_msprog`` (msprog: the smaller of 4 points and 20% of the reference) or
        ``sdmt_4_or_10pct``.

    Examples
    --------
    >>> DisabilityEventOptions(tables=["sdmt", "pira_raw"]).tables
    ('sdmt', 'pira_raw')
    >>> DisabilityEventOptions(composites=["edss+9hpt"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.StudyFileError: study file: analyses.disability_events.composites must list ...
    """

    tables: tuple[str, ...] = ("improvement",)
    composites: tuple[str, ...] = ()
    sdmt_threshold: str = "sdmt_msprog"

    def __post_init__(self) -> None:
        tables = _str_tuple(_SEC, "tables", self.tables)
        if any(t not in TABLES for t in tables) or len(set(tables)) != len(tables):
            raise _fail(_SEC, "tables", f"must list tables among {', '.join(TABLES)}, each once",
                        list(tables))
        comps = _str_tuple(_SEC, "composites", self.composites)
        for c in comps:
            _composite_key(c)
        if len(set(comps)) != len(comps):
            raise _fail(_SEC, "composites", "must name each composite once", list(comps))
        _choice(_SEC, "sdmt_threshold", self.sdmt_threshold, _SDMT_THRESHOLDS)
        object.__setattr__(self, "tables", tables)
        object.__setattr__(self, "composites", comps)


def composite_definition(key: str, study: Study, sdmt_threshold: str = "sdmt_msprog"
                         ) -> CompositeDefinition:
    """The composite a study names: EDSS-Plus as published, or measures joined by ``+``.

    A joined composite uses the study's thresholds: ``[outcomes] delta_fun`` for the EDSS,
    ``worsening_pct`` for the timed tests (either hand for the 9-hole peg test), and
    ``sdmt_threshold`` for the SDMT; its confirmation is the study's.

    Examples
    --------
    >>> composite_definition("edss_plus", Study()).name
    'EDSS-Plus'
    >>> d = composite_definition("edss+nhpt", Study())
    >>> d.name, [c.policy().name for c in d.components]
    ('EDSS + 9HPT', ['msprog', 'pct20+777'])
    """
    if _composite_key(key) == "edss_plus":
        return EDSS_PLUS
    pct = measure_policy(MEASURES[2], study)  # the timed tests' percentage, unguarded
    make = {
        "edss": lambda: Component("edss", outcome="edss",
                                  threshold=measure_policy(MEASURES[0], study)),
        "t25fw": lambda: Component("t25fw", outcome="t25fw", threshold=pct),
        "nhpt": lambda: Component("nhpt", outcome="nhpt", threshold=pct, hands="either"),
        "sdmt": lambda: Component("sdmt", outcome="sdmt",
                                  threshold=get_policy(sdmt_threshold, "sdmt")),
    }
    parts = key.split("+")
    return CompositeDefinition(" + ".join(_LABELS[p] for p in parts),
                               tuple(make[p]() for p in parts),
                               source=f"study file {_SEC}.composites")


CONFIRMED_EVENTS = Output(
    "confirmed_events", "Confirmed improvement and worsening (patients)",
    stats=(
        Stat("N", "patients with a baseline and a later on-treatment assessment of the measure"),
        Stat("n", "patients with at least one confirmed event of that kind"),
        Stat("pct, ci_low, ci_high", "`n / N` in percent, Clopper-Pearson exact interval"),
    ),
    doc=("`variable` is the measure (`edss`, `nhpt`, `t25fw`), `level` `improvement` (first "
         "confirmed improvement, msprog `event = \"firstCDI\"`) or `worsening` (first confirmed "
         "worsening, as `time_to_cdw`), written when `tables` holds `improvement` (the "
         "default); or a composite of `composites` (`edss_plus`, ...), level `worsening`."),
    display="generic",
)
_CDI_TITLES = {"edss": "Time to confirmed improvement (EDSS)",
               "nhpt": "Time to confirmed improvement of the 9-hole peg test",
               "t25fw": "Time to confirmed improvement of the timed 25-foot walk"}
_CDI_NAMES = {"edss": "time_to_cdi", "nhpt": "time_to_cdi_nhpt", "t25fw": "time_to_cdi_t25fw"}
_CDI_STATS = tuple(Stat(s.name, s.meaning.replace("worsening", "improvement"), s.where)
                   for s in TTE_STATS)
CDI_OUTPUTS: tuple[Output, ...] = tuple(
    Output(_CDI_NAMES[m.key], _CDI_TITLES[m.key], stats=_CDI_STATS,
           doc=(f"Time from the first dose to the onset of the first confirmed improvement of "
                f"`{m.key}` (msprog `event = \"firstCDI\"`), Kaplan-Meier, censored as "
                "`time_to_cdw`; written when `tables` holds `improvement`."),
           measure=m.label, display="time_to_event")
    for m in MEASURES
)
PIRA_RAW = Output(
    "pira_raw", "Confirmed EDSS worsening by kind: PIRA, RAW, undefined",
    stats=(
        Stat("events", "confirmed worsening events of that kind (every event per patient)"),
        Stat("events_pct", "their share of every confirmed worsening event of the group"),
        Stat("N", "patients searched (a baseline and a later on-treatment EDSS)"),
        Stat("n", "patients with at least one such event"),
        Stat("pct, ci_low, ci_high", "`n / N` in percent, Clopper-Pearson exact interval"),
    ),
    doc=("`variable` `edss`; `level` `PIRA`, `RAW`, `undefined` or `any`. Every confirmed "
         "worsening found with msprog `event = \"multiple\"` and `RAW_PIRA = true` under the "
         "study's `[outcomes]` (relapse windows `relapse_assoc`, `relapse_indep`). Written when "
         "`tables` holds `pira_raw`."),
    measure="EDSS",
    display="generic",
)
SDMT_MEASURE = MEASURES[0].__class__(
    "sdmt", "sdmt", "sdmt", "sdmt_change", "time_to_cdw_sdmt", "CDW_SDMT",
    "SDMT (correct answers)", "SDMT from baseline to last assessment",
    "Time to confirmed SDMT worsening (a decrease)",
)
SDMT_CHANGE = Output(
    SDMT_MEASURE.change_analysis, SDMT_MEASURE.change_title, stats=CHANGE_STATS,
    doc=("As `edss_change`, for the SDMT; a decrease of at least `sdmt_threshold` counts as "
         "worsened, an increase as improved. Written when `tables` holds `sdmt` and the chart "
         "has SDMT scores."),
    measure=SDMT_MEASURE.label, display="change",
)
SDMT_TTE = Output(
    SDMT_MEASURE.tte_analysis, SDMT_MEASURE.tte_title, stats=TTE_STATS,
    doc=("Time from the first dose to the first confirmed SDMT worsening (a decrease of at "
         "least `sdmt_threshold`), Kaplan-Meier, censored as `time_to_cdw`; when `tables` holds "
         "`sdmt`."),
    measure=SDMT_MEASURE.label, display="time_to_event",
)
COMPOSITE_CDW = Output(
    "composite_cdw", "Time to confirmed worsening on composite endpoints",
    stats=(
        Stat("n", "patients with a baseline and a later on-treatment assessment"),
        Stat("events", "patients with a composite worsening"),
        Stat("median, median_ci_low, median_ci_high",
             "Kaplan-Meier median time to the composite event, years (empty when not reached)"),
    ),
    doc=("`variable` is the composite as the study names it (`edss_plus`, `edss+nhpt`, ...), "
         "`level` empty. The first confirmed worsening on any component, each confirmed on its "
         "own (`detect_composite`), each component from its own baseline; censored as "
         "`time_to_cdw`. The share with its exact interval is in `confirmed_events` (level "
         "`worsening`), the Kaplan-Meier estimates by year in `composite_km`. Written for each "
         "name in `composites`."),
    display="generic",
)
COMPOSITE_KM = Output(
    "composite_km", "Composite endpoints: Kaplan-Meier estimates by year",
    stats=(
        Stat("n_at_risk", "patients still followed and event-free at that time"),
        Stat("events", "cumulative composite events by then"),
        Stat("survival, ci_low, ci_high", "Kaplan-Meier probability of no composite event"),
        Stat("cum_incidence_pct", "100 x (1 - survival)"),
    ),
    doc=("`variable` the composite; `level` years after the first dose (`analysis.km_years`). "
         "Rows for results.csv; the report shows `composite_cdw` and `composite_components`."),
    display="",
)
COMPOSITE_COMPONENTS = Output(
    "composite_components", "Composite events by the component(s) that drove them",
    stats=(
        Stat("events", "first composite events driven by that component (several confirmed "
             "the same day: all are named, e.g. `edss+t25fw`)"),
        Stat("events_pct", "their share of the group's composite events"),
    ),
    doc="`variable` the composite, `level` the component(s); when `composites` names one.",
    display="generic",
)
#: The outputs of :class:`DisabilityEvents`, in report order.
DISABILITY_EVENT_OUTPUTS: tuple[Output, ...] = (
    CONFIRMED_EVENTS, *CDI_OUTPUTS, PIRA_RAW, SDMT_CHANGE, SDMT_TTE, COMPOSITE_CDW,
    COMPOSITE_COMPONENTS, COMPOSITE_KM,
)


def _measured(advs: pl.DataFrame, column: str) -> bool:
    return column in advs.columns and advs[column].drop_nulls().len() > 0


def _with_baseline(adsl: pl.DataFrame, advs: pl.DataFrame, column: str, study: Study
                   ) -> pl.DataFrame:
    if f"base_{column}_date" in adsl.columns:
        return adsl
    a = study.analysis
    adsl = derive_vars_baseline(adsl, advs, value=column, window_days=a.baseline_window_days)
    return derive_vars_last_on_treatment(adsl, advs, value=column, lag_days=a.on_treatment_days)


class DisabilityEvents(Analysis):
    """Confirmed improvement, PIRA/RAW, SDMT and composites, as the study file asks."""

    name = "disability_events"
    reads = reading(relapses=None)
    title = "Confirmed improvement, PIRA/RAW, SDMT and composite endpoints"
    doc = (
        "Rows of `msrwe.study.disability_events.DisabilityEvents`, per group and `overall`, for "
        "the tables `[analyses.disability_events]` asks for: `tables` among `improvement` (the "
        "default), `pira_raw` and `sdmt`; `composites` among `edss_plus` and measures joined by "
        "`+` (`edss+nhpt`); `sdmt_threshold` `sdmt_msprog` (default) or `sdmt_4_or_10pct`. "
        "Datasets: `adttecdi` (time to the first confirmed improvement), `adpiraraw` (every "
        "confirmed EDSS event, labelled), `adttesdmt`, `adcomp` (time to each composite event)."
    )
    outputs = DISABILITY_EVENT_OUTPUTS
    after = ("efficacy",)
    section = ("efficacy", "Disability outcomes")
    options = DisabilityEventOptions
    facts = (
        KeyFact("cdi-events", "patients with confirmed EDSS improvement", CONFIRMED_EVENTS.name,
                "n", "edss", "improvement"),
    )
    summary = (
        SummarySpec(
            "Confirmed EDSS improvement and worsening per group",
            (
                Column("N", CONFIRMED_EVENTS.name, ("N",), "edss", "improvement", fmt="int"),
                Column("improved", CONFIRMED_EVENTS.name, ("n", "pct"), "edss", "improvement",
                       fmt="n_pct"),
                Column("worsened", CONFIRMED_EVENTS.name, ("n", "pct"), "edss", "worsening",
                       fmt="n_pct"),
            ),
            caption="patients with a first confirmed improvement and worsening (n, %)",
        ),
    )

    def runs_engine(self, context: Context) -> bool:
        """Yes: it searches each measure with the outcome engine."""
        return True

    def censors_at_confirmable(self, context: Context) -> bool:
        """Yes: its times to event end at the last confirmable assessment."""
        return True

    def run(self, context: Context, results: ResultsTable) -> None:
        """The rows the options ask for; datasets ``adttecdi``, ``adpiraraw``, ``adcomp``."""
        opts: DisabilityEventOptions = context.options(self)
        study = context.study
        relapses = context.table("relapses")
        if relapses is None:
            relapses = pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
        relapses = filter_confirmed_relapses(relapses)
        advs, adsl = context.datasets["advs"], context.adsl
        notes: dict[str, str] = {}
        if "improvement" in opts.tables:
            adsl = self._improvement(context, results, adsl, advs, relapses, notes)
        if "pira_raw" in opts.tables:
            adsl = _with_baseline(adsl, advs, "edss", study)
            opts_pr = pira_raw_options(study)
            events, note = run_engine(adsl, advs, relapses, opts_pr)
            notes["PIRA/RAW (EDSS, every event)"] = note
            followed = derive_adtte(adsl, advs, events, value="edss", param="CDW_EDSS",
                                    **_censoring(study, opts_pr, relapses))
            add_pira_raw(results, analysis=PIRA_RAW.name, events=events, followed=followed,
                         adsl=adsl, ci_level=study.analysis.level)
            context.datasets["adpiraraw"] = events
        if "sdmt" in opts.tables and _measured(advs, "sdmt"):
            adsl = self._sdmt(context, results, adsl, advs, relapses, opts, notes)
        for key in opts.composites:
            adsl = self._composite(context, results, adsl, advs, relapses, key, opts, notes)
        context.datasets["adsl"] = adsl
        context.notes[self.name] = notes

    def _improvement(self, context: Context, results: ResultsTable, adsl: pl.DataFrame,
                     advs: pl.DataFrame, relapses: pl.DataFrame, notes: dict[str, str]
                     ) -> pl.DataFrame:
        study = context.study
        level = study.analysis.level
        prior = context.datasets.get("adtte")
        parts = []
        for m in MEASURES:
            if m.key != "edss" and not _measured(advs, m.column):
                continue
            adsl = _with_baseline(adsl, advs, m.column, study)
            base = study.outcomes.options.replace(outcome=m.outcome, value_col=m.column,
                                                  delta_fun=measure_policy(m, study))
            msout = base.profile == "msoutcomes" and m.key == "edss"
            events, note = run_engine(adsl, advs, relapses,
                                      base.replace(event="CDI" if msout else "firstCDI",
                                                   RAW_PIRA=False))
            notes[f"improvement ({m.key})"] = note
            adtte = derive_adtte(adsl, advs, events, value=m.column, param=f"CDI_{m.param[4:]}",
                                 event_type="CDI", **_censoring(study, base, relapses))
            if prior is not None and m.param in prior["param"].unique().to_list():
                worse = prior.filter(pl.col("param") == m.param)
            else:
                wev, _ = run_engine(adsl, advs, relapses, base)
                worse = derive_adtte(adsl, advs, wev, value=m.column, param=m.param,
                                     **_censoring(study, base, relapses))
            add_share(results, analysis=CONFIRMED_EVENTS.name, adtte=adtte, adsl=adsl,
                      variable=m.key, level="improvement",
                      label=f"confirmed {m.label} improvement", ci_level=level)
            add_share(results, analysis=CONFIRMED_EVENTS.name, adtte=worse, adsl=adsl,
                      variable=m.key, level="worsening",
                      label=f"confirmed {m.label} worsening", ci_level=level)
            add_first_event_km(results, analysis=_CDI_NAMES[m.key], adtte=adtte, adsl=adsl,
                               variable=m.key,
                               label=f"time to first confirmed {m.label} improvement (years)",
                               years=study.analysis.km_years, ci_level=level,
                               min_at_risk=study.analysis.km_min_at_risk)
            parts.append(adtte)
        if parts:
            context.datasets["adttecdi"] = pl.concat(parts, how="diagonal_relaxed")
        return adsl

    def _sdmt(self, context: Context, results: ResultsTable, adsl: pl.DataFrame,
              advs: pl.DataFrame, relapses: pl.DataFrame, opts: DisabilityEventOptions,
              notes: dict[str, str]) -> pl.DataFrame:
        study = context.study
        m = SDMT_MEASURE
        policy = get_policy(opts.sdmt_threshold, "sdmt")
        adsl = _with_baseline(adsl, advs, m.column, study)
        for group, sub in group_parts(adsl):
            stats, method = change_stats(sub["base_sdmt"], sub["last_sdmt"],
                                         policy, zero_method=study.analysis.zero_method,
                                         p_method=study.analysis.p_method)
            results.add_stats(SDMT_CHANGE.name, group, m.key, "", sdmt_change_stats(stats),
                              label=m.label, method=f"{method}; worsened: a decrease of at "
                              f"least {policy}; improved: an increase of at least as much")
        options = study.outcomes.options.replace(outcome="sdmt", value_col="sdmt",
                                                 delta_fun=policy)
        events, note = run_engine(adsl, advs, relapses, options)
        notes["SDMT worsening"] = note
        adtte = derive_adtte(adsl, advs, events, value="sdmt", param=m.param,
                             **_censoring(study, options, relapses))
        add_first_event_km(results, analysis=SDMT_TTE.name, adtte=adtte, adsl=adsl,
                           variable=m.key, label="time to first confirmed SDMT worsening (years)",
                           years=study.analysis.km_years, ci_level=study.analysis.level,
                           min_at_risk=study.analysis.km_min_at_risk)
        context.datasets["adttesdmt"] = adtte
        return adsl

    def _composite(self, context: Context, results: ResultsTable, adsl: pl.DataFrame,
                   advs: pl.DataFrame, relapses: pl.DataFrame, key: str,
                   opts: DisabilityEventOptions, notes: dict[str, str]) -> pl.DataFrame:
        study = context.study
        definition = composite_definition(key, study, opts.sdmt_threshold)
        for col in ("edss", "t25fw_s", "nhpt_s", "sdmt"):
            if _measured(advs, col):
                adsl = _with_baseline(adsl, advs, col, study)
        adtte, _events, note = add_composite(
            results, analysis=COMPOSITE_CDW.name, km_analysis=COMPOSITE_KM.name,
            share_analysis=CONFIRMED_EVENTS.name, components_analysis=COMPOSITE_COMPONENTS.name,
            key=key, definition=definition, adsl=adsl, advs=advs, relapses=relapses,
            engine_options=_composite_engine_options(study, definition),
            years=study.analysis.km_years, ci_level=study.analysis.level,
            censor_at=study.analysis.censor_at, min_at_risk=study.analysis.km_min_at_risk,
        )
        notes[f"composite {key}"] = note
        previous = context.datasets.get("adcomp")
        context.datasets["adcomp"] = (adtte if previous is None else
                                      pl.concat([previous, adtte], how="diagonal_relaxed"))
        return adsl

    def methods(self, context: Context) -> list[str]:
        """The definitions of each table asked for, then the engine's own descriptions."""
        opts: DisabilityEventOptions = context.options(self)
        paras = []
        if "improvement" in opts.tables:
            paras.append(
                "Confirmed disability improvement (CDI) followed msprog's conventions "
                "(Montobbio et al., Mult Scler 2024): a decrease from the study's baseline of at "
                "least the same minimal change as for worsening, taken from the reference value "
                "(for the EDSS the threshold policy in force; for the timed tests "
                f"{context.study.outcomes.worsening_pct:g}% of the reference), confirmed and "
                "relapse-screened exactly as worsening; the first improvement per patient "
                "(event = firstCDI). Patients with a confirmed improvement and with a confirmed "
                "worsening are given as shares of the patients with a baseline and a later "
                "on-treatment assessment with Clopper-Pearson exact intervals, and the time to "
                "the first confirmed improvement by Kaplan-Meier, censored as for worsening.")
        if "pira_raw" in opts.tables:
            paras.append(
                "Every confirmed EDSS worsening per patient (msprog event = multiple, from a "
                f"{pira_raw_options(context.study).baseline} baseline) was "
                "classified as relapse-associated (RAW), progression independent of relapse "
                "activity (PIRA) or undefined with msprog's rules and the study's relapse "
                "windows (clinical-methods 3); counts, shares of events and patients with at "
                "least one event of each kind are given per group.")
        if "sdmt" in opts.tables:
            paras.append(
                "SDMT worsening was a decrease of at least "
                f"{get_policy(opts.sdmt_threshold, 'sdmt').rule} (clinical-methods 4.1: msprog's "
                "default is the smaller of 4 points and 20%; 4 points or 10% is the other common "
                "rule), confirmed as EDSS worsening; change from baseline used the paired "
                "Wilcoxon signed-rank test.")
        for key in opts.composites:
            d = composite_definition(key, context.study, opts.sdmt_threshold)
            paras.append(f"Composite endpoint {key}: " + d.describe(
                **_composite_engine_options(context.study, d)))
        if context.study.outcomes.options.profile == "msoutcomes" and (
                "pira_raw" in opts.tables or opts.composites):
            paras.append("MSoutcomes defines neither the PIRA/RAW classification of every event "
                         "nor composites: those used the msprog profile.")
        notes = context.notes.get(self.name) or {}
        paras += [f"Outcome engine settings ({k}): {t}" for k, t in notes.items() if t]
        return paras


def pira_raw_options(study: Study) -> Any:
    """The engine options of the PIRA/RAW table: every event, labelled, from a roving baseline.

    The study's ``[outcomes]`` options with ``event = "multiple"``, ``RAW_PIRA = true`` and the
    msprog profile; a fixed baseline becomes ``roving`` (msprog's convention for repeated events,
    clinical-methods 9.4: a fixed reference would count every later visit above it again).

    Examples
    --------
    >>> o = pira_raw_options(Study())
    >>> o.event, o.RAW_PIRA, o.baseline
    ('multiple', True, 'roving')
    """
    o = study.outcomes.options
    return o.replace(
        outcome="edss", value_col="edss", delta_fun=measure_policy(MEASURES[0], study),
        event="multiple", RAW_PIRA=True, profile="msprog", mconf=3 * 30.25, tRelapse=30,
        sustained=True, baseline="roving" if o.baseline == "fixed" else o.baseline)


#: Engine options a composite never takes from the study (set per component or by the run).
_NOT_FOR_COMPOSITES = frozenset({
    "outcome", "value_col", "delta_fun", "worsening", "valuedelta_col", "validconf_col",
    "subjects", "return_unconfirmed", "event", "RAW_PIRA", "profile", "mconf", "tRelapse",
    "sustained",
})


def _censoring(study: Study, options: OutcomeOptions, relapses: pl.DataFrame
               ) -> dict[str, Any]:
    """``derive_adtte``'s censoring keywords: the study's rule with the engine's confirmation."""
    return {"censor_at": study.analysis.censor_at, "relapses": relapses,
            **confirmation_rule(options)}


def _composite_engine_options(study: Study, definition: CompositeDefinition) -> dict[str, Any]:
    """The study's ``[outcomes]`` options for a composite, less those the definition sets.

    EDSS-Plus keeps its own 24-week confirmation; every composite uses the msprog profile and
    the first confirmed worsening (``event = "firstCDW"``).
    """
    given = study.outcomes.options.to_dict()
    out = {k: v for k, v in given.items()
           if k not in _NOT_FOR_COMPOSITES and k not in definition.options}
    out["event"] = "firstCDW"
    return out
