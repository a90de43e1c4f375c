"""Exposure analyses: rows ``exposure``, ``dose_intervals`` and ``exposure_alerts``.

:func:`add_exposure` derives the per-dose dataset ``addose`` (:func:`msrwe.derive.exposure.
derive_vars_dose`) and the per-patient exposure (:func:`~msrwe.derive.exposure.derive_exposure`)
and adds their summaries to a results table, per group and overall (clinical-methods section 7).
The vocabulary is documented in ``docs/results_safety_part.md``.
"""

from __future__ import annotations

import polars as pl

from msrwe.analysis.base import Analysis, Column, Context, Output, Stat, SummarySpec
from msrwe.derive.exposure import (
    DOSE_LIMITS,
    derive_exposure,
    derive_exposure_alerts,
    derive_vars_dose,
    regimen_interval,
)
from msrwe.stats import clopper_pearson, summarize
from msrwe.study.config import Study
from msrwe.study.methods import exposure_methods
from msrwe.tables.groups import group_ids, groups_of
from msrwe.tables.results import ResultsTable

__all__ = [
    "DOSE_INTERVALS",
    "EXPOSURE",
    "EXPOSURE_ALERTS",
    "Exposure",
    "add_exposure",
    "groups_of",
    "join_exposure",
    "resolve_interval_window",
]

_DIST = "`n`, `n_missing`, `mean`, `sd`, `median`, `q1`, `q3`, `min`, `max`"

EXPOSURE = Output(
    "exposure",
    "Exposure",
    stats=(
        Stat("N", "cohort patients", "variable `patients`"),
        Stat("treated", "patients with a dose", "variable `patients`"),
        Stat("total", "doses (variable `administrations`) or patient-years from first to last "
             "dose (variable `years_on_treatment`)"),
        Stat("n, n_missing, mean, sd, median, q1, q3, min, max",
             "per-patient distribution of the variable",
             "variables `n_doses`, `years_on_treatment`, `cum_mg`, `cum_mg_m2`, `cum_mg_kg`"),
    ),
    doc=(
        "Cumulative doses: a dose in `mg` or `g` converts to mg directly; `mg/m2` via `bsa_m2` "
        "and `mg/kg` via `weight_kg` of the same row. mg/m2 and mg/kg totals of doses given in mg "
        "use that dose's `bsa_m2` / `weight_kg`. A patient's total sums the doses whose quantity "
        "is known; it is empty (counted in `n_missing`) when no dose had it."
    ),
    display="distribution",
)
DOSE_INTERVALS = Output(
    "dose_intervals",
    "Intervals between doses",
    stats=(
        Stat("n, median, q1, q3, min, max, mean, sd",
             "distribution of the days between consecutive doses (variable `interval_days`) or "
             "of each patient's median interval (variable `patient_median_interval_days`)"),
        Stat("window_low, window_high", "the window in force, in days",
             "variable `interval_days`, when a window is in force"),
        Stat("n_in_window, pct_in_window",
             "intervals inside the window (both ends included) and their share (0-100)",
             "variable `interval_days`, when a window is in force"),
    ),
    doc=(
        "The window is `exposure.interval_days` of the study file, or the known regimen of the "
        "drug (56-77 days for intrathecal methotrexate, clinical-methods 7); without either "
        "there are no window stats."
    ),
    display="distribution",
)
EXPOSURE_ALERTS = Output(
    "exposure_alerts",
    "Exposure alerts",
    stats=(
        Stat("N", "patients of the group"),
        Stat("n", "patients above the limit"),
        Stat("pct, ci_low, ci_high", "`n / N` in percent, Clopper-Pearson interval"),
        Stat("limit", "the limit"),
    ),
    doc=(
        "Written only for drugs with a known cumulative limit "
        "(`msrwe.derive.exposure.DOSE_LIMITS`); `variable` is `limit`, `level` the limit's id: "
        "`mitoxantrone_us_140` (140 mg/m2 lifetime, US label), `mitoxantrone_eu_72` (72 mg/m2, "
        "EU SmPC), `cladribine_3.5_2y` (3.5 mg/kg within any 730.5 days). Doses without BSA or "
        "weight count as zero towards a limit, so an alert is certain but missing data can hide "
        "one; `adexpo` lists `n_doses_unknown_mg_m2` and `n_doses_unknown_mg_kg`."
    ),
    display="generic",
)


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
    study: Study | None = None,
    interval_days: tuple[int, int] | None = None,
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
        The study settings (default: every default); ``study.analysis.level`` is the
        confidence level.
    interval_days
        The on-schedule window in force (:attr:`msrwe.analysis.result.InForce.interval_days`);
        by default resolved by :func:`resolve_interval_window` from
        ``study.exposure.interval_days`` and the doses.

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
    study = study if study is not None else Study()
    level = study.analysis.level
    window = interval_days or resolve_interval_window(study.exposure.interval_days, doses)
    addose = derive_vars_dose(doses)
    adexpo = derive_exposure(addose, interval_days=window)
    alerts = (
        derive_exposure_alerts(addose)
        if "drug" in addose.columns
        else pl.DataFrame(schema={"patient_id": pl.String, "limit_id": pl.String})
    )
    drugs = (
        set(addose["drug"].unique().drop_nulls().cast(pl.String).str.to_lowercase().to_list())
        if ("drug" in addose.columns)
        else set()
    )
    limits = [lim for lim in DOSE_LIMITS if lim.drug in drugs]
    window_text = f"interval {window[0]}-{window[1]} days counted as on schedule" if window else ""
    for group, ids in group_ids(adsl):
        ex = adexpo.filter(pl.col("patient_id").is_in(ids))
        # the group's dose intervals alone (a filter of addose copied its every column per group)
        dz = addose.select(pl.col("interval_days").filter(pl.col("patient_id").is_in(ids)))
        results.add(
            EXPOSURE.name, group, "patients", "", "N", len(ids), label="Patients in the cohort"
        )
        results.add(
            EXPOSURE.name,
            group,
            "patients",
            "",
            "treated",
            ex["patient_id"].n_unique(),
            label="Patients with a dose",
        )
        results.add(
            EXPOSURE.name, group, "administrations", "", "total", dz.height, label="Administrations"
        )
        results.add(
            EXPOSURE.name,
            group,
            "years_on_treatment",
            "",
            "total",
            float(ex["years_on_treatment"].sum()) if ex.height else 0.0,
            label="Patient-years from first to last dose",
        )
        for col, label in _DISTRIBUTIONS:
            stats = summarize(ex[col]) if ex.height else summarize([])
            results.add_stats(EXPOSURE.name, group, col, "", stats, label=label)
        iv = dz["interval_days"].drop_nulls()
        st = summarize(iv.cast(pl.Float64))
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
            DOSE_INTERVALS.name,
            group,
            "interval_days",
            "",
            st,
            label="Days between consecutive doses",
            method=window_text,
        )
        st_pat = summarize(ex["median_interval_days"]) if ex.height else summarize([])
        results.add_stats(
            DOSE_INTERVALS.name,
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
            ci = clopper_pearson(n, len(ids), level) if len(ids) else None
            stats_lim: dict[str, float | None] = {"N": len(ids), "n": n}
            if ci is not None:
                stats_lim.update(ci.as_percent())
            stats_lim["limit"] = lim.limit
            results.add_stats(
                EXPOSURE_ALERTS.name,
                group,
                "limit",
                lim.limit_id,
                stats_lim,
                label=lim.description,
                method="Clopper-Pearson exact",
            )
    return {"addose": addose, "adexpo": adexpo, "adexpo_alerts": alerts}


_EXPOSURE_COLUMNS = (
    "years_on_treatment", "median_interval_days", "pct_intervals_in_window", "cum_mg",
    "cum_mg_m2", "cum_mg_kg", "n_alerts",
)


def join_exposure(adsl: pl.DataFrame, adexpo: pl.DataFrame) -> pl.DataFrame:
    """The per-patient exposure summary as columns of ``adsl`` (``exposure_years`` too)."""
    cols = [c for c in _EXPOSURE_COLUMNS if c in adexpo.columns and c not in adsl.columns]
    if not cols:
        return adsl
    out = adsl.join(
        adexpo.select("patient_id", *cols).unique("patient_id", keep="first"),
        on="patient_id", how="left", maintain_order="left",
    )
    if "years_on_treatment" in out.columns and "exposure_years" not in out.columns:
        out = out.with_columns(pl.col("years_on_treatment").alias("exposure_years"))
    return out


class Exposure(Analysis):
    """Doses, years on treatment, cumulative doses, intervals and cumulative-limit alerts."""

    name = "exposure"
    title = "Exposure"
    doc = (
        "Rows of `msrwe.study.exposure.Exposure`, per group and `overall`. The datasets: "
        "`addose` (one row per dose: `dose_number`, `interval_days`, `dose_mg`, `dose_mg_m2`, "
        "`dose_mg_kg`, `cum_mg`, `cum_mg_m2`, `cum_mg_kg`), `adexpo` (one row per patient and "
        "drug) and `adexpo_alerts`."
    )
    outputs = (EXPOSURE, DOSE_INTERVALS, EXPOSURE_ALERTS)
    requires = ("administrations",)
    section = ("exposure", "Exposure")
    figures = ("dose_intervals", "swimmer")
    summary = (
        SummarySpec(
            "Exposure per group",
            (
                Column("patients", EXPOSURE.name, ("N",), "patients", fmt="int"),
                Column("doses", EXPOSURE.name, ("total",), "administrations", fmt="int"),
                Column("patient-years", EXPOSURE.name, ("total",), "years_on_treatment"),
                Column("interval, median", DOSE_INTERVALS.name, ("median",), "interval_days"),
                Column("% in window", DOSE_INTERVALS.name, ("pct_in_window",),
                       "interval_days"),
            ),
        ),
    )

    def run(self, context: Context, results: ResultsTable) -> None:
        """Exposure rows; ``addose``, ``adexpo``, ``adexpo_alerts``; exposure columns of adsl."""
        out = add_exposure(
            results, doses=context.cohort.doses, adsl=context.adsl, study=context.study,
            interval_days=context.in_force.interval_days,
        )
        context.datasets.update(out)
        context.datasets["adsl"] = join_exposure(context.adsl, out["adexpo"])

    def methods(self, context: Context) -> list[str]:
        """How exposure was described."""
        return [exposure_methods(context.in_force.interval_days)]
