"""Relapse onset days grouped by patient and sorted, in one compiled counting pass.

Relapses arrive in runs of one patient (``bounds[h]:bounds[h + 1]`` is run ``h``, whose patient
is ``pos[h]``, -1 when the patient has no visits). Counting them per patient and writing each
into its patient's slot groups them by patient in one pass; each patient's few days are then
sorted in place (a Shell sort: numba's own sort takes a second longer to compile). This equals
sorting every (patient, day) key of the table, as :func:`msrwe.derive.outcomes.prepare.prepare`
did before, without building or sorting the keys.

Examples
--------
>>> import numpy as np
>>> roff, rday = np.zeros(3, dtype=np.int64), np.empty(3, dtype=np.int32)
>>> n = place_relapses(np.array([1, -1, 0]), np.array([0, 2, 3, 4]),
...                    np.array([50, 20, 7, 9], dtype=np.int32), np.ones(0, np.bool_), roff, rday)
>>> n, roff.tolist(), rday[:n].tolist()
(3, [0, 1, 3], [9, 20, 50])
"""

from __future__ import annotations

from numba import njit

__all__ = ["place_relapses"]


@njit(cache=True, nogil=True)
def place_relapses(pos, bounds, rd, ok, roff, rday):  # pragma: no cover - compiled
    """Fill ``roff`` (zeros, ``npat + 1``) and ``rday`` (room for every row); return the count.

    ``ok`` marks the rows to keep (an onset given); empty when every row is kept.
    """
    npat = len(roff) - 1
    check = len(ok) > 0
    for h in range(len(pos)):
        p = pos[h]
        if p < 0:
            continue
        for i in range(bounds[h], bounds[h + 1]):
            if not check or ok[i]:
                roff[p + 1] += 1
    for p in range(npat):
        roff[p + 1] += roff[p]
    at = roff[:npat].copy()
    for h in range(len(pos)):
        p = pos[h]
        if p < 0:
            continue
        for i in range(bounds[h], bounds[h + 1]):
            if not check or ok[i]:
                rday[at[p]] = rd[i]
                at[p] += 1
    for p in range(npat):  # a patient's days: Shell sort (insertion sort for a few days)
        a, b = roff[p], roff[p + 1]
        gap = 1
        while gap < (b - a) // 3:
            gap = 3 * gap + 1
        while gap >= 1:
            for i in range(a + gap, b):
                x = rday[i]
                j = i - gap
                while j >= a and rday[j] > x:
                    rday[j + gap] = rday[j]
                    j -= gap
                rday[j + gap] = x
            gap //= 3
    return roff[npat]
