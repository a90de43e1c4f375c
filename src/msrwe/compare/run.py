"""``run_comparison``: a study's ``[compare]`` design into ``compare_*`` rows of the results table.

Each comparator arm is compared with the reference arm in its own propensity model (pairwise
comparisons, as MSBase studies do; comparative-effectiveness.md 2.1): propensity score, matching
or weighting, balance before and after, then for each outcome a weighted Cox model (robust CI
clustered on the matched set, or on the patient), the naive (unadjusted) HR beside it, the
Schoenfeld test and, when proportional hazards fail (p < 0.05), the RMST difference; relapses
give per-arm annualised rates and a negative binomial rate ratio; every ratio gets an E-value.

The results vocabulary (docs/compare.md, docs/results.md):

- ``compare_cohort``: group = arm; ``variable = "patients"``: ``n_eligible`` (level ""), and per
  comparison (level = the comparator arm) ``n_matched`` (matching) or ``ess`` (weighting);
  ``variable = <outcome>`` (level = comparator): ``n``, ``person_years``, ``events``,
  ``improved``, ``improved_pct``.
- ``compare_balance``: group = comparator arm, variable = covariate: ``smd_before``,
  ``smd_after``, ``vr_before``, ``vr_after``, ``mean_<arm>_before``, ``mean_<arm>_after``.
- ``compare_effect``: group = comparator arm, variable = outcome: ``hr``, ``hr_ci_low``,
  ``hr_ci_high``, ``p_value``, ``hr_naive``, ``hr_naive_ci_low``, ``hr_naive_ci_high``,
  ``e_value``, ``e_value_ci``, ``ph_p_value``, ``rmst_diff``.
- ``compare_arr``: group = arm, variable = ``relapses``, level = comparator: ``arr``,
  ``arr_ci_low``, ``arr_ci_high``; group = ``overall``, level = comparator: ``rate_ratio``,
  ``rate_ratio_ci_low``, ``rate_ratio_ci_high``, ``e_value``.
- ``compare_overlap``: group = comparator arm: ``equipoise_pct`` (share with a preference score
  in 0.3-0.7), ``ps_min``/``ps_max`` per arm.
- ``compare_design``: group ``overall``, variable = a ``[compare]`` key, stat ``setting``:
  the value in force as JSON in ``label`` (the results table describes its own design).
- ``compare_attrition``: group ``overall``, variable ``criterion``, level = step:
  ``excluded``, ``remaining`` (units), label = the criterion.
- ``compare_cohort`` rows with group ``overall``, variable ``notes``, stat ``note``: warnings
  and notes (e.g. fewer than 10 patients in an arm) as text in ``label``, ``method = "note"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from msrwe.compare.balance import balance_table
from msrwe.compare.cohort import CompareCohort, build_compare_cohort, covariate_matrix
from msrwe.compare.design import OUTCOMES, CompareDesign
from msrwe.compare.matching import match_nearest
from msrwe.compare.outcomes import (
    OutcomeDates,
    censor_follow_up,
    derive_outcome_dates,
    relapse_counts,
    time_to_event,
)
from msrwe.compare.propensity import check_overlap, fit_propensity
from msrwe.compare.weighting import effective_sample_size, ps_weights
from msrwe.errors import InputError, StudyFileError
from msrwe.stats import cox_hr, e_value, negbin_rate_ratio, rmst_difference
from msrwe.tables.results import ResultsTable

if TYPE_CHECKING:  # the study package sits above this one: only its type is needed
    from msrwe.study.config import Study

__all__ = ["MIN_PER_ARM", "ComparisonResult", "read_chart_tables", "run_comparison"]

#: Fewer eligible patients than this in an arm gives a warning (the analysis is still shown).
MIN_PER_ARM = 10
_TABLES = ("patients", "administrations", "visits", "relapses", "treatments", "mri",
           "biomarkers")


@dataclass(frozen=True)
class ComparisonResult:
    """What :func:`run_comparison` returns.

    Attributes
    ----------
    results
        The ``compare_*`` rows.
    datasets
        ``adcmp`` (one row per unit: arm, index, covariates, follow-up), ``adcmpps`` (per
        comparison: unit, treat, propensity score, weight), ``adcmptte`` (per comparison and
        outcome: time, event, weight, cluster).
    cohort
        The comparison cohort (units and attrition).
    design
        The design in force.
    notes
        Warnings and notes for the report (small arms, dropped covariates, ...).
    methods
        The generated methods paragraph.
    """

    results: ResultsTable
    datasets: dict[str, pl.DataFrame]
    cohort: CompareCohort
    design: CompareDesign
    notes: tuple[str, ...] = field(default=())
    methods: str = ""


def read_chart_tables(db: str | Path) -> dict[str, pl.DataFrame | None]:
    """The chart tables a comparison reads, from a store (``None`` for a table it lacks)."""
    from msrwe.store import read_tables

    return read_tables(db, _TABLES)


def _pair_label(design: CompareDesign, comparator: str) -> str:
    return f"{comparator} vs {design.reference}"


def _treat_weights(
    design: CompareDesign, pair: pl.DataFrame, ps: np.ndarray, logit: np.ndarray,
    treat: np.ndarray,
) -> pl.DataFrame:
    """One row per use of a unit with its weight and set (matching) or per unit (weights)."""
    if design.method == "matching":
        m = match_nearest(logit, treat, caliper=design.caliper, ratio=design.ratio,
                          replace=design.replace)
        idx = pair.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
        used = m.uses.with_columns(pl.col("row").cast(pl.Int64)).join(idx, on="row",
                                                                       how="left")
        return used.with_columns(set_id=pl.col("set_id").cast(pl.String))
    w = ps_weights(ps, treat, estimand=design.estimand,
                   truncate_percentiles=design.truncate_percentiles,
                   max_weight=design.max_weight).weights
    return pair.with_columns(weight=pl.Series(w), set_id=pl.col("patient_id"))


def _unit_weights(used: pl.DataFrame) -> pl.DataFrame:
    return used.group_by("unit_id").agg(weight=pl.col("weight").sum())


def run_comparison(
    tables: Mapping[str, pl.DataFrame | None] | str | Path,
    study: Study,
    design: CompareDesign | None = None,
) -> ComparisonResult:
    """Run the comparison a study's ``[compare]`` section designs.

    Parameters
    ----------
    tables
        Chart tables by name (``patients`` and ``administrations`` at least), or the path of a
        store written by ``msrwe import``.
    study
        The study (:class:`~msrwe.study.config.Study`); its ``[outcomes]`` rules and
        ``analysis.level`` are used.
    design
        The design; default ``study.compare``.

    Returns
    -------
    ComparisonResult

    Raises
    ------
    StudyFileError
        For a design the data cannot answer: an arm nobody received or with no eligible patient,
        a constant covariate named in ``compare.covariates``.
    InputError
        Perfect separation or no overlap of the propensity scores.
    """
    if isinstance(tables, str | Path):
        tables = read_chart_tables(tables)
    design = design or study.compare
    if design is None:
        raise StudyFileError("study file: the study has no [compare] section, so there is "
                             "nothing to compare. docs/compare.md shows a minimal one.")
    if tables.get("administrations") is None:
        raise StudyFileError("the store has no administrations, so no arm has any patient.")
    cohort = build_compare_cohort(design, **{k: tables.get(k) for k in _TABLES})
    units = cohort.units
    notes = list(cohort.notes)
    counts = dict(units.group_by("arm").len().iter_rows())
    for arm in design.arms:
        n = counts.get(arm, 0)
        if n == 0:
            raise StudyFileError(
                f"study file: compare.arms names '{arm}', but no patient on {arm} is eligible "
                "after the comparison's criteria (see the attrition table: "
                f"{_attrition_text(cohort)}). Relax the eligibility keys of [compare]."
            )
        if n < MIN_PER_ARM:
            notes.append(
                f"Warning: only {n} eligible patient(s) on {arm} (fewer than {MIN_PER_ARM}); "
                "the estimates for this arm are very uncertain."
            )
    results = ResultsTable()
    level = study.analysis.level
    alpha = 1 - level
    dates = derive_outcome_dates(units, visits=tables.get("visits"),
                                 relapses=tables.get("relapses"), study=study, design=design)
    for arm in design.arms:
        results.add("compare_cohort", arm, "patients", "", "n_eligible", counts.get(arm, 0),
                    label="Eligible patients")
    ps_frames, tte_frames = [], []
    for comp in design.comparators:
        label = f"compare ({_pair_label(design, comp)})"
        pair = units.filter(pl.col("arm").is_in([design.reference, comp]))
        pair, names = covariate_matrix(pair, cohort.covariates,
                                       explicit=bool(design.covariates))
        treat = (pair["arm"] == comp).cast(pl.Int64).to_numpy()
        x = pair.select(names).to_numpy().astype(float) if names else np.zeros((pair.height, 0))
        if names:
            prop = fit_propensity(x, treat, names, penalty=design.propensity_penalty,
                                  label=label)
            ps, logit, pref = prop.ps, prop.logit, prop.preference
        else:
            notes.append(f"{label}: no covariate varies, so the propensity score is constant.")
            ps = np.full(pair.height, treat.mean())
            logit, pref = np.log(ps / (1 - ps)), np.full(pair.height, 0.5)
        check_overlap(ps, treat, label)
        used = _treat_weights(design, pair.select("unit_id", "patient_id", "arm"), ps, logit,
                              treat)
        uw = _unit_weights(used)
        w_after = pair.select("unit_id").join(uw, on="unit_id", how="left")["weight"] \
            .fill_null(0.0).to_numpy()
        ps_frames.append(pair.select("unit_id", "patient_id", "arm").with_columns(
            comparison=pl.lit(comp), treat=pl.Series(treat), ps=pl.Series(ps),
            preference=pl.Series(pref), weight=pl.Series(w_after),
        ))
        _overlap_rows(results, comp, design, ps, pref, treat)
        _cohort_rows(results, comp, design, pair, treat, w_after)
        if names:
            estimand = "att" if design.method == "matching" else design.estimand
            bal = balance_table(x, names, treat, w_after, estimand=estimand)
            _balance_rows(results, comp, design, bal)
            residual = [r["covariate"] for r in bal.iter_rows(named=True)
                        if abs(r["smd_after"]) >= design.residual_smd]
        else:
            residual = []
        adjust = residual if design.adjust_residual else []
        cluster = "patient_id" if (design.replace or design.allow_switch
                                   or design.method == "weighting") else "set_id"
        used = used.join(pair.select("unit_id", "index_date", "end_date", *names),
                         on="unit_id", how="left")
        used = censor_follow_up(used, design.censoring)
        used = used.with_columns(treat=(pl.col("arm") == comp).cast(pl.Int64))
        for outcome in design.outcomes:
            tte_frames.append(_effect(results, comp, design, outcome, used, pair, dates,
                                      adjust, cluster, alpha, notes))
        _arr(results, comp, design, used, pair, tables.get("relapses"), adjust, cluster, alpha,
             notes)
    for key, value in design.to_dict().items():
        results.add("compare_design", "overall", key, "", "setting", None,
                    label=json.dumps(value, default=str), method="setting")
    for step_no, criterion, excluded, remaining in cohort.attrition.iter_rows():
        results.add_stats("compare_attrition", "overall", "criterion", str(step_no),
                          {"excluded": excluded, "remaining": remaining}, label=criterion)
    for i, note in enumerate(notes, start=1):
        results.add("compare_cohort", "overall", "notes", str(i), "note", None, label=note,
                    method="note")
    datasets = {
        "adcmp": units,
        "adcmpps": pl.concat(ps_frames) if ps_frames else pl.DataFrame(),
        "adcmptte": pl.concat(tte_frames, how="diagonal_relaxed") if tte_frames
        else pl.DataFrame(),
    }
    from msrwe.compare.methods import describe_comparison

    methods = describe_comparison(design, cohort, level=level, outcome_methods=dates.methods)
    return ComparisonResult(results=results, datasets=datasets, cohort=cohort, design=design,
                            notes=tuple(notes), methods=methods)


def _attrition_text(cohort: CompareCohort) -> str:
    return "; ".join(f"{c}: {r} left" for _, c, _, r in cohort.attrition.iter_rows())


def _overlap_rows(results: ResultsTable, comp: str, design: CompareDesign, ps: np.ndarray,
                  pref: np.ndarray, treat: np.ndarray) -> None:
    eq = float(np.mean((pref >= 0.3) & (pref <= 0.7)) * 100)
    results.add("compare_overlap", comp, "preference_score", "", "equipoise_pct", eq,
                label="Patients in equipoise (preference score 0.3-0.7), %")
    for arm, t in ((comp, 1), (design.reference, 0)):
        results.add("compare_overlap", comp, "ps", arm, "ps_min", float(ps[treat == t].min()))
        results.add("compare_overlap", comp, "ps", arm, "ps_max", float(ps[treat == t].max()))


def _cohort_rows(results: ResultsTable, comp: str, design: CompareDesign, pair: pl.DataFrame,
                 treat: np.ndarray, w: np.ndarray) -> None:
    for arm, t in ((comp, 1), (design.reference, 0)):
        sel = treat == t
        if design.method == "matching":
            results.add("compare_cohort", arm, "patients", comp, "n_matched",
                        int(np.sum(w[sel] > 0)), label=f"Matched ({_pair_label(design, comp)})")
        else:
            results.add("compare_cohort", arm, "patients", comp, "ess",
                        effective_sample_size(w[sel]),
                        label=f"Effective sample size ({_pair_label(design, comp)})")


def _balance_rows(results: ResultsTable, comp: str, design: CompareDesign,
                  bal: pl.DataFrame) -> None:
    sd = ("SD of the comparator arm" if design.method == "matching" or design.estimand == "att"
          else "pooled SD")
    how = (f"standardised mean difference ({sd}, unadjusted sample, as cobalt); "
           "|SMD| < 0.1 is balanced; variance ratio 0.5-2 is balanced")
    for r in bal.iter_rows(named=True):
        stats = {
            "smd_before": r["smd_before"], "smd_after": r["smd_after"],
            "vr_before": r["vr_before"], "vr_after": r["vr_after"],
            f"mean_{comp}_before": r["mean_treated_before"],
            f"mean_{comp}_after": r["mean_treated_after"],
            f"mean_{design.reference}_before": r["mean_control_before"],
            f"mean_{design.reference}_after": r["mean_control_after"],
        }
        results.add_stats("compare_balance", comp, r["covariate"], "", stats,
                          label=r["covariate"], method=how)


def _effect(
    results: ResultsTable, comp: str, design: CompareDesign, outcome: str, used: pl.DataFrame,
    pair: pl.DataFrame, dates: OutcomeDates, adjust: list[str], cluster: str, alpha: float,
    notes: list[str],
) -> pl.DataFrame:
    tte = time_to_event(used, dates, outcome, end="cut_date")
    naive_df = time_to_event(pair.with_columns(treat=(pl.col("arm") == comp).cast(pl.Int64)),
                             dates, outcome)
    for arm, t in ((comp, 1), (design.reference, 0)):
        d = tte.filter(pl.col("treat") == t)
        wsum = float(d["weight"].sum()) if d.height else 0.0
        results.add_stats("compare_cohort", arm, outcome, comp, {
            "n": d["unit_id"].n_unique(),
            "person_years": float((d["time"] * d["weight"]).sum()) if d.height else 0.0,
            "events": int(d["event"].sum()) if d.height else 0,
            "improved": int(d["improved"].sum()) if d.height else 0,
            "improved_pct": (float((d["improved"] * d["weight"]).sum()) / wsum * 100)
            if wsum > 0 else None,
        }, label=OUTCOMES[outcome])
    stats: dict[str, float | None] = dict.fromkeys(
        ("hr", "hr_ci_low", "hr_ci_high", "p_value", "hr_naive", "hr_naive_ci_low",
         "hr_naive_ci_high", "e_value", "e_value_ci", "ph_p_value", "rmst_diff"))
    method = ""
    adj = naive = None
    ev1 = tte.filter(pl.col("treat") == 1)["event"].sum()
    ev0 = tte.filter(pl.col("treat") == 0)["event"].sum()
    if ev1 == 0 or ev0 == 0:
        method = "not computed: no event in one of the arms"
        notes.append(f"{_pair_label(design, comp)}, {OUTCOMES[outcome]}: no event in one arm, "
                     "so no hazard ratio.")
    else:
        try:
            adj = cox_hr(tte, time="time", event="event", group="arm",
                         reference=design.reference, covariates=adjust, weights="weight",
                         cluster=cluster, alpha=alpha)
            naive = cox_hr(naive_df, time="time", event="event", group="arm",
                           reference=design.reference, cluster="patient_id", alpha=alpha)
        except InputError as exc:  # the model does not converge (e.g. complete separation)
            method = f"not computed: {exc}"
            notes.append(f"{_pair_label(design, comp)}, {OUTCOMES[outcome]}: no hazard ratio "
                         f"({exc}).")
            adj = naive = None
    if adj is not None and naive is not None:
        term = f"arm={comp}"
        # a common outcome (> 15% with the event) has its HR converted before the E-value
        rare = float(tte["event"].mean()) < 0.15
        ev, ev_ci = e_value(adj.hr, adj.ci_low, adj.ci_high, measure="hr", rare=rare)
        ph_row = adj.ph_terms.filter(pl.col("term") == term)
        ph = ph_row["p_value"].item(0) if ph_row.height else adj.ph_p_value
        stats.update(hr=adj.hr, hr_ci_low=adj.ci_low, hr_ci_high=adj.ci_high,
                     p_value=adj.p_value, hr_naive=naive.hr, hr_naive_ci_low=naive.ci_low,
                     hr_naive_ci_high=naive.ci_high, e_value=ev, e_value_ci=ev_ci,
                     ph_p_value=ph)
        if ph is not None and ph < 0.05:
            tau = design.rmst_years or float(min(
                tte.filter(pl.col("treat") == t)["time"].max() for t in (0, 1)))
            try:
                stats["rmst_diff"] = rmst_difference(
                    tte, time="time", event="event", group="arm", reference=design.reference,
                    comparator=comp, tau=tau, weights="weight", alpha=alpha)["diff"]
            except InputError as exc:  # e.g. rmst_years beyond an arm's follow-up
                notes.append(f"{_pair_label(design, comp)}, {OUTCOMES[outcome]}: no RMST "
                             f"difference ({exc}).")
        method = (f"{adj.method} Naive: {naive.method} E-value "
                  + ("for a rare outcome." if rare else "after the common-outcome conversion "
                     "of the HR.") + (f" Adjusted for {', '.join(adjust)}." if adjust else ""))
    results.add_stats("compare_effect", comp, outcome, "", stats,
                      label=f"{OUTCOMES[outcome]}: {_pair_label(design, comp)}", method=method)
    return tte.select("unit_id", "patient_id", "arm", "treat", "time", "event", "weight",
                      "set_id").with_columns(comparison=pl.lit(comp), outcome=pl.lit(outcome))


def _arr(
    results: ResultsTable, comp: str, design: CompareDesign, used: pl.DataFrame,
    pair: pl.DataFrame, relapses: pl.DataFrame | None, adjust: list[str], cluster: str,
    alpha: float, notes: list[str],
) -> None:
    rc = relapse_counts(used, relapses, end="cut_date")
    if rc.height == 0 or rc["relapses"].sum() == 0:
        notes.append(f"{_pair_label(design, comp)}: no relapse during follow-up, so no "
                     "relapse rates.")
        return
    rr = negbin_rate_ratio(rc, count="relapses", person_years="person_years", group="arm",
                           reference=design.reference, covariates=adjust, weights="weight",
                           cluster=cluster, alpha=alpha)
    method = rr.method
    rates = {str(r["level"]): r for r in rr.rates.iter_rows(named=True)}
    for arm in (comp, design.reference):
        r = rates.get(arm)
        if r is None:
            continue
        results.add_stats("compare_arr", arm, "relapses", comp,
                          {"arr": r["rate"], "arr_ci_low": r["ci_low"],
                           "arr_ci_high": r["ci_high"]},
                          label=f"Annualised relapse rate ({_pair_label(design, comp)})",
                          method=method)
    ev, ev_ci = e_value(rr.rate_ratio, rr.ci_low, rr.ci_high)
    results.add_stats("compare_arr", "overall", "relapses", comp, {
        "rate_ratio": rr.rate_ratio, "rate_ratio_ci_low": rr.ci_low,
        "rate_ratio_ci_high": rr.ci_high, "p_value": rr.p_value, "e_value": ev,
        "e_value_ci": ev_ci,
    }, label=f"Relapse rate ratio, {_pair_label(design, comp)}", method=method)
