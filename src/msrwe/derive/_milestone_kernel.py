"""Compiled search of :func:`msrwe.derive.milestones.derive_milestone` (one pass over all patients).

msprog's ``value_milestone`` loop (reference/endpoints.md section 8), run by numba over flat
arrays: each patient's visits are a run ``starts[p]:starts[p + 1]`` of days since the patient's
first visit, values and confirmation flags; the patient's relapses (days since the same first
visit, sorted) are a run of ``rel``. The days since the last relapse and to the next are found by
binary search, and the confirmation window is scanned only up to its far edge. Imported only
when a milestone is derived, so ``import msrwe`` does not load numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["milestone_scan"]


@njit(cache=True, nogil=True)
def _search(t, vals, ok, before, after, milestone, conf_days, tol0, tol1, rte0, rte1, rtc0,
            rtc1, sust, impute, impute_max):  # pragma: no cover - compiled
    n = len(t)
    start = 0
    while start < n:
        cand = -1
        for x in range(start, n):
            if vals[x] >= milestone and before[x] >= rte0 and after[x] >= rte1:
                cand = x
                break
        if cand < 0:
            return -1
        conf = -1
        for x in range(cand + 1, n):
            dx = t[x] - t[cand]
            if dx > conf_days + tol1:
                break
            if dx >= conf_days - tol0 and before[x] >= rtc0 and after[x] >= rtc1 and ok[x]:
                conf = x
                break
        confirmed = conf >= 0
        if confirmed:
            for x in range(cand + 1, conf + 1):
                if vals[x] < milestone:
                    confirmed = False
                    break
        if not confirmed and cand == n - 1 and impute and t[cand] - t[0] <= impute_max:
            confirmed = True
            conf = n - 1
        if confirmed:
            drop = -1
            for x in range(conf + 1, n):
                if vals[x] < milestone:
                    drop = x
                    break
            if sust <= 0 or drop < 0 or t[drop] - t[cand] >= sust:
                return cand
            start = drop + 1
            continue
        if cand == n - 1:
            return -1
        drop = -1
        for x in range(cand + 1, n):
            if vals[x] < milestone:
                drop = x
                break
        start = n - 1 if drop < 0 else drop + 1
    return -1


@njit(cache=True, nogil=True)
def milestone_scan(t, vals, ok, starts, rel, rel_starts, milestone, conf_days, tol0, tol1, rte0,
                   rte1, rtc0, rtc1, sust, impute, impute_max):  # pragma: no cover - compiled
    """Index (within the patient's run) of each patient's milestone visit, -1 for none."""
    n_pat = len(starts) - 1
    out = np.full(n_pat, -1, np.int64)
    for p in range(n_pat):
        lo = starts[p]
        hi = starts[p + 1]
        r = rel[rel_starts[p]:rel_starts[p + 1]]
        tp = t[lo:hi]
        n = hi - lo
        before = np.full(n, np.inf)
        after = np.full(n, np.inf)
        if len(r) > 0:
            for k in range(n):
                x = tp[k]
                i = np.searchsorted(r, x, side="right")
                if i > 0:
                    before[k] = x - r[i - 1]
                j = np.searchsorted(r, x, side="left")
                if j < len(r):
                    after[k] = r[j] - x
        out[p] = _search(tp, vals[lo:hi], ok[lo:hi], before, after, milestone, conf_days, tol0,
                         tol1, rte0, rte1, rtc0, rtc1, sust, impute, impute_max)
    return out
