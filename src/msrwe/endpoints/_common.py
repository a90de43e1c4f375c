"""Helpers shared by the endpoint analyses: per-group subsets and Kaplan-Meier rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import polars as pl

from msrwe.derive._columns import key_type
from msrwe.derive._frames import each_once, look_up
from msrwe.stats import KaplanMeierResult, kaplan_meier, km_median
from msrwe.stats._survival import KM_TABLE_SCHEMA
from msrwe.tables.formatting import plural
from msrwe.tables.groups import MISSING_GROUP, group_ids
from msrwe.tables.km import add_km_result
from msrwe.tables.results import ResultsTable

__all__ = ["add_km_rows", "at_text", "per_group"]


def per_group(
    adsl: pl.DataFrame, data: pl.DataFrame, *, by: str = "patient_id", group: str = "group"
) -> Iterator[tuple[str, pl.DataFrame]]:
    """``(group, rows of data of that group's patients)`` for each group, then ``overall``.

    The groups and their rows are those of :func:`msrwe.tables.groups.group_ids`; when each
    patient has one row of ``adsl`` and a text group, each row of ``data`` is given its
    patient's group by one join, and each group is then a filter on that label (instead of a
    look-up of every row's id in each group's id set).
    """
    groups = group_ids(adsl, group)
    fast = (len(groups) > 1 and adsl.schema[group] == pl.String
            and each_once(adsl["patient_id"]))
    # the ids as the analysis holds them (an enum) when both tables hold them so; else as text
    kind = key_type(adsl)
    kind = kind if data.schema.get(by) == kind else pl.String()
    if not fast:
        for g, ids in groups:
            yield g, data.filter(pl.col(by).cast(kind).is_in(ids.cast(kind).implode()))
        return
    labels = adsl.select(pl.col("patient_id").cast(kind).alias("_key"),
                         pl.col(group).fill_null(MISSING_GROUP).alias("_label"))
    # one look-up per run of a patient's rows (the same labels as a left join on the id)
    (label,) = look_up(data.get_column(by).cast(kind), labels["_key"], [labels["_label"]])
    for g, _ in groups[:-1]:
        yield g, data.filter(label == g)
    yield groups[-1][0], data.filter(label.is_not_null())


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
    min_at_risk: int = 0,
) -> None:
    """Kaplan-Meier rows: level ``""`` with n, events, median (and CI); ``"<t>"`` per time.

    With ``entry`` (delayed entry: the time each patient came under observation) the curve is
    lifelines' left-truncated Kaplan-Meier and ``n_at_risk`` counts the patients under
    observation at the time. Estimates where fewer than ``min_at_risk`` patients are at risk
    are not reported, and times without an event have no interval
    (:func:`msrwe.tables.km.add_km_result` writes the rows and says why).
    """
    n = len(time)
    if n == 0:
        results.add_stats(analysis, group, variable, "", {"n": 0, "events": 0, "median": None},
                          label=label, method="not computed: no patient with follow-up")
        return
    if entry is not None:
        km = _km_delayed_entry(time, event, entry, at=at, level=level, min_at_risk=min_at_risk)
        if km is None:
            results.add_stats(
                analysis, group, variable, "", {"n": n, "events": int(np.sum(event)),
                                                "median": None},
                label=label, method="not computed: too few patients under observation early "
                "to estimate the curve with delayed entry (the survival reaches 0)")
            return
    else:
        km = kaplan_meier(time, event.astype(np.int64), at=list(at), level=level,
                          min_at_risk=min_at_risk)
    add_km_result(results, km, analysis=analysis, group=group, variable=variable, label=label,
                  at_label=lambda t: at_text(at_label, t), method_note=method_note)


def _km_delayed_entry(
    time: np.ndarray, event: np.ndarray, entry: np.ndarray, *, at: Sequence[float],
    level: float, min_at_risk: int,
) -> KaplanMeierResult | None:
    """Left-truncated Kaplan-Meier (lifelines') read at ``at``, under the same reporting rule.

    The curve is lifelines' ``KaplanMeierFitter`` with ``entry``, computed by
    :func:`msrwe.stats._km_curve.km_curve` (lifelines' arithmetic on numpy arrays, the same
    floats).
    """
    from lifelines.exceptions import StatError

    from msrwe.stats._km_curve import km_curve
    from msrwe.stats._survival import collapse_ties

    entry = np.minimum(entry, time)
    try:
        # one row per distinct (time, event, entry), its count as an exact weight
        (tu, eu, nu), count = collapse_ties(time.astype(float), event.astype(float), entry)
        line, surv, ci = km_curve(tu, eu, count, level=level, entry=nu)
    except StatError:
        return None
    ci[surv <= 0] = np.nan
    m = min_at_risk

    def at_risk(t: float) -> int:
        return int(np.sum((entry <= t) & (time >= t)))

    rows = []
    for t in at:
        i = int(np.searchsorted(line, t, side="right")) - 1
        s, lo, hi = (1.0, 1.0, 1.0) if i < 0 else (surv[i], ci[i, 0], ci[i, 1])
        k, ev = at_risk(t), int(np.sum((time <= t) & (event == 1)))
        note = f"fewer than {m} at risk" if k < m else ("no events" if ev == 0 else "")
        rows.append({"time": float(t), "n_at_risk": k, "events": ev,
                     "censored": int(np.sum((time <= t) & (event == 0))),
                     "survival": None if k < m or not np.isfinite(s) else float(s),
                     "ci_low": None if note or not np.isfinite(lo) else float(lo),
                     "ci_high": None if note or not np.isfinite(hi) else float(hi),
                     "note": note})
    table = pl.DataFrame(rows, schema=KM_TABLE_SCHEMA)

    def shown(v: float) -> float:
        return v if np.isfinite(v) and at_risk(v) >= m else float("nan")

    med = km_median(line, surv)
    return KaplanMeierResult(
        table=table, median=shown(med), median_ci_low=shown(km_median(line, ci[:, 0])),
        median_ci_high=shown(km_median(line, ci[:, 1])), n=len(time),
        n_events=int(np.sum(event)), level=level,
        method="Kaplan-Meier with delayed entry at the first charted visit (lifelines), "
        "Greenwood log(-log) interval",
        min_at_risk=m, median_hidden=bool(np.isfinite(med) and not np.isfinite(shown(med))),
    )
