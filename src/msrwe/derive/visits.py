"""Per-patient and per-visit analysis datasets built from the cohort (ADaM-like, admiral style).

- :func:`derive_vars_adsl` adds the descriptive columns of ``adsl`` that Table 1 reads: ``age``
  at the first dose, ``disease_duration_years`` (onset to first dose), ``n_prior_treatments``.
- :func:`derive_advs` makes ``advs``: one row per visit of a cohort patient with ``days`` since
  the first dose, ``on_treatment`` (from the start of the baseline window to the end of the
  on-treatment window), and ``nhpt_s``, the two-hand 9-hole peg test time.

The two-hand 9-hole peg test time is the harmonic mean of the hand means, the MSFC time
equivalent of the mean reciprocal (clinical-methods 4.1), as the outcome engine computes it
(:func:`msrwe.derive.outcomes.nhpt.derive_nhpt_harmonic`): 777 s (unable because of MS) on either
hand gives 777 s, and a visit with one hand missing has no two-hand time.
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._frames import join_by_runs, keep_rows, sort_unique_key
from msrwe.derive.outcomes.nhpt import derive_nhpt_harmonic

__all__ = ["derive_advs", "derive_vars_adsl"]

_DAYS_PER_YEAR = 365.25


def derive_advs(
    visits: pl.DataFrame,
    adsl: pl.DataFrame,
    *,
    baseline_window_days: int = 90,
    on_treatment_days: int = 90,
) -> pl.DataFrame:
    """One row per visit of a cohort patient, with analysis columns.

    Parameters
    ----------
    visits
        The ``visits`` chart table.
    adsl
        The cohort: ``patient_id``, ``group``, ``first_dose``, ``last_dose``.
    baseline_window_days
        A visit up to this many days before the first dose is on treatment (the baseline
        window, ``analysis.baseline_window_days``).
    on_treatment_days
        A visit up to this many days after the last dose is on treatment
        (``analysis.on_treatment_days``).

    Returns
    -------
    polars.DataFrame
        The visits with ``group``, ``first_dose``, ``days``, ``on_treatment`` and ``nhpt_s``
        (plus ``t25fw_s``, ``edss`` as null columns when the store lacks them), sorted by patient
        and date.
    """
    win, lag = baseline_window_days, on_treatment_days
    v = visits
    for col in ("edss", "t25fw_s", "nhpt_dominant_s", "nhpt_nondominant_s"):
        if col not in v.columns:
            v = v.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    v = derive_nhpt_harmonic(v.drop([c for c in ("nhpt_s",) if c in v.columns]), new_col="nhpt_s")
    # The inner join of the visits with the cohort, sorted by patient and date, built so that the
    # visit columns are shared with the chart table rather than copied (a million patients' visits
    # are gigabytes): keep the cohort's rows (all of them, usually: no copy), sort (the store
    # holds them sorted: no copy) and look up the three cohort columns by patient.
    cohort = adsl.select("patient_id", "group", "first_dose", "last_dose")
    if {"group", "first_dose", "last_dose"} & set(v.columns):  # the join's own suffixes
        v = v.join(cohort, on="patient_id", how="inner").sort("patient_id", "date")
    else:
        v = keep_rows(v, v["patient_id"].is_in(cohort["patient_id"].implode(), nulls_equal=False))
        v = sort_unique_key(v, ["patient_id", "date"])
        v = join_by_runs(v, cohort, "patient_id", "left")  # shares the visit columns
    return (
        v
        .with_columns(
            (pl.col("date") - pl.col("first_dose")).dt.total_days().alias("days"),
            (
                (pl.col("date") >= pl.col("first_dose") - pl.duration(days=win))
                & (pl.col("date") <= pl.col("last_dose") + pl.duration(days=lag))
            ).alias("on_treatment"),
        )
        .drop("last_dose")
    )


def derive_vars_adsl(adsl: pl.DataFrame, advs: pl.DataFrame) -> pl.DataFrame:
    """Add ``age``, ``disease_duration_years``, ``n_prior_treatments`` and ``followup_years``.

    ``followup_years`` runs from the first dose to the last on-treatment visit (0 without one).
    """
    out = adsl
    if "birth_date" in out.columns:
        out = out.with_columns(
            ((pl.col("first_dose") - pl.col("birth_date")).dt.total_days() / _DAYS_PER_YEAR)
            .alias("age")
        )
    if "ms_onset_date" in out.columns:
        out = out.with_columns(
            ((pl.col("first_dose") - pl.col("ms_onset_date")).dt.total_days() / _DAYS_PER_YEAR)
            .alias("disease_duration_years")
        )
    if "prior_drugs" in out.columns:
        out = out.with_columns(pl.col("prior_drugs").alias("n_prior_treatments"))
    last_seen = (
        advs.select("patient_id", "days", "on_treatment").filter(pl.col("on_treatment"))
        .group_by("patient_id")
        .agg(pl.col("days").max().alias("_last_days"))
    )
    return (
        out.drop([c for c in ("followup_years",) if c in out.columns])
        .join(last_seen, on="patient_id", how="left", maintain_order="left")
        .with_columns(
            (pl.col("_last_days").clip(lower_bound=0).fill_null(0) / _DAYS_PER_YEAR)
            .alias("followup_years")
        )
        .drop("_last_days")
    )
