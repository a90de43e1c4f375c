"""The ``store`` source: natural-history parameters estimated from a centre's own charts.

For the patients of the design's phenotypes in an msrwe store, each measure's trajectory is
fitted with msrwe's linear mixed model (:func:`msrwe.stats.mixed_slope`, random intercept and
slope per patient, time in years): EDSS, log T25FW, log 9HPT (each hand, pooled) and SDMT.
The model's parameters follow from the fit:

* the median and log-normal spread of the patient slopes match the fixed slope (mean) and the
  random-slope variance: ``sd^2 = log(1 + var / mean^2)``, ``median = mean / exp(sd^2 / 2)``;
* the visit noise is the residual (within-patient) standard deviation;
* the baseline profiles (EDSS, T25FW, 9HPT per hand, SDMT: each patient's first recorded
  values) are resampled as they are, per phenotype, among the patients whose baseline EDSS is in
  the design's range (:func:`msrwe.design.model.resample_profiles`); the baseline EDSS, T25FW
  and 9HPT distributions are estimated too, for a range the store's patients do not cover;
* the relapse rate is relapses per patient-year of follow-up.

Where a measure has no usable data, or its mean slope is not positive (no average worsening),
the published value is kept and the reason recorded in ``source``. The slopes' correlation,
the PPMS factor, the practice effects and the relapse recovery stay as published.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import polars as pl

from msrwe.design.config import Design
from msrwe.design.params import NaturalHistoryParams, published_params
from msrwe.errors import InputError
from msrwe.stats import mixed_slope
from msrwe.store import Store

__all__ = ["lognormal_from_moments", "params_from_tables", "store_params"]


def lognormal_from_moments(mean: float, var: float) -> tuple[float, float]:
    """Median and log-sd of a log-normal with the given mean and variance.

    Examples
    --------
    >>> m, s = lognormal_from_moments(math.exp(0.5), (math.exp(1) - 1) * math.exp(1))
    >>> round(m, 6), round(s, 6)
    (1.0, 1.0)
    """
    s2 = math.log1p(max(var, 0.0) / mean**2)
    return mean / math.exp(s2 / 2), math.sqrt(s2)


def _fit(df: pl.DataFrame, col: str) -> Any:
    d = df.select("patient_id", "years", pl.col(col).alias("y")).drop_nulls()
    keep = d.group_by("patient_id").len().filter(pl.col("len") >= 2)["patient_id"]
    d = d.filter(pl.col("patient_id").is_in(keep.to_list()))
    if d["patient_id"].n_unique() < 5:
        return None
    return mixed_slope(d, "y", "years", "patient_id")


_PROFILE = ("edss", "t25fw_s", "nhpt_dominant_s", "nhpt_nondominant_s", "sdmt")


def _profiles(bl: pl.DataFrame, patients: pl.DataFrame, phen: tuple[str, ...]
              ) -> dict[str, tuple[tuple[float, ...], ...]]:
    """Each patient's first recorded value of every measure, per phenotype (NaN if none)."""
    d = bl.join(patients.select("patient_id", "phenotype"), on="patient_id", how="inner")
    d = d.filter(pl.col("edss").is_not_null())
    cols = [pl.col(c).cast(pl.Float64).fill_null(float("nan")) if c in d.columns
            else pl.lit(float("nan")).alias(c) for c in _PROFILE]
    out = {}
    for ph in phen:
        rows = d.filter(pl.col("phenotype") == ph).select(cols).rows()
        if rows:
            out[ph] = tuple(tuple(float(x) for x in r) for r in rows)
    return out


def params_from_tables(patients: pl.DataFrame, visits: pl.DataFrame,
                       relapses: pl.DataFrame | None, design: Design) -> NaturalHistoryParams:
    """Estimate the parameters from chart tables (as in a store) for ``design``'s population."""
    base = published_params()
    phen = design.population.phenotypes
    ids = patients.filter(pl.col("phenotype").is_in(list(phen)))["patient_id"]
    v = visits.filter(pl.col("patient_id").is_in(ids.to_list())).sort("patient_id", "date")
    if v.is_empty():
        raise InputError(f"The store has no visits of {' or '.join(phen)} patients; a design "
                         "with source = 'store' needs them (or use source = 'published').")
    first = pl.col("date").min().over("patient_id")
    v = v.with_columns(((pl.col("date") - first).dt.total_days() / 365.25).alias("years"))
    cols = {"edss": "edss", "t25fw": "log_t25", "nhpt": "log_nhpt", "sdmt": "sdmt"}
    v = v.with_columns(
        pl.col("t25fw_s").cast(pl.Float64).log().alias("log_t25") if "t25fw_s" in v.columns
        else pl.lit(None, pl.Float64).alias("log_t25"),
        ((pl.col("nhpt_dominant_s").cast(pl.Float64).log()
          + pl.col("nhpt_nondominant_s").cast(pl.Float64).log()) / 2).alias("log_nhpt")
        if "nhpt_dominant_s" in v.columns else pl.lit(None, pl.Float64).alias("log_nhpt"),
    )
    v = v.with_columns(pl.when(pl.col("log_nhpt") < math.log(700)).then(pl.col("log_nhpt"))
                       .alias("log_nhpt"))
    changes: dict[str, Any] = {}
    notes = []
    for m, col in cols.items():
        if col not in v.columns:
            notes.append(f"{m}: not charted")
            continue
        fit = _fit(v, col)
        sign = -1.0 if m == "sdmt" else 1.0
        if fit is None or not math.isfinite(fit.slope) or sign * fit.slope <= 0:
            notes.append(f"{m}: published slope kept (no average worsening in the store)")
            continue
        var_s = fit.var_slope if math.isfinite(fit.var_slope) else 0.0
        med, sd = lognormal_from_moments(sign * fit.slope, var_s)
        changes[f"slope_median.{m}"] = med
        changes[f"slope_sd.{m}"] = max(sd, 0.05)
        if math.isfinite(fit.var_residual):
            changes[f"noise_sd.{m}"] = math.sqrt(fit.var_residual)
    bl = v.group_by("patient_id").agg(pl.all().drop_nulls().first())
    lo, hi = design.population.edss
    e = bl.filter(pl.col("edss").is_between(lo, hi))["edss"].drop_nulls().to_numpy()
    if e.size:
        vals, counts = np.unique(e, return_counts=True)
        dist = {float(a): float(c) for a, c in zip(vals, counts, strict=True)}
        changes["edss_baseline"] = {ph: dist for ph in phen}
    for col, mean_key, sd_key in (("log_t25", "t25fw_log_mean", "t25fw_log_sd"),
                                  ("log_nhpt", "nhpt_log_mean", "nhpt_log_sd")):
        x = bl[col].drop_nulls().to_numpy()
        if x.size >= 5:
            changes[mean_key] = float(x.mean())
            changes[sd_key] = float(x.std(ddof=1))
    if relapses is not None and relapses.height:
        span = v.group_by("patient_id").agg(pl.col("years").max())["years"].sum()
        py = float(span or 0.0)
        n_rel = relapses.filter(pl.col("patient_id").is_in(ids.to_list())).height
        if py > 0:
            changes["relapse_rate"] = {ph: n_rel / py for ph in phen}
    profiles = _profiles(bl, patients, phen)
    if profiles:
        changes["baseline_profiles"] = MappingProxyType(profiles)
    if "edss_baseline" in changes:
        changes["edss_baseline"] = {k: dict(d) for k, d in changes["edss_baseline"].items()}
    out = base.replace(**{k: v_ for k, v_ in changes.items() if "." in k})
    plain = {k: v_ for k, v_ in changes.items() if "." not in k}
    if "edss_baseline" in plain:
        plain["edss_baseline"] = MappingProxyType(
            {k: MappingProxyType(d) for k, d in plain["edss_baseline"].items()})
    if "relapse_rate" in plain:
        plain["relapse_rate"] = MappingProxyType(plain["relapse_rate"])
    src = (f"store: {ids.len()} {' or '.join(phen)} patients, mixed-model slopes"
           + ("; " + "; ".join(notes) if notes else ""))
    return dataclasses.replace(out, source=src, **plain)


def store_params(db: str | Path, design: Design) -> NaturalHistoryParams:
    """Estimate the parameters from the msrwe store ``db`` (``msrwe design --db``)."""
    with Store(db) as store:
        for t in ("patients", "visits"):
            if t not in store:
                raise InputError(f"{db}: the store has no {t} table; import charts first "
                                 "(msrwe import).")
        patients, visits = store.read("patients"), store.read("visits")
        rel = store.read_or_none("relapses")
    return params_from_tables(patients, visits, rel, design)
