"""``mri_activity`` and ``t2_lesion_rate``: MRI activity of the cohort on treatment.

Definitions are those of :mod:`msrwe.derive.mri` (reference/endpoints.md sections 1-2).

``mri_activity`` rows, per group:

- variable ``patients`` (level ``""``): ``N`` (patients in the group), ``n_scanned`` (with a
  scan on treatment), ``n_evaluable`` (with an evaluable scan), ``n_free`` (evaluable and never
  active), ``pct``, ``ci_low``, ``ci_high`` (share free of MRI activity among the evaluable,
  Clopper-Pearson exact interval), ``n_not_evaluable``.
- variable ``patient_years`` (level ``""``): ``years`` (complete years of follow-up),
  ``active``, ``not_active``, ``not_determined`` (years in each state), ``pct_active`` (active
  years among determined years, 0-100), ``ci_low``, ``ci_high``.
- variable ``brain_volume`` (level ``""``, only when ``brain_volume_ml`` is charted):
  ``n_patients``, ``n_scans``, ``pct_change_per_year``, ``ci_low``, ``ci_high`` (the slope of
  100 x ln(brain volume) on years since the first dose from a linear mixed model with random
  intercept and slope: the mean annual percentage brain volume change).

``t2_lesion_rate`` rows, per group: variable ``new_enlarging_t2`` (level ``""``): ``N``
(patients with a T2-evaluable scan), ``lesions``, ``years`` (years covered by the comparisons),
``rate`` (new/enlarging T2 lesions per patient-year), ``ci_low``, ``ci_high`` (exact Poisson);
with two or more groups, variable ``rate_ratio`` (level = reference group) from a negative
binomial model with a log-time offset and robust standard errors, as trials report it.
"""

from __future__ import annotations

import polars as pl

from msrwe._threads import map_in_order
from msrwe.derive._columns import require_columns
from msrwe.endpoints._common import per_group
from msrwe.stats import clopper_pearson, mixed_slope, poisson_rate_ci
from msrwe.tables.results import ResultsTable

__all__ = ["add_mri_activity", "add_t2_lesion_rate"]

_FREE_METHOD = (
    "patients with at least one evaluable scan on treatment and no scan with a Gd-enhancing or a "
    "new/enlarging T2 lesion; Clopper-Pearson exact interval"
)
_YEAR_METHOD = (
    "complete years from the first dose; a year is active with an active scan, not active with "
    "an evaluable scan and none active, otherwise not determined (never counted as inactive); "
    "Clopper-Pearson exact interval among determined years"
)
_BV_METHOD = (
    "annual percentage brain volume change: slope of 100 x ln(brain volume) on years since the "
    "first dose, linear mixed model ({model})"
)


def add_mri_activity(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    admri: pl.DataFrame,
    adyears: pl.DataFrame,
    scans: pl.DataFrame,
    level: float = 0.95,
) -> None:
    """Add the ``mri_activity`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``, ``first_dose``, ``end_date``).
    admri
        Per patient, from :func:`msrwe.derive.mri.derive_vars_mri_summary`.
    adyears
        Per patient-year, from :func:`msrwe.derive.mri.derive_mri_activity_years`.
    scans
        The scans with activity columns (:func:`msrwe.derive.mri.derive_vars_mri_activity`);
        ``brain_volume_ml`` when charted.
    level
        Confidence level.
    """
    require_columns(admri, "admri", ["patient_id", "mri_status", "n_scans"])
    require_columns(adyears, "adyears", ["patient_id", "mri_activity"])
    for g, part in per_group(adsl, admri):
        n_eval = int((part["mri_status"] != "not_evaluable").sum())
        n_free = int((part["mri_status"] == "free").sum())
        ci = clopper_pearson(n_free, n_eval, level=level) if n_eval else None
        results.add_stats(
            "mri_activity", g, "patients", "",
            {"N": part.height, "n_scanned": int((part["n_scans"] > 0).sum()),
             "n_evaluable": n_eval, "n_free": n_free,
             "pct": 100 * ci.estimate if ci else None,
             "ci_low": 100 * ci.low if ci else None, "ci_high": 100 * ci.high if ci else None,
             "n_not_evaluable": part.height - n_eval},
            label="patients free of MRI activity on treatment",
            method=_FREE_METHOD if ci else "not computed: no patient with an evaluable scan",
        )
    for g, part in per_group(adsl, adyears):
        counts = {lev: int((part["mri_activity"] == lev).sum())
                  for lev in ("active", "not_active", "not_determined")}
        det = counts["active"] + counts["not_active"]
        ci = clopper_pearson(counts["active"], det, level=level) if det else None
        results.add_stats(
            "mri_activity", g, "patient_years", "",
            {"years": part.height, **counts,
             "pct_active": 100 * ci.estimate if ci else None,
             "ci_low": 100 * ci.low if ci else None, "ci_high": 100 * ci.high if ci else None},
            label="years of follow-up with MRI activity",
            method=_YEAR_METHOD if ci else "not computed: no year with an evaluable scan",
        )
    _add_brain_volume(results, adsl=adsl, scans=scans, level=level)


def _add_brain_volume(
    results: ResultsTable, *, adsl: pl.DataFrame, scans: pl.DataFrame, level: float
) -> None:
    if "brain_volume_ml" not in scans.columns or scans["brain_volume_ml"].drop_nulls().len() == 0:
        return
    bv = (
        scans.filter(pl.col("brain_volume_ml").is_not_null() & (pl.col("brain_volume_ml") > 0))
        .join(adsl.select("patient_id", "first_dose", "end_date"), on="patient_id", how="inner")
        .filter(pl.col("date") <= pl.col("end_date"))
        .with_columns(
            ((pl.col("date") - pl.col("first_dose")).dt.total_days() / 365.25).alias("years"),
            (100 * pl.col("brain_volume_ml").log()).alias("log_bv"),
        )
    )
    # the groups' fits are independent: two at a time (msrwe._threads), rows in group order
    parts = list(per_group(adsl, bv.select("patient_id", "years", "log_bv")))
    fits = map_in_order(lambda p: mixed_slope(p, "log_bv", "years", "patient_id", level=level),
                        [p for _, p in parts][::-1])[::-1]
    for (g, _), res in zip(parts, fits, strict=True):
        ok = res.slope == res.slope
        model = "random intercept and slope" if res.random_slope else "random intercept"
        results.add_stats(
            "mri_activity", g, "brain_volume", "",
            {"n_patients": res.n_patients, "n_scans": res.n_obs,
             "pct_change_per_year": res.slope if ok else None,
             "ci_low": res.ci_low if ok else None, "ci_high": res.ci_high if ok else None},
            label="brain volume change (% per year)",
            method=(_BV_METHOD.format(model=model) + (f"; {res.note}" if res.note else ""))
            if ok else f"not computed: {res.note}",
        )


def add_t2_lesion_rate(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    admri: pl.DataFrame,
    level: float = 0.95,
    rate_ratio: bool = True,
) -> None:
    """Add the ``t2_lesion_rate`` rows (new/enlarging T2 lesions per patient-year).

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``).
    admri
        Per patient, with ``t2_count`` and ``t2_years``
        (:func:`msrwe.derive.mri.derive_vars_mri_summary`).
    level
        Confidence level.
    rate_ratio
        Fit the negative binomial model when there are two or more groups.
    """
    require_columns(admri, "admri", ["patient_id", "t2_count", "t2_years"])
    data = admri.filter(pl.col("t2_years") > 0)
    for g, part in per_group(adsl, data):
        if part.height == 0:
            results.add_stats("t2_lesion_rate", g, "new_enlarging_t2", "",
                              {"N": 0, "lesions": 0, "years": 0.0, "rate": None,
                               "ci_low": None, "ci_high": None},
                              label="new/enlarging T2 lesions per patient-year",
                              method="not computed: no patient with two scans on treatment")
            continue
        k, yrs = int(part["t2_count"].sum()), float(part["t2_years"].sum())
        ci = poisson_rate_ci(k, yrs, level=level, per=1)
        results.add_stats(
            "t2_lesion_rate", g, "new_enlarging_t2", "",
            {"N": part.height, "lesions": k, "years": yrs, "rate": ci.rate, "ci_low": ci.low,
             "ci_high": ci.high},
            label="new/enlarging T2 lesions per patient-year",
            method=("new/enlarging T2 lesions on scans with a comparator, divided by the years "
                    "between each scan and its comparator; exact Poisson interval"),
        )
    if rate_ratio:
        from msrwe.endpoints.arr import add_rate_ratio

        add_rate_ratio(
            results, data.join(adsl.select("patient_id", "group"), on="patient_id",
                               how="inner"),
            analysis="t2_lesion_rate", count="t2_count", person_years="t2_years", level=level,
        )
