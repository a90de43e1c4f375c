"""Safety analyses: treatment-emergent adverse events, serious, related, infections, hospital stays.

:func:`add_safety` derives ``adae`` (:func:`msrwe.derive.adverse_events.derive_adae`) and adds,
per group and overall, the rows of the analyses ``ae_incidence``, ``ae_serious``, ``ae_related``,
``ae_infection``, ``hospitalization``, ``ae_per_administration`` and ``ae_by_days_since_dose``
(clinical-methods section 6). The vocabulary is in ``docs/results_safety_part.md``.

Time at risk. Each patient is at risk from the first dose to ``risk_window_days`` after the last,
cut at death and at the data cut-off (the latest date found in the doses, adverse events,
hospital stays and visits of ``adsl``). The EAIR of a kind of event stops each patient's time at
their first such event; the event rate (EAER) uses the whole time at risk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from msrwe.derive._columns import require_columns
from msrwe.derive.adverse_events import SERIOUS_CRITERIA, derive_adae
from msrwe.stats import IncidenceSummary, describe, incidence_summary
from msrwe.study.exposure import groups_of
from msrwe.tables.results import ResultsTable

__all__ = [
    "BOOTSTRAP_MAX_PATIENTS",
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "DAYS_SINCE_DOSE_BINS",
    "add_safety",
    "derive_risk_periods",
]

#: Patient-level bootstrap of events per administration (clustered within patients).
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261122
#: Above this many patients in a group the sandwich (cluster-robust) interval is used instead.
BOOTSTRAP_MAX_PATIENTS = 1000

#: ``(stat suffix, first day, last day)`` bins of days since the nearest preceding dose.
DAYS_SINCE_DOSE_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0_1", 0, 1),
    ("2_7", 2, 7),
    ("8_30", 8, 30),
    ("31_plus", 31, None),
)

_DAYS_PER_YEAR = 365.25
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


def derive_risk_periods(
    adsl: pl.DataFrame,
    doses: pl.DataFrame,
    *,
    risk_window_days: int = 90,
    cutoff: dt.date | None = None,
) -> pl.DataFrame:
    """One row per cohort patient: ``risk_start``, ``risk_end``, ``risk_years``, ``n_doses``.

    ``risk_end`` is ``risk_window_days`` after the last dose, cut at ``death_date`` (when adsl
    has it) and at ``cutoff``. A patient without a dose has no time at risk.

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a"], "group": ["SPMS"]})
    >>> doses = pl.DataFrame({"patient_id": ["a", "a"],
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 12, 31)]})
    >>> r = derive_risk_periods(adsl, doses, cutoff=dt.date(2021, 1, 30))
    >>> r.select("risk_start", "risk_end", "n_doses").row(0)
    (datetime.date(2020, 1, 1), datetime.date(2021, 1, 30), 2)
    >>> round(r["risk_years"][0], 4)  # 395 days
    1.0815
    """
    span = doses.group_by("patient_id").agg(
        pl.col("date").min().alias("risk_start"),
        pl.col("date").max().alias("__last"),
        pl.len().cast(pl.Int64).alias("n_doses"),
    )
    base = adsl.select(
        pl.col("patient_id").cast(pl.String),
        *([pl.col("death_date")] if "death_date" in adsl.columns else []),
    )
    out = base.join(span, on="patient_id", how="left", maintain_order="left")
    end = pl.col("__last") + pl.duration(days=risk_window_days)
    if "death_date" in out.columns:
        end = pl.min_horizontal(end, pl.col("death_date"))
    if cutoff is not None:
        end = pl.min_horizontal(end, pl.lit(cutoff))
    end = pl.max_horizontal(end, pl.col("risk_start"))
    out = out.with_columns(end.alias("risk_end")).with_columns(
        pl.when(pl.col("risk_start").is_not_null()).then(pl.col("risk_end")).alias("risk_end"),
        pl.col("n_doses").fill_null(0),
    )
    out = out.with_columns(
        ((pl.col("risk_end") - pl.col("risk_start")).dt.total_days() / _DAYS_PER_YEAR)
        .fill_null(0.0)
        .alias("risk_years")
    )
    return out.select("patient_id", "risk_start", "risk_end", "risk_years", "n_doses")


def _summary(
    risk: pl.DataFrame, events: pl.DataFrame, date_col: str, level: float
) -> IncidenceSummary:
    """Incidence of the given events (already restricted to the risk period) among ``risk``."""
    per_patient = events.group_by("patient_id").agg(
        pl.len().cast(pl.Int64).alias("__n"), pl.col(date_col).min().alias("__first")
    )
    t = risk.join(per_patient, on="patient_id", how="left").with_columns(
        pl.col("__n").fill_null(0),
        pl.when(pl.col("__first").is_not_null())
        .then((pl.col("__first") - pl.col("risk_start")).dt.total_days() / _DAYS_PER_YEAR)
        .otherwise(pl.col("risk_years"))
        .clip(lower_bound=0.0)
        .alias("__ttf"),
    )
    return incidence_summary(
        t["__n"].to_numpy(),
        t["__ttf"].to_numpy(),
        t["risk_years"].to_numpy(),
        administrations=int(risk["n_doses"].sum()),
        level=level,
    )


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


def _resample_weights(n: int, rng: np.random.Generator) -> np.ndarray | None:
    """Patient-level bootstrap weights (how often each patient is drawn), or ``None``.

    ``None`` (use the sandwich interval instead) when there are too few patients to resample or
    so many that the resampling would be slow; see :data:`BOOTSTRAP_MAX_PATIENTS`.
    """
    if n < 2 or n > BOOTSTRAP_MAX_PATIENTS:
        return None
    return rng.multinomial(n, np.full(n, 1.0 / n), size=BOOTSTRAP_RESAMPLES).astype(float)


def _ratio_interval(
    events: np.ndarray, doses: np.ndarray, level: float, weights: np.ndarray | None
) -> tuple[float | None, float | None, str]:
    """Interval of ``sum(events) / sum(doses)`` with patients as clusters, and its method."""
    n = len(events)
    total = doses.sum()
    lvl = f"{100 * level:g}%"
    if n < 2 or total == 0:
        return None, None, "events / administrations"
    if weights is not None:
        num = weights @ events
        den = weights @ doses
        ok = den > 0
        a = (1 - level) / 2
        lo, hi = np.quantile(num[ok] / den[ok], [a, 1 - a])
        return (
            float(lo),
            float(hi),
            (
                f"events / administrations; patient-level bootstrap percentile {lvl} interval "
                f"({BOOTSTRAP_RESAMPLES} resamples, seed {BOOTSTRAP_SEED})"
            ),
        )
    ratio = events.sum() / total
    resid = events - ratio * doses
    se = float(np.sqrt(n / (n - 1) * np.sum(resid**2)) / total)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return (
        max(0.0, ratio - z * se),
        ratio + z * se,
        (
            f"events / administrations; cluster-robust (sandwich) Wald {lvl} interval, "
            "patients as clusters"
        ),
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


#: The analyses computed from the adverse_events table.
AE_ANALYSES: tuple[str, ...] = (
    "ae_incidence",
    "ae_serious",
    "ae_related",
    "ae_infection",
    "ae_per_administration",
    "ae_by_days_since_dose",
)


def add_safety(
    results: ResultsTable,
    *,
    doses: pl.DataFrame,
    adsl: pl.DataFrame,
    adverse_events: pl.DataFrame | None,
    hospitalizations: pl.DataFrame | None = None,
    study: Any = None,
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
        Study settings: ``study.safety.risk_window_days`` (90), ``study.safety.ae_grouping``
        (``term`` or ``pt_code``), ``study.analysis.level`` (0.95).

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
    safety = getattr(study, "safety", None)
    window = int(getattr(safety, "risk_window_days", 90))
    grouping = str(getattr(safety, "ae_grouping", "term"))
    level = float(getattr(getattr(study, "analysis", None), "level", 0.95))
    ae_in = adverse_events if adverse_events is not None else pl.DataFrame(schema=_AE_SCHEMA)
    hosp = hospitalizations if hospitalizations is not None else pl.DataFrame(schema=_HOSP_SCHEMA)
    require_columns(ae_in, "adverse_events", ["patient_id", "onset_date", "term"])
    require_columns(hosp, "hospitalizations", ["patient_id", "admit_date"])
    require_columns(doses, "administrations", ["patient_id", "date"])
    require_columns(adsl, "adsl", ["patient_id"])
    hosp = hosp.with_columns(
        [pl.lit(None, dtype=t).alias(c) for c, t in _HOSP_SCHEMA.items() if c not in hosp.columns]
    )
    ids_all = adsl["patient_id"].cast(pl.String)
    ae_in = ae_in.filter(pl.col("patient_id").cast(pl.String).is_in(ids_all.to_list()))
    hosp = hosp.filter(pl.col("patient_id").cast(pl.String).is_in(ids_all.to_list()))
    cutoff = _max_date(
        [(doses, "date"), (ae_in, "onset_date"), (hosp, "admit_date"), (adsl, "last_edss_date")]
    )
    risk = derive_risk_periods(adsl, doses, risk_window_days=window, cutoff=cutoff)
    adae = derive_adae(ae_in, doses, risk_window_days=window, group_by=grouping)
    if "group" in adsl.columns:
        adae = adae.join(
            adsl.select(pl.col("patient_id").cast(pl.String), "group"),
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
    for group, ids in groups_of(adsl):
        rk = risk.filter(pl.col("patient_id").is_in(ids))
        tg = te.filter(pl.col("patient_id").is_in(ids))

        def inc(events: pl.DataFrame, rk: pl.DataFrame = rk) -> IncidenceSummary:
            return _summary(rk, events, "onset_date", level)

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
            seen = set(te.filter(pl.col(flag))["ae_group"].to_list()) if flag else set(order)
            for term in (t for t in order if t in seen):
                add(
                    analysis,
                    var,
                    term,
                    events.filter(pl.col("ae_group") == term),
                    labels.get(term, term),
                )

        # ae_incidence: any and per term
        add("ae_incidence", "any", "", tg, "Any treatment-emergent adverse event")
        per_term("ae_incidence", tg, None)
        # ae_serious: any, per ICH E2A criterion (or none stated), per term with a serious event
        ser = tg.filter(pl.col("serious_flag"))
        add("ae_serious", "any", "", ser, "Any serious adverse event (ICH E2A)")
        for c in SERIOUS_CRITERIA:
            add("ae_serious", "criterion", c, tg.filter(pl.col(f"sae_{c}")), c.replace("_", " "))
        no_criterion = ~pl.any_horizontal([pl.col(f"sae_{c}") for c in SERIOUS_CRITERIA])
        add(
            "ae_serious",
            "criterion",
            "not_stated",
            ser.filter(no_criterion),
            "serious, no ICH E2A criterion stated",
        )
        per_term("ae_serious", ser, "serious_flag")
        # ae_related: related or possibly related; serious and related; per term
        rel = tg.filter(pl.col("related_flag"))
        add("ae_related", "any", "", rel, "Any related or possibly related adverse event")
        add(
            "ae_related",
            "serious",
            "",
            rel.filter(pl.col("serious_flag")),
            "Serious related or possibly related adverse event",
        )
        per_term("ae_related", rel, "related_flag")
        # ae_infection: any, serious, per term
        infe = tg.filter(pl.col("infection_flag"))
        add("ae_infection", "any", "", infe, "Any infection")
        add("ae_infection", "serious", "", infe.filter(pl.col("serious_flag")), "Serious infection")
        per_term("ae_infection", infe, "infection_flag")
        # hospitalization
        hg = h.filter(pl.col("patient_id").is_in(ids))
        hs = _summary(rk, hg, "admit_date", level)
        _add_incidence(
            results,
            "hospitalization",
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
            "hospitalization",
            group,
            "related",
            "",
            _summary(rk, hrel, "admit_date", level),
            "Hospital stay related or possibly related to the drug",
        )
        los = (hg["discharge_date"] - hg["admit_date"]).dt.total_days().cast(pl.Float64)
        results.add_stats(
            "hospitalization",
            group,
            "length_of_stay_days",
            "",
            describe(los),
            label="Days in hospital per stay",
        )
        # ae_per_administration: events per dose, patients as clusters
        weights = _resample_weights(rk.height, rng)
        order_ids = rk.select("patient_id", "n_doses")
        n_doses = order_ids["n_doses"].to_numpy().astype(float)
        total_doses = float(n_doses.sum())
        for term in ["", *order]:
            sub = tg if term == "" else tg.filter(pl.col("ae_group") == term)
            counts = order_ids.join(
                sub.group_by("patient_id").len(),
                on="patient_id",
                how="left",
                maintain_order="left",
            )
            ev = counts["len"].fill_null(0).to_numpy().astype(float)
            ratio = ev.sum() / total_doses if total_doses else None
            lo, hi, how = _ratio_interval(ev, n_doses, level, weights)
            results.add_stats(
                "ae_per_administration",
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
            sub = tg if term == "" else tg.filter(pl.col("ae_group") == term)
            days = sub["days_since_dose"].drop_nulls()
            st: dict[str, float | None] = {"events": sub.height}
            for name, lo_d, hi_d in DAYS_SINCE_DOSE_BINS:
                cond = days >= lo_d if hi_d is None else days.is_between(lo_d, hi_d)
                st[f"n_{name}"] = int(cond.sum())
            st["pct_within_7_days"] = (
                100.0 * int((days <= 7).sum()) / days.len() if days.len() else None
            )
            d = describe(days.cast(pl.Float64))
            st.update({"median_days": d["median"], "q1_days": d["q1"], "q3_days": d["q3"]})
            results.add_stats(
                "ae_by_days_since_dose",
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
            ["hospitalization"], "no hospitalizations table was imported", since=start
        )
    return {"adae": adae, "adrisk": risk}
