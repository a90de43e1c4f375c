"""``neda`` and ``lublin_activity``: NEDA-3/4 and the Lublin 2014 modifiers per year.

``neda`` rows, per group, variable ``neda3`` or ``neda4``, level ``all`` (every patient-year)
or the year of follow-up (``"1"``, ``"2"``, ...): ``n_neda``, ``n_eda``, ``n_not_evaluable``,
``n_evaluable``, ``pct`` (NEDA among the evaluable, 0-100), ``ci_low``, ``ci_high``
(Clopper-Pearson), ``pct_sensitivity`` (NEDA among all patient-years, not-evaluable counted as
EDA: the sensitivity analysis of endpoints.md 3).

``lublin_activity`` rows, per group: variable ``activity`` (levels ``active``, ``not_active``,
``not_determined``; ``n`` patient-years and ``pct`` of all patient-years); variable
``progression`` (levels ``with``, ``without``, ``not_determined``; patient-years of PPMS/SPMS
patients); variable ``last_year`` (level = the activity in each patient's last complete year of
follow-up; ``n`` patients and ``pct``), the line Table 1 shows.
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive.mri import ACTIVITY_LEVELS
from msrwe.endpoints._common import per_group
from msrwe.stats import clopper_pearson
from msrwe.tables.results import ResultsTable

__all__ = ["add_lublin_activity", "add_neda", "neda_method"]


def neda_method(tolerance_days: int, bvl_threshold_pct: float) -> str:
    """The methods sentence of the NEDA definition in force."""
    return (
        "NEDA-3: no relapse, no confirmed disability worsening (onset in the year) and no "
        "Gd-enhancing or new/enlarging T2 lesion in a complete year of follow-up; NEDA-4 also "
        f"an annualised brain volume loss of at most {bvl_threshold_pct:g}%; a year is "
        "evaluable only with MRI comparisons covering it and EDSS at its start and end (within "
        f"{tolerance_days} days); observed activity always counts; Clopper-Pearson interval"
    )


def add_neda(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    adneda: pl.DataFrame,
    level: float = 0.95,
    tolerance_days: int = 90,
    bvl_threshold_pct: float = 0.4,
) -> None:
    """Add the ``neda`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``).
    adneda
        Per patient-year, from :func:`msrwe.derive.neda.derive_neda_years`.
    level
        Confidence level.
    tolerance_days, bvl_threshold_pct
        The settings in force (for the method text).
    """
    require_columns(adneda, "adneda", ["patient_id", "year", "neda3", "neda4"])
    method = neda_method(tolerance_days, bvl_threshold_pct)
    years = sorted(int(y) for y in adneda["year"].unique().to_list())
    for g, part in per_group(adsl, adneda):
        for var in ("neda3", "neda4"):
            for lev in ["all", *[str(y) for y in years]]:
                sub = part if lev == "all" else part.filter(pl.col("year") == int(lev))
                n_neda = int((sub[var] == "NEDA").sum())
                n_eda = int((sub[var] == "EDA").sum())
                n_eval = n_neda + n_eda
                ci = clopper_pearson(n_neda, n_eval, level=level) if n_eval else None
                results.add_stats(
                    "neda", g, var, lev,
                    {"n_neda": n_neda, "n_eda": n_eda, "n_not_evaluable": sub.height - n_eval,
                     "n_evaluable": n_eval,
                     "pct": 100 * ci.estimate if ci else None,
                     "ci_low": 100 * ci.low if ci else None,
                     "ci_high": 100 * ci.high if ci else None,
                     "pct_sensitivity": 100 * n_neda / sub.height if sub.height else None},
                    label=("NEDA-3" if var == "neda3" else "NEDA-4")
                    + (", all years of follow-up" if lev == "all" else f", year {lev}"),
                    method=method if ci else "not computed: no evaluable year",
                )


def add_lublin_activity(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    adlublin: pl.DataFrame,
) -> None:
    """Add the ``lublin_activity`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``).
    adlublin
        Per patient-year, from :func:`msrwe.derive.lublin.derive_lublin_years`.
    """
    require_columns(adlublin, "adlublin", ["patient_id", "year", "activity", "progression"])
    method = (
        "Lublin 2014 per complete year of follow-up: active with a relapse or an active scan, "
        "not active with an evaluable scan, otherwise not determined; progressive courses with "
        "progression when a confirmed worsening has its onset in the year, without when an EDSS "
        "was recorded and none did"
    )
    last = adlublin.sort("patient_id", "year").group_by("patient_id", maintain_order=True).last()
    for g, part in per_group(adsl, adlublin):
        for lev in ACTIVITY_LEVELS:
            n = int((part["activity"] == lev).sum())
            results.add_stats("lublin_activity", g, "activity", lev,
                              {"n": n, "pct": 100 * n / part.height if part.height else None},
                              label=f"patient-years {lev.replace('_', ' ')}", method=method)
        prog = part.filter(pl.col("progression").is_not_null())
        for lev in ("with", "without", "not_determined"):
            n = int((prog["progression"] == lev).sum())
            results.add_stats("lublin_activity", g, "progression", lev,
                              {"n": n, "pct": 100 * n / prog.height if prog.height else None},
                              label=f"progressive patient-years, {lev.replace('_', ' ')}"
                              + (" progression" if lev != "not_determined" else ""),
                              method=method)
    for g, part in per_group(adsl, last):
        for lev in ACTIVITY_LEVELS:
            n = int((part["activity"] == lev).sum())
            results.add_stats("lublin_activity", g, "last_year", lev,
                              {"n": n, "pct": 100 * n / part.height if part.height else None},
                              label=f"last year of follow-up: {lev.replace('_', ' ')}",
                              method=method)
