"""``pirma``: PIRA events split by MRI activity (PIRMA), with counts and rates beside PIRA.

Rows per group, variable ``events``, level one of ``PIRA`` (every PIRA event), ``PIRMA``,
``PIRA, MRI active``, ``PIRA, MRI not evaluable``: ``events``, ``patients`` (with at least one),
``N`` (patients in the group), ``person_years``, ``rate`` (events per 100 patient-years),
``ci_low``, ``ci_high`` (exact Poisson). Definitions: :mod:`msrwe.derive.pirma`.
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive.pirma import PIRMA_CLASSES
from msrwe.endpoints._common import per_group
from msrwe.stats import poisson_rate_ci
from msrwe.tables.results import ResultsTable

__all__ = ["add_pirma", "pirma_method"]


def pirma_method(lookback_days: int, coverage_days: int) -> str:
    """The methods sentence of the PIRMA definition in force."""
    return (
        "PIRMA: a PIRA event with no scan showing a Gd-enhancing or new/enlarging T2 lesion from "
        f"{lookback_days} days before onset to confirmation (Tur 2023), an evaluable scan in that "
        f"window and one from {coverage_days} days before onset on; otherwise 'MRI active' or "
        "'MRI not evaluable'; brain MRI only (spinal cord not charted); rates per 100 "
        "patient-years, exact Poisson interval"
    )


def add_pirma(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    adpirma: pl.DataFrame,
    level: float = 0.95,
    lookback_days: int = 730,
    coverage_days: int = 180,
) -> None:
    """Add the ``pirma`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort with ``patient_id``, ``group`` and ``person_years`` (follow-up).
    adpirma
        Events from :func:`msrwe.derive.pirma.derive_vars_pirma` (PIRA events carry
        ``mri_class``).
    level
        Confidence level.
    lookback_days, coverage_days
        The settings in force (method text).
    """
    require_columns(adsl, "adsl", ["patient_id", "person_years"])
    require_columns(adpirma, "adpirma", ["patient_id", "mri_class"])
    method = pirma_method(lookback_days, coverage_days)
    pira = adpirma.filter(pl.col("mri_class").is_not_null())
    for g, sub in per_group(adsl, adsl):
        ids = sub["patient_id"]
        part = pira.filter(pl.col("patient_id").is_in(ids.implode()))
        py = float(sub["person_years"].sum())
        for lev in ("PIRA", *PIRMA_CLASSES):
            ev = part if lev == "PIRA" else part.filter(pl.col("mri_class") == lev)
            ci = poisson_rate_ci(ev.height, py, level=level, per=100) if py > 0 else None
            results.add_stats(
                "pirma", g, "events", lev,
                {"events": ev.height, "patients": ev["patient_id"].n_unique(), "N": sub.height,
                 "person_years": py, "rate": ci.rate if ci else None,
                 "ci_low": ci.low if ci else None, "ci_high": ci.high if ci else None},
                label=f"{lev} events", method=method if ci else "not computed: no follow-up",
            )
