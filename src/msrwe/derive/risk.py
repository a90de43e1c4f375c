"""Time at risk of each cohort patient (clinical-methods 6).

Each patient is at risk from the first dose to ``risk_window_days`` after the last, cut at death
and at the data cut-off.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

__all__ = ["derive_risk_periods"]

_DAYS_PER_YEAR = 365.25


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
