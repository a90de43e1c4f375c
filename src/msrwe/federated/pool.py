"""``msrwe pool``: combine the site packages of several centres into one result.

Exact pooling where the statistic allows it: counts and person-time are summed, rates
(:data:`~msrwe.federated.package.RATES`) recomputed from the pooled counts with the exact Poisson
interval (:func:`msrwe.stats.poisson_rate_ci`), and Kaplan-Meier curves rebuilt from the pooled
risk sets of the sites' step tables. Model estimates
(:data:`~msrwe.federated.package.ESTIMATES`) are meta-analysed by inverse variance: fixed effect,
DerSimonian-Laird and REML (:func:`msrwe.federated.meta.meta_analysis`), with I^2, Q and its p.

Examples
--------
>>> steps = pl.DataFrame({"param": ["P", "P"], "group": ["overall"] * 2,
...                       "time_days": [10.0, 20.0], "n_event": [1, 1], "n_censor": [1, 0]})
>>> [round(s, 3) for s in pooled_km(steps)["survival"]]
[0.667, 0.0]
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from scipy import stats as sps

from msrwe._atomic import atomic_dir
from msrwe.errors import MsrweError
from msrwe.federated.meta import METHODS, meta_analysis
from msrwe.federated.package import RATES, read_package
from msrwe.stats import DEFAULT_MIN_AT_RISK, poisson_rate_ci

__all__ = ["PooledResult", "pool_sites", "pooled_km", "write_pooled"]

_KEY = ["analysis", "group", "variable", "level"]
_Z = float(sps.norm.ppf(0.975))


@dataclass(frozen=True)
class PooledResult:
    """What :func:`pool_sites` returns.

    Attributes
    ----------
    sites
        The sites' manifests, in the order given.
    counts
        Summed additive rows (``analysis, group, variable, level, stat, value, suppressed``);
        ``suppressed`` is true, and the value empty, when a site withheld its count
        (small-cell suppression): the sum is then unknown.
    rates
        Rates recomputed from the pooled counts (``stat, value, ci_low, ci_high``).
    km
        Pooled Kaplan-Meier curves (``param, group, time_days, n_risk, n_event, survival``);
        empty when a site wrote no step table (small-cell suppression).
    meta
        One row per estimate and method (``FE``, ``DL``, ``REML``).
    """

    sites: list[dict[str, Any]]
    counts: pl.DataFrame
    rates: pl.DataFrame
    km: pl.DataFrame
    meta: pl.DataFrame


def pooled_km(steps: pl.DataFrame, *, min_at_risk: int = 0) -> pl.DataFrame:
    """Kaplan-Meier curves from (summed) step tables: risk sets rebuilt from the steps.

    As every Kaplan-Meier of msrwe (:func:`msrwe.stats.kaplan_meier`), no estimate is given
    where fewer than ``min_at_risk`` patients are at risk: ``survival`` is empty there, the
    counts stay.
    """
    summed = (
        steps.group_by("param", "group", "time_days")
        .agg(pl.col("n_event").sum(), pl.col("n_censor").sum())
        .sort("param", "group", "time_days")
    )
    total = pl.col("n_event") + pl.col("n_censor")
    return summed.with_columns(
        n_risk=total.reverse().cum_sum().reverse().over("param", "group"),
    ).with_columns(
        survival=(1 - pl.col("n_event") / pl.col("n_risk")).cum_prod().over("param", "group"),
    ).with_columns(
        survival=pl.when(pl.col("n_risk") >= min_at_risk).then(pl.col("survival")),
    ).select("param", "group", "time_days", "n_risk", "n_event", "n_censor", "survival")


def _rates(counts: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for key, frame in counts.group_by(_KEY, maintain_order=True):
        values = dict(zip(frame["stat"], frame["value"], strict=True))
        for stat, (num, den, per) in RATES.items():
            if values.get(num) is None or values.get(den) is None:
                continue  # absent, or withheld at a site
            if key[0] in _rate_analyses(counts, stat):
                ci = poisson_rate_ci(round(values[num]), float(values[den]), per=per)
                rows.append((*key, stat, ci.rate, ci.low, ci.high))
    return pl.DataFrame(rows, schema=[*_KEY, "stat", "value", "ci_low", "ci_high"], orient="row")


def _rate_analyses(counts: pl.DataFrame, stat: str) -> set[str]:
    # the analysis writes this rate when it writes its numerator and denominator together
    return set(counts.filter(pl.col("stat") == RATES[stat][0])["analysis"]) & set(
        counts.filter(pl.col("stat") == RATES[stat][1])["analysis"])


def pool_sites(folders: Sequence[str | Path]) -> PooledResult:
    """Pool the site packages in ``folders`` (at least two)."""
    if len(folders) < 2:
        raise MsrweError("Pooling needs the packages of at least two sites.")
    manifests, counts, km, est = [], [], [], []
    for i, folder in enumerate(folders):
        manifest, frames = read_package(folder)
        manifests.append(manifest)
        counts.append(frames["counts.csv"].with_columns(pl.col("level").fill_null("")))
        km.append(frames["km.csv"])
        est.append(frames["estimates.csv"].with_columns(
            pl.col("level").fill_null(""), site=pl.lit(i)))
    drugs = {m.get("drug") for m in manifests}
    if len(drugs) > 1:
        raise MsrweError(f"The sites analysed different drugs ({', '.join(map(str, drugs))}); "
                         "pool packages of the same study only.")
    # a row a site did not write (e.g. an adverse-event term no patient of the site had) has a
    # denominator the package cannot supply: only rows every site wrote are pooled exactly
    # a count a site withheld (small-cell suppression) makes the sum unknown, not smaller
    summed = (pl.concat(counts, how="diagonal_relaxed")
              .group_by([*_KEY, "stat"], maintain_order=True)
              .agg(pl.col("value").sum(), pl.len().alias("sites"),
                   pl.col("suppressed").fill_null(False).any())
              .filter(pl.col("sites") == len(folders)).drop("sites")
              .with_columns(value=pl.when(pl.col("suppressed")).then(None)
                            .otherwise(pl.col("value")))
              .sort([*_KEY, "stat"]))
    rates = _rates(summed)
    # a site under small-cell suppression writes no step table: pooled curves need every site
    # the sites' km_min_at_risk (the study's; msrwe's default for a package that names none)
    floor = max(int(m.get("km_min_at_risk", DEFAULT_MIN_AT_RISK)) for m in manifests)
    curves = pooled_km(pl.concat(km) if all(k.height for k in km) else km[0].clear(),
                       min_at_risk=floor)
    meta_rows = []
    estimates = pl.concat(est)
    for key, frame in estimates.group_by([*_KEY, "stat"], maintain_order=True):
        frame = frame.filter(pl.col("ci_high") > pl.col("ci_low"))
        if frame.height < 2:
            continue
        log = bool(frame["log_scale"][0])
        y = [math.log(v) if log else v for v in frame["estimate"]]
        lo = [math.log(v) if log else v for v in frame["ci_low"]]
        hi = [math.log(v) if log else v for v in frame["ci_high"]]
        var = [((h - lw) / (2 * _Z)) ** 2 for lw, h in zip(lo, hi, strict=True)]
        back = math.exp if log else (lambda x: x)
        for method in METHODS:
            m = meta_analysis(y, var, method=method)
            meta_rows.append((*key, method, back(m.estimate), back(m.ci_low), back(m.ci_high),
                              m.p, m.tau2, m.i2, m.q, m.q_p, m.k))
    meta = pl.DataFrame(meta_rows, orient="row", schema=[
        *_KEY, "stat", "method", "estimate", "ci_low", "ci_high", "p", "tau2", "i2", "q",
        "q_p", "k"])
    return PooledResult(sites=manifests, counts=summed, rates=rates, km=curves, meta=meta)


_CSS = ("body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:.2em .5em;text-align:right}th{background:#f4f4f4}")


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.iter_rows():
        cells = "".join(
            f"<td>{html.escape(f'{v:.4g}' if isinstance(v, float) else str(v))}</td>"
            for v in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _report(p: PooledResult) -> str:
    sites = ", ".join(html.escape(str(m.get("site"))) for m in p.sites)
    km_points = p.km.group_by("param", "group", maintain_order=True).agg(
        pl.col("n_risk").first().alias("N"), pl.col("n_event").sum().alias("events"),
        pl.col("survival").drop_nulls().last().alias("survival_at_last_time"))
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>Pooled analysis</title><style>{_CSS}</style></head><body>"
        f"<h1>Pooled analysis of {len(p.sites)} sites</h1><p>Sites: {sites}. Counts and "
        "person-time are summed; rates are recomputed from the pooled counts with exact "
        "Poisson intervals; Kaplan-Meier curves are rebuilt from the pooled risk sets; model "
        "estimates are meta-analysed by inverse variance (fixed effect, DerSimonian-Laird and "
        "REML between-site variance), with Cochran's Q and I<sup>2</sup>.</p>"
        f"<h2>Rates (exact pooling)</h2>{_table(p.rates)}"
        f"<h2>Time to event (pooled risk sets)</h2>{_table(km_points)}"
        f"<h2>Meta-analysis of model estimates</h2>{_table(p.meta)}"
        f"<h2>Pooled counts</h2>{_table(p.counts)}</body></html>\n"
    )


def write_pooled(result: PooledResult, out: str | Path) -> Path:
    """Write ``counts.csv``, ``rates.csv``, ``km.csv``, ``meta.csv`` and ``report.html``."""
    target = Path(out)
    with atomic_dir(target) as tmp:
        tmp = Path(tmp)
        result.counts.write_csv(tmp / "counts.csv")
        result.rates.write_csv(tmp / "rates.csv")
        result.km.write_csv(tmp / "km.csv")
        result.meta.write_csv(tmp / "meta.csv")
        (tmp / "report.html").write_text(_report(result), encoding="utf-8")
    return target
