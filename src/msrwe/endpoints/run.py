"""Run every endpoint analysis the store has data for: datasets in, results rows out.

:func:`derive_endpoint_datasets` builds the per-patient and per-year datasets once (follow-up
window, relapse counts, scans, MRI years, NEDA, Lublin); :func:`add_endpoints` adds the rows of
each analysis the settings switch on and the data allow, and returns the datasets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from msrwe.derive.biomarkers import derive_vars_biomarker_samples, read_biomarker_reference
from msrwe.derive.followup import derive_var_end_date
from msrwe.derive.lublin import derive_lublin_years
from msrwe.derive.mri import (
    derive_mri_activity_years,
    derive_vars_mri_activity,
    derive_vars_mri_summary,
    follow_up_years,
)
from msrwe.derive.neda import derive_neda_years
from msrwe.derive.pirma import derive_vars_pirma
from msrwe.derive.relapse_rates import derive_vars_relapse_counts, merge_relapse_onsets
from msrwe.derive.severity import derive_vars_severity, read_severity_matrix
from msrwe.endpoints.arr import add_arr
from msrwe.endpoints.biomarkers import add_biomarker_change
from msrwe.endpoints.cox import add_cox
from msrwe.endpoints.milestones import add_milestones, derive_admilestone
from msrwe.endpoints.mri import add_mri_activity, add_t2_lesion_rate
from msrwe.endpoints.neda import add_lublin_activity, add_neda
from msrwe.endpoints.pirma import add_pirma
from msrwe.endpoints.settings import EndpointSettings
from msrwe.endpoints.severity import add_severity
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

__all__ = [
    "EndpointData",
    "add_arr",
    "add_biomarker_change",
    "add_cox",
    "add_endpoints",
    "add_lublin_activity",
    "add_milestone_rows",
    "add_mri_activity",
    "add_neda",
    "add_pirma",
    "add_severity_rows",
    "add_t2_lesion_rate",
    "derive_endpoint_datasets",
    "worsening_events",
]

_REL_SCHEMA = {"patient_id": pl.String, "onset_date": pl.Date}
_EV_SCHEMA = {"patient_id": pl.String, "event_type": pl.String, "date": pl.Date}


@dataclass(frozen=True)
class EndpointData:
    """The endpoint datasets (``None`` where the store lacks the table they need).

    Attributes
    ----------
    adsl
        The cohort with ``end_date`` and the relapse counts.
    relapses
        The counted relapses (merge rule applied).
    relapses_confirmed
        The confirmed relapses as charted (no merging; ``None`` without a relapses table).
    scans
        The cohort's scans with comparison and activity columns.
    admri, adyears, adneda, adlublin
        Per patient (MRI summary), per patient-year (MRI activity, NEDA, Lublin).
    adpirma
        The worsening events with their PIRMA class.
    adbm
        The cohort's biomarker samples, normalised and flagged.
    events
        Every confirmed EDSS worsening (``event="multiple"``) with its RAW/PIRA class.
    """

    adsl: pl.DataFrame
    relapses: pl.DataFrame
    relapses_confirmed: pl.DataFrame | None
    events: pl.DataFrame
    scans: pl.DataFrame | None
    admri: pl.DataFrame | None
    adyears: pl.DataFrame | None
    adneda: pl.DataFrame | None
    adlublin: pl.DataFrame | None
    adpirma: pl.DataFrame | None
    adbm: pl.DataFrame | None


def worsening_events(
    adsl: pl.DataFrame, advs: pl.DataFrame, relapses: pl.DataFrame, study: Study
) -> pl.DataFrame:
    """Every confirmed EDSS worsening on treatment, classified RAW/PIRA.

    The study's ``[outcomes]`` definitions with ``event = "multiple"`` and ``raw_pira = true``:
    NEDA, Lublin and PIRMA need every worsening, not only the first.
    """
    from msrwe.study._engine import run_engine
    from msrwe.study.efficacy import MEASURES, measure_policy

    m = MEASURES[0]
    options = study.outcomes.options.replace(
        event="multiple", RAW_PIRA=True, outcome=m.outcome, value_col=m.column,
        delta_fun=measure_policy(m, study),
    )
    if "base_edss_date" not in adsl.columns or advs.height == 0:
        return pl.DataFrame(schema=_EV_SCHEMA)
    events, _ = run_engine(adsl, advs, relapses, options)
    if events is None:
        return pl.DataFrame(schema=_EV_SCHEMA)
    return events.filter(pl.col("event_type") == "CDW")


def derive_endpoint_datasets(
    adsl: pl.DataFrame,
    *,
    advs: pl.DataFrame,
    relapses: pl.DataFrame | None,
    mri: pl.DataFrame | None,
    events: pl.DataFrame,
    settings: EndpointSettings,
    biomarkers: pl.DataFrame | None = None,
    lag_days: int = 90,
) -> EndpointData:
    """Build the endpoint datasets of a cohort.

    Parameters
    ----------
    adsl
        The cohort (``patient_id``, ``group``, ``first_dose``, ``last_dose``, ``phenotype``).
    advs
        The cohort's visits (``patient_id``, ``date``, ``edss``).
    relapses
        Confirmed relapses (``None`` when the store has no relapses table).
    mri
        The ``mri`` table, or ``None``.
    biomarkers
        The ``biomarkers`` table, or ``None``.
    events
        Confirmed worsening events (:func:`worsening_events`).
    settings
        ``[endpoints]``.
    lag_days
        ``analysis.on_treatment_days``: visits this long after the last dose are on treatment.
    """
    rel = relapses if relapses is not None else pl.DataFrame(schema=_REL_SCHEMA)
    counted = merge_relapse_onsets(rel.select("patient_id", "onset_date"),
                                   merge_days=settings.relapse_merge_days)
    base = derive_var_end_date(adsl, visits=advs, lag_days=lag_days)
    base = derive_vars_relapse_counts(base, relapses=counted, merge_days=0)
    years = follow_up_years(base)
    scans = admri = adyears = adneda = adlublin = adpirma = None
    visits = advs.select("patient_id", "date", "edss")
    ev = events.select("patient_id", "date")
    if mri is not None:
        scans = derive_vars_mri_activity(mri.join(base.select("patient_id"), on="patient_id",
                                                  how="semi"))
        admri = derive_vars_mri_summary(base, scans=scans,
                                        rebaseline_days=settings.mri_rebaseline_days)
        adyears = derive_mri_activity_years(base, scans=scans, years=years)
        adneda = derive_neda_years(years, scans=scans, visits=visits, relapses=counted,
                                   events=ev, tolerance_days=settings.neda_tolerance_days,
                                   bvl_threshold_pct=settings.bvl_threshold_pct)
        phen = (base.select("patient_id", "phenotype") if "phenotype" in base.columns
                else base.select("patient_id", pl.lit(None, dtype=pl.String).alias("phenotype")))
        adlublin = derive_lublin_years(years, phenotypes=phen, scans=scans, visits=visits,
                                       relapses=counted, events=ev)
        if "cdw_type" in events.columns:
            adpirma = derive_vars_pirma(events, scans=scans,
                                        lookback_days=settings.pirma_mri_lookback_days,
                                        coverage_days=settings.pirma_coverage_days)
    adbm = None
    if biomarkers is not None and "birth_date" in base.columns:
        ref = (read_biomarker_reference(settings.biomarker_reference)
               if settings.biomarker_reference else None)
        adbm = derive_vars_biomarker_samples(
            biomarkers.join(base.select("patient_id"), on="patient_id", how="semi"),
            patients=base, relapses=rel, scans=scans, reference=ref,
            before_days=settings.biomarker_relapse_before_days,
            after_days=settings.biomarker_relapse_after_days)
    return EndpointData(adsl=base, relapses=counted, relapses_confirmed=relapses, events=events,
                        scans=scans, admri=admri, adyears=adyears, adneda=adneda,
                        adlublin=adlublin, adpirma=adpirma, adbm=adbm)


def add_endpoints(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame | None],
    study: Study,
    settings: EndpointSettings | None = None,
    adtte: pl.DataFrame | None = None,
) -> EndpointData:
    """Add the rows of every endpoint analysis switched on and possible with the data.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort with its baselines (``base_edss_date``).
    advs
        The cohort's visits (:func:`msrwe.study.datasets.derive_advs`).
    tables
        The chart tables by name (``relapses``, ``mri``, ``biomarkers``; ``None`` when absent).
    study
        The study in force.
    settings
        ``[endpoints]`` (default: every analysis, every default).
    adtte
        The efficacy analysis' time-to-event dataset (for ``cox``), or ``None``.
    """
    from msrwe.derive.relapses import filter_confirmed_relapses

    cfg = settings or EndpointSettings()
    level = study.analysis.level
    rel_table = tables.get("relapses")
    rel = filter_confirmed_relapses(rel_table) if rel_table is not None else None
    events = worsening_events(adsl, advs, rel if rel is not None
                              else pl.DataFrame(schema=_REL_SCHEMA), study)
    data = derive_endpoint_datasets(adsl, advs=advs, relapses=rel, mri=tables.get("mri"),
                                    events=events, settings=cfg,
                                    lag_days=study.analysis.on_treatment_days,
                                    biomarkers=tables.get("biomarkers"))
    if cfg.runs("arr") and rel is not None:
        add_arr(results, adrr=data.adsl, adsl=data.adsl, km_years=study.analysis.km_years,
                level=level, merge_days=cfg.relapse_merge_days,
                min_at_risk=study.analysis.km_min_at_risk)
    if data.scans is not None and data.admri is not None:
        if cfg.runs("mri_activity"):
            add_mri_activity(results, adsl=data.adsl, admri=data.admri, adyears=data.adyears,
                             scans=data.scans, level=level)
        if cfg.runs("t2_lesion_rate"):
            add_t2_lesion_rate(results, adsl=data.adsl, admri=data.admri, level=level)
        if cfg.runs("neda") and data.adneda is not None:
            add_neda(results, adsl=data.adsl, adneda=data.adneda, level=level,
                     tolerance_days=cfg.neda_tolerance_days,
                     bvl_threshold_pct=cfg.bvl_threshold_pct)
        if cfg.runs("lublin_activity") and data.adlublin is not None:
            add_lublin_activity(results, adsl=data.adsl, adlublin=data.adlublin)
        if cfg.runs("pirma") and data.adpirma is not None:
            add_pirma(results, adsl=data.adsl, adpirma=data.adpirma, level=level,
                      lookback_days=cfg.pirma_mri_lookback_days,
                      coverage_days=cfg.pirma_coverage_days)
    if cfg.runs("biomarker_change") and data.adbm is not None:
        add_biomarker_change(
            results, adsl=data.adsl, samples=data.adbm, level=level,
            baseline_days=cfg.biomarker_baseline_days, zero_method=study.analysis.zero_method,
            p_method=study.analysis.p_method,
            proximal_note=(f"{cfg.biomarker_relapse_before_days} days before to "
                           f"{cfg.biomarker_relapse_after_days} days after a relapse onset or up "
                           f"to {cfg.biomarker_relapse_after_days} days after a Gd+ scan"))
    if cfg.runs("cox") and adtte is not None and adtte.height:
        add_cox(results, adtte=adtte, level=level)
    if cfg.runs("severity"):
        add_severity_rows(results, data.adsl, advs, cfg, study)
    if cfg.runs("milestone") and tables.get("visits") is not None \
            and "base_edss_date" in data.adsl.columns:
        add_milestone_rows(results, data.adsl, tables["visits"], rel, cfg, study)
    return data


def add_milestone_rows(results: ResultsTable, adsl: pl.DataFrame, visits: pl.DataFrame,
                       relapses: pl.DataFrame | None, cfg: EndpointSettings,
                       study: Study) -> None:
    """``milestone`` rows on the cohort's charted visits (study confirmation settings)."""
    o = study.outcomes.options
    tol = o.conf_tol_days[0] if isinstance(o.conf_tol_days[0], tuple | list) else o.conf_tol_days
    rtc = (o.relapse_to_conf if isinstance(o.relapse_to_conf, tuple | list)
           else (o.relapse_to_conf, 0.0))
    cohort_visits = visits.select("patient_id", "date", "edss").join(
        adsl.select("patient_id"), on="patient_id", how="semi").filter(
        pl.col("edss").is_not_null())
    adm = derive_admilestone(
        adsl, visits=cohort_visits, relapses=relapses, milestones=cfg.milestone_values,
        conf_days=cfg.milestone_conf_days, conf_tol_days=tuple(tol),
        relapse_to_conf=tuple(rtc), require_sust_days=o.require_sust_days)
    method = (
        f"first EDSS at or above the milestone confirmed {cfg.milestone_conf_days} days later "
        f"(-{tol[0]:g}/+{tol[1]:g} days) with every value in between at "
        f"or above it, no confirmation within {rtc[0]:g} days after a relapse "
        "(R msprog value_milestone)"
    )
    add_milestones(results, adsl=adsl, admilestone=adm, km_years=study.analysis.km_years,
                   level=study.analysis.level, method=method,
                   min_at_risk=study.analysis.km_min_at_risk)


def add_severity_rows(results: ResultsTable, adsl: pl.DataFrame, advs: pl.DataFrame,
                      cfg: EndpointSettings, study: Study) -> None:
    """``severity`` rows (nothing without onset, birth date and baseline EDSS columns)."""
    need = ("ms_onset_date", "birth_date", "base_edss", "base_edss_date", "last_edss",
            "last_edss_date")
    if any(c not in adsl.columns for c in need):
        return
    msss = read_severity_matrix(cfg.msss_matrix, kind="msss") if cfg.msss_matrix else None
    armss = read_severity_matrix(cfg.armss_matrix, kind="armss") if cfg.armss_matrix else None
    adsev = derive_vars_severity(adsl, visits=advs.select("patient_id", "date", "edss"),
                                 msss=msss, armss=armss, indexing=cfg.severity_indexing)
    add_severity(results, adsl=adsl, adsev=adsev, msss_matrix=msss.name if msss else None,
                 armss_matrix=armss.name if armss else None, indexing=cfg.severity_indexing,
                 zero_method=study.analysis.zero_method, p_method=study.analysis.p_method)
