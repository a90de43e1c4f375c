"""The endpoint analyses as declared analyses (:class:`msrwe.analysis.base.Analysis`).

Ten analyses, each switched off by ``enabled = false`` in ``[analyses.<name>]`` of the study file
and configured there (docs/endpoints.md): ``arr``, ``mri_activity``, ``t2_lesion_rate``,
``neda``, ``lublin_activity``, ``pirma``, ``biomarker_change``, ``severity``, ``milestone``,
``cox``. They share one set of endpoint datasets (follow-up window, counted relapses, scans,
every confirmed worsening), built once per run by :func:`endpoint_data` and exported with the
other analysis datasets (``adrr``, ``admri``, ``admriyr``, ``adneda``, ``adlublin``, ``adpirma``,
``adbm``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from msrwe.analysis.base import Analysis, Context, KeyFact, Output, Stat, reading
from msrwe.derive._frames import keep_rows
from msrwe.derive.relapses import filter_confirmed_relapses
from msrwe.endpoints import run as ep
from msrwe.endpoints._analysis_options import (
    ArrOptions,
    BiomarkerOptions,
    MilestoneOptions,
    MriOptions,
    NedaOptions,
    PirmaOptions,
    SeverityOptions,
)
from msrwe.endpoints._vocabulary import ROWS as _ROWS
from msrwe.endpoints.neda import neda_method
from msrwe.endpoints.pirma import pirma_method
from msrwe.endpoints.settings import EndpointSettings
from msrwe.endpoints.severity import severity_method
from msrwe.tables.results import ResultsTable

__all__ = [
    "ENDPOINT_ANALYSES",
    "Arr",
    "BiomarkerChange",
    "Cox",
    "LublinActivity",
    "Milestone",
    "MriActivity",
    "Neda",
    "Persistence",
    "Pirma",
    "Severity",
    "T2LesionRate",
    "endpoint_data",
]

_REF = "reference/endpoints.md"



def _settings(study: Any) -> EndpointSettings:
    """The endpoint settings in force, from every endpoint analysis's options."""
    o = {a.name: a.read_options(study) for a in ENDPOINT_ANALYSES}
    skip = tuple(a.name for a in ENDPOINT_ANALYSES if not a.enabled(study))
    return EndpointSettings(
        skip=skip,
        relapse_merge_days=o["arr"].merge_days,
        mri_rebaseline_days=o["mri_activity"].rebaseline_days,
        neda_tolerance_days=o["neda"].tolerance_days,
        bvl_threshold_pct=o["neda"].bvl_threshold_pct,
        pirma_mri_lookback_days=o["pirma"].mri_lookback_days,
        pirma_coverage_days=o["pirma"].coverage_days,
        biomarker_relapse_before_days=o["biomarker_change"].relapse_before_days,
        biomarker_relapse_after_days=o["biomarker_change"].relapse_after_days,
        biomarker_baseline_days=o["biomarker_change"].baseline_days,
        biomarker_reference=o["biomarker_change"].reference,
        msss_matrix=o["severity"].msss_matrix,
        armss_matrix=o["severity"].armss_matrix,
        severity_indexing=o["severity"].indexing,
        milestone_values=o["milestone"].values,
        milestone_conf_days=o["milestone"].conf_days,
    )


def endpoint_data(context: Context) -> tuple[ep.EndpointData, EndpointSettings]:
    """The shared endpoint datasets of this run, built on first use and kept in the context."""
    key = "endpoint_data"
    if key not in context.notes:
        cfg = _settings(context.study)
        rel_table = context.table("relapses")
        rel = filter_confirmed_relapses(rel_table) if rel_table is not None else None
        adsl, advs = context.adsl, context.datasets["advs"]
        events = ep.worsening_events(adsl, advs, rel if rel is not None else pl.DataFrame(
            schema={"patient_id": pl.String, "onset_date": pl.Date}), context.study)
        data = ep.derive_endpoint_datasets(
            adsl, advs=advs, relapses=rel, mri=context.table("mri"), events=events,
            settings=cfg, lag_days=context.study.analysis.on_treatment_days,
            biomarkers=context.table("biomarkers"))
        context.notes[key] = (data, cfg)
        named = {"adrr": data.adsl, "admri": data.admri, "admriyr": data.adyears,
                 "adneda": data.adneda, "adlublin": data.adlublin, "adpirma": data.adpirma,
                 "adbm": data.adbm}
        context.datasets.update({k: v for k, v in named.items() if v is not None})
    return context.notes[key]


#: The chart tables :func:`endpoint_data` reads.
_SHARED_READS = ("relapses", "mri", "biomarkers")


class _Endpoint(Analysis):
    after = ("efficacy",)
    reads = reading(**dict.fromkeys(_SHARED_READS))

    def reads_from(self, context: Context) -> Mapping[str, tuple[str, ...] | None]:
        """Its reads; once :func:`endpoint_data` is built, without the tables it read."""
        if "endpoint_data" not in context.notes:
            return self.reads
        return {k: v for k, v in self.reads.items() if k not in _SHARED_READS}

    def runs_engine(self, context: Context) -> bool:
        """Until :func:`endpoint_data` is built (it searches every worsening)."""
        return "endpoint_data" not in context.notes

    def _stats(self) -> tuple[Stat, ...]:
        return self.outputs[0].stats


class Arr(_Endpoint):
    """Annualised relapse rate, relapse-free share and negative binomial rate ratio."""

    name = "arr"
    title = "Relapses"
    doc = ("Pooled ARR with exact Poisson CI, relapse-free Kaplan-Meier, NB rate ratio "
           "(docs/endpoints.md).")
    requires = ("relapses",)
    section = ("relapses", "Relapses")
    options = ArrOptions
    outputs = (Output(
        "arr", "Annualised relapse rate",
        stats=(Stat("N, relapses, person_years", "patients, relapses, patient-years",
                    "variable relapses"),
               Stat("arr, ci_low, ci_high", "relapses per patient-year, exact Poisson CI",
                    "variable relapses"),
               Stat("mean_individual_arr", "mean of the patients' own rates"),
               Stat("survival", "relapse-free share (0-1)", "variable relapse_free, level <t>"),
               Stat("rate_ratio, p_value, dispersion", "NB2 rate ratio vs the reference group",
                    "variable rate_ratio"),
               Stat("rate", "model-based rate per patient-year", "variable nb_rate")),
        doc=_ROWS["arr"], measure="relapses"),)
    facts = (KeyFact("arr", "annualised relapse rate", "arr", "arr", "relapses", digits=2),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``arr`` rows."""
        data, cfg = endpoint_data(context)
        ep.add_arr(results, adrr=data.adsl, adsl=data.adsl,
                   km_years=context.study.analysis.km_years, level=context.study.analysis.level,
                   merge_days=cfg.relapse_merge_days,
                   min_at_risk=context.study.analysis.km_min_at_risk)

    def methods(self, context: Context) -> list[str]:
        """The ARR definition."""
        cfg = _settings(context.study)
        return [
            "Annualised relapse rates were relapses with onset from the first dose to the end of "
            "follow-up (the later of the last dose and the last visit up to "
            f"{context.study.analysis.on_treatment_days} days after it, both inclusive) divided "
            f"by patient-years, onsets fewer than {cfg.relapse_merge_days} days after a counted "
            "onset merged, with exact Poisson intervals; groups were compared by negative "
            "binomial regression with a log patient-years offset and robust standard errors, and "
            f"the relapse-free share by Kaplan-Meier ({_REF} section 6)."
        ]


class MriActivity(_Endpoint):
    """MRI activity per scan, year and patient; brain volume change."""

    name = "mri_activity"
    title = "MRI activity"
    requires = ("mri",)
    section = ("mri", "MRI")
    options = MriOptions
    outputs = (Output(
        "mri_activity", "Freedom from MRI activity",
        stats=(Stat("N, n_scanned, n_evaluable, n_free, n_not_evaluable", "patients",
                    "variable patients"),
               Stat("pct, ci_low, ci_high", "share free of MRI activity (%), Clopper-Pearson",
                    "variable patients"),
               Stat("years, active, not_active, not_determined, pct_active", "patient-years",
                    "variable patient_years"),
               Stat("pct_change_per_year", "brain volume change (%/year)",
                    "variable brain_volume")),
        doc=_ROWS["mri_activity"], measure="MRI"),)
    facts = (KeyFact("mri-free", "patients free of MRI activity (%)", "mri_activity", "pct",
                     "patients", digits=1),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``mri_activity`` rows."""
        data, _ = endpoint_data(context)
        if data.admri is None or data.adyears is None or data.scans is None:
            self.skip(results, "no mri table")
            return
        ep.add_mri_activity(results, adsl=data.adsl, admri=data.admri, adyears=data.adyears,
                            scans=data.scans, level=context.study.analysis.level)

    def methods(self, context: Context) -> list[str]:
        """The MRI activity definition."""
        return [
            "A scan was active with a gadolinium-enhancing lesion or a new or enlarging T2 "
            "lesion against its comparator (the previous scan; the first scan's T2 counts were "
            "not used, and Gd was counted on the scan date only, empty meaning not assessed); a "
            "year of follow-up without an evaluable scan was not determined, never inactive. The "
            "share of patients free of MRI activity has a Clopper-Pearson interval; brain volume "
            "change is the mixed-model slope of 100 x ln(volume) per year "
            f"({_REF} sections 1-2)."
        ]


class T2LesionRate(_Endpoint):
    """New/enlarging T2 lesions per patient-year with the negative binomial model."""

    name = "t2_lesion_rate"
    title = "New or enlarging T2 lesions"
    requires = ("mri",)
    section = ("mri", "MRI")
    outputs = (Output(
        "t2_lesion_rate", "New or enlarging T2 lesions per patient-year",
        stats=(Stat("N, lesions, years", "patients, lesions, years covered"),
               Stat("rate, ci_low, ci_high", "lesions per patient-year, exact Poisson"),
               Stat("rate_ratio, p_value", "NB rate ratio vs the reference group",
                    "variable rate_ratio")),
        doc=_ROWS["t2_lesion_rate"], measure="MRI"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``t2_lesion_rate`` rows."""
        data, _ = endpoint_data(context)
        if data.admri is None:
            self.skip(results, "no mri table")
            return
        ep.add_t2_lesion_rate(results, adsl=data.adsl, admri=data.admri,
                              level=context.study.analysis.level)

    def methods(self, context: Context) -> list[str]:
        """The T2 rate definition."""
        return [
            "The annualised rate of new or enlarging T2 lesions divides the lesions on scans "
            "with a comparator by the years between each scan and its comparator; groups were "
            "compared by negative binomial regression with a log-time offset and robust "
            f"standard errors, as trials report it ({_REF} section 1.2)."
        ]


class Neda(_Endpoint):
    """NEDA-3 and NEDA-4 per year of follow-up."""

    name = "neda"
    title = "No evidence of disease activity"
    requires = ("mri", "relapses")
    section = ("mri", "MRI")
    options = NedaOptions
    outputs = (Output(
        "neda", "NEDA-3 and NEDA-4 per year of follow-up",
        stats=(Stat("n_neda, n_eda, n_not_evaluable, n_evaluable", "patient-years"),
               Stat("pct, ci_low, ci_high", "NEDA among evaluable years (%), Clopper-Pearson"),
               Stat("pct_sensitivity", "NEDA among all years, not evaluable counted as EDA")),
        doc=_ROWS["neda"], measure="NEDA"),)
    facts = (KeyFact("neda3", "NEDA-3 patient-years (%)", "neda", "pct", "neda3", "all",
                     digits=1),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``neda`` rows."""
        data, cfg = endpoint_data(context)
        if data.adneda is None:
            self.skip(results, "no mri table")
            return
        ep.add_neda(results, adsl=data.adsl, adneda=data.adneda,
                    level=context.study.analysis.level, tolerance_days=cfg.neda_tolerance_days,
                    bvl_threshold_pct=cfg.bvl_threshold_pct)

    def methods(self, context: Context) -> list[str]:
        """The NEDA definition."""
        cfg = _settings(context.study)
        return [neda_method(cfg.neda_tolerance_days, cfg.bvl_threshold_pct)
                + f"; a year lacking data was not evaluable, never NEDA ({_REF} section 3)."]


class LublinActivity(_Endpoint):
    """Lublin 2014 activity and progression modifiers per year."""

    name = "lublin_activity"
    title = "Disease course modifiers (Lublin 2014)"
    requires = ("mri", "relapses")
    section = ("mri", "MRI")
    figures = ("course_strip",)
    outputs = (Output(
        "lublin_activity", "Lublin 2014 modifiers per year of follow-up",
        stats=(Stat("n, pct", "patient-years (variables activity, progression) or patients "
                    "(variable last_year)"),), doc=_ROWS["lublin_activity"], measure="course"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``lublin_activity`` rows."""
        data, _ = endpoint_data(context)
        if data.adlublin is None:
            self.skip(results, "no mri table")
            return
        ep.add_lublin_activity(results, adsl=data.adsl, adlublin=data.adlublin)

    def methods(self, context: Context) -> list[str]:
        """The Lublin modifiers."""
        return [
            "Each year of follow-up was active (a relapse or an active scan), not active (an "
            "evaluable scan and neither) or not determined (Lublin 2014), and, for progressive "
            "courses, with progression (a confirmed worsening with onset in the year) or "
            f"without (an EDSS and none) ({_REF} section 2)."
        ]


class Pirma(_Endpoint):
    """PIRA split by MRI activity."""

    name = "pirma"
    title = "PIRMA"
    requires = ("mri",)
    section = ("mri", "MRI")
    options = PirmaOptions
    outputs = (Output(
        "pirma", "PIRA and PIRMA events",
        stats=(Stat("events, patients, N, person_years", "events and patients"),
               Stat("rate, ci_low, ci_high", "events per 100 patient-years, exact Poisson")),
        doc=_ROWS["pirma"], measure="EDSS"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``pirma`` rows."""
        data, cfg = endpoint_data(context)
        if data.adpirma is None:
            self.skip(results, "no worsening events classified as PIRA/RAW")
            return
        ep.add_pirma(results, adsl=data.adsl, adpirma=data.adpirma,
                     level=context.study.analysis.level,
                     lookback_days=cfg.pirma_mri_lookback_days,
                     coverage_days=cfg.pirma_coverage_days)

    def methods(self, context: Context) -> list[str]:
        """The PIRMA definition."""
        cfg = _settings(context.study)
        return [pirma_method(cfg.pirma_mri_lookback_days, cfg.pirma_coverage_days)
                + f"; every confirmed EDSS worsening was classified ({_REF} section 4)."]


class BiomarkerChange(_Endpoint):
    """sNfL and GFAP on treatment."""

    name = "biomarker_change"
    title = "Serum neurofilament light and GFAP"
    requires = ("biomarkers",)
    section = ("biomarkers", "Serum biomarkers")
    options = BiomarkerOptions
    outputs = (Output(
        "biomarker_change", "sNfL and GFAP on treatment",
        stats=(Stat("n_samples, n_patients, median, q1, q3", "pg/mL", "level samples"),
               Stat("n_relapse_proximal, median_relapse_proximal", "relapse-proximal samples"),
               Stat("pct_above_uln, ci_low, ci_high", "above the age-specific limit (%)"),
               Stat("change_median, statistic, p_value", "paired Wilcoxon", "level change"),
               Stat("pct_change_per_year", "mixed-model change per year (%)", "level slope")),
        doc=_ROWS["biomarker_change"], measure="sNfL"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``biomarker_change`` rows."""
        data, cfg = endpoint_data(context)
        if data.adbm is None:
            self.skip(results, "no biomarkers table or no birth dates")
            return
        a = context.study.analysis
        ep.add_biomarker_change(
            results, adsl=data.adsl, samples=data.adbm, level=a.level,
            baseline_days=cfg.biomarker_baseline_days, zero_method=a.zero_method,
            p_method=a.p_method,
            proximal_note=(f"{cfg.biomarker_relapse_before_days} days before to "
                           f"{cfg.biomarker_relapse_after_days} days after a relapse onset or "
                           f"up to {cfg.biomarker_relapse_after_days} days after a Gd+ scan"))

    def methods(self, context: Context) -> list[str]:
        """The biomarker definitions."""
        cfg = _settings(context.study)
        z = ("z-scores from the reference table " + cfg.biomarker_reference
             if cfg.biomarker_reference else
             "z-scores only where charted (no Benkert 2022 model is public, none is bundled); "
             "otherwise raw values against age-specific upper limits (Bornhorst 2022)")
        return [
            "Serum neurofilament light and GFAP were normalised to pg/mL; samples from "
            f"{cfg.biomarker_relapse_before_days} days before to "
            f"{cfg.biomarker_relapse_after_days} days after a relapse, or after a Gd+ scan, "
            "were flagged and left out of summaries; change from baseline used the paired "
            "Wilcoxon test and the mixed-model slope of the log value; "
            f"{z} ({_REF} section 5)."
        ]


class Severity(_Endpoint):
    """MSSS and ARMSS at baseline and last EDSS."""

    name = "severity"
    title = "MS severity scores"
    requires = ("visits",)
    section = ("severity", "MS severity and disability milestones")
    options = SeverityOptions
    outputs = (Output(
        "severity", "MSSS and ARMSS",
        stats=(Stat("n, median, q1, q3, mean", "score 0-10", "levels baseline, last"),
               Stat("change_median, statistic, p_value", "paired Wilcoxon", "level change")),
        doc=_ROWS["severity"], measure="EDSS"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``severity`` rows."""
        data, cfg = endpoint_data(context)
        ep.add_severity_rows(results, data.adsl, context.datasets["advs"], cfg, context.study)

    def methods(self, context: Context) -> list[str]:
        """The severity scores in force."""
        cfg = _settings(context.study)
        return ["; ".join(severity_method(k, m and m.rsplit("/", 1)[-1], cfg.severity_indexing)
                          for k, m in (("msss", cfg.msss_matrix), ("armss", cfg.armss_matrix)))
                + f" ({_REF} section 7)."]


class Milestone(_Endpoint):
    """Time to confirmed EDSS milestones."""

    name = "milestone"
    title = "Disability milestones"
    requires = ("visits",)
    reads = reading(**dict.fromkeys(_SHARED_READS), visits=None)
    section = ("severity", "MS severity and disability milestones")
    options = MilestoneOptions
    outputs = (Output(
        "milestone", "Time to confirmed EDSS 4.0, 6.0 and 7.0",
        stats=(Stat("n, events, median, median_ci_low, median_ci_high", "Kaplan-Meier"),
               Stat("already_reached", "at or above the milestone at the first visit"),
               Stat("n_at_risk, survival, ci_low, ci_high", "at each time", "level <t>")),
        doc=_ROWS["milestone"], measure="EDSS"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``milestone`` rows."""
        data, cfg = endpoint_data(context)
        visits = context.table("visits")
        if visits is None or "base_edss_date" not in data.adsl.columns:
            self.skip(results, "no EDSS baseline")
            return
        ep.add_milestone_rows(results, data.adsl, visits, data.relapses_confirmed, cfg,
                              context.study)

    def methods(self, context: Context) -> list[str]:
        """The milestone definition."""
        cfg = _settings(context.study)
        return [
            "Disability milestones (EDSS " + ", ".join(f"{v:g}" for v in cfg.milestone_values)
            + ") were the first value at or above the milestone confirmed "
            f"{cfg.milestone_conf_days} days later with every value in between at or above it, "
            "as R msprog's value_milestone; time from the first dose and from onset "
            "(Kaplan-Meier with delayed entry at the first charted visit) "
            f"({_REF} section 8)."
        ]


class Persistence(_Endpoint):
    """Treatment gaps, persistence on the study drug, duration and history alerts."""

    name = "persistence"
    title = "Treatment gaps, persistence and limits"
    reads = reading(treatments=None, administrations=("patient_id", "drug", "date"),
                    visits=("date",))
    after = ("exposure",)
    section = ("exposure", "Exposure")
    outputs = (Output(
        "persistence", "Treatment gaps, persistence and duration limits",
        stats=(Stat("n_intervals, n_gaps, pct_gaps, n_early, patients_with_gap",
                    "dose intervals outside the regimen window", "variable dose_gaps"),
               Stat("n, events, median, n_at_risk, survival, ci_low, ci_high",
                    "Kaplan-Meier of time on the course", "variables persistence*"),
               Stat("patients", "patients with a duration or history alert",
                    "variable history_alert")),
        doc=_ROWS["persistence"], measure="exposure"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``persistence`` rows."""
        from msrwe.derive.persistence import (
            derive_history_alerts,
            derive_persistence,
            derive_vars_gap,
        )
        from msrwe.endpoints.persistence import add_persistence

        adsl = context.adsl
        window = context.in_force.interval_days
        addose = context.datasets.get("addose")
        gaps = (derive_vars_gap(addose, window=tuple(window))
                if addose is not None and window and "interval_days" in addose.columns
                else None)
        tr = context.table("treatments")
        adm = context.table("administrations")
        persist = None
        if tr is not None:
            dates = [df["date"].max() for df in (adm, context.table("visits"))
                     if df is not None and df.height]
            cut = max(dates) if dates else None
            if cut is not None:
                persist = derive_persistence(
                    tr.join(adsl.select("patient_id"), on="patient_id", how="semi"),
                    data_cut=cut, drug=context.in_force.drug)
                context.datasets["adpersist"] = persist
        # the cohort's administrations by a mask (every patient's, usually: no copy)
        alerts = derive_history_alerts(
            keep_rows(adm.select("patient_id", "drug", "date"), adm.get_column("patient_id")
                      .is_in(adsl.get_column("patient_id").implode(), nulls_equal=False))
            if adm is not None else pl.DataFrame(schema={"patient_id": pl.String,
                                                         "drug": pl.String, "date": pl.Date}),
            treatments=tr.join(adsl.select("patient_id"), on="patient_id", how="semi")
            if tr is not None else None)
        add_persistence(results, adsl=adsl, addose=gaps, window=window, adpersist=persist,
                        alerts=alerts, km_years=context.study.analysis.km_years,
                        level=context.study.analysis.level,
                        min_at_risk=context.study.analysis.km_min_at_risk)

    def methods(self, context: Context) -> list[str]:
        """Gaps, persistence and limits."""
        return [
            "A treatment gap is a dose later than the regimen window allows; persistence is the "
            "Kaplan-Meier time from the start of each study-drug course to its stop (overall and "
            "by stop reason, other stops censored); duration limits (mitoxantrone 2 years, "
            "cladribine's 2-year course) and earlier mitoxantrone courses without charted doses "
            "were checked over the whole administration history (clinical-methods section 7)."
        ]


class Cox(_Endpoint):
    """Hazard ratios between groups for time to confirmed worsening."""

    name = "cox"
    title = "Hazard ratios between groups"
    reads = reading()
    section = ("efficacy", "Disability outcomes")
    outputs = (Output(
        "cox", "Cox hazard ratios for time to confirmed worsening",
        stats=(Stat("hr, ci_low, ci_high, p_value", "vs the reference group, robust SE"),
               Stat("ph_p_value", "Schoenfeld-residual test of proportional hazards"),
               Stat("n, events", "patients and events in the two groups")),
        doc=_ROWS["cox"], measure="EDSS"),)

    def run(self, context: Context, results: ResultsTable) -> None:
        """``cox`` rows (nothing with a single group)."""
        adtte = context.datasets.get("adtte")
        if adtte is not None and adtte.height:
            ep.add_cox(results, adtte=adtte, level=context.study.analysis.level)

    def methods(self, context: Context) -> list[str]:
        """The Cox model."""
        return [
            "Groups were compared by Cox proportional hazards models of the time to the first "
            "confirmed worsening with robust standard errors and the Schoenfeld-residual test."
        ]


#: The endpoint analyses in report order.
ENDPOINT_ANALYSES: tuple[Analysis, ...] = (
    Arr(), MriActivity(), T2LesionRate(), Neda(), LublinActivity(), Pirma(), BiomarkerChange(),
    Severity(), Milestone(), Cox(), Persistence(),
)
