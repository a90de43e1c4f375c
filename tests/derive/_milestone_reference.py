"""The former per-patient Python loop of ``derive_milestone`` (before the numba scan).

Kept verbatim as the oracle of ``test_milestones_kernel.py``: the compiled scan must give the
same row for every patient. Options are assumed valid (the public function checks them).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

import polars as pl


def reference_milestone(visits, *, milestone, relapses=None, by="patient_id", date="date",
                        value="edss", validconf=None, conf_days=84, conf_tol_days=(7, 730.5),
                        require_sust_days=0, relapse_to_event=0, relapse_to_conf=30,
                        impute_last_visit=0):
    def _pair(v):
        return (float(v), 0.0) if isinstance(v, int | float) else tuple(float(x) for x in v)

    tol = ((float(conf_tol_days),) * 2 if isinstance(conf_tol_days, int | float)
           else _pair(conf_tol_days))
    rte = _pair(relapse_to_event)
    rtc = _pair(relapse_to_conf)
    impute = impute_last_visit > 0
    impute_max = math.inf if impute_last_visit <= 1 else float(impute_last_visit)
    cols = [by, date, value, *([validconf] if validconf else [])]
    v = visits.select(cols).filter(pl.col(value).is_not_null() & pl.col(date).is_not_null())
    if validconf:
        v = v.filter(pl.col(validconf).is_not_null())
    order = v[by].unique(maintain_order=True).to_list()
    v = v.with_row_index("_i").sort(by, date, "_i").unique([by, date], keep="last",
                                                           maintain_order=True)
    rel: dict[object, list[dt.date]] = {}
    if relapses is not None:
        for pid, d in relapses.select(by, "onset_date").drop_nulls().iter_rows():
            rel.setdefault(pid, []).append(d)
    # v is sorted by patient: each patient's rows are one run; the columns are read once
    ids_all = v[by].to_list()
    dates_all = v[date].to_list()
    vals_all = [float(x) for x in v[value].to_list()]
    ok_all = v[validconf].cast(pl.Boolean).to_list() if validconf else None
    span: dict[object, tuple[int, int]] = {}
    for i, pid in enumerate(ids_all):
        lo_hi = span.get(pid)
        span[pid] = (i, i + 1) if lo_hi is None else (lo_hi[0], i + 1)
    rows = []
    for pid in order:
        lo, hi = span[pid]
        days_d = dates_all[lo:hi]
        vals = vals_all[lo:hi]
        ok = ok_all[lo:hi] if ok_all is not None else [True] * len(vals)
        first = days_d[0]
        t = [(d - first).days for d in days_d]
        r = sorted((d - first).days for d in rel.get(pid, []) if (d - first).days >= -rte[0])
        before, after = _nearest_relapse(t, r)
        idx = _search(t, vals, ok, before, after, milestone, conf_days, tol, rte, rtc,
                      require_sust_days, impute, impute_max)
        if idx is None:
            rows.append((pid, days_d[-1], None, float(t[-1]), False))
        else:
            rows.append((pid, days_d[idx], vals[idx], float(t[idx]), True))
    return pl.DataFrame(rows, schema={by: visits.schema[by], date: pl.Date, value: pl.Float64,
                                      "time2event": pl.Float64, "observed": pl.Boolean},
                        orient="row")


def _nearest_relapse(t: list[int], r: list[int]) -> tuple[list[float], list[float]]:
    """Days since the last relapse (sorted ``r``) on or before each day and to the next one.

    ``inf`` when there is none; found by binary search, not by scanning every relapse.
    """
    if not r:
        return [math.inf] * len(t), [math.inf] * len(t)
    before: list[float] = []
    after: list[float] = []
    for x in t:
        i = bisect.bisect_right(r, x)
        before.append(x - r[i - 1] if i > 0 else math.inf)
        j = bisect.bisect_left(r, x)
        after.append(r[j] - x if j < len(r) else math.inf)
    return before, after


def _search(t: list[int], vals: list[float], ok: list[bool], before: list[float],
            after: list[float], milestone: float, conf_days: int, tol: tuple[float, float],
            rte: tuple[float, float], rtc: tuple[float, float], sust: float, impute: bool,
            impute_max: float) -> int | None:
    """The index of the milestone visit, or ``None`` (msprog's loop, 0-based)."""
    n = len(t)
    start = 0
    while start < n:
        cand = next((x for x in range(start, n) if vals[x] >= milestone
                     and before[x] >= rte[0] and after[x] >= rte[1]), None)
        if cand is None:
            return None
        conf = [x for x in range(cand + 1, n)
                if conf_days - tol[0] <= t[x] - t[cand] <= conf_days + tol[1]
                and before[x] >= rtc[0] and after[x] >= rtc[1] and ok[x]]
        confirmed = bool(conf) and all(vals[x] >= milestone for x in range(cand + 1, conf[0] + 1))
        if not confirmed and cand == n - 1 and impute and t[cand] - t[0] <= impute_max:
            confirmed, conf = True, [n - 1]
        if confirmed:
            c = conf[0]
            drop = next((x for x in range(c + 1, n) if vals[x] < milestone), None)
            if sust <= 0 or drop is None or t[drop] - t[cand] >= sust:
                return cand
            start = drop + 1
            continue
        if cand == n - 1:
            return None
        drop = next((x for x in range(cand + 1, n) if vals[x] < milestone), None)
        start = n - 1 if drop is None else drop + 1
    return None
