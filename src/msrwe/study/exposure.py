"""Exposure analyses: rows ``exposure``, ``dose_intervals`` and ``exposure_alerts``.

:func:`add_exposure` derives the per-dose dataset ``addose`` (:func:`msrwe.derive.exposure.
derive_vars_dose`) and the per-patient exposure (:func:`~msrwe.derive.exposure.derive_exposure`)
and adds their summaries to a results table, per group and overall (clinical-methods section 7).
The vocabulary is documented in ``docs/results_safety_part.md``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from msrwe.derive.exposure import (
    DOSE_LIMITS,
    derive_exposure,
    derive_exposure_alerts,
    derive_vars_dose,
    regimen_interval,
)
from msrwe.stats import clopper_pearson, describe
from msrwe.tables.groups import groups_of
from msrwe.tables.results import ResultsTable

__all__ = ["add_exposure", "groups_of", "resolve_interval_window"]


_DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("n_doses", "Administrations per patient"),
    ("years_on_treatment", "Years from first to last dose"),
    ("cum_mg", "Cumulative dose (mg)"),
    ("cum_mg_m2", "Cumulative dose (mg/m2)"),
    ("cum_mg_kg", "Cumulative dose (mg/kg)"),
)


def resolve_interval_window(
    configured: tuple[int, int] | None, doses: pl.DataFrame
) -> tuple[int, int] | None:
    """The configured dose-interval window, else the known regimen's of the doses' drug/route.

    Examples
    --------
    >>> doses = pl.DataFrame({"drug": ["methotrexate"], "route": ["intrathecal"]})
    >>> resolve_interval_window(None, doses), resolve_interval_window((50, 90), doses)
    ((56, 77), (50, 90))
    """
    if configured is not None:
        return (int(configured[0]), int(configured[1]))
    if doses.height == 0 or "drug" not in doses.columns:
        return None
    drug = doses["drug"].drop_nulls().mode().sort().to_list()
    route = doses["route"].drop_nulls().mode().sort().to_list() if "route" in doses.columns else []
    if not drug:
        return None
    return regimen_interval(str(drug[0]), str(route[0]) if route else None)


def add_exposure(
    results: ResultsTable,
    *,
    doses: pl.DataFrame,
    adsl: pl.DataFrame,
    study: Any = None,
) -> dict[str, pl.DataFrame]:
    """Add the exposure rows for every group and overall; return ``addose`` and ``adexpo``.

    Parameters
    ----------
    results
        The results table to add rows to.
    doses
        The study drug's administrations of the cohort's patients (contract columns).
    adsl
        One row per cohort patient with ``patient_id`` and ``group``.
    study
        The study settings (:class:`msrwe.study.config.Study`); ``study.exposure.interval_days``
        sets the on-schedule window (default: the drug's known regimen, 56-77 days for
        intrathecal methotrexate) and ``study.analysis.level`` the confidence level.

    Returns
    -------
    dict
        ``addose`` (one row per dose with ``dose_number``, ``interval_days``, doses in mg,
        mg/m2, mg/kg and running totals) and ``adexpo`` (one row per patient and drug).

    Examples
    --------
    >>> import datetime as dt
    >>> doses = pl.DataFrame({"patient_id": ["a", "a", "b"], "drug": ["methotrexate"] * 3,
    ...     "route": ["intrathecal"] * 3, "dose": [12.5] * 3, "dose_unit": ["mg"] * 3,
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 1, 1)]})
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["SPMS", "PPMS"]})
    >>> r = ResultsTable()
    >>> out = add_exposure(r, doses=doses, adsl=adsl)
    >>> r.get("exposure", "total", variable="administrations")
    3.0
    >>> r.get("dose_intervals", "pct_in_window", variable="interval_days")
    100.0
    """
    exposure_settings = getattr(study, "exposure", None)
    configured = getattr(exposure_settings, "interval_days", None)
    analysis = getattr(study, "analysis", None)
    level = float(getattr(analysis, "level", 0.95))
    window = resolve_interval_window(configured, doses)
    addose = derive_vars_dose(doses)
    adexpo = derive_exposure(addose, interval_days=window)
    alerts = (
        derive_exposure_alerts(addose)
        if "drug" in addose.columns
        else pl.DataFrame(schema={"patient_id": pl.String, "limit_id": pl.String})
    )
    drugs = (
        set(addose["drug"].drop_nulls().str.to_lowercase().to_list())
        if ("drug" in addose.columns)
        else set()
    )
    limits = [lim for lim in DOSE_LIMITS if lim.drug in drugs]
    window_text = f"interval {window[0]}-{window[1]} days counted as on schedule" if window else ""
    for group, ids in groups_of(adsl):
        ex = adexpo.filter(pl.col("patient_id").is_in(ids))
        dz = addose.filter(pl.col("patient_id").is_in(ids))
        results.add(
            "exposure", group, "patients", "", "N", len(ids), label="Patients in the cohort"
        )
        results.add(
            "exposure",
            group,
            "patients",
            "",
            "treated",
            ex["patient_id"].n_unique(),
            label="Patients with a dose",
        )
        results.add(
            "exposure", group, "administrations", "", "total", dz.height, label="Administrations"
        )
        results.add(
            "exposure",
            group,
            "years_on_treatment",
            "",
            "total",
            float(ex["years_on_treatment"].sum()) if ex.height else 0.0,
            label="Patient-years from first to last dose",
        )
        for col, label in _DISTRIBUTIONS:
            stats = describe(ex[col]) if ex.height else describe([])
            results.add_stats("exposure", group, col, "", stats, label=label)
        iv = dz["interval_days"].drop_nulls()
        st = describe(iv.cast(pl.Float64))
        if window is not None:
            n_in = int(iv.is_between(window[0], window[1]).sum())
            st.update(
                {
                    "window_low": window[0],
                    "window_high": window[1],
                    "n_in_window": n_in,
                    "pct_in_window": 100.0 * n_in / iv.len() if iv.len() else None,
                }
            )
        results.add_stats(
            "dose_intervals",
            group,
            "interval_days",
            "",
            st,
            label="Days between consecutive doses",
            method=window_text,
        )
        st_pat = describe(ex["median_interval_days"]) if ex.height else describe([])
        results.add_stats(
            "dose_intervals",
            group,
            "patient_median_interval_days",
            "",
            st_pat,
            label="Median interval of each patient (days)",
        )
        for lim in limits:
            n = alerts.filter(
                pl.col("patient_id").is_in(ids) & (pl.col("limit_id") == lim.limit_id)
            )["patient_id"].n_unique()
            ci = clopper_pearson(n, len(ids), level) if ids else None
            stats_lim: dict[str, float | None] = {"N": len(ids), "n": n}
            if ci is not None:
                stats_lim.update(ci.as_percent())
            stats_lim["limit"] = lim.limit
            results.add_stats(
                "exposure_alerts",
                group,
                "limit",
                lim.limit_id,
                stats_lim,
                label=lim.description,
                method="Clopper-Pearson exact",
            )
    return {"addose": addose, "adexpo": adexpo, "adexpo_alerts": alerts}
