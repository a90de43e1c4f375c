"""Compiled helpers of the event scan (see :mod:`msrwe.derive.outcomes.kernel`).

Note for developers: numba's on-disk cache of ``scan_patients`` does not notice edits to this
module; after changing it, touch ``kernel.py`` (or delete its ``__pycache__/*.nbi``) so the scan is
compiled again.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []

_CDI, _CDW, _RAW, _PIRA = 1, 2, 3, 4
_FIRSTCDW, _FIRSTCDI, _FIRST, _FIRSTPIRA, _FIRSTRAW, _MULTIPLE = range(6)


@njit(cache=True, nogil=True)
def _is_event(x, b, d, kind, st, w):  # pragma: no cover - compiled
    # kind 0: worsening, 1: improvement, 2: any change; st: sub-threshold (any strict change)
    if st:
        if kind == 2:
            return x != b
        if (kind == 0) == (w > 0):
            return x > b
        return x < b
    if kind == 2:
        return abs(x - b) >= d
    if (kind == 0) == (w > 0):
        return x - b >= d
    return x - b <= -d


@njit(cache=True, nogil=True)
def _threshold(code, b):  # pragma: no cover - compiled
    # The named threshold policies (msrwe.derive.outcomes.thresholds.kernel_code), with the same
    # arithmetic as their numpy rules so that results are bit-identical.
    if code == 0:  # EDSS msprog
        return 1.5 if b == 0 else (1.0 if b <= 5.0 else 0.5)
    if code == 1:  # EDSS trial
        return 1.0 if b <= 5.5 else 0.5
    if code == 2:  # EDSS Lorscheider
        return 1.5 if b == 0 else (1.0 if b <= 5.5 else 0.5)
    if code == 3:  # 20%
        return b / 5
    if code == 4:  # SDMT msprog
        return min(b / 5, 4.0)
    return min(b * 0.1, 4.0)  # SDMT 4 points or 10%


@njit(cache=True, nogil=True)
def _local_extremum(v, dl, k, n, st, w):  # pragma: no cover - compiled
    p = k - 1 if k > 0 else k
    s = k + 1 if k < n - 1 else k
    prec2 = -1.0 if k <= 1 else v[k - 2]
    vk = v[k]
    d = dl[k]
    ext = (_is_event(v[p], vk, d, 0, st, w) and _is_event(v[s], vk, d, 0, st, w)) or (
        _is_event(v[p], vk, d, 1, st, w) and _is_event(v[s], vk, d, 1, st, w))
    return ext and vk != prec2


@njit(cache=True, nogil=True)
def _last_delta(v, dl, n, c, c0, kind, checki, skipx, w):  # pragma: no cover - compiled
    # Last visit before onset from which the onset score is a meaningful change, and that change
    # holds up to the (first) confirmation visit; index 0 when none qualifies.
    for iref in range(c - 1, 0, -1):
        if skipx != 0 and _local_extremum(v, dl, iref, n, skipx == 2, w):
            continue
        if not _is_event(v[c], v[iref], dl[iref], kind, False, w):
            continue
        ok = True
        if checki:
            for x in range(c + 1, c0 + 1):
                if not _is_event(v[x], v[iref], dl[iref], kind, False, w):
                    ok = False
                    break
        else:
            ok = _is_event(v[c0], v[iref], dl[iref], kind, False, w)
        if ok:
            return iref
    return 0


@njit(cache=True, nogil=True)
def _first_at_least(a, lo, hi, x):  # pragma: no cover - compiled
    # first i in [lo, hi) with x <= a[i] (hi when none); a is sorted ascending
    while lo < hi:
        mid = (lo + hi) // 2
        if x <= a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, nogil=True)
def _first_more_than(a, lo, hi, x):  # pragma: no cover - compiled
    # first i in [lo, hi) with x < a[i] (hi when none); a is sorted ascending
    while lo < hi:
        mid = (lo + hi) // 2
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, nogil=True)
def _grow(a, need):  # pragma: no cover - compiled (once per dtype)
    if need <= a.shape[0]:
        return a
    b = np.empty((max(need, 2 * a.shape[0]), a.shape[1]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, nogil=True)
def _sustained(v, t, c, c0, n, blv, bld, direction, w, rsd, checki, union,
               hi):  # pragma: no cover
    """How long a confirmed change at visit ``c`` lasts, for CDI (direction 1) and CDW (0).

    Returns the first visit after ``c0`` that no longer meets the change (-1 if none), after
    clearing ``union`` from it on (``union`` is False from ``hi`` on), and whether the change
    holds for ``rsd`` days (``require_sust_days``): with ``checki`` at every visit, else at the
    first visit ``rsd`` days or more after onset (the last visit when follow-up is shorter).
    """
    nns = -1
    for x in range(c0 + 1, n):
        if not _is_event(v[x], blv, bld, direction, False, w):
            nns = x
            break
    if nns >= 0:
        for x in range(nns, hi):
            union[x] = False
    valid = True
    if rsd != 0:
        if checki:
            valid = nns < 0 or t[nns] - t[c] >= rsd
        else:
            sv = n - 1
            if t[n - 1] - t[c] >= rsd:  # binary search: t is sorted, so is t[x] - t[c]
                lo = min(c + 1, n - 1)
                up = n - 1
                while lo < up:
                    mid = (lo + up) // 2
                    if t[mid] - t[c] >= rsd:
                        up = mid
                    else:
                        lo = mid + 1
                sv = lo
            valid = _is_event(v[sv], blv, bld, direction, False, w)
    return nns, valid


@njit(cache=True, nogil=True)
def _push_unconfirmed(un_i, un_f, n_un, p, s, c, bl_pos, value, blv, cb, ca):  # pragma: no cover
    un_i = _grow(un_i, n_un + 1)
    un_f = _grow(un_f, n_un + 1)
    un_i[n_un, 0] = p
    un_i[n_un, 1] = s + c
    un_i[n_un, 2] = s + bl_pos
    un_f[n_un, 0] = value
    un_f[n_un, 1] = blv
    un_f[n_un, 2] = cb
    un_f[n_un, 3] = ca
    return un_i, un_f, n_un + 1


@njit(cache=True, nogil=True)
def _finish_patient(d_i, d_f, nd, p, s, ev_code, keep, order, seen, ev_i, ev_f,
                    n_ev):  # pragma: no cover
    # msprog keeps the last detection of a repeated onset (possible with relapse_rebl), orders
    # events by onset and, for the first* types, keeps the first event of the type, found by its
    # position in detection order.
    ni = d_i.shape[1]
    nf = d_f.shape[1]
    if nd > keep.shape[0]:
        keep = np.empty(nd, dtype=np.bool_)
        order = np.empty(nd, dtype=np.int64)
    for k in range(nd - 1, -1, -1):  # ``seen[onset] == p``: a later detection has that onset
        onset = d_i[k, 2]
        keep[k] = seen[onset] != p
        seen[onset] = p
    nk = 0
    for k in range(nd):
        if keep[k]:
            order[nk] = k
            nk += 1
    # insertion sort of kept detections by onset index (onsets are distinct)
    for a in range(1, nk):
        key = order[a]
        b = a - 1
        while b >= 0 and d_i[order[b], 2] > d_i[key, 2]:
            order[b + 1] = order[b]
            b -= 1
        order[b + 1] = key
    first = 0
    nsel = nk
    if ev_code != _MULTIPLE:
        pos = -1
        if ev_code == _FIRST:
            pos = 0
        else:
            for k in range(nd):
                ty = d_i[k, 1]
                if ((ev_code == _FIRSTCDW and ty != _CDI) or (ev_code == _FIRSTCDI and ty == _CDI)
                        or (ev_code == _FIRSTPIRA and ty == _PIRA)
                        or (ev_code == _FIRSTRAW and ty == _RAW)):
                    pos = k
                    break
        if pos >= nk:
            # pymsprog 1.0.7 fails here (its position counts removed duplicates); take the first
            # kept event of the requested type instead.
            pos = -1
            for q in range(nk):
                ty = d_i[order[q], 1]
                if ((ev_code == _FIRSTCDW and ty != _CDI) or (ev_code == _FIRSTCDI and ty == _CDI)
                        or (ev_code == _FIRSTPIRA and ty == _PIRA)
                        or (ev_code == _FIRSTRAW and ty == _RAW)):
                    pos = q
                    break
        if pos < 0:
            nsel = 0
        else:
            first = pos
            nsel = 1
    if n_ev + nsel > ev_i.shape[0]:
        ev_i = _grow(ev_i, n_ev + nsel)
        ev_f = _grow(ev_f, n_ev + nsel)
    for q in range(first, first + nsel):
        k = order[q]
        for col in range(ni):
            val = d_i[k, col]
            if col >= 2 and val >= 0:
                val += s
            ev_i[n_ev, col] = val
        for col in range(nf):
            ev_f[n_ev, col] = d_f[k, col]
        n_ev += 1
    return ev_i, ev_f, n_ev
