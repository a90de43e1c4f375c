"""Run every endpoint analysis the store has data for: datasets in, results rows out.

:func:`derive_endpoint_datasets` builds the per-patient and per-year datasets once (follow-up
window, relapse counts, scans, MRI years, NEDA, Lublin); :func:`add_endpoints` adds the rows of
each analysis the settings switch on and the data allow, and returns the datasets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

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
from msrwe.endpoints.arr import add_arr
from msrwe.endpoints.mri import add_mri_activity, add_t2_lesion_rate
from msrwe.endpoints.neda import add_lublin_activity, add_neda
from msrwe.endpoints.pirma import add_pirma
from msrwe.endpoints.settings import EndpointSettings
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

__all__ = ["EndpointData", "add_endpoints", "derive_endpoint_datasets", "worsening_events"]

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
    scans
        The cohort's scans with comparison and activity columns.
    admri, adyears, adneda, adlublin
        Per patient (MRI summary), per patient-year (MRI activity, NEDA, Lublin).
    adpirma
        The worsening events with their PIRMA class.
    events
        Every confirmed EDSS worsening (``event="multiple"``) with its RAW/PIRA class.
    """

    adsl: pl.DataFrame
    relapses: pl.DataFrame
    events: pl.DataFrame
    scans: pl.DataFrame | None
    admri: pl.DataFrame | None
    adyears: pl.DataFrame | None
    adneda: pl.DataFrame | None
    adlublin: pl.DataFrame | None
    adpirma: pl.DataFrame | None


def worsening_events(
    adsl: pl.DataFrame, advs: pl.DataFrame, relapses: pl.DataFrame, study: Study
) -> pl.DataFrame:
    """Every confirmed EDSS worsening on treatment, classified RAW/PIRA.

    The study's ``[outcomes]`` definitions with ``event = "multiple"`` and ``raw_pira = true``:
    NEDA, Lublin and PIRMA need every worsening, not only the first.
    """
    from msrwe.study._engine import run_engine
    from msrwe.study.efficacy import MEASURES, measure_policy

    st = study.replace(outcomes=dataclasses.replace(study.outcomes, event="multiple",
                                                    raw_pira=True))
    if "base_edss_date" not in adsl.columns or advs.height == 0:
        return pl.DataFrame(schema=_EV_SCHEMA)
    events, _ = run_engine(adsl, advs, relapses, MEASURES[0], measure_policy(MEASURES[0], st), st)
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
        adyears = derive_mri_activity_years(base, scans=scans)
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
    return EndpointData(adsl=base, relapses=counted, events=events, scans=scans, admri=admri,
                        adyears=adyears, adneda=adneda, adlublin=adlublin, adpirma=adpirma)


def add_endpoints(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    tables: Mapping[str, pl.DataFrame | None],
    study: Study,
    settings: EndpointSettings | None = None,
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
                                    lag_days=study.analysis.on_treatment_days)
    if cfg.runs("arr") and rel is not None:
        add_arr(results, adrr=data.adsl, adsl=data.adsl, km_years=study.analysis.km_years,
                level=level, merge_days=cfg.relapse_merge_days)
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
    return data
