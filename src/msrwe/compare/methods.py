"""The comparison in words: the emulated target trial and a methods paragraph from the settings.

The target-trial elements (eligibility, treatment strategies, assignment, index, follow-up,
outcome, estimand, analysis) follow Hernán and Robins' protocol table, as the MS registry
guidance recommends (Simoneau et al., *Mult Scler* 2022; comparative-effectiveness.md 2.1, 2.4).
"""

from __future__ import annotations

from msrwe.compare.cohort import CompareCohort
from msrwe.compare.design import COVARIATES, OUTCOMES, CompareDesign

__all__ = ["describe_comparison", "target_trial"]


def _eligibility(d: CompareDesign) -> str:
    parts = [f"new users of {', '.join(d.arms)} (first dose charted"
             + (f" from {d.index_from}" if d.index_from else "")
             + (f" to {d.index_to}" if d.index_to else "") + ")"]
    if d.phenotypes:
        parts.append(f"phenotype at index {', '.join(d.phenotypes)}")
    if d.edss_min is not None or d.edss_max is not None:
        lo = d.edss_min if d.edss_min is not None else 0
        hi = d.edss_max if d.edss_max is not None else 10
        parts.append(f"baseline EDSS {lo:g}-{hi:g}")
    if d.min_history_days:
        parts.append(f"charted at least {d.min_history_days} days before index")
    if d.washout_days:
        parts.append(f"no other treatment in the {d.washout_days} days before index")
    parts.append("at least one assessment after index")
    return "; ".join(parts)


def _follow_up(d: CompareDesign) -> str:
    if d.follow_up == "itt":
        text = "from index to the last assessment (intention to treat)"
    else:
        text = (f"from index to the stop of the drug plus {d.grace_days} days, or the start of "
                "another treatment, whichever came first (on treatment)")
    if d.allow_switch:
        text += "; a start of another arm's drug is a new index and ends the earlier follow-up"
    if d.censoring == "pairwise":
        text += "; each matched set's follow-up is cut to its shortest (pairwise censoring)"
    return text


def _estimand(d: CompareDesign) -> str:
    if d.method == "matching":
        return "average effect in the comparator arm's patients who could be matched (ATT)"
    return {"ate": "average treatment effect in the eligible population (ATE)",
            "att": "average effect in the comparator arm's patients (ATT)",
            "ato": "average effect in the population in equipoise (overlap weights, ATO)"}[
        d.estimand]


def _adjustment(d: CompareDesign, covs: tuple[str, ...]) -> str:
    model = "logistic regression" + (f" with an L2 penalty ({d.propensity_penalty:g})"
                                     if d.propensity_penalty else "")
    names = ", ".join(COVARIATES[c].split(" (")[0] for c in covs)
    if d.method == "matching":
        how = (f"greedy nearest-neighbour matching on the logit of the propensity score, "
               f"caliper {d.caliper:g} SD of the logit, up to {d.ratio} reference patient(s) per "
               f"comparator patient, {'with' if d.replace else 'without'} replacement "
               "(weights 1/k per use)")
    else:
        how = {"ate": "stabilised inverse probability of treatment weights",
               "att": "ATT weights (odds of the score for the reference arm)",
               "ato": "overlap weights"}[d.estimand]
        if d.truncate_percentiles:
            lo, hi = d.truncate_percentiles
            how += f", truncated at the {lo:g}th and {hi:g}th percentiles"
        if d.max_weight:
            how += f", capped at {d.max_weight:g}"
    miss = ("patients missing a covariate were left out (complete case)"
            if d.missing == "complete_case"
            else "a missing covariate was set to the median with a missing-value indicator")
    return f"propensity score by {model} on {names}; {how}; {miss}"


def target_trial(design: CompareDesign, covariates: tuple[str, ...]) -> list[tuple[str, str]]:
    """The emulated target trial as (element, text) rows for the report.

    Examples
    --------
    >>> rows = target_trial(CompareDesign(arms=("methotrexate", "rituximab")), ("age",))
    >>> [r[0] for r in rows][:3]
    ['Eligibility', 'Treatment strategies', 'Assignment']
    """
    d = design
    outs = "; ".join(OUTCOMES[o] for o in d.outcomes)
    return [
        ("Eligibility", _eligibility(d)),
        ("Treatment strategies", f"start {' or '.join(d.arms)}; reference {d.reference}"),
        ("Assignment", "not randomised; emulated by " + _adjustment(d, covariates)),
        ("Index (time zero)", "the first dose of the arm's drug"
         + (" (" + ", ".join(f"{a} {r}" for a, r in d.routes.items()) + ")" if d.routes else "")),
        ("Follow-up", _follow_up(d)),
        ("Outcomes", f"time to {outs}; annualised relapse rate; share with confirmed "
         "improvement"),
        ("Estimand", _estimand(d)),
        ("Analysis", "weighted Kaplan-Meier curves; Cox model with robust (sandwich) CI and the "
         "Schoenfeld test (RMST difference when proportional hazards fail); negative binomial "
         "relapse rate ratio with a log person-years offset; E-values; the naive estimate "
         "beside the adjusted one"),
    ]


def describe_comparison(
    design: CompareDesign, cohort: CompareCohort, *, level: float = 0.95,
    outcome_methods: dict[str, str] | None = None,
) -> str:
    """A methods paragraph generated from the design and the cohort.

    Examples
    --------
    >>> import polars as pl
    >>> from msrwe.compare.cohort import CompareCohort
    >>> c = CompareCohort(pl.DataFrame(), pl.DataFrame(), ("age", "edss"))
    >>> text = describe_comparison(CompareDesign(arms=("methotrexate", "rituximab")), c)
    >>> text.split(".")[0]
    'We emulated a target trial comparing rituximab with methotrexate (reference)'
    """
    d = design
    pct = f"{level * 100:g}%"
    comps = ", ".join(d.comparators)
    text = [
        f"We emulated a target trial comparing {comps} with {d.reference} (reference). "
        f"Eligible were {_eligibility(d)}. The index date was the first dose of the arm's drug"
        + ("; a patient who received several arms' drugs belonged to the arm started first"
           if not d.allow_switch else "; every start of an arm's drug was a new index")
        + ". Covariates were measured at index. ",
        f"Confounding was addressed by {_adjustment(d, cohort.covariates)}; each comparator "
        "was compared with the reference in its own propensity model. Balance was judged by "
        "standardised mean differences as cobalt defines them (|SMD| < 0.1) and variance "
        "ratios (0.5-2), never by p values. ",
        f"Follow-up ran {_follow_up(d)}. ",
        "Time to each outcome was compared with a Cox model weighted by the "
        f"{'matching' if d.method == 'matching' else 'propensity-score'} weights, with a robust "
        f"(sandwich) {pct} confidence interval clustered on the "
        + ("patient" if d.replace or d.allow_switch or d.method == "weighting"
           else "matched set")
        + "; proportional hazards were checked with the Schoenfeld residual test, and the "
        "restricted mean survival time difference is given when they failed (p < 0.05). "
        "Annualised relapse rates and their ratio came from a weighted negative binomial model "
        "with a log person-years offset and a robust variance. E-values (VanderWeele and Ding "
        "2017) were computed for every ratio, hazard ratios first converted for a common "
        "outcome. The unadjusted estimate is shown beside the adjusted one.",
    ]
    if d.adjust_residual:
        text.append(f" Covariates with residual |SMD| >= {d.residual_smd:g} after adjustment "
                    "were added to the outcome models.")
    for o in d.outcomes:
        m = (outcome_methods or {}).get(o)
        if m:
            text.append(f" {OUTCOMES[o].capitalize()}: {m}")
    return "".join(text)
