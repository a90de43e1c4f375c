"""``arr``: annualised relapse rate per group, relapse-free share, negative binomial rate ratio.

Definitions (reference/endpoints.md section 6):

- **Pooled ARR** per group = relapses / person-years with the exact Poisson (chi-square)
  interval; the mean of the patients' own rates is reported beside it (``mean_individual_arr``),
  since the two differ (AFFIRM year 1: 0.700 vs 0.778).
- **Relapse-free share**: Kaplan-Meier of the time from the first dose to the first counted
  relapse, censored at the end of follow-up (:mod:`msrwe.derive.followup`).
- **Rate ratio** of each group against the reference group: negative binomial (NB2) regression
  with a log person-years offset and robust (sandwich) standard errors,
  :func:`msrwe.stats.negbin_rate_ratio`; only with two or more groups.

Rows (analysis ``arr``): variable ``relapses`` (level ``""``: ``N``, ``relapses``,
``person_years``, ``arr``, ``ci_low``, ``ci_high``, ``mean_individual_arr``), variable
``relapse_free`` (Kaplan-Meier: level ``""`` ``n``, ``events``, ``median``...; level ``"<t>"``
``n_at_risk``, ``events``, ``survival``, ``ci_low``, ``ci_high``), and variable
``rate_ratio`` (group = the compared group, level = the reference: ``rate_ratio``,
``ci_low``, ``ci_high``, ``p_value``, ``dispersion``) and ``nb_rate`` (per group: the model's
``rate``, ``ci_low``, ``ci_high``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.endpoints._common import add_km_rows, per_group
from msrwe.errors import InputError
from msrwe.stats import poisson_rate_ci
from msrwe.tables.results import ResultsTable

__all__ = ["ARR_METHOD", "add_arr", "add_rate_ratio"]

ARR_METHOD = (
    "pooled ARR = relapses / person-years, exact Poisson (chi-square) interval; relapses with "
    "onset from the first dose to the end of follow-up, both inclusive"
)


def add_arr(
    results: ResultsTable,
    *,
    adrr: pl.DataFrame,
    adsl: pl.DataFrame,
    km_years: Sequence[float] = (1.0, 2.0, 3.0, 4.0, 5.0),
    level: float = 0.95,
    merge_days: int = 30,
    rate_ratio: bool = True,
    min_at_risk: int = 0,
) -> None:
    """Add the ``arr`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adrr
        One row per patient from :func:`msrwe.derive.relapse_rates.derive_vars_relapse_counts`:
        ``patient_id``, ``n_relapses``, ``person_years``, ``relapse_event``,
        ``relapse_time_years``.
    adsl
        The cohort with ``patient_id`` and ``group``.
    km_years
        Years after the first dose at which the relapse-free share is read.
    level
        Confidence level.
    min_at_risk
        Kaplan-Meier estimates stop where fewer than this many patients remain at risk (the
        study's ``[analysis] km_min_at_risk``; 0 reports every time).
    merge_days
        The merge rule in force (for the method text only).
    rate_ratio
        Fit the negative binomial model when there are two or more groups.

    Examples
    --------
    >>> adrr = pl.DataFrame({"patient_id": ["a", "b"], "n_relapses": [3, 0],
    ...     "person_years": [10.0, 2.5], "relapse_event": [True, False],
    ...     "relapse_time_years": [1.0, 2.5]})
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["overall"] * 2})
    >>> r = ResultsTable()
    >>> add_arr(r, adrr=adrr, adsl=adsl, km_years=[1])
    >>> round(r.get("arr", "arr", variable="relapses"), 3), r.get("arr", "relapses")
    (0.24, 3.0)
    >>> round(r.get("arr", "ci_high", variable="relapses"), 3)
    0.701
    """
    require_columns(adrr, "adrr", ["patient_id", "n_relapses", "person_years", "relapse_event",
                                   "relapse_time_years"])
    data = adrr.filter(pl.col("person_years") > 0)
    merge = (f"; onsets fewer than {merge_days} days after a counted onset are one relapse"
             if merge_days else "; every charted onset counted")
    for g, part in per_group(adsl, data):
        k = int(part["n_relapses"].sum()) if part.height else 0
        py = float(part["person_years"].sum()) if part.height else 0.0
        if part.height == 0:
            results.add_stats("arr", g, "relapses", "", {"N": 0, "relapses": 0,
                              "person_years": 0.0, "arr": None, "ci_low": None, "ci_high": None},
                              label="relapses per patient-year",
                              method="not computed: no patient with follow-up")
            continue
        ci = poisson_rate_ci(k, py, level=level, per=1)
        indiv = (part["n_relapses"] / part["person_years"]).mean()
        results.add_stats(
            "arr", g, "relapses", "",
            {"N": part.height, "relapses": k, "person_years": py, "arr": ci.rate,
             "ci_low": ci.low, "ci_high": ci.high, "mean_individual_arr": indiv},
            label="relapses per patient-year", method=ARR_METHOD + merge,
        )
        add_km_rows(
            results, analysis="arr", group=g, variable="relapse_free",
            time=part["relapse_time_years"].to_numpy(),
            event=part["relapse_event"].cast(pl.Int64).to_numpy(),
            at=km_years, level=level, label="time to first relapse (years)",
            at_label="{years} after the first dose", min_at_risk=min_at_risk,
        )
    if rate_ratio:
        add_rate_ratio(
            results, data.join(adsl.select("patient_id", "group"), on="patient_id", how="inner"),
            analysis="arr", count="n_relapses", person_years="person_years", level=level,
        )


def add_rate_ratio(
    results: ResultsTable,
    data: pl.DataFrame,
    *,
    analysis: str,
    count: str,
    person_years: str,
    level: float,
) -> None:
    """Negative binomial rate ratio of each group against the first group (sorted by name).

    NB2 regression of ``count`` with a log ``person_years`` offset and robust (sandwich)
    standard errors (:func:`msrwe.stats.negbin_rate_ratio`); rows ``variable = "rate_ratio"``,
    ``group`` = the compared group, ``level`` = the reference group; and the model-based rate of
    each group (``variable = "nb_rate"``: ``rate``, ``ci_low``, ``ci_high`` per patient-year).
    Nothing is added with fewer than two groups.
    """
    data = data.filter(pl.col("group").is_not_null() & (pl.col(person_years) > 0))
    groups = sorted(str(g) for g in data["group"].unique().to_list())
    if len(groups) < 2:
        return
    from msrwe.stats import negbin_rate_ratio

    label = f"rate ratio vs {groups[0]}"

    def not_computed(why: str) -> None:
        for g in groups[1:]:
            results.add_stats(analysis, g, "rate_ratio", groups[0],
                              {"rate_ratio": None, "ci_low": None, "ci_high": None,
                               "p_value": None}, label=label,
                              method=f"not computed: {why}")

    if int(data[count].sum()) == 0:
        not_computed("no event in any group")
        return
    per_group = data.group_by(pl.col("group").cast(pl.String)).agg(pl.col(count).sum())
    empty = sorted(g for g, n in per_group.iter_rows() if n == 0)
    if empty:
        # the maximum likelihood estimate of a group without events is a rate of 0 (log -inf)
        not_computed(f"no event in group {', '.join(empty)} (the model's estimate would be "
                     "a rate of 0)")
        return
    try:
        res = negbin_rate_ratio(
            data.with_columns(pl.col("group").cast(pl.String)),
            count=count, person_years=person_years, group="group", reference=groups[0],
            robust=True, alpha=1 - level,
        )
    except InputError as exc:
        not_computed(str(exc).removeprefix("negbin_rate_ratio: "))
        return
    for row in res.terms.iter_rows(named=True):
        term = str(row["term"])
        if not term.startswith("group="):
            continue
        results.add_stats(
            analysis, term.removeprefix("group="), "rate_ratio", groups[0],
            {"rate_ratio": row["rate_ratio"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
             "p_value": row["p_value"], "dispersion": res.dispersion},
            label=label, method=res.method,
        )
    for row in res.rates.iter_rows(named=True):
        results.add_stats(
            analysis, str(row["level"]), "nb_rate", "",
            {"rate": row["rate"], "ci_low": row["ci_low"], "ci_high": row["ci_high"]},
            label="model-based rate per patient-year", method=res.method,
        )
