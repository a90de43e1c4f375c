"""The compiled event scan: msprog's sequential algorithm over patient-sorted arrays.

One numba function, :func:`scan_patients`, walks the visits of a block of patients in date order
and records every confirmed event with the indices of its onset, baseline, last-delta,
confirmation and sustained-until visits. Visits of patient ``p`` are ``off[p]:off[p+1]`` of the
flat arrays; relapses likewise with ``roff``. A named threshold policy is computed in the
scan from the reference value (``iopt`` slot ``_POLICY`` >= 0: then ``delta`` holds the values
that set the threshold, usually ``value`` itself); anything else that depends on user code (a
threshold function) is evaluated beforehand into ``delta`` (the minimal change for each visit
used as a reference; slot ``_POLICY`` = -1 or absent), so the kernel is pure arithmetic and
releases the GIL.

Every forward scan is bounded: confirmation candidates only lie within the confirmation windows
after an onset (``[c + 1, dirty_hi)``), and relapses and dates are found by binary search in the
sorted ``rday`` and ``t``, so the cost per visit does not grow with the length of a series.

The rules follow msprog (clinical-methods.md 2.1-2.2 and 3); the numbered comments name the steps
of the scan. Integer codes of the options are built by :func:`msrwe.derive.outcomes.prepare.codes`.

Event type codes: 1 CDI, 2 CDW (not classified, or classified "undefined"), 3 RAW, 4 PIRA.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from msrwe.derive.outcomes._kernel_parts import (
    _finish_patient,
    _first_at_least,
    _first_more_than,
    _grow,
    _is_event,
    _last_delta,
    _local_extremum,
    _push_unconfirmed,
    _sustained,
    _threshold,
)

__all__ = ["CDI", "CDW", "PIRA", "RAW", "event_buffers", "scan_patients"]

CDI, CDW, RAW, PIRA = 1, 2, 3, 4

# Integer option slots (see prepare.codes)
_EVENT, _BASELINE, _PROCEED, _SUBTHR, _RREBL, _BLGEQ, _SKIPX, _CHECKI, _RAWPIRA, _WORS, \
    _PRECT, _NCONF, _SAMEDELTA, _UNCONF, _DIRFIX, _POLICY = range(16)
# Float option slots
_RTB0, _RTB1, _RTE0, _RTE1, _RTC0, _RTC1, _RA0, _RA1, _RSD, _IMPP, _IMPFU, \
    _P0, _P1, _E0, _E1, _C0, _C1 = range(17)
# event codes
_FIRSTCDW, _FIRSTCDI, _FIRST, _FIRSTPIRA, _FIRSTRAW, _MULTIPLE = range(6)
# baseline codes
_FIXED, _ROVING, _ROVING_IMPR, _ROVING_WORS = range(4)


def event_buffers(iopt: np.ndarray, n_patients: int, n_visits: int,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Empty event tables with room for every event of a scan, made by numpy.

    A patient has at most one event per visit (one under a ``first*`` event), so the tables
    never grow: no copy. Rows never written are never resident, and numpy asks the kernel for
    huge pages for large arrays (about four times fewer page faults than an array made inside
    the compiled scan).

    Examples
    --------
    >>> from msrwe.derive.outcomes.options import make_options
    >>> from msrwe.derive.outcomes.prepare import codes
    >>> ev_i, ev_f = event_buffers(codes(make_options(event="multiple"))[0], 2, 40)
    >>> ev_i.shape, ev_f.shape
    ((40, 8), (40, 5))
    """
    nconf = int(iopt[_NCONF])
    rows = n_visits if iopt[_EVENT] == _MULTIPLE else n_patients
    return (np.empty((max(16, rows), 6 + 2 * nconf), dtype=np.int32),
            np.empty((max(16, rows), 3 + 2 * nconf), dtype=np.float64))


@njit(cache=True, nogil=True)
def scan_patients(p_start, p_end, off, day, value, delta, validconf, roff, rday, impu,
                  iopt, fopt, win, ev_i, ev_f):  # pragma: no cover - compiled
    """Scan patients ``p_start:p_end``; see the module docstring for the array layout.

    ``ev_i`` and ``ev_f`` are the tables the events are written to (:func:`event_buffers`; a
    copy with more rows is made if they are too short).

    Returns ``(ev_i, ev_f, n_ev, un_i, un_f, n_un)``: per event the integer record
    ``[patient, type, onset, baseline, last_delta, sust_until, conf_m..., pira_conf_m...]``
    (global visit indices, -1 for none) and the float record ``[value, bl_value,
    last_delta_value, conf_value_m..., pira_conf_value_m...]``; per unconfirmed change
    ``[patient, onset, baseline]`` and ``[value, bl_value, closest_rel_before,
    closest_rel_after]``.
    """
    nconf = iopt[_NCONF]
    ev_code = iopt[_EVENT]
    blmode = iopt[_BASELINE]
    from_conf = iopt[_PROCEED] == 0
    subthr = iopt[_SUBTHR]
    rrebl = iopt[_RREBL] != 0
    blgeq = iopt[_BLGEQ] != 0
    skipx = iopt[_SKIPX]
    checki = iopt[_CHECKI] != 0
    rawpira = iopt[_RAWPIRA] != 0
    w = iopt[_WORS]
    prect = iopt[_PRECT]
    samedelta = iopt[_SAMEDELTA] != 0
    want_unconf = iopt[_UNCONF] != 0
    dirfix = iopt[_DIRFIX] != 0
    pcode = iopt[_POLICY] if len(iopt) > _POLICY else -1
    rtb0, rtb1 = fopt[_RTB0], fopt[_RTB1]
    rte0, rte1 = fopt[_RTE0], fopt[_RTE1]
    rtc0, rtc1 = fopt[_RTC0], fopt[_RTC1]
    ra0, ra1 = fopt[_RA0], fopt[_RA1]
    rsd = fopt[_RSD]
    imp_p, imp_fu = fopt[_IMPP], fopt[_IMPFU]
    riv = fopt[_P0:_C1 + 1]
    rel_shift = 0.0 if ev_code == _FIRSTPIRA else ra0
    skip_pira_rebl = (blmode == _FIXED) | (blmode == _ROVING_IMPR)
    rove_impr = (blmode == _ROVING) | (blmode == _ROVING_IMPR)
    rove_wors = (blmode == _ROVING) | (blmode == _ROVING_WORS)

    ni = 6 + 2 * nconf
    nf = 3 + 2 * nconf
    n_ev = 0
    un_i = np.empty((16 if want_unconf else 0, 3), dtype=np.int32)
    un_f = np.empty((un_i.shape[0], 4), dtype=np.float64)
    n_un = 0

    maxn = 1
    for p in range(p_start, p_end):
        maxn = max(maxn, off[p + 1] - off[p])
    t = np.empty(maxn, dtype=np.float64)
    v = np.empty(maxn, dtype=np.float64)
    dl = np.empty(maxn, dtype=np.float64)
    cb = np.empty(maxn, dtype=np.float64)
    ca = np.empty(maxn, dtype=np.float64)
    inwin = np.zeros((nconf, maxn), dtype=np.bool_)
    union = np.zeros(maxn, dtype=np.bool_)
    pconf = np.zeros(maxn, dtype=np.bool_)
    alive = np.zeros(nconf, dtype=np.bool_)
    cap = 2 * maxn + 8
    d_i = np.empty((cap, ni), dtype=np.int32)   # detected events of one patient, detection order
    d_f = np.empty((cap, nf), dtype=np.float64)
    keep = np.empty(cap, dtype=np.bool_)
    order = np.empty(cap, dtype=np.int64)
    seen = np.full(maxn, -1, dtype=np.int64)  # onset -> patient that last kept it (step 3)

    for p in range(p_start, p_end):
        s = off[p]
        n = off[p + 1] - s
        for i in range(n):
            t[i] = day[s + i]
            v[i] = value[s + i]
            dl[i] = delta[s + i] if pcode < 0 else _threshold(pcode, delta[s + i])
        # 1. Relapses: those before the first visit minus relapse_to_bl are ignored.
        r_lo = roff[p]
        r_hi = roff[p + 1]
        while r_lo < r_hi and rday[r_lo] < t[0] - rtb0:
            r_lo += 1
        nrel = r_hi - r_lo
        j = r_lo
        for i in range(n):  # distance to the closest relapse on or before / on or after visit i
            while j < r_hi and rday[j] <= t[i]:
                j += 1
            cb[i] = t[i] - rday[j - 1] if j > r_lo else np.inf
            k = j - 1 if (j > r_lo and rday[j - 1] == t[i]) else j
            ca[i] = rday[k] - t[i] if k < r_hi else np.inf
        # 2. The scan.
        for x in range(n):
            union[x] = False
            pconf[x] = False
            for m in range(nconf):
                inwin[m, x] = False
        dirty_lo = 0
        dirty_hi = 0
        nd = 0
        bl_idx = 0
        search_idx = 1
        proceed = True
        irel = 0
        if nrel > 0:
            irel = -1
            for r in range(nrel):
                if rday[r_lo + r] > t[0]:
                    irel = r
                    break
        has_last = False
        bl_last = 0.0
        bl_last_d = 0.0
        guard = 0
        any_cdw = False
        any_cdi = False
        any_pira = False
        any_raw = False
        while proceed:
            guard += 1
            if guard > 4 * n * n + 100:
                break
            # 2a. Baseline: move it past visits too close to a relapse or at a local extremum.
            lx = skipx != 0 and _local_extremum(v, dl, bl_idx, n, skipx == 2, w)
            while proceed and (cb[bl_idx] < rtb0 or ca[bl_idx] < rtb1 or lx):
                bl_idx += 1
                lx = bl_idx < n and skipx != 0 and _local_extremum(v, dl, bl_idx, n,
                                                                    skipx == 2, w)
                if bl_idx > n - 2:
                    proceed = False
            if rrebl and irel >= 0 and irel < nrel and bl_idx < n:
                nxt = -1
                for r in range(irel, nrel):
                    if rday[r_lo + r] > t[bl_idx]:
                        nxt = r
                        break
                irel = nxt
            if search_idx <= bl_idx:
                search_idx = bl_idx + 1
            if bl_idx > n - 1:
                bl_idx = n - 1
                proceed = False
            elif blgeq and has_last and bl_last > v[bl_idx]:
                v[bl_idx] = bl_last  # Kappos 2020: the reference never decreases
                if samedelta:
                    dl[bl_idx] = bl_last_d
            bl_pos = bl_idx
            blv = v[bl_idx]
            bld = dl[bl_idx]
            bl_last = blv
            bl_last_d = bld
            has_last = True
            # 2b. Onset: first later visit with a change from baseline, away from relapses.
            c = -1
            for x in range(search_idx, n):
                if (_is_event(v[x], blv, bld, 2, subthr != 0, w) and cb[x] >= rte0
                        and ca[x] >= rte1):
                    c = x
                    break
            if c < 0:
                proceed = False
            elif rrebl and irel >= 0 and irel < nrel and t[c] > rday[r_lo + irel] + rel_shift:
                search_idx = c  # the change crossed a relapse: re-baseline after it (2h)
            else:
                # 2c. Candidate confirmation visits of each window.
                c0 = -1
                nunion = 0
                for x in range(dirty_lo, dirty_hi):  # clear what the previous onset set
                    union[x] = False
                    pconf[x] = False
                    for m in range(nconf):
                        inwin[m, x] = False
                dirty_lo = c + 1
                dirty_hi = c + 1
                for m in range(nconf):
                    alive[m] = False
                    for x in range(c + 1, n):
                        dt = t[x] - t[c]
                        if dt > win[m, 1]:
                            break
                        if (dt >= win[m, 0] and cb[x] >= rtc0 and ca[x] >= rtc1
                                and validconf[s + x]):
                            inwin[m, x] = True
                            dirty_hi = max(dirty_hi, x + 1)
                            alive[m] = True
                            if not union[x]:
                                union[x] = True
                                nunion += 1
                for x in range(c + 1, dirty_hi):  # candidates lie in [c + 1, dirty_hi)
                    if union[x]:
                        c0 = x
                        break
                # confirmation of improvement / worsening over (or at) the first candidate
                impr_conf = False
                wors_conf = False
                better_conf = False
                worse_conf = False
                if nunion > 0:
                    impr_conf = True
                    wors_conf = True
                    better_conf = True
                    worse_conf = True
                    lo_x = c + 1 if checki else c0
                    for x in range(lo_x, c0 + 1):
                        if not _is_event(v[x], blv, bld, 1, False, w):
                            impr_conf = False
                        if not _is_event(v[x], blv, bld, 0, False, w):
                            wors_conf = False
                        if dirfix:
                            if not _is_event(v[x], blv, bld, 1, True, w):
                                better_conf = False
                            if not _is_event(v[x], blv, bld, 0, True, w):
                                worse_conf = False
                        else:  # pymsprog 1.0.7: "improvement" always means a decrease
                            if not v[x] < blv:
                                better_conf = False
                            if not v[x] > blv:
                                worse_conf = False
                if dirfix:
                    better_c = _is_event(v[c], blv, bld, 1, True, w)
                    worse_c = _is_event(v[c], blv, bld, 0, True, w)
                else:
                    better_c = v[c] < blv
                    worse_c = v[c] > blv
                if impr_conf and _is_event(v[c], blv, bld, 1, False, w):
                    # 2d. Confirmed improvement (CDI).
                    nns, valid = _sustained(
                        v, t, c, c0, n, blv, bld, 1, w, rsd, checki, union, dirty_hi
                    )
                    fc = -1
                    for m in range(nconf):
                        first_m = -1
                        for x in range(c + 1, dirty_hi):
                            if inwin[m, x] and union[x]:
                                first_m = x
                                break
                        alive[m] = first_m >= 0
                        if alive[m] and fc < 0:
                            fc = first_m
                    if valid:
                        ld = _last_delta(v, dl, n, c, c0, 1, checki, skipx, w)
                        su = n - 1 if nns < 0 else nns - 1
                        if nd >= d_i.shape[0]:
                            d_i = _grow(d_i, nd + 1)
                            d_f = _grow(d_f, nd + 1)
                        d_i[nd, 0] = p
                        d_i[nd, 1] = CDI
                        d_i[nd, 2] = c
                        d_i[nd, 3] = bl_pos
                        d_i[nd, 4] = ld
                        d_i[nd, 5] = su
                        d_f[nd, 0] = v[c]
                        d_f[nd, 1] = blv
                        d_f[nd, 2] = v[ld]
                        for m in range(nconf):
                            d_i[nd, 6 + m] = -1
                            d_i[nd, 6 + nconf + m] = -1
                            d_f[nd, 3 + m] = np.nan
                            d_f[nd, 3 + nconf + m] = np.nan
                            if alive[m]:
                                for x in range(c + 1, dirty_hi):
                                    if inwin[m, x] and union[x]:
                                        d_i[nd, 6 + m] = x
                                        d_f[nd, 3 + m] = v[x]
                                        break
                        nd += 1
                        any_cdi = True
                    elif want_unconf:
                        un_i, un_f, n_un = _push_unconfirmed(un_i, un_f, n_un, p, s, c,
                                                             bl_pos, v[c], blv, cb[c], ca[c])
                    if rove_impr:
                        newref = fc if from_conf else c
                        bl_idx = newref
                    elif valid:
                        newref = fc if from_conf else c
                    else:
                        newref = c
                    search_idx = newref + 1
                elif (nunion > 0 and better_c and better_conf
                      and rove_impr
                      and (subthr == 1 or subthr == 2)):
                    # 2e. Confirmed sub-threshold improvement: re-baseline.
                    newref = c0 if from_conf else c
                    bl_idx = newref
                    search_idx = newref + 1
                elif _is_event(v[c], blv, bld, 0, False, w) and (
                        (nunion > 0 and wors_conf)
                        or (t[c] - t[0] <= imp_fu and impu[p] < imp_p and c == n - 1)):
                    # 2f. Confirmed worsening (CDW), possibly imputed at the last visit.
                    imputed = c == n - 1
                    if imputed:
                        c0 = n - 1
                    nns, valid = _sustained(
                        v, t, c, c0, n, blv, bld, 0, w, rsd, checki, union, dirty_hi
                    )
                    include = valid
                    etype = CDW
                    ld = 0
                    if valid:
                        ld = _last_delta(v, dl, n, c, c0, 0, checki, skipx, w)
                        if rawpira and (cb[c] <= ra0 or ca[c] <= ra1):
                            if ev_code == _FIRSTPIRA and skip_pira_rebl:
                                include = False
                            else:
                                etype = RAW
                        elif rawpira:
                            if ev_code == _FIRSTRAW and skip_pira_rebl:
                                include = False
                            else:
                                # PIRA: no relapse in the relapse-free intervals around the
                                # reference, the onset and the confirmation visit.
                                if prect == 0:
                                    tprec = t[bl_pos]
                                elif prect == 1:
                                    tprec = t[c - 1]
                                else:
                                    tprec = t[ld]
                                npc = 0
                                for ic in range(c0, max(dirty_hi, c0 + 1)):
                                    if not (union[ic] or (imputed and ic == c0)):
                                        continue
                                    hit = False
                                    t0 = np.nan
                                    for q in range(3):
                                        tq = tprec if q == 0 else (t[c] if q == 1 else t[ic])
                                        a0 = riv[2 * q]
                                        a1 = riv[2 * q + 1]
                                        if not np.isnan(a0):
                                            t0 = tq - a0
                                        if not np.isnan(a1):
                                            t1 = tq + a1
                                            if t1 > t0:  # the first relapse on or after t0
                                                r = _first_at_least(rday, r_lo, r_hi, t0)
                                                if r < r_hi and rday[r] <= t1:
                                                    hit = True
                                    if not hit:
                                        pconf[ic] = True
                                        dirty_hi = max(dirty_hi, ic + 1)
                                        dirty_lo = min(dirty_lo, ic)
                                        npc += 1
                                if npc > 0:
                                    etype = PIRA
                                elif ev_code == _FIRSTPIRA and skip_pira_rebl:
                                    include = False
                    elif want_unconf:
                        un_i, un_f, n_un = _push_unconfirmed(un_i, un_f, n_un, p, s, c,
                                                             bl_pos, v[c], blv, cb[c], ca[c])
                    fc = -1
                    for m in range(nconf):
                        first_m = -1
                        for x in range(c + 1, dirty_hi):
                            if inwin[m, x] and union[x]:
                                first_m = x
                                break
                        alive[m] = first_m >= 0
                        if alive[m] and fc < 0:
                            fc = first_m
                    if include:
                        su = n - 1 if nns < 0 else nns - 1
                        if nd >= d_i.shape[0]:
                            d_i = _grow(d_i, nd + 1)
                            d_f = _grow(d_f, nd + 1)
                        d_i[nd, 0] = p
                        d_i[nd, 1] = etype
                        d_i[nd, 2] = c
                        d_i[nd, 3] = bl_pos
                        d_i[nd, 4] = ld
                        d_i[nd, 5] = su
                        d_f[nd, 0] = v[c]
                        d_f[nd, 1] = blv
                        d_f[nd, 2] = v[ld]
                        for m in range(nconf):
                            d_i[nd, 6 + m] = -1
                            d_i[nd, 6 + nconf + m] = -1
                            d_f[nd, 3 + m] = np.nan
                            d_f[nd, 3 + nconf + m] = np.nan
                            for x in range(c + 1, dirty_hi):
                                if inwin[m, x] and union[x]:
                                    d_i[nd, 6 + m] = x
                                    d_f[nd, 3 + m] = v[x]
                                    break
                            if etype == PIRA:
                                for x in range(c + 1, dirty_hi):
                                    if inwin[m, x] and pconf[x]:
                                        d_i[nd, 6 + nconf + m] = x
                                        d_f[nd, 3 + nconf + m] = v[x]
                                        break
                        nd += 1
                        if etype == CDW:
                            any_cdw = True
                        elif etype == RAW:
                            any_raw = True
                        else:
                            any_pira = True
                    if fc >= 0:
                        if rove_wors:
                            newref = fc if from_conf else c
                            bl_idx = newref
                        elif not include:
                            newref = c
                        else:
                            newref = fc if from_conf else c
                        search_idx = newref + 1
                    else:
                        search_idx = c + 1
                elif (nunion > 0 and worse_c and worse_conf
                      and rove_wors
                      and (subthr == 1 or subthr == 3)):
                    # 2g. Confirmed sub-threshold worsening: re-baseline.
                    newref = c0 if from_conf else c
                    bl_idx = newref
                    search_idx = newref + 1
                else:
                    search_idx = c + 1  # not confirmed
                    if want_unconf:
                        un_i, un_f, n_un = _push_unconfirmed(un_i, un_f, n_un, p, s, c,
                                                             bl_pos, v[c], blv, cb[c], ca[c])
            # 2h. Re-baseline after a relapse crossed by the search.
            if rrebl and proceed and search_idx < n:
                r = _first_more_than(rday, r_lo, r_hi, t[bl_idx])  # first relapse after bl
                crossed = r < r_hi and rday[r] + rel_shift < t[search_idx]
                if crossed:
                    nb = -1
                    if irel >= 0:
                        x = _first_at_least(t, bl_idx, n, rday[r_lo + irel])
                        if x < n:
                            nb = x
                    if nb >= 0:
                        bl_idx = nb
                        search_idx = bl_idx + 1
                    if nb < 0 or bl_idx > n - 2:
                        proceed = False
            # 2i. Stop when the requested first event is found.
            if proceed and (
                    (ev_code == _FIRST and nd > 1)
                    or (ev_code == _FIRSTCDW and (any_cdw or any_raw or any_pira))
                    or (ev_code == _FIRSTCDI and any_cdi)
                    or (ev_code == _FIRSTPIRA and any_pira)
                    or (ev_code == _FIRSTRAW and any_raw)):
                proceed = False
        # 3. Keep the last detection of a repeated onset, order by onset, select the first.
        if nd > 0:
            ev_i, ev_f, n_ev = _finish_patient(d_i, d_f, nd, p, s, ev_code, keep, order, seen,
                                               ev_i, ev_f, n_ev)
    return ev_i, ev_f, n_ev, un_i, un_f, n_un
