"""MSoutcomes' ``CDEseq``: sequential confirmed worsening and improvement (Sharmin et al. 2022).

Sharmin et al. (Eur J Neurol 2022;29:2321-2334) count every confirmed worsening and improvement
in sequence with a roving baseline. MSoutcomes 0.2.1 implements it as follows, and so does this
module (clinical-methods.md §2; ../shared/oracle/r/README.md difference 6):

1. The visits are read from the first one on. A visit that crosses neither the worsening nor the
   improvement step from the current baseline is dropped and the next one is read.
2. At the first visit that crosses a step, the *direction* is chosen (worsening is tried first).
   The first confirmed crossing in that direction anywhere in the remaining visits is the event
   (the rules of :mod:`msoutcomes_rules`, without ``sustained``; the sentinel row never crosses).
3. After the event the baseline is re-set as for ``CDW``/``CDI`` and reading goes on from the
   new baseline; it stops when one visit or none is left.
4. **Early stop.** When the chosen direction has no confirmed crossing, the package stops looking
   for that patient, even if a confirmed change in the other direction follows (an unconfirmed
   worsening before a confirmed improvement hides the improvement). ``early_stop=False`` is the
   corrected variant: the crossing visit is dropped as in step 1 and reading goes on.

Integer and float records are those of :func:`msoutcomes_rules.scan_cdw_cdi`; ``kind`` tells
worsening (2) from improvement (1).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from msrwe.derive.outcomes.msoutcomes_rules import (
    CDI,
    CDW,
    IMPROVEMENT,
    WORSENING,
    crosses,
    find_confirmed,
    first_baseline,
    push_event,
    rebaseline,
    record,
)

__all__ = ["scan_cdeseq"]


@njit(cache=True, nogil=True)
def _drop_first(rows: npt.NDArray[np.int64], m: int) -> int:
    for i in range(1, m):
        rows[i - 1] = rows[i]
    return m - 1


@njit(cache=True, nogil=True)
def scan_cdeseq(off: npt.NDArray[np.int64], day: npt.NDArray[np.int64],
                edss: npt.NDArray[np.float64], norel: npt.NDArray[np.bool_], mconf: float,
                early_stop: bool,
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    """MSoutcomes ``CDEseq`` over all patients (records as :func:`scan_cdw_cdi`)."""
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
            if crosses(edss[rows[0]], base, WORSENING):
                direction = WORSENING
            elif crosses(edss[rows[0]], base, IMPROVEMENT):
                direction = IMPROVEMENT
            else:
                m = _drop_first(rows, m)
                if m <= 1:
                    break
                continue
            ns = find_confirmed(rows, m, day, edss, norel, base, direction,
                                direction == WORSENING, True, False, mconf, surv, last)
            if ns == 0:
                if early_stop:
                    break
                m = _drop_first(rows, m)
                if m <= 1:
                    break
                continue
            ron, rl, sust = record(rows, m, surv[0], last, day)
            kind = CDW if direction == WORSENING else CDI
            ev_i, ev_f, ne = push_event(ev_i, ev_f, ne, p, kind, ron, rl, brow,
                                        day[ron] - day0, base, sust)
            m, base, brow = rebaseline(rows, m, day, edss, surv, ns, mconf)
            if brow < 0 or m <= 1:
                break
    return ev_i, ev_f, ne
