"""MSoutcomes' ``PIRA``: progression independent of relapse activity (Dzau et al. 2023).

Dzau et al. (J Neurol Neurosurg Psychiatry 2023;94:984-991) define PIRA in MSBase as a confirmed
worsening with no relapse between the baseline and the onset. MSoutcomes 0.2.1 finds it with the
``CDW`` scan (:mod:`msoutcomes_rules`, including ``sustained``) and one more step, reproduced
here (clinical-methods.md §3):

* For the first confirmed crossing, if the last relapse before its onset (``daysPostRelapse``
  days earlier) falls on or after the first visit still scanned, it is not PIRA: the package
  re-baselines after the relapse. It keeps the visits whose relapse (``timepoint`` minus
  ``daysPostRelapse``; 0 when no relapse preceded the visit) is later than the earliest relapse
  that is earlier than the onset's, drops leading visits less than ``tRelapse`` days after a
  relapse, and takes as baseline the first remaining visit more than ``tRelapse`` days after one.
  Nothing is recorded.
* Otherwise the crossing is a PIRA event and the baseline is re-set as for ``CDW``.

Where R would loop forever (every remaining visit within ``tRelapse`` days of a relapse, which
relapse dates from a relapse table cannot produce), the scan of that patient ends.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from msrwe.derive.outcomes.msoutcomes_rules import (
    PIRA,
    WORSENING,
    find_confirmed,
    first_baseline,
    push_event,
    rebaseline,
    record,
)

__all__ = ["scan_pira"]


@njit(cache=True, nogil=True)
def _relapse_rebaseline(rows: npt.NDArray[np.int64], m: int, cp: int,
                        rel_t: npt.NDArray[np.float64], dpr: npt.NDArray[np.float64],
                        norel: npt.NDArray[np.bool_], t_relapse: float) -> tuple[int, int]:
    """Re-baseline after the relapse before ``cp`` (in place); returns visits left and base row."""
    x = math.inf
    for i in range(m):
        v = rel_t[rows[i]]
        if v < rel_t[cp]:
            x = min(x, v)
    k = 0
    for i in range(m):
        if rel_t[rows[i]] > x:
            rows[k] = rows[i]
            k += 1
    start = 0
    while start < k and not math.isnan(dpr[rows[start]]) and dpr[rows[start]] < t_relapse:
        start += 1
    for i in range(start, k):
        rows[i - start] = rows[i]
    k -= start
    for i in range(k):
        if norel[rows[i]]:
            return k, rows[i]
    return k, -1


@njit(cache=True, nogil=True)
def scan_pira(off: npt.NDArray[np.int64], day: npt.NDArray[np.int64],
              edss: npt.NDArray[np.float64], dpr: npt.NDArray[np.float64],
              norel: npt.NDArray[np.bool_], sustained: bool, mconf: float, t_relapse: float,
              ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """MSoutcomes ``PIRA`` over all patients (records as :func:`scan_cdw_cdi`).

    ``dpr`` is days since the last relapse per visit (NaN when none).
    """
    ev_i = np.empty((16, 6), dtype=np.int64)
    ev_f = np.empty((16, 2), dtype=np.float64)
    ne = 0
    rel_t = np.zeros(len(day), dtype=np.float64)
    for p in range(len(off) - 1):
        lo, hi = off[p], off[p + 1]
        brow = first_baseline(lo, hi, norel)
        if brow < 0:
            continue
        day0 = day[brow]
        base = edss[brow]
        for r in range(lo, hi):
            rel_t[r] = 0.0 if math.isnan(dpr[r]) else (day[r] - day0) - dpr[r]
        m = hi - lo
        rows = np.arange(lo, hi)
        surv = np.empty(m + 1, dtype=np.int64)
        last = np.empty(m + 1, dtype=np.int64)
        while m > 0:
            ns = find_confirmed(rows, m, day, edss, norel, base, WORSENING, True, False,
                                sustained, mconf, surv, last)
            if ns == 0:
                break
            ron, rl, sust = record(rows, m, surv[0], last, day)
            if not math.isnan(dpr[ron]) and day[ron] - day[rows[0]] >= dpr[ron]:
                m, brow = _relapse_rebaseline(rows, m, ron, rel_t, dpr, norel, t_relapse)
                if m == 0 or brow < 0:
                    break
                base = edss[brow]
                continue
            ev_i, ev_f, ne = push_event(ev_i, ev_f, ne, p, PIRA, ron, rl, brow,
                                        day[ron] - day0, base, sust)
            m, base, brow = rebaseline(rows, m, day, edss, surv, ns, mconf)
            if brow < 0:
                break
    return ev_i, ev_f, ne
