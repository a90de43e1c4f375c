"""MSoutcomes' CDW and CDI rules (Kalincik et al., Brain 2015), compiled.

The MSoutcomes profile reproduces CORe's R package MSoutcomes 0.2.1 (MIT), the definitions used
in MSBase registry papers. This module holds the parts its ``CDW``, ``CDI``, ``CDEseq`` and
``PIRA`` share, and the ``CDW``/``CDI`` scans themselves:

* **Steps.** Worsening from a baseline EDSS of 0 needs +1.5, from a baseline below 6.0 +1.0, and
  from 6.0 up +0.5 (so 5.5 needs +1.0). Improvement needs -1.5 from baselines up to 1.5, -1.0 up
  to 6.0 and -0.5 above (clinical-methods.md §2; ../shared/oracle/r/README.md differences 1-2).
* **Baseline.** The first visit more than ``tRelapse`` days after the last relapse (or with no
  relapse before it). Earlier visits stay in the scan; their ``timepoint`` is negative.
* **Confirmation.** A crossing at visit *j* is confirmed by the last visit before the next visit
  that does not cross (for worsening: the last such visit more than ``tRelapse`` days from a
  relapse; the onset itself may fall in one); it must lie at least ``mconf`` days after *j*
  (``sust`` days). With ``sustained``, that visit must also be the last one of follow-up.
* **Re-baseline.** After an event the scan keeps the visits from the onset on; the new baseline
  is the lowest EDSS among the confirmed crossings within ``mconf`` days of the onset and the
  next confirmed crossing, dated at its first visit from the onset on.

As in R, the list of visits scanned is followed by a copy of its first visit (the package's
sentinel row): it ends the last run of crossings when the first visit does not cross, and can
itself be a confirmed crossing when the first visit does (a visit before the baseline, inside a
relapse). Everything is reproduced as R computes it; docs/outcomes.md ("MSoutcomes profile")
lists the behaviours that look accidental.

Arrays per patient: ``day`` (int), ``edss`` (float), ``norel`` (bool: no relapse within
``tRelapse`` days before the visit). Event records are described at
:func:`scan_cdw_cdi`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["crosses", "find_confirmed", "first_baseline", "push_event", "rebaseline", "record",
           "scan_cdw_cdi"]

#: Directions.
WORSENING, IMPROVEMENT = 1, -1
#: Event kinds (as the msprog kernel's codes).
CDI, CDW, PIRA = 1, 2, 4


@njit(cache=True, nogil=True)
def crosses(value: float, base: float, direction: int) -> bool:
    """Whether ``value`` is a worsening (``direction=1``) or improvement (-1) from ``base``."""
    d = value - base
    if direction == WORSENING:
        if base == 0.0:
            return d >= 1.5
        if base < 6.0:
            return d >= 1.0
        return d >= 0.5
    if base <= 1.5:
        return d <= -1.5
    if base <= 6.0:
        return d <= -1.0
    return d <= -0.5


@njit(cache=True, nogil=True)
def find_confirmed(rows: npt.NDArray[np.int64], m: int, day: npt.NDArray[np.int64],
                   edss: npt.NDArray[np.float64], norel: npt.NDArray[np.bool_], base: float,
                   direction: int, use_norel: bool, sentinel_zero: bool, sustained: bool,
                   mconf: float, surv: npt.NDArray[np.int64], last: npt.NDArray[np.int64],
                   ) -> int:
    """Confirmed crossings among ``rows[:m]`` plus the sentinel (index ``m``).

    Writes the surviving positions (0..m, in order) to ``surv`` and, for every position, the
    position of its confirming visit to ``last`` (-1 when none); returns how many survive.
    """
    n = m + 1
    flag = np.zeros(n, dtype=np.bool_)
    nr = np.zeros(n, dtype=np.bool_)
    for k in range(n):
        r = rows[k] if k < m else rows[0]
        flag[k] = crosses(edss[r], base, direction)
        nr[k] = norel[r] if use_norel else True
    if sentinel_zero:
        flag[m] = False
    # position of the last usable visit strictly before position x (x = n: before the end)
    before = np.empty(n + 1, dtype=np.int64)
    before[0] = -1
    for x in range(1, n + 1):
        before[x] = x - 1 if nr[x - 1] else before[x - 1]
    maxday = day[rows[0]]
    for k in range(m):
        maxday = max(maxday, day[rows[k]])
    nxt = n  # next non-crossing position after k (n: none)
    ns = 0
    for k in range(n - 1, -1, -1):
        last[k] = -1
        if flag[k]:
            last[k] = before[nxt]
        if not flag[k]:
            nxt = k
    for k in range(n):
        if not flag[k] or last[k] < 0:
            continue
        rk = rows[k] if k < m else rows[0]
        rl = rows[last[k]] if last[k] < m else rows[0]
        sust = day[rl] - day[rk]
        if sust < mconf:
            continue
        if sustained and sust < maxday - day[rk]:
            continue
        surv[ns] = k
        ns += 1
    return ns


@njit(cache=True, nogil=True)
def rebaseline(rows: npt.NDArray[np.int64], m: int, day: npt.NDArray[np.int64],
               edss: npt.NDArray[np.float64], surv: npt.NDArray[np.int64], ns: int,
               mconf: float) -> tuple[int, float, int]:
    """Keep the visits from the onset on and set the new baseline (in place).

    Returns the new number of visits, the new baseline EDSS and its row (-1 when the baseline
    value is not among the visits kept, which ends the patient's scan as in R).
    """
    r0 = rows[surv[0]] if surv[0] < m else rows[0]
    t0 = day[r0]
    nb = edss[r0]
    for s in range(ns):
        r = rows[surv[s]] if surv[s] < m else rows[0]
        if day[r] - t0 <= mconf or s == 1:
            nb = min(nb, edss[r])
    k = 0
    for i in range(m):
        if day[rows[i]] >= t0:
            rows[k] = rows[i]
            k += 1
    brow = -1
    for i in range(k):
        if edss[rows[i]] == nb:
            brow = rows[i]
            break
    if brow < 0:
        return 0, nb, -1
    m2 = 0
    for i in range(k):
        if day[rows[i]] >= day[brow]:
            rows[m2] = rows[i]
            m2 += 1
    return m2, nb, brow


@njit(cache=True, nogil=True)
def first_baseline(lo: int, hi: int, norel: npt.NDArray[np.bool_]) -> int:
    """Row of the first visit outside ``tRelapse`` days of a relapse, -1 when none."""
    for i in range(lo, hi):
        if norel[i]:
            return i
    return -1


@njit(cache=True, nogil=True)
def push_event(ev_i: npt.NDArray[np.int64], ev_f: npt.NDArray[np.float64], ne: int, p: int,
               kind: int, ron: int, rl: int, brow: int, tp: int, base: float, sust: float,
               ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """Append one event record, growing the arrays when full."""
    if ne == ev_i.shape[0]:
        ev_i2 = np.empty((2 * ne + 16, ev_i.shape[1]), dtype=np.int64)
        ev_f2 = np.empty((2 * ne + 16, ev_f.shape[1]), dtype=np.float64)
        ev_i2[:ne] = ev_i[:ne]
        ev_f2[:ne] = ev_f[:ne]
        ev_i, ev_f = ev_i2, ev_f2
    ev_i[ne, 0] = p
    ev_i[ne, 1] = kind
    ev_i[ne, 2] = ron
    ev_i[ne, 3] = rl
    ev_i[ne, 4] = brow
    ev_i[ne, 5] = tp
    ev_f[ne, 0] = base
    ev_f[ne, 1] = sust
    return ev_i, ev_f, ne + 1


@njit(cache=True, nogil=True)
def record(rows: npt.NDArray[np.int64], m: int, k: int, last: npt.NDArray[np.int64],
           day: npt.NDArray[np.int64]) -> tuple[int, int, float]:
    """Onset row, confirming row and sust days of the crossing at position ``k``."""
    ron = rows[k] if k < m else rows[0]
    rl = rows[last[k]] if last[k] < m else rows[0]
    return ron, rl, float(day[rl] - day[ron])


@njit(cache=True, nogil=True)
def scan_cdw_cdi(off: npt.NDArray[np.int64], day: npt.NDArray[np.int64],
                 edss: npt.NDArray[np.float64], norel: npt.NDArray[np.bool_], direction: int,
                 sustained: bool, mconf: float,
                 ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """MSoutcomes ``CDW`` (``direction=1``) or ``CDI`` (-1) over all patients.

    Returns integer records ``(patient, kind, onset row, confirming row, baseline row,
    timepoint)``, float records ``(baseline EDSS, sust days)`` and their count, before R's
    de-duplication and its ``timepoint > 0`` filter (see :func:`finish_events`).
    """
    kind = CDW if direction == WORSENING else CDI
    ev_i = np.empty((16, 6), dtype=np.int64)
    ev_f = np.empty((16, 2), dtype=np.float64)
    ne = 0
    for p in range(len(off) - 1):
        lo, hi = off[p], off[p + 1]
        brow = first_baseline(lo, hi, norel)
        if brow < 0:
            continue
        day0 = day[brow]
        base = edss[brow]
        m = hi - lo
        rows = np.arange(lo, hi)
        surv = np.empty(m + 1, dtype=np.int64)
        last = np.empty(m + 1, dtype=np.int64)
        while m > 0:
            ns = find_confirmed(rows, m, day, edss, norel, base, direction,
                                direction == WORSENING, False, sustained, mconf, surv, last)
            if ns == 0:
                break
            ron, rl, sust = record(rows, m, surv[0], last, day)
            ev_i, ev_f, ne = push_event(ev_i, ev_f, ne, p, kind, ron, rl, brow,
                                        day[ron] - day0, base, sust)
            m, base, brow = rebaseline(rows, m, day, edss, surv, ns, mconf)
            if brow < 0:
                break
    return ev_i, ev_f, ne
