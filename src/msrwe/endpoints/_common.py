"""Helpers shared by the endpoint analyses: per-group subsets and Kaplan-Meier rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import polars as pl

from msrwe.stats import kaplan_meier
from msrwe.tables.groups import groups_of
from msrwe.tables.results import ResultsTable

__all__ = ["add_km_rows", "per_group"]


def per_group(
    adsl: pl.DataFrame, data: pl.DataFrame, *, by: str = "patient_id", group: str = "group"
) -> Iterator[tuple[str, pl.DataFrame]]:
    """``(group, rows of data of that group's patients)`` for each group, then ``overall``."""
    for g, ids in groups_of(adsl, group):
        yield g, data.filter(pl.col(by).cast(pl.String).is_in(ids))


def add_km_rows(
    results: ResultsTable,
    *,
    analysis: str,
    group: str,
    variable: str,
    time: np.ndarray,
    event: np.ndarray,
    at: Sequence[float],
    level: float,
    label: str,
    at_label: str = "{t:g} years",
) -> None:
    """Kaplan-Meier rows: level ``""`` with n, events, median (and CI); ``"<t>"`` per time."""
    n, ev = len(time), int(np.sum(event))
    if n == 0:
        results.add_stats(analysis, group, variable, "", {"n": 0, "events": 0, "median": None},
                          label=label, method="not computed: no patient with follow-up")
        return
    km = kaplan_meier(time, event.astype(np.int64), at=list(at), level=level)
    results.add_stats(
        analysis, group, variable, "",
        {"n": n, "events": ev, "median": km.median, "median_ci_low": km.median_ci_low,
         "median_ci_high": km.median_ci_high},
        label=label, method=km.method,
    )
    for row in km.table.iter_rows(named=True):
        results.add_stats(
            analysis, group, variable, f"{row['time']:g}",
            {"n_at_risk": row["n_at_risk"], "events": row["events"],
             "survival": row["survival"], "ci_low": row["ci_low"], "ci_high": row["ci_high"]},
            label=at_label.format(t=row["time"]), method=km.method,
        )
