"""The safety analysis's declared outputs: what each row of ``ae_*`` and ``hospitalization`` holds.

:class:`msrwe.study.safety.Safety` declares these outputs and :func:`msrwe.study.safety.add_safety`
writes their rows; their names, stats and docs are the vocabulary of ``docs/results.md``
(clinical-methods section 6). The public names are re-exported by :mod:`msrwe.study.safety`.
"""

from __future__ import annotations

from msrwe.analysis.base import Output, Stat
from msrwe.study._per_dose import BOOTSTRAP_MAX_PATIENTS, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED

__all__ = [
    "AE_ANALYSES",
    "AE_BY_DAYS_SINCE_DOSE",
    "AE_INCIDENCE",
    "AE_INFECTION",
    "AE_PER_ADMINISTRATION",
    "AE_RELATED",
    "AE_SERIOUS",
    "DAYS_SINCE_DOSE_BINS",
    "HOSPITALIZATION",
    "INCIDENCE_STATS",
]


#: ``(stat suffix, first day, last day)`` bins of days since the nearest preceding dose.
DAYS_SINCE_DOSE_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0_1", 0, 1),
    ("2_7", 2, 7),
    ("8_30", 8, 30),
    ("31_plus", 31, None),
)


#: The incidence stats shared by the ``ae_*`` outputs and ``hospitalization``.
INCIDENCE_STATS: tuple[Stat, ...] = (
    Stat("N", "patients at risk (all cohort patients of the group)"),
    Stat("n", "patients with at least one event"),
    Stat("pct, ci_low, ci_high", "`n / N` in percent with its Clopper-Pearson interval "
         "(method `Clopper-Pearson exact 95%`)"),
    Stat("events", "all events (recurrences included)"),
    Stat("person_years", "time at risk to the first event, summed (years)"),
    Stat("eair, eair_ci_low, eair_ci_high", "`n / person_years x 100`, exact Poisson interval"),
    Stat("exposure_years", "whole time at risk, summed (years)"),
    Stat("eaer, eaer_ci_low, eaer_ci_high",
         "`events / exposure_years x 100`, exact Poisson interval"),
)
_TERM = "`term` (or `pt_code` with `safety.ae_grouping = \"pt_code\"`)"

AE_INCIDENCE = Output(
    "ae_incidence", "Adverse events by term", stats=INCIDENCE_STATS, display="incidence",
    missing="The results table holds no adverse-event incidence.",
    doc=(
        "Treatment-emergent adverse events. Variable `any` (level empty): any event; variable "
        f"{_TERM}, level the term trimmed and in lower case (`post-lumbar puncture headache`) or "
        "the MedDRA PT code (events without a code keep their term). Every term seen in the "
        "cohort is written for every group (with `n = 0` where a group has none), ordered by "
        "the overall number of patients, most frequent first."
    ),
)
AE_SERIOUS = Output(
    "ae_serious", "Serious adverse events", stats=INCIDENCE_STATS, display="incidence",
    doc=(
        "Serious adverse events (ICH E2A): an event is serious when `serious` is true or "
        "`serious_criteria` is filled in (read case-insensitively, separated by `;`). Variable "
        "`any`; variable `criterion` with level `death`, `life_threatening`, `hospitalization`, "
        "`disability`, `congenital_anomaly`, `medically_important` (an event may meet several) "
        "or `not_stated` (no criterion named); variable `term` / `pt_code` for each term with "
        "a serious event."
    ),
)
AE_RELATED = Output(
    "ae_related", "Adverse events by relatedness", stats=INCIDENCE_STATS, display="incidence",
    doc=(
        "Related or possibly related events (`related` is `related` or `possibly_related`). "
        "Variable `any`; `serious` (serious **and** related: the \"no serious related event\" "
        "row); `term` / `pt_code` for each term with a related event."
    ),
)
AE_INFECTION = Output(
    "ae_infection", "Infections", stats=INCIDENCE_STATS, display="incidence",
    doc="Infections (`infection` true). Variable `any`; `serious`; `term` / `pt_code`.",
)
HOSPITALIZATION = Output(
    "hospitalization", "Hospital stays",
    stats=(*INCIDENCE_STATS,
           Stat("n, n_missing, mean, sd, median, q1, q3, min, max",
                "distribution of discharge minus admission (days)",
                "variable `length_of_stay_days`")),
    display="incidence",
    doc=(
        "Hospital stays from the `hospitalizations` table; a stay counts when it starts inside "
        "the time at risk. Variable `any` (`events` = stays), `related` (stays related or "
        "possibly related to the drug), `length_of_stay_days`."
    ),
)
AE_PER_ADMINISTRATION = Output(
    "ae_per_administration", "Adverse events per administration",
    stats=(
        Stat("administrations", "doses given to the group"),
        Stat("events", "treatment-emergent events"),
        Stat("rate", "events per dose"),
        Stat("per_100", "events per 100 doses"),
        Stat("ci_low, ci_high", "interval of `rate`, patients as clusters"),
    ),
    display="per_dose",
    doc=(
        "Events per dose (variable `any`, or `term` / `pt_code` with the term as level). Doses "
        "cluster within patients, so the interval treats patients as clusters (clinical-methods "
        f"6): a patient-level bootstrap ({BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED}, "
        f"percentile interval) for groups of up to {BOOTSTRAP_MAX_PATIENTS} patients, above "
        "that the cluster-robust (sandwich) Wald interval of the ratio. A group of one patient "
        "has no interval. `method` says which."
    ),
)
AE_BY_DAYS_SINCE_DOSE = Output(
    "ae_by_days_since_dose", "Adverse events by days since the last dose",
    stats=(
        Stat("events", "treatment-emergent events"),
        Stat(", ".join(f"n_{b[0]}" for b in DAYS_SINCE_DOSE_BINS),
             "events 0-1, 2-7, 8-30, 31+ days after a dose"),
        Stat("pct_within_7_days", "share of events within 7 days of a dose (0-100)"),
        Stat("median_days, q1_days, q3_days", "days from the dose to the onset"),
    ),
    display="days_since_dose",
    doc=(
        "Each treatment-emergent event is tagged with the days since the nearest dose on or "
        "before its onset (`adae.days_since_dose`); variable `any`, or `term` / `pt_code`."
    ),
)

#: The outputs computed from the adverse_events table.
AE_ANALYSES: tuple[str, ...] = tuple(
    o.name for o in (AE_INCIDENCE, AE_SERIOUS, AE_RELATED, AE_INFECTION, AE_PER_ADMINISTRATION,
                     AE_BY_DAYS_SINCE_DOSE)
)
