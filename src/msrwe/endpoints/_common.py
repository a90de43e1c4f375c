"""Helpers shared by the endpoint analyses: per-group subsets and Kaplan-Meier rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import polars as pl

from msrwe.stats import kaplan_meier
from msrwe.tables.formatting import plural
from msrwe.tables.groups import groups_of
from msrwe.tables.results import ResultsTable

__all__ = ["add_km_rows", "at_text", "per_group"]


def per_group(
    adsl: pl.DataFrame, data: pl.DataFrame, *, by: str = "patient_id", group: str = "group"
) -> Iterator[tuple[str, pl.DataFrame]]:
    """``(group, rows of data of that group's patients)`` for each group, then ``overall``."""
    for g, ids in groups_of(adsl, group):
        yield g, data.filter(pl.col(by).cast(pl.String).is_in(ids))


def at_text(template: str, t: float) -> str:
    """The label of a time point: ``template`` with ``{years}`` and ``{t}`` filled in.

    ``{years}`` is the time with its unit, singular for one (``"1 year"``, ``"2 years"``).

    Examples
    --------
    >>> at_text("{years} after the first dose", 1.0), at_text("{years}", 2)
    ('1 year after the first dose', '2 years')
    """
    return template.format(t=t, years=plural(t, "year"))


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
    at_label: str = "{years}",
    method_note: str = "",
    entry: np.ndarray | None = None,
) -> None:
    """Kaplan-Meier rows: level ``""`` with n, events, median (and CI); ``"<t>"`` per time.

    With ``entry`` (delayed entry: the time each patient came under observation) the curve is
    lifelines' left-truncated Kaplan-Meier and ``n_at_risk`` counts the patients under
    observation at the time.
    """
    if entry is not None:
        _add_km_truncated(results, analysis=analysis, group=group, variable=variable, time=time,
                          event=event, entry=entry, at=at, level=level, label=label,
                          at_label=at_label, method_note=method_note)
        return
    n, ev = len(time), int(np.sum(event))
    if n == 0:
        results.add_stats(analysis, group, variable, "", {"n": 0, "events": 0, "median": None},
                          label=label, method="not computed: no patient with follow-up")
        return
    km = kaplan_meier(time, event.astype(np.int64), at=list(at), level=level)
    method = f"{method_note}; {km.method}" if method_note else km.method
    results.add_stats(
        analysis, group, variable, "",
        {"n": n, "events": ev, "median": km.median, "median_ci_low": km.median_ci_low,
         "median_ci_high": km.median_ci_high},
        label=label, method=method,
    )
    for row in km.table.iter_rows(named=True):
        results.add_stats(
            analysis, group, variable, f"{row['time']:g}",
            {"n_at_risk": row["n_at_risk"], "events": row["events"],
             "survival": row["survival"], "ci_low": row["ci_low"], "ci_high": row["ci_high"]},
            label=at_text(at_label, row["time"]), method=method,
        )


def _add_km_truncated(
    results: ResultsTable, *, analysis: str, group: str, variable: str, time: np.ndarray,
    event: np.ndarray, entry: np.ndarray, at: Sequence[float], level: float, label: str,
    at_label: str, method_note: str,
) -> None:  # fmt: skip
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    n, ev = len(time), int(np.sum(event))
    if n == 0:
        results.add_stats(analysis, group, variable, "", {"n": 0, "events": 0, "median": None},
                          label=label, method="not computed: no patient with follow-up")
        return
    from lifelines.exceptions import StatError

    entry = np.minimum(entry, time)
    try:
        kmf = KaplanMeierFitter(alpha=1 - level).fit(time, event.astype(bool), entry=entry)
    except StatError:
        results.add_stats(analysis, group, variable, "", {"n": n, "events": ev, "median": None},
                          label=label, method="not computed: too few patients under observation "
                          "early to estimate the curve with delayed entry (the survival reaches 0)")
        return
    method = ("Kaplan-Meier with delayed entry at the first charted visit (lifelines), "
              "Greenwood log(-log) interval")
    method = f"{method_note}; {method}" if method_note else method

    def fin(v: float) -> float | None:
        return float(v) if np.isfinite(v) else None

    med_ci = median_survival_times(kmf.confidence_interval_).to_numpy(dtype=float).ravel()
    results.add_stats(
        analysis, group, variable, "",
        {"n": n, "events": ev, "median": fin(float(kmf.median_survival_time_)),
         "median_ci_low": fin(med_ci[0]), "median_ci_high": fin(med_ci[1])},
        label=label, method=method,
    )
    line = kmf.survival_function_.index.to_numpy(dtype=float)
    surv = kmf.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    ci = kmf.confidence_interval_survival_function_.to_numpy(dtype=float)
    for t in at:
        i = int(np.searchsorted(line, t, side="right")) - 1
        s, lo, hi = (1.0, 1.0, 1.0) if i < 0 else (surv[i], ci[i, 0], ci[i, 1])
        results.add_stats(
            analysis, group, variable, f"{t:g}",
            {"n_at_risk": int(np.sum((entry <= t) & (time >= t))),
             "events": int(np.sum((time <= t) & (event == 1))),
             "survival": fin(s), "ci_low": fin(lo), "ci_high": fin(hi)},
            label=at_text(at_label, t), method=method,
        )
