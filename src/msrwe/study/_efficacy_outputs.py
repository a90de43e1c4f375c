"""The efficacy analysis's measures and declared outputs.

The disability measures (:class:`Measure`: EDSS always, the 9-hole peg and timed 25-foot walk
tests where measured), the stats of their change and time-to-event rows, the EDSS slope, and the
threshold policy in force for each measure (:func:`measure_policy`, clinical-methods 8).
:class:`msrwe.study.efficacy.Efficacy` declares these outputs and writes their rows; the public
names are re-exported by :mod:`msrwe.study.efficacy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msrwe.analysis.base import Output, Stat
from msrwe.derive.outcomes.nhpt import unable_guard
from msrwe.derive.outcomes.thresholds import PCT20, ThresholdPolicy
from msrwe.study.config import Study

__all__ = [
    "CHANGE_STATS",
    "EDSS_SLOPE",
    "EFFICACY_OUTPUTS",
    "MEASURES",
    "TTE_STATS",
    "Measure",
    "measure_policy",
]


@dataclass(frozen=True)
class Measure:
    """One disability measure analysed for change and confirmed worsening.

    Attributes
    ----------
    key
        Short name used in analysis names (``edss``, ``nhpt``, ``t25fw``).
    column
        Column of ``advs`` holding the value.
    outcome
        The outcome name of the outcome engine.
    change_analysis, tte_analysis
        Analysis names in the results table.
    param
        ``param`` of the ``adtte`` rows.
    label
        Human label.
    change_title, tte_title
        Headings of the change and time-to-event outputs.
    """

    key: str
    column: str
    outcome: str
    change_analysis: str
    tte_analysis: str
    param: str
    label: str
    change_title: str = ""
    tte_title: str = ""


#: The measures analysed: EDSS always, the 9-hole peg and 25-foot walk tests where measured.
MEASURES: tuple[Measure, ...] = (
    Measure("edss", "edss", "edss", "edss_change", "time_to_cdw", "CDW_EDSS", "EDSS",
            "EDSS from baseline to last assessment",
            "Time to confirmed disability worsening (EDSS)"),
    Measure("nhpt", "nhpt_s", "nhpt", "nhpt_change", "time_to_cdw_nhpt", "CDW_NHPT",
            "9-hole peg test (s)", "9-hole peg test from baseline to last assessment",
            "Time to confirmed worsening of the 9-hole peg test"),
    Measure("t25fw", "t25fw_s", "t25fw", "t25fw_change", "time_to_cdw_t25fw", "CDW_T25FW",
            "timed 25-foot walk (s)", "Timed 25-foot walk from baseline to last assessment",
            "Time to confirmed worsening of the timed 25-foot walk"),
)

CHANGE_STATS: tuple[Stat, ...] = (
    Stat("n", "patients with a baseline and an on-treatment value"),
    Stat("baseline_median, baseline_q1, baseline_q3", "baseline median and quartiles"),
    Stat("last_median, last_q1, last_q3", "last on-treatment median and quartiles"),
    Stat("change_median, change_q1, change_q3", "change (last - baseline) median and quartiles"),
    Stat("improved, stable, worsened",
         "patients whose change met the threshold policy downwards, neither way, upwards "
         "(`outcomes.delta_policy` for EDSS; `outcomes.worsening_pct` for the timed tests; "
         "777 s on the 9HPT always worsens)"),
    Stat("improved_pct, stable_pct, worsened_pct", "the same as percentages of `n`"),
    Stat("statistic", "Wilcoxon signed-rank statistic, the smaller of the two signed-rank sums "
         "(as scipy)"),
    Stat("p_value", "two-sided p value"),
    Stat("n_zero", "pairs with no change"),
    Stat("exact", "1 when `p_value` is exact, 0 when it comes from the normal approximation"),
)
TTE_STATS: tuple[Stat, ...] = (
    Stat("n", "patients with a baseline and a later assessment", "level `\"\"`"),
    Stat("events", "patients with a confirmed worsening (at a time point: cumulative events "
         "by then)"),
    Stat("median", "median time to worsening, years; empty when not reached, without events, or "
         "reached only where fewer than `analysis.km_min_at_risk` are at risk (`method` says "
         "which)", "level `\"\"`"),
    Stat("median_ci_low, median_ci_high", "its confidence interval, read from the log(-log) "
         "band as R's print.survfit does (empty when not reached)", "level `\"\"`"),
    Stat("n_at_risk", "patients still followed and event-free at that time",
         "level: years after the first dose, from `analysis.km_years` (`\"1\"`, `\"2\"`, ...)"),
    Stat("survival", "Kaplan-Meier probability of no confirmed worsening (0-1); empty where "
         "fewer than `analysis.km_min_at_risk` are at risk (`method`: not reported)",
         "time points"),
    Stat("ci_low, ci_high", "its confidence interval; empty before the first event "
         "(`method`: not estimable: no events)", "time points"),
    Stat("cum_incidence_pct", "100 x (1 - survival)", "time points"),
)
_CHANGE_DOC = (
    "Baseline (the score at the first dose, or the last within `baseline_window_days` before "
    "it) against the last score on treatment (up to `on_treatment_days` after the last dose), "
    "for patients with both; `variable` is `{key}`, `level` empty. `method` names the test, its "
    "zero handling and whether p is exact, and the threshold policy."
)
_TTE_DOC = (
    "Time from the first dose to the onset of the first confirmed worsening found by the "
    "outcome engine (definitions in `[outcomes]`, stated in the methods paragraph), "
    "Kaplan-Meier; patients without an event are censored at their last on-treatment "
    "assessment that could have served as a confirmation (`analysis.censor_at`). "
    "`variable` is `{key}`."
)
EDSS_SLOPE = Output(
    "edss_slope", "EDSS slope (mixed model)",
    stats=(
        Stat("n", "patients"), Stat("n_obs", "assessments"),
        Stat("slope", "EDSS points per year"), Stat("ci_low, ci_high", "its confidence interval"),
    ),
    doc=(
        "Annual EDSS change from a linear mixed model (`edss ~ years`, random intercept and "
        "slope per patient; random intercept only when that does not converge, which `method` "
        "says), using the on-treatment assessments from the baseline on, time in years since the "
        "first dose. `variable` = `edss`, `level` empty."
    ),
    measure="EDSS",
    display="generic",
)
#: The efficacy outputs in report order: changes, the slope, times to worsening.
EFFICACY_OUTPUTS: tuple[Output, ...] = (
    *(Output(m.change_analysis, m.change_title, stats=CHANGE_STATS,
             doc=_CHANGE_DOC.format(key=m.key), measure=m.label, display="change")
      for m in MEASURES),
    EDSS_SLOPE,
    *(Output(m.tte_analysis, m.tte_title, stats=TTE_STATS, doc=_TTE_DOC.format(key=m.key),
             measure=m.label, display="time_to_event")
      for m in MEASURES),
)


def measure_policy(measure: Measure, study: Study) -> ThresholdPolicy:
    """The threshold policy in force for a measure (``outcomes.delta_fun``, ``worsening_pct``).

    Examples
    --------
    >>> from msrwe.study.config import Study
    >>> s = Study.from_dict({"outcomes": {"delta_fun": "trial", "worsening_pct": 25}})
    >>> measure_policy(MEASURES[0], s)(5.5), measure_policy(MEASURES[2], s)(10.0)
    (1.0, 2.5)
    """
    if measure.key == "edss":
        policy = study.outcomes.options.delta_fun  # resolved for the EDSS by the options
        if not isinstance(policy, ThresholdPolicy):  # pragma: no cover - study files name one
            raise TypeError("a study's delta_fun is a named threshold policy")
        return policy
    pct = study.outcomes.worsening_pct
    frac = pct / 100.0
    policy = PCT20 if pct == 20 else ThresholdPolicy(
        f"pct{pct:g}",
        f"{pct:g}% of the reference value",
        "study file outcomes.worsening_pct",
        lambda b: np.asarray(b, dtype=np.float64) * frac,
    )
    # 777 s on the 9-hole peg test (unable because of MS) always counts as worsening.
    return unable_guard(policy) if measure.key == "nhpt" else policy
