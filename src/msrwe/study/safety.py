"""Safety analyses: treatment-emergent adverse events, serious, related, infections, hospital stays.

:func:`add_safety` derives ``adae`` (:func:`msrwe.derive.adverse_events.derive_adae`) and adds,
per group and overall, the rows of the analyses ``ae_incidence``, ``ae_serious``, ``ae_related``,
``ae_infection``, ``hospitalization``, ``ae_per_administration`` and ``ae_by_days_since_dose``
(clinical-methods section 6). The vocabulary is in ``docs/results_safety_part.md``; the outputs
are declared in :mod:`msrwe.study._safety_outputs`.

Time at risk. Each patient is at risk from the first dose to ``risk_window_days`` after the last,
cut the day before the next disease-modifying treatment starts
(``[safety] end_at_next_treatment``, true by default), at death and at the data cut-off
(the latest date found in the doses, adverse events, hospital stays and visits of ``adsl``).
The EAIR of a kind of event stops each patient's time at their first such event; the event
rate (EAER) uses the whole time at risk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import polars as pl

from msrwe.analysis.base import (
    Analysis,
    Column,
    Context,
    KeyFact,
    SummarySpec,
    reading,
)
from msrwe.derive._columns import key_type, require_columns
from msrwe.derive.adverse_events import SERIOUS_CRITERIA, derive_adae
from msrwe.derive.risk import derive_risk_periods as _derive_risk_periods
from msrwe.derive.risk import next_treatment_start
from msrwe.stats import IncidenceSummary, summarize
from msrwe.study._per_dose import (
    BOOTSTRAP_MAX_PATIENTS,
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    ratio_interval,
    resample_weights,
)
from msrwe.study._risk_rows import RiskRows
from msrwe.study._safety_outputs import (
    AE_ANALYSES,
    AE_BY_DAYS_SINCE_DOSE,
    AE_INCIDENCE,
    AE_INFECTION,
    AE_PER_ADMINISTRATION,
    AE_RELATED,
    AE_SERIOUS,
    DAYS_SINCE_DOSE_BINS,
    HOSPITALIZATION,
)
from msrwe.study.config import Study
from msrwe.study.methods import safety_methods
from msrwe.tables.groups import group_ids
from msrwe.tables.results import ResultsTable

__all__ = [
    "AE_ANALYSES",
    "BOOTSTRAP_MAX_PATIENTS",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "DAYS_SINCE_DOSE_BINS",
    "Safety",
    "add_safety",
]


_PROP = "Clopper-Pearson exact"
_RATE = "exact Poisson (chi-square), per 100 patient-years"
_AE_SCHEMA = {"patient_id": pl.String, "onset_date": pl.Date, "term": pl.String}
_HOSP_SCHEMA = {
    "patient_id": pl.String,
    "admit_date": pl.Date,
    "discharge_date": pl.Date,
    "reason": pl.String,
    "related": pl.String,
}


def _max_date(frames: Iterable[tuple[pl.DataFrame | None, str]]) -> dt.date | None:
    dates = [
        f[c].max()
        for f, c in frames
        if f is not None and c in f.columns and f.height and f[c].null_count() < f.height
    ]
    dates = [d for d in dates if isinstance(d, dt.date)]
    return max(dates) if dates else None


def _add_incidence(
    results: ResultsTable,
    analysis: str,
    group: str,
    variable: str,
    level_value: str,
    summary: IncidenceSummary,
    label: str,
) -> None:
    st = summary.as_stats()
    lvl = f"{100 * summary.proportion.level:g}%"
    prop = {k: st[k] for k in ("N", "n", "pct", "ci_low", "ci_high")}
    rate = {
        k: st[k]
        for k in (
            "events",
            "person_years",
            "eair",
            "eair_ci_low",
            "eair_ci_high",
            "exposure_years",
            "eaer",
            "eaer_ci_low",
            "eaer_ci_high",
        )
    }
    results.add_stats(
        analysis, group, variable, level_value, prop, label=label, method=f"{_PROP} {lvl}"
    )
    results.add_stats(
        analysis, group, variable, level_value, rate, label=label, method=f"{_RATE} {lvl}"
    )


def _labels(adae: pl.DataFrame) -> dict[str, str]:
    """The most common verbatim spelling of each group of events, for display."""
    if adae.height == 0:
        return {}
    counts = (
        adae.with_columns(pl.col("term").str.strip_chars().alias("__t"))
        .group_by("ae_group", "__t")
        .len()
        .sort(["ae_group", "len", "__t"], descending=[False, True, False])
        .group_by("ae_group", maintain_order=True)
        .first()
    )
    return {str(g): (str(t) if t is not None else str(g)) for g, t, _ in counts.iter_rows()}


def add_safety(
    results: ResultsTable,
    *,
    doses: pl.DataFrame,
    adsl: pl.DataFrame,
    adverse_events: pl.DataFrame | None,
    hospitalizations: pl.DataFrame | None = None,
    study: Study | None = None,
    administrations: pl.DataFrame | None = None,
    treatments: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """Add every safety row, per group and overall; return ``adae``.

    Parameters
    ----------
    results
        The results table to add rows to.
    doses
        The study drug's administrations of the cohort's patients.
    adsl
        One row per cohort patient with ``patient_id``, ``group`` and, when known,
        ``death_date`` (visits dates such as ``last_edss_date`` extend the data cut-off).
    adverse_events, hospitalizations
        Chart tables (``None`` when the store has none: the rows that depend on the table are
        then written as missing, method ``not computed: ...``, never as zero counts).
    study
        Study settings (default: every default): ``study.safety.risk_window_days`` (90),
        ``study.safety.ae_grouping`` (``term`` or ``pt_code``), ``study.analysis.level`` (0.95),
        ``study.safety.end_at_next_treatment`` (true).
    administrations, treatments
        Every charted administration and treatment course: with ``end_at_next_treatment`` the
        window and time at risk end the day before the next other drug starts
        (:func:`msrwe.derive.risk.next_treatment_start`).

    Returns
    -------
    dict
        ``adae``: one row per adverse event of a cohort patient (:func:`derive_adae` columns
        plus ``group``); ``adrisk``: the time at risk of each patient.

    Examples
    --------
    >>> doses = pl.DataFrame({"patient_id": ["a", "a", "b"],
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 1, 1)]})
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["SPMS", "SPMS"]})
    >>> ae = pl.DataFrame({"patient_id": ["a"], "onset_date": [dt.date(2020, 3, 2)],
    ...     "term": ["Headache"]})
    >>> r = ResultsTable()
    >>> _ = add_safety(r, doses=doses, adsl=adsl, adverse_events=ae)
    >>> r.get("ae_incidence", "pct", variable="term", level="headache")
    50.0
    >>> r.get("ae_by_days_since_dose", "n_0_1", variable="term", level="headache")
    1.0
    """
    start = len(results)
    study = study if study is not None else Study()
    window = study.safety.risk_window_days
    grouping = study.safety.ae_grouping
    level = study.analysis.level
    ae_in = adverse_events if adverse_events is not None else pl.DataFrame(schema=_AE_SCHEMA)
    hosp = hospitalizations if hospitalizations is not None else pl.DataFrame(schema=_HOSP_SCHEMA)
    require_columns(ae_in, "adverse_events", ["patient_id", "onset_date", "term"])
    require_columns(hosp, "hospitalizations", ["patient_id", "admit_date"])
    require_columns(doses, "administrations", ["patient_id", "date"])
    require_columns(adsl, "adsl", ["patient_id"])
    hosp = hosp.with_columns(
        [pl.lit(None, dtype=t).alias(c) for c, t in _HOSP_SCHEMA.items() if c not in hosp.columns]
    )
    ids = key_type(adsl, doses, ae_in, hosp)
    ids_all = adsl["patient_id"].cast(ids).implode()
    ae_in = ae_in.filter(pl.col("patient_id").cast(ids).is_in(ids_all))
    hosp = hosp.filter(pl.col("patient_id").cast(ids).is_in(ids_all))
    cutoff = _max_date(
        [(doses, "date"), (ae_in, "onset_date"), (hosp, "admit_date"), (adsl, "last_edss_date")]
    )
    nxt = (next_treatment_start(doses, administrations, treatments)
           if study.safety.end_at_next_treatment else None)
    risk = _derive_risk_periods(adsl, doses, risk_window_days=window, cutoff=cutoff,
                                next_treatment=nxt)
    adae = derive_adae(ae_in, doses, risk_window_days=window, group_by=grouping)
    if "group" in adsl.columns:
        adae = adae.join(
            adsl.select(pl.col("patient_id").cast(ids), "group"),
            on="patient_id",
            how="left",
            maintain_order="left",
        )
    # Treatment-emergent and inside the (possibly shortened) time at risk of the patient.
    te = adae.join(
        risk.select("patient_id", "risk_end"), on="patient_id", how="left", maintain_order="left"
    ).filter(pl.col("trt_emergent") & (pl.col("onset_date") <= pl.col("risk_end")))
    labels = _labels(te)
    order = (
        te.group_by("ae_group")
        .agg(pl.col("patient_id").n_unique().alias("n"))
        .sort(["n", "ae_group"], descending=[True, False])["ae_group"]
        .to_list()
    )
    h = hosp.join(risk, on="patient_id", how="left", maintain_order="left").filter(
        (pl.col("admit_date") >= pl.col("risk_start"))
        & (pl.col("admit_date") <= pl.col("risk_end"))
    )
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    var = grouping
    for group, ids in group_ids(adsl):
        rk = risk.filter(pl.col("patient_id").is_in(ids))
        at_risk = RiskRows(rk)
        # each event tagged once with its patient's row in rk (counts without a join per count)
        tg = at_risk.tag(te.filter(pl.col("patient_id").is_in(ids)))

        def inc(events: pl.DataFrame, at_risk: RiskRows = at_risk) -> IncidenceSummary:
            return at_risk.summary(events, "onset_date", level)

        def add(
            analysis: str,
            variable: str,
            level_value: str,
            events: pl.DataFrame,
            label: str,
            group: str = group,
        ) -> None:
            _add_incidence(results, analysis, group, variable, level_value, inc(events), label)

        def per_term(analysis: str, events: pl.DataFrame, flag: str | None) -> None:
            # every term of the cohort for ae_incidence; else the terms with a flagged event
            seen = (set(te.filter(pl.col(flag))["ae_group"].unique().to_list()) if flag
                    else set(order))
            # the events split by term once (rows in their order), not filtered once per term
            by_term = events.partition_by("ae_group", as_dict=True, maintain_order=True)
            for term in (t for t in order if t in seen):
                add(
                    analysis,
                    var,
                    term,
                    by_term.get((term,), events.clear()) if term is not None
                    else events.filter(pl.col("ae_group") == term),
                    labels.get(term, term),
                )

        # ae_incidence: any and per term
        add(AE_INCIDENCE.name, "any", "", tg, "Any treatment-emergent adverse event")
        per_term(AE_INCIDENCE.name, tg, None)
        # ae_serious: any, per ICH E2A criterion (or none stated), per term with a serious event
        ser = tg.filter(pl.col("serious_flag"))
        add(AE_SERIOUS.name, "any", "", ser, "Any serious adverse event (ICH E2A)")
        for c in SERIOUS_CRITERIA:
            add(AE_SERIOUS.name, "criterion", c, tg.filter(pl.col(f"sae_{c}")), c.replace("_", " "))
        no_criterion = ~pl.any_horizontal([pl.col(f"sae_{c}") for c in SERIOUS_CRITERIA])
        add(
            AE_SERIOUS.name,
            "criterion",
            "not_stated",
            ser.filter(no_criterion),
            "serious, no ICH E2A criterion stated",
        )
        per_term(AE_SERIOUS.name, ser, "serious_flag")
        # ae_related: related or possibly related; serious and related; per term
        rel = tg.filter(pl.col("related_flag"))
        add(AE_RELATED.name, "any", "", rel, "Any related or possibly related adverse event")
        add(
            AE_RELATED.name,
            "serious",
            "",
            rel.filter(pl.col("serious_flag")),
            "Serious related or possibly related adverse event",
        )
        per_term(AE_RELATED.name, rel, "related_flag")
        # ae_infection: any, serious, per term
        infe = tg.filter(pl.col("infection_flag"))
        add(AE_INFECTION.name, "any", "", infe, "Any infection")
        add(AE_INFECTION.name, "serious", "", infe.filter(pl.col("serious_flag")),
            "Serious infection")
        per_term(AE_INFECTION.name, infe, "infection_flag")
        # hospitalization
        hg = at_risk.tag(h.filter(pl.col("patient_id").is_in(ids)))
        hs = at_risk.summary(hg, "admit_date", level)
        _add_incidence(
            results,
            HOSPITALIZATION.name,
            group,
            "any",
            "",
            hs,
            "Hospital stay during the time at risk",
        )
        hrel = hg.filter(
            pl.col("related")
            .str.strip_chars()
            .str.to_lowercase()
            .is_in(["related", "possibly_related"])
            .fill_null(False)
        )
        _add_incidence(
            results,
            HOSPITALIZATION.name,
            group,
            "related",
            "",
            at_risk.summary(hrel, "admit_date", level),
            "Hospital stay related or possibly related to the drug",
        )
        los = (hg["discharge_date"] - hg["admit_date"]).dt.total_days().cast(pl.Float64)
        results.add_stats(
            HOSPITALIZATION.name,
            group,
            "length_of_stay_days",
            "",
            summarize(los),
            label="Days in hospital per stay",
        )
        # ae_per_administration: events per dose, patients as clusters
        weights = resample_weights(rk.height, rng)
        n_doses = rk["n_doses"].to_numpy().astype(float)
        total_doses = float(n_doses.sum())
        # the group's events split by term once (rows in their order), not filtered per term
        tg_terms = tg.partition_by("ae_group", as_dict=True, maintain_order=True)

        def of_term(term: str | None, tg: pl.DataFrame = tg,
                    tg_terms: dict = tg_terms) -> pl.DataFrame:
            if term == "":
                return tg
            if term is None:  # a null term matches no row (as a filter on == null)
                return tg.filter(pl.col("ae_group") == term)
            return tg_terms.get((term,), tg.clear())

        for term in ["", *order]:
            sub = of_term(term)
            ev = at_risk.counts(sub).astype(float)
            ratio = ev.sum() / total_doses if total_doses else None
            lo, hi, how = ratio_interval(ev, n_doses, level, weights)
            results.add_stats(
                AE_PER_ADMINISTRATION.name,
                group,
                "any" if term == "" else var,
                term,
                {
                    "administrations": total_doses,
                    "events": ev.sum(),
                    "rate": ratio,
                    "per_100": None if ratio is None else 100 * ratio,
                    "ci_low": lo,
                    "ci_high": hi,
                },
                label="Any treatment-emergent adverse event"
                if term == ""
                else labels.get(term, term),
                method=how,
            )
        # ae_by_days_since_dose
        for term in ["", *order]:
            sub = of_term(term)
            days = sub["days_since_dose"].drop_nulls()
            st: dict[str, float | None] = {"events": sub.height}
            for name, lo_d, hi_d in DAYS_SINCE_DOSE_BINS:
                cond = days >= lo_d if hi_d is None else days.is_between(lo_d, hi_d)
                st[f"n_{name}"] = int(cond.sum())
            st["pct_within_7_days"] = (
                100.0 * int((days <= 7).sum()) / days.len() if days.len() else None
            )
            d = summarize(days.cast(pl.Float64))
            st.update({"median_days": d["median"], "q1_days": d["q1"], "q3_days": d["q3"]})
            results.add_stats(
                AE_BY_DAYS_SINCE_DOSE.name,
                group,
                "any" if term == "" else var,
                term,
                st,
                label="Any treatment-emergent adverse event"
                if term == ""
                else labels.get(term, term),
                method="days from the nearest preceding dose to the onset",
            )
    # A table that was never imported is unknown, not empty: zero counts with exact intervals
    # would read as evidence of safety. An imported table with no rows does give zeros.
    if adverse_events is None:
        results.mark_not_computed(
            AE_ANALYSES, "no adverse_events table was imported", since=start
        )
    if hospitalizations is None:
        results.mark_not_computed(
            [HOSPITALIZATION.name], "no hospitalizations table was imported", since=start
        )
    return {"adae": adae, "adrisk": risk}


class Safety(Analysis):
    """Treatment-emergent adverse events, serious, related, infections, hospital stays."""

    name = "safety"
    title = "Safety"
    doc = (
        "Rows of `msrwe.study.safety.Safety`, per group and `overall`. Each cohort patient is at "
        "risk from the **first dose** to **`safety.risk_window_days` (90) after the last dose**, "
        "cut at `death_date` and at the data cut-off (the latest date found in the cohort's "
        "doses, adverse events, hospital stays and last EDSS visit); an adverse event is "
        "*treatment-emergent* when its onset falls inside that period. **EAIR** "
        "(exposure-adjusted incidence rate): patients with a first event / time at risk, each "
        "patient's time stopping at their first event of that kind; **EAER** (event rate): all "
        "events / whole time at risk; both per 100 patient-years with the exact Poisson "
        "(chi-square) interval; proportions with Clopper-Pearson. An `adverse_events` or "
        "`hospitalizations` table that was never imported gives empty values with the method "
        "`not computed: ...`, never zero counts. Datasets: `adae` (one row per adverse event "
        "of a cohort patient) and `adrisk` (the time at risk of each patient)."
    )
    outputs = (AE_INCIDENCE, AE_SERIOUS, AE_RELATED, AE_INFECTION, HOSPITALIZATION,
               AE_PER_ADMINISTRATION, AE_BY_DAYS_SINCE_DOSE)
    requires = ("administrations",)
    reads = reading(adverse_events=None, hospitalizations=None, treatments=None,
                    administrations=("patient_id", "date", "drug"))
    section = ("safety", "Safety")
    facts = (
        KeyFact("any-ae", "patients with an adverse event", AE_INCIDENCE.name, "n", "any"),
    )
    summary = (
        SummarySpec(
            "Safety per group: patients with at least one treatment-emergent event",
            (
                Column("N", AE_INCIDENCE.name, ("N",), "any", fmt="int"),
                Column("any AE", AE_INCIDENCE.name, ("n", "pct"), "any", fmt="n_pct"),
                Column("serious", AE_SERIOUS.name, ("n", "pct"), "any", fmt="n_pct"),
                Column("related", AE_RELATED.name, ("n", "pct"), "any", fmt="n_pct"),
                Column("serious related", AE_RELATED.name, ("n", "pct"), "serious",
                       fmt="n_pct"),
                Column("infection", AE_INFECTION.name, ("n", "pct"), "any", fmt="n_pct"),
            ),
        ),
    )

    def run(self, context: Context, results: ResultsTable) -> None:
        """Safety rows; ``adae`` and ``adrisk``."""
        out = add_safety(
            results,
            doses=context.cohort.doses,
            adsl=context.adsl,
            adverse_events=context.table("adverse_events"),
            hospitalizations=context.table("hospitalizations"),
            study=context.study,
            administrations=context.table("administrations"),
            treatments=context.table("treatments"),
        )
        context.datasets.update(out)

    def methods(self, context: Context) -> list[str]:
        """How adverse events were counted."""
        return [safety_methods(context.study)]


def __getattr__(name: str) -> object:
    if name == "derive_risk_periods":
        import warnings

        warnings.warn(
            "msrwe.study.safety.derive_risk_periods moved to msrwe.derive.risk.derive_risk_periods",
            DeprecationWarning, stacklevel=2,
        )
        return _derive_risk_periods
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
