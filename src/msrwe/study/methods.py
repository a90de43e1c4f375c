"""The methods paragraph, written from the settings in force (never by hand).

Every definition that changes a number (cohort criteria, baseline window, risk window, threshold
policy, confirmation rule, zero handling of the Wilcoxon test) is stated, so that a reader can
reproduce the analysis from the text; the outcome engine's own ``describe()`` follows verbatim
(clinical-methods 2.3: the full parameter set must accompany every result).

Examples
--------
>>> from msrwe.study.config import Study
>>> s = Study.from_dict({"cohort": {"drug": "methotrexate", "route": "intrathecal",
...                                 "min_administrations": 18, "phenotypes": ["SPMS", "PPMS"]}})
>>> text = describe_methods(s)
>>> "at least 18 intrathecal administrations of methotrexate" in text
True
>>> "90 days after the last dose" in text
True
"""

from __future__ import annotations

from collections.abc import Mapping

from msrwe.derive.relapses import UNCONFIRMED_RELAPSE_NOTE
from msrwe.study.config import Study

__all__ = [
    "cohort_methods",
    "describe_methods",
    "efficacy_methods",
    "engine_methods",
    "exposure_methods",
    "safety_methods",
]


def _num(x: float) -> str:
    return f"{x:g}"


def _cohort_sentence(study: Study, drug: str | None) -> str:
    c = study.cohort
    drug = drug or c.drug or "the most-given drug"
    route = f"{c.route} " if c.route else ""
    parts = [
        f"Patients were included if they had received at least {c.min_administrations} "
        f"{route}administration{'s' if c.min_administrations != 1 else ''} of {drug}"
    ]
    if c.phenotypes:
        parts.append(f"had {' or '.join(c.phenotypes)}")
    if c.first_dose_from or c.first_dose_to:
        parts.append(
            f"received their first dose between {c.first_dose_from or 'any date'} and "
            f"{c.first_dose_to or 'any date'}"
        )
    if c.baseline_edss_min is not None or c.baseline_edss_max is not None:
        lo = _num(c.baseline_edss_min) if c.baseline_edss_min is not None else "0"
        hi = _num(c.baseline_edss_max) if c.baseline_edss_max is not None else "10"
        parts.append(f"had a baseline EDSS from {lo} to {hi}")
    pt = c.prior_treatment
    if pt.active:
        parts.append(
            f"had failed at least {pt.min_drugs} distinct disease-modifying drugs before the "
            f"first dose, each taken for at least {pt.min_days} days (courses of the same drug "
            f"less than {pt.merge_gap_days} days apart merged) and stopped for "
            f"{' or '.join(pt.reasons)}"
        )
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    group = study.analysis.group_column
    grouping = (
        f" Results are given per {group} and overall." if group else " Results are given overall."
    )
    return text + "." + grouping


def cohort_methods(study: Study, drug: str | None = None, n_patients: int | None = None) -> str:
    """Who was included, how results are grouped, and how many met the criteria."""
    text = _cohort_sentence(study, drug)
    if n_patients is not None:
        text += f" {n_patients} patients met the criteria."
    return text


def efficacy_methods(study: Study) -> list[str]:
    """Baseline and follow-up, change and slope, confirmed worsening (three paragraphs)."""
    a, o = study.analysis, study.outcomes
    lvl = f"{a.level * 100:g}%"
    paras = [
        "Baseline EDSS was the score on the day of the first dose or, failing that, the last "
        f"score within {a.baseline_window_days} days before it; the follow-up score was the last "
        f"one recorded up to {a.on_treatment_days} days after the last dose. The 9-hole peg "
        "test time was the harmonic mean of the two hands' mean times (the MSFC time "
        "equivalent); 777 s (unable because of MS) on either hand gave 777 s and always counted "
        "as worsening."
    ]
    edss_policy = o.options.delta_fun
    paras.append(
        "Change from baseline was summarised by its median and the numbers of patients improved, "
        f"stable and worsened, a meaningful change being one of at least the threshold of the "
        f"outcome engine's policy ({edss_policy}; {o.worsening_pct:g}% for the timed tests). "
        "Baseline and follow-up were compared with the paired Wilcoxon signed-rank test with "
        f"zero_method={a.zero_method} ("
        + {
            "wilcox": "zero differences dropped",
            "pratt": "zero differences ranked, then their ranks dropped",
            "zsplit": "ranks of zero differences split between the signs",
        }[a.zero_method]
        + "), p values "
        + {"auto": "exact up to 50 non-zero differences, otherwise from the normal "
                   "approximation", "exact": "exact", "approx": "from the normal approximation"}[
            a.p_method]
        + ". The annual EDSS slope was estimated by a linear mixed model with a random intercept "
        "and slope per patient, fitted by restricted maximum likelihood (an exact fit from "
        "per-patient sums, checked against statsmodels MixedLM; random intercept only when the "
        "slope variance was estimated at zero, the covariance was singular or the model did not "
        f"converge), with its {lvl} confidence interval."
    )
    paras.append(
        "Confirmed disability worsening was found by the outcome engine with a "
        f"{o.baseline} baseline at the baseline assessment, confirmation at least "
        f"{' or '.join(_num(c) for c in o.conf_days)} "
        f"days later (tolerance {_num(o.conf_tol_days[0][0])} days before, "
        f"{_num(o.conf_tol_days[0][1])} after), "
        + ("every intermediate visit above threshold, " if o.check_intermediate else "")
        + f"no baseline within {_num(o.relapse_to_bl[0])} days and no confirmation within "
        f"{_num(o.relapse_to_conf[0])} days after a relapse"
        + (f", sustained for {_num(o.require_sust_days)} days" if o.require_sust_days else "")
        + ". "
        + UNCONFIRMED_RELAPSE_NOTE
        + " Time from the first dose to the onset of the first confirmed worsening was estimated "
        "by the Kaplan-Meier method (lifelines), censoring patients without an event at their "
        + (
            "last on-treatment assessment that could have served as a confirmation (one at "
            "least the confirmation period, less its tolerance, after an earlier assessment on "
            "treatment and not in the window after a relapse; time 0 when there was none)"
            if a.censor_at == "confirmable" else "last on-treatment assessment"
        )
        + f"; numbers at risk and {lvl} confidence intervals are given "
        f"at {', '.join(_num(y) for y in a.km_years)} years"
        + (
            f". Curves and estimates stop where fewer than {a.km_min_at_risk} patients remain at "
            "risk (this applies to every Kaplan-Meier estimate of the report)"
            if a.km_min_at_risk > 0 else ""
        )
        + "; times before any event show \"no events\" rather than an interval, and the median "
        f"is given with its {lvl} interval read from the log(-log) pointwise band as R's "
        "print.survfit reads it (Brookmeyer and Crowley)."
    )
    return paras


def exposure_methods(interval_days: tuple[int, int] | list[int] | None) -> str:
    """How exposure was described (with the dose-interval window in force, if any)."""
    expo = (
        "Exposure was described per patient by the first and last dose, the number of doses, the "
        "years from first to last dose, the intervals between doses"
    )
    if interval_days:
        expo += (
            f" (with the share inside the regimen's window of {interval_days[0]}-"
            f"{interval_days[1]} days)"
        )
    return expo + (
        " and the cumulative dose in mg, mg/m2 (from the body surface area at each dose) and "
        "mg/kg, with alerts where a known cumulative limit was crossed."
    )


def safety_methods(study: Study) -> str:
    """How adverse events were counted."""
    a, s = study.analysis, study.safety
    lvl = f"{a.level * 100:g}%"
    return (
        "Adverse events were treatment-emergent from the first dose to "
        f"{s.risk_window_days} days after the last dose"
        + (" or the day before the next disease-modifying treatment started, whichever came "
           "first," if s.end_at_next_treatment else "") + " and grouped by "
        + ("verbatim term" if s.ae_grouping == "term" else "MedDRA preferred-term code")
        + "; each was tagged with the days since the nearest preceding dose. Proportions of "
        f"patients with an event have Clopper-Pearson exact {lvl} intervals; exposure-adjusted "
        "incidence rates (time at risk stopping at the first event) are per 100 patient-years "
        "with exact Poisson (chi-square) intervals. Serious events follow the ICH E2A criteria."
    )


def engine_methods(engine: Mapping[str, str] | None) -> list[str]:
    """The outcome engine's own description of each run, verbatim."""
    return [
        f"Outcome engine settings ({key}): {text}" for key, text in (engine or {}).items() if text
    ]


def describe_methods(
    study: Study,
    *,
    drug: str | None = None,
    engine: Mapping[str, str] | None = None,
    n_patients: int | None = None,
    interval_days: tuple[int, int] | list[int] | None = None,
) -> str:
    """The methods paragraph for a study (every analysis's paragraphs, in one text).

    ``msrwe.pipeline.analyze`` writes the methods from the declared analyses (each contributes its
    own paragraphs, in report order); this function gives the same paragraphs for a study
    without running it.

    Parameters
    ----------
    study
        The settings in force.
    drug
        The study drug when the study file names none (the most-given drug).
    engine
        ``describe()`` of each outcome-engine run, by measure (``edss``, ``nhpt``, ``t25fw``).
    n_patients
        Size of the cohort, when known.
    interval_days
        The dose-interval window in force (``exposure.interval_days`` or the regimen's).

    Returns
    -------
    str
        Plain text in paragraphs separated by blank lines.
    """
    paras = [
        cohort_methods(study, drug, n_patients),
        *efficacy_methods(study),
        exposure_methods(interval_days),
        safety_methods(study),
        *engine_methods(engine),
    ]
    return "\n\n".join(paras)
