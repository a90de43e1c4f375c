"""``cox``: hazard ratios between the study's groups for every time-to-event dataset.

For each ``param`` of ``adtte`` (time to the first confirmed worsening of each measure:
``CDW_EDSS``, ``CDW_NHPT``, ``CDW_T25FW``) a Cox proportional hazards model of the time from the
first dose with the group as the only term (:func:`msrwe.stats.cox_hr`: lifelines, robust
sandwich SE) gives the hazard ratio of each group against the reference (the first group by
name) and the global Schoenfeld-residual test of proportional hazards.

Rows: group = the compared group, variable = the ``param``, level = the reference group:
``hr``, ``ci_low``, ``ci_high``, ``p_value``, ``ph_p_value``, ``n``, ``events``. When the model
cannot be fitted (a group without events, one group only) a row says why.
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.errors import InputError
from msrwe.stats import cox_hr
from msrwe.tables.results import ResultsTable

__all__ = ["add_cox"]


def add_cox(
    results: ResultsTable,
    *,
    adtte: pl.DataFrame,
    analysis: str = "cox",
    level: float = 0.95,
    time: str = "time_years",
) -> None:
    """Add Cox hazard-ratio rows for each ``param`` of a time-to-event dataset.

    Parameters
    ----------
    results
        The table to add rows to.
    adtte
        ``patient_id``, ``group``, ``param``, ``event`` (bool) and ``time``; other analyses
        may pass their own time-to-event data and ``analysis`` name.
    analysis
        The ``analysis`` name of the rows.
    level
        Confidence level.
    time
        The follow-up column (years).

    Examples
    --------
    >>> adtte = pl.DataFrame({"patient_id": [str(i) for i in range(12)],
    ...     "param": ["CDW_EDSS"] * 12, "group": ["PPMS"] * 6 + ["SPMS"] * 6,
    ...     "time_years": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
    ...     "event": [True, True, False, True, True, False, True, False, True, False, False,
    ...               False]})
    >>> r = ResultsTable()
    >>> add_cox(r, adtte=adtte)
    >>> round(r.get("cox", "hr", group="SPMS", variable="CDW_EDSS"), 3)
    0.461
    """
    require_columns(adtte, "adtte", ["patient_id", "group", "param", "event", time])
    data = adtte.filter(pl.col("group").is_not_null() & (pl.col(time) > 0))
    for (param,), part in data.group_by("param", maintain_order=True):
        groups = sorted(str(g) for g in part["group"].unique().to_list())
        if len(groups) < 2:
            continue
        ref = groups[0]
        df = part.select("group", pl.col(time).alias("t"),
                         pl.col("event").cast(pl.Int64).alias("e"))
        try:
            res = cox_hr(df, time="t", event="e", group="group", reference=ref, robust=True,
                         alpha=1 - level)
        except InputError as exc:
            for g in groups[1:]:
                results.add_stats(analysis, g, str(param), ref,
                                  {"hr": None, "ci_low": None, "ci_high": None, "p_value": None,
                                   "n": part.height, "events": int(part["event"].sum())},
                                  label=f"hazard ratio vs {ref}", method=f"not computed: {exc}")
            continue
        for row in res.terms.iter_rows(named=True):
            term = str(row["term"])
            if not term.startswith("group="):
                continue
            g = term.removeprefix("group=")
            sub = part.filter(pl.col("group").is_in([g, ref]))
            results.add_stats(
                analysis, g, str(param), ref,
                {"hr": row["hr"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                 "p_value": row["p_value"], "ph_p_value": res.ph_p_value,
                 "n": sub.height, "events": int(sub["event"].sum())},
                label=f"hazard ratio vs {ref}", method=res.method,
            )
