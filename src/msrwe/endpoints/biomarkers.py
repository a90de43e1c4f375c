"""``biomarker_change``: sNfL and GFAP on treatment (reference/endpoints.md 5).

Samples are prepared by :func:`msrwe.derive.biomarkers.derive_vars_biomarker_samples`; samples
within the relapse-proximal window are counted but left out of every summary below. Rows per
group, variable = the marker (``snfl``, ``sgfap``):

- level ``samples``: ``n_samples``, ``n_patients``, ``median``, ``q1``, ``q3`` (pg/mL, samples
  from the first dose to the end of follow-up, relapse-proximal ones excluded),
  ``n_relapse_proximal``, ``median_relapse_proximal``; ``n_with_uln``, ``n_above_uln``,
  ``pct_above_uln``, ``ci_low``, ``ci_high`` (share above the age-specific upper limit,
  Clopper-Pearson; sNfL only); ``n_z``, ``median_z``, ``pct_z_above`` (z-scores, when charted
  or computed from a user reference table; ``pct_z_above`` is the share with z > 1.5).
- level ``change``: ``n``, ``baseline_median``, ``last_median``, ``change_median``,
  ``change_q1``, ``change_q3``, ``statistic``, ``p_value`` (paired Wilcoxon signed-rank of the
  last on-treatment sample against the baseline sample).
- level ``slope``: ``n_patients``, ``n_samples``, ``pct_change_per_year``, ``ci_low``,
  ``ci_high``: ``100 x (exp(b) - 1)`` of the slope ``b`` of ln(value) on years since the first
  dose from a linear mixed model with random intercept and slope.
"""

from __future__ import annotations

import math

import polars as pl

from msrwe._threads import map_in_order
from msrwe.derive._columns import require_columns
from msrwe.derive.relapse_rates import DAYS_PER_YEAR
from msrwe.endpoints._common import per_group
from msrwe.stats import SlopeResult, clopper_pearson, mixed_slope, summarize, wilcoxon_paired
from msrwe.tables.results import ResultsTable

__all__ = ["Z_THRESHOLD", "add_biomarker_change", "derive_biomarker_pairs"]

#: z-score above which a sample counts as raised (endpoints.md 5.2 [M]).
Z_THRESHOLD = 1.5


def derive_biomarker_pairs(
    samples: pl.DataFrame, *, adsl: pl.DataFrame, baseline_days: int = 180
) -> pl.DataFrame:
    """Baseline and last on-treatment sample per patient and marker (relapse-proximal excluded).

    The baseline is the last sample from ``first_dose - baseline_days`` to the first dose, else
    the first one up to ``baseline_days`` after it; the last is the latest later sample up to
    ``end_date``.

    Returns
    -------
    polars.DataFrame
        ``patient_id, marker, base_date, base_value, last_date, last_value``.
    """
    require_columns(samples, "samples", ["patient_id", "marker", "date", "value_pg_ml",
                                         "relapse_proximal"])
    s = (
        samples.filter(~pl.col("relapse_proximal") & pl.col("value_pg_ml").is_not_null())
        .join(adsl.select("patient_id", "first_dose", "end_date"), on="patient_id", how="inner")
        .with_columns((pl.col("date") - pl.col("first_dose")).dt.total_days().alias("_d"))
    )
    before = s.filter((pl.col("_d") <= 0) & (pl.col("_d") >= -baseline_days))
    after = s.filter((pl.col("_d") > 0) & (pl.col("_d") <= baseline_days))
    keys = ["patient_id", "marker"]
    base = pl.concat([
        before.sort("date").group_by(keys).last().with_columns(pl.lit(0).alias("_pref")),
        after.sort("date").group_by(keys).first().with_columns(pl.lit(1).alias("_pref")),
    ]).sort("_pref").group_by(keys, maintain_order=True).first().select(
        *keys, pl.col("date").alias("base_date"), pl.col("value_pg_ml").alias("base_value"))
    last = (
        s.join(base, on=keys, how="inner")
        .filter((pl.col("date") > pl.col("base_date")) & (pl.col("date") <= pl.col("end_date")))
        .sort("date").group_by(keys).last()
        .select(*keys, pl.col("date").alias("last_date"), pl.col("value_pg_ml")
                .alias("last_value"))
    )
    return base.join(last, on=keys, how="left").sort(keys)


def add_biomarker_change(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    samples: pl.DataFrame,
    level: float = 0.95,
    baseline_days: int = 180,
    zero_method: str = "wilcox",
    p_method: str = "auto",
    proximal_note: str = "30 days before to 90 days after a relapse onset",
) -> None:
    """Add the ``biomarker_change`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``, ``first_dose``, ``end_date``).
    samples
        From :func:`msrwe.derive.biomarkers.derive_vars_biomarker_samples`.
    level
        Confidence level.
    baseline_days
        Window of the baseline sample around the first dose.
    zero_method, p_method
        The Wilcoxon test's options (``analysis.zero_method``, ``analysis.p_method``).
    proximal_note
        The relapse-proximal window in words (method text).
    """
    require_columns(samples, "samples", ["patient_id", "marker", "date", "value_pg_ml",
                                         "relapse_proximal", "uln", "z_score", "z_source"])
    on = (
        samples.join(adsl.select("patient_id", "first_dose", "end_date"), on="patient_id",
                     how="inner")
        .filter((pl.col("date") >= pl.col("first_dose")) & (pl.col("date") <= pl.col("end_date")))
    )
    pairs = derive_biomarker_pairs(samples, adsl=adsl, baseline_days=baseline_days)
    for marker in sorted(on["marker"].drop_nulls().unique().to_list()):
        m_on = on.filter(pl.col("marker") == marker)
        m_pairs = pairs.filter(pl.col("marker") == marker)
        for g, part in per_group(adsl, m_on):
            _samples_rows(results, marker, g, part, level, proximal_note)
        for g, part in per_group(adsl, m_pairs):
            _change_rows(results, marker, g, part, zero_method, p_method)
        # the groups' fits are independent: two at a time (msrwe._threads), rows in order
        parts = list(per_group(adsl, m_on.filter(~pl.col("relapse_proximal"))))
        fits = map_in_order(lambda p: _slope_fit(p, level), [p for _, p in parts][::-1])[::-1]
        for (g, _), res in zip(parts, fits, strict=True):
            _slope_rows(results, marker, g, res)


def _samples_rows(results: ResultsTable, marker: str, g: str, part: pl.DataFrame, level: float,
                  proximal_note: str) -> None:
    rem = part.filter(~pl.col("relapse_proximal"))
    prox = part.filter(pl.col("relapse_proximal"))
    d = summarize(rem["value_pg_ml"].to_numpy())
    with_uln = rem.filter(pl.col("uln").is_not_null())
    n_above = int(with_uln["above_uln"].sum()) if with_uln.height else 0
    ci = clopper_pearson(n_above, with_uln.height, level=level) if with_uln.height else None
    z = rem["z_score"].drop_nulls()
    sources = sorted(set(rem["z_source"].drop_nulls().to_list()))
    z_note = (f"z-scores from {' and '.join(sources)}" if sources else
              "no z-scores (no Benkert 2022 model is public and none was supplied): raw values "
              "against age-specific upper limits (Bornhorst 2022, 97.5th percentile by decade)")
    prox_med = summarize(prox["value_pg_ml"].to_numpy())["median"]
    results.add_stats(
        "biomarker_change", g, marker, "samples",
        {"n_samples": rem.height, "n_patients": rem["patient_id"].n_unique(),
         "median": d["median"], "q1": d["q1"], "q3": d["q3"],
         "n_relapse_proximal": prox.height, "median_relapse_proximal": prox_med,
         "n_with_uln": with_uln.height, "n_above_uln": n_above,
         "pct_above_uln": 100 * ci.estimate if ci else None,
         "ci_low": 100 * ci.low if ci else None, "ci_high": 100 * ci.high if ci else None,
         "n_z": z.len(), "median_z": float(z.median()) if z.len() else None,
         "pct_z_above": 100 * float((z > Z_THRESHOLD).mean()) if z.len() else None},
        label=f"{marker} on treatment (pg/mL)",
        method=(f"samples from the first dose to the end of follow-up; samples {proximal_note} "
                f"are excluded; {z_note}; Clopper-Pearson interval"),
    )


def _change_rows(results: ResultsTable, marker: str, g: str, part: pl.DataFrame,
                 zero_method: str, p_method: str) -> None:
    both = part.filter(pl.col("last_value").is_not_null())
    base, last = both["base_value"].to_numpy(), both["last_value"].to_numpy()
    ch = summarize(last - base)
    if both.height == 0:
        results.add_stats("biomarker_change", g, marker, "change",
                          {"n": 0, "statistic": None, "p_value": None},
                          label=f"{marker}: last on treatment vs baseline",
                          method="not computed: no patient with a baseline and a later sample")
        return
    w = wilcoxon_paired(base, last, zero_method=zero_method, method=p_method)
    results.add_stats(
        "biomarker_change", g, marker, "change",
        {"n": both.height, "baseline_median": summarize(base)["median"],
         "last_median": summarize(last)["median"], "change_median": ch["median"],
         "change_q1": ch["q1"], "change_q3": ch["q3"], "statistic": w.statistic,
         "p_value": w.p_value},
        label=f"{marker}: last on treatment vs baseline", method=w.method,
    )


def _slope_fit(part: pl.DataFrame, level: float) -> SlopeResult:
    data = part.filter(pl.col("value_pg_ml") > 0).with_columns(
        ((pl.col("date") - pl.col("first_dose")).dt.total_days() / DAYS_PER_YEAR).alias("years"),
        pl.col("value_pg_ml").log().alias("log_value"),
    )
    return mixed_slope(data.select("patient_id", "years", "log_value"), "log_value", "years",
                       "patient_id", level=level)


def _slope_rows(results: ResultsTable, marker: str, g: str, res: SlopeResult) -> None:
    ok = not math.isnan(res.slope)

    def pct(b: float) -> float | None:
        return 100 * (math.exp(b) - 1) if ok else None

    model = "random intercept and slope" if res.random_slope else "random intercept"
    results.add_stats(
        "biomarker_change", g, marker, "slope",
        {"n_patients": res.n_patients, "n_samples": res.n_obs,
         "pct_change_per_year": pct(res.slope), "ci_low": pct(res.ci_low),
         "ci_high": pct(res.ci_high)},
        label=f"{marker}: change per year on treatment (%)",
        method=(f"linear mixed model of ln({marker}) on years since the first dose ({model}), "
                "relapse-proximal samples excluded; 100 x (exp(slope) - 1)"
                + (f"; {res.note}" if res.note else "")) if ok else f"not computed: {res.note}",
    )
