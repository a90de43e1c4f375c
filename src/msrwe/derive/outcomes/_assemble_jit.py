"""Compiled passes that turn the kernel's event records into the columns of the result tables.

One pass over the events gives every numeric column of the events table (one contiguous array
per column, so Polars takes it without a copy), and two passes give the summary's counts and the
bytes of its event sequences. They hold no Python objects and release the GIL, so the two halves
of a large cohort are assembled at once on two threads (:mod:`msrwe.derive.outcomes.engine`).
:mod:`msrwe.derive.outcomes.assemble` wraps the arrays into tables; its former numpy version is
kept in the tests as the reference these passes must equal.

Examples
--------
>>> import numpy as np
>>> ev_i = np.array([[0, 2, 1, 0, 0, 2, 2, -1]], dtype=np.int32)  # CDW at visit 1, conf at 2
>>> ev_f = np.array([[4.0, 3.0, 3.0, 4.0, np.nan]])
>>> off, day = np.array([0, 3]), np.array([0, 90, 180], dtype=np.int32)
>>> cols = event_arrays(ev_i, ev_f, off, day, 1)
>>> cols[3][:, 0].tolist(), cols[4][:, 0].tolist()  # dates of onset, baseline, last delta, conf
([90, 0, 0, 180, 0], [True, True, True, True, False])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = ["COMPILED", "SEQ_WORDS", "event_arrays", "summary_arrays"]

_CDI, _CDW, _RAW, _PIRA = 1, 2, 3, 4
#: The words of an event sequence by type code.
SEQ_WORDS = ("", "CDI", "CDW", "RAW", "PIRA")
_WORD_BYTES = np.zeros((len(SEQ_WORDS), 4), dtype=np.uint8)
_WORD_LEN = np.zeros(len(SEQ_WORDS), dtype=np.int64)
for _k, _w in enumerate(SEQ_WORDS):
    _WORD_BYTES[_k, : len(_w)] = np.frombuffer(_w.encode(), dtype=np.uint8)
    _WORD_LEN[_k] = len(_w)


def event_arrays(ev_i: npt.NDArray[np.int32], ev_f: npt.NDArray[np.float64],
                 off: npt.NDArray[np.int64], day: npt.NDArray[np.int32], nconf: int,
                 ) -> tuple[npt.NDArray[Any], ...]:
    """The events table's numeric columns from the records (events sorted by patient).

    Returns ``(pat, nevent, types, days, ok, values, spans, sust_last)``: ``days[k]`` and
    ``ok[k]`` are the date (day number) and its presence for the onset, baseline, last delta,
    the ``nconf`` confirmations and the ``nconf`` PIRA confirmations; ``values[k]`` the float
    record's column ``k``; ``spans`` holds total follow-up, time to event, baseline to event and
    sustained days. The arrays are made by numpy (huge pages for large ones, see
    :func:`msrwe.derive.outcomes.kernel.event_buffers`) and filled by one compiled pass.
    """
    n, nd = ev_i.shape[0], 3 + 2 * nconf
    cols = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int32),
            np.empty(n, dtype=np.int64), np.empty((nd, n), dtype=np.int32),
            np.empty((nd, n), dtype=np.bool_), np.empty((ev_f.shape[1], n), dtype=np.float64),
            np.empty((4, n), dtype=np.int64), np.empty(n, dtype=np.bool_))
    _fill_events(ev_i, ev_f, off, day, *cols)
    return cols


@njit(cache=True, nogil=True)
def _fill_events(ev_i, ev_f, off, day, pat, nevent, types, days, ok, values, spans,
                 sust_last):  # pragma: no cover - compiled
    n = ev_i.shape[0]
    nd = days.shape[0]
    nf = ev_f.shape[1]
    nconf = (nd - 3) // 2
    src = np.empty(nd, dtype=np.int64)  # record column of each date
    src[0], src[1], src[2] = 2, 3, 4
    for k in range(2 * nconf):
        src[3 + k] = 6 + k
    prev = -1
    count = 0
    for e in range(n):
        p = ev_i[e, 0]
        count = count + 1 if p == prev else 1
        prev = p
        pat[e] = p
        nevent[e] = count
        types[e] = ev_i[e, 1]
        for k in range(nd):
            x = ev_i[e, src[k]]
            ok[k, e] = x >= 0
            days[k, e] = day[x] if x >= 0 else day[0]
        for k in range(nf):
            values[k, e] = ev_f[e, k]
        first = np.int64(day[off[p]])
        last = np.int64(day[max(off[p + 1] - 1, 0)])
        onset = np.int64(day[ev_i[e, 2]])  # numpy's indexing, as the former assembly
        su = ev_i[e, 5]
        spans[0, e] = last - first
        spans[1, e] = onset - first
        spans[2, e] = onset - np.int64(day[ev_i[e, 3]])
        spans[3, e] = np.int64(day[su]) - onset
        sust_last[e] = su == off[p + 1] - 1


def summary_arrays(ev_i: npt.NDArray[np.int32], off: npt.NDArray[np.int64],
                   day: npt.NDArray[np.int32], rawpira: bool,
                   ) -> tuple[npt.NDArray[Any], ...]:
    """The summary's columns: ``(n_visits, total_fu, counts, seq_offsets, seq_bytes)``.

    ``counts`` rows are event_count, CDI, CDW, RAW, PIRA and undefined; each patient's event
    words are joined by ", " into ``seq_bytes[seq_offsets[p]:seq_offsets[p + 1]]``.
    """
    npat = len(off) - 1
    n_visits = np.empty(npat, dtype=np.int32)
    total_fu = np.empty(npat, dtype=np.int64)
    counts = np.zeros((6, npat), dtype=np.int32)
    seq_off = np.zeros(npat + 1, dtype=np.int64)
    _count_events(ev_i, off, day, rawpira, n_visits, total_fu, counts, seq_off)
    seq = np.empty(seq_off[npat], dtype=np.uint8)
    _write_sequences(ev_i, rawpira, seq_off, seq)
    return n_visits, total_fu, counts, seq_off, seq


@njit(cache=True, nogil=True)
def _count_events(ev_i, off, day, rawpira, n_visits, total_fu, counts,
                  seq_off):  # pragma: no cover - compiled
    npat = len(off) - 1
    n = ev_i.shape[0]
    for p in range(npat):
        n_visits[p] = off[p + 1] - off[p]
        total_fu[p] = np.int64(day[max(off[p + 1] - 1, 0)]) - np.int64(day[off[p]])
    for e in range(n):
        p = ev_i[e, 0]
        t = ev_i[e, 1]
        w = t if rawpira else (_CDI if t == _CDI else _CDW)
        counts[0, p] += 1
        if t == _CDI:
            counts[1, p] += 1
        else:
            counts[2, p] += 1
        if rawpira:
            if t == _RAW:
                counts[3, p] += 1
            elif t == _PIRA:
                counts[4, p] += 1
            elif t == _CDW:
                counts[5, p] += 1
        seq_off[p + 1] += _WORD_LEN[w] + (2 if counts[0, p] > 1 else 0)
    for p in range(npat):
        seq_off[p + 1] += seq_off[p]


@njit(cache=True, nogil=True)
def _write_sequences(ev_i, rawpira, seq_off, data):  # pragma: no cover - compiled
    n = ev_i.shape[0]
    at = 0
    prev = -1
    for e in range(n):
        p = ev_i[e, 0]
        t = ev_i[e, 1]
        w = t if rawpira else (_CDI if t == _CDI else _CDW)
        if p == prev:
            data[at] = 44  # ", "
            data[at + 1] = 32
            at += 2
        else:
            at = seq_off[p]
        prev = p
        for b in range(_WORD_LEN[w]):
            data[at + b] = _WORD_BYTES[w, b]
        at += _WORD_LEN[w]


#: The compiled passes (for :func:`msrwe.derive.outcomes.compile_notice.compile_notice`).
COMPILED = (_fill_events, _count_events, _write_sequences)
