"""The comparison as a declared analysis: it runs when the study has a ``[compare]`` section.

:class:`Comparison` wraps :func:`msrwe.compare.run.run_comparison` (docs/compare.md) so that
``msrwe analyze`` and ``msrwe report`` run it beside the other analyses; ``msrwe compare`` runs
it alone. Its results vocabulary is declared here, once (the issue's item 5).
"""

from __future__ import annotations

from msrwe.analysis import Analysis, Column, Context, Output, Stat, SummarySpec, reading
from msrwe.compare.run import run_comparison
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

__all__ = ["COMPARE_OUTPUTS", "Comparison"]

_PAIR = "level = the comparator arm for rows of one pairwise comparison"

#: The outputs of the comparison, in report order.
COMPARE_OUTPUTS: tuple[Output, ...] = (
    Output(
        "compare_design", "Design of the comparison",
        stats=(Stat("setting", "a `[compare]` setting in force; the value (JSON) in `label`",
                    "variable = the key"),),
        doc="The `[compare]` settings in force, so that the results table describes its own "
        "design.", display="",
    ),
    Output(
        "compare_attrition", "Who entered the comparison",
        stats=(Stat("excluded, remaining", "units (patient x arm start) removed / left",
                    "variable `criterion`, level = step; label = the criterion"),),
        display="",
    ),
    Output(
        "compare_cohort", "Patients per arm",
        stats=(
            Stat("n_eligible", "eligible units per arm", "variable `patients`, level `\"\"`"),
            Stat("n_matched", "matched patients (matching)", f"variable `patients`; {_PAIR}"),
            Stat("ess", "effective sample size (weighting)", f"variable `patients`; {_PAIR}"),
            Stat("n, person_years, events", "per outcome after adjustment (weighted "
                 "person-years)", f"variable = outcome; {_PAIR}"),
            Stat("improved, improved_pct", "confirmed improvement (weighted %)",
                 f"variable = outcome; {_PAIR}"),
            Stat("note", "a warning or note as text in `label` (e.g. fewer than 10 in an arm)",
                 "group `overall`, variable `notes`"),
        ),
        display="",
    ),
    Output(
        "compare_balance", "Covariate balance",
        stats=(
            Stat("smd_before, smd_after", "standardised mean difference (cobalt)"),
            Stat("vr_before, vr_after", "variance ratio (continuous covariates)"),
            Stat("mean_<arm>_before, mean_<arm>_after", "mean (proportion) per arm"),
        ),
        doc="Group = the comparator arm, variable = the covariate's model column.", display="",
    ),
    Output(
        "compare_overlap", "Propensity-score overlap",
        stats=(Stat("equipoise_pct", "% with a preference score in 0.3-0.7"),
               Stat("ps_min, ps_max", "range of the score per arm (level)")),
        display="",
    ),
    Output(
        "compare_effect", "Comparative effectiveness: time to confirmed worsening",
        stats=(
            Stat("hr, hr_ci_low, hr_ci_high, p_value", "adjusted hazard ratio, comparator vs "
                 "reference, robust CI"),
            Stat("hr_naive, hr_naive_ci_low, hr_naive_ci_high", "unadjusted hazard ratio"),
            Stat("e_value, e_value_ci", "E-value of the HR and of its CI limit nearer 1"),
            Stat("ph_p_value", "Schoenfeld test of proportional hazards"),
            Stat("rmst_diff", "RMST difference in years, when proportional hazards fail"),
        ),
        doc="Group = the comparator arm, variable = the outcome.", measure="EDSS",
        display="comparison",
    ),
    Output(
        "compare_arr", "Comparative effectiveness: relapses",
        stats=(
            Stat("arr, arr_ci_low, arr_ci_high", "annualised relapse rate", f"group = arm; "
                 f"{_PAIR}"),
            Stat("rate_ratio, rate_ratio_ci_low, rate_ratio_ci_high, p_value, e_value, "
                 "e_value_ci", "negative binomial rate ratio", f"group `overall`; {_PAIR}"),
        ),
        display="",
    ),
)


class Comparison(Analysis):
    """Comparative effectiveness of the study's ``[compare]`` arms (docs/compare.md)."""

    name = "compare"
    title = "Comparative effectiveness"
    doc = (
        "Rows of `msrwe.compare.run.run_comparison`, written when the study has a `[compare]` "
        "section: each comparator arm vs the reference after propensity-score matching or "
        "weighting. Datasets: `adcmp` (one row per unit: arm, index date, covariates at index, "
        "follow-up), `adcmpps` (propensity scores and weights per comparison), `adcmptte` (time "
        "to event per comparison and outcome)."
    )
    outputs = COMPARE_OUTPUTS
    requires = ("administrations",)
    reads = reading(patients=None, visits=None, relapses=None, administrations=None,
                    treatments=None, adverse_events=None, hospitalizations=None, mri=None,
                    biomarkers=None)
    section = ("compare", "Comparative effectiveness")
    figures = ("comparison",)
    facts = ()
    summary = (
        SummarySpec(
            "Comparative effectiveness: confirmed EDSS worsening, each arm vs the reference",
            tuple(Column(head, "compare_effect", (stat,), "edss", digits=2) for head, stat in (
                ("HR", "hr"), ("CI low", "hr_ci_low"), ("CI high", "hr_ci_high"),
                ("naive HR", "hr_naive"), ("E-value", "e_value"), ("PH p", "ph_p_value"),
            )),
            caption="adjusted (matching or weighting) and naive hazard ratios; robust 95% CI",
        ),
    )

    def enabled(self, study: Study) -> bool:
        """Only when the study has a ``[compare]`` section (and it is not switched off)."""
        return study.compare is not None and super().enabled(study)

    def run(self, context: Context, results: ResultsTable) -> None:
        """Run the comparison and add its rows and datasets."""
        res = run_comparison(context.tables, context.study)
        results.extend(res.results)
        context.datasets.update(res.datasets)
        context.notes[self.name] = res.methods

    def methods(self, context: Context) -> list[str]:
        """The comparison's methods paragraph."""
        text = context.notes.get(self.name)
        return [text] if text else []
