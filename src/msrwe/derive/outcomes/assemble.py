"""From the kernel's index records to the Polars tables of a result (events, summary, unconfirmed).

Column names follow msprog's ``results`` table (``CDW_type`` is written ``cdw_type``); dates keep
the type they had in the input (dates, or day numbers). The summary has one row per patient with
msprog's counts (``CDI``, ``CDW``, ``RAW``, ``PIRA``) plus ``undefined`` (CDW neither RAW nor
PIRA), ``event_count``, ``event_sequence`` and the follow-up.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.derive.outcomes.prepare import Prepared

__all__ = ["build_events", "build_summary", "build_unconfirmed", "event_columns"]


# event type codes of the kernel (msrwe.derive.outcomes.kernel; not imported here so that importing
# the package does not import numba)
CDI, CDW, RAW, PIRA = 1, 2, 3, 4


def event_columns(opts: OutcomeOptions) -> list[str]:
    """The columns of the events table, in order, for these options."""
    labels = opts.conf_labels
    cols = ["patient_id", "nevent", "event_type", "cdw_type", "date", "value", "bl_date",
            "bl_value", "last_delta_date", "last_delta_value", "total_fu", "time2event",
            "bl2event"]
    cols += [f"conf{c}_date" for c in labels] + [f"conf{c}_value" for c in labels]
    if opts.rawpira and opts.event not in ("firstRAW", "firstCDI"):
        cols += [f"PIRA_conf{c}_date" for c in labels] + [f"PIRA_conf{c}_value" for c in labels]
    return [*cols, "sust_days", "sust_last"]


def _dates(prep: Prepared, idx: npt.NDArray[np.int64], name: str) -> pl.Series:
    ok = idx >= 0
    days = prep.day[np.where(ok, idx, 0)] if not ok.all() else prep.day[idx]
    if ok.all():
        out = pl.Series(name, days)
        return out.cast(pl.Date) if prep.date_dtype == pl.Date else out.cast(pl.Int64)
    if prep.date_dtype == pl.Date:
        return pl.Series(name, pa.array(days, type=pa.int32(), mask=~ok).view(pa.date32()))
    return pl.Series(name, pa.array(days.astype(np.int64), type=pa.int64(), mask=~ok))


def _floats(x: npt.NDArray[np.float64], name: str) -> pl.Series:
    return pl.Series(name, np.ascontiguousarray(x), nan_to_null=True)


def _text(codes: npt.NDArray[np.int64], words: list[str], name: str) -> pl.Series:
    return pl.Series(name, words, dtype=pl.String)[codes]  # [] is quicker than .gather


#: The words of an event sequence, and each after the separator (", CDW"), as 8-byte rows.
_SEQ_WORDS = ["", "CDI", "CDW", "RAW", "PIRA"]
_SEQ_TOKENS = [w.encode() for w in _SEQ_WORDS] + [b", " + w.encode() for w in _SEQ_WORDS]
_SEQ_LEN = np.array([len(t) for t in _SEQ_TOKENS], dtype=np.int64)
_SEQ_BYTES = np.zeros((len(_SEQ_TOKENS), 8), dtype=np.uint8)
for _k, _t in enumerate(_SEQ_TOKENS):
    _SEQ_BYTES[_k, : len(_t)] = np.frombuffer(_t, dtype=np.uint8)
_BYTE = np.arange(_SEQ_BYTES.shape[1])


def _sequences(pat: npt.NDArray[np.int64], codes: npt.NDArray[np.int64], npat: int,
               ) -> pl.Series:
    """Each patient's event words joined by ", " (events sorted by patient), without Python loops.

    The text is written into one Arrow string buffer: each event's token (its word, after the
    separator unless it is the patient's first) as an 8-byte row, the padding dropped by one
    mask, so each patient's text is one contiguous slice.
    """
    first = np.ones(len(pat), dtype=np.bool_)
    if len(pat):
        first[1:] = pat[1:] != pat[:-1]
    tok = codes + len(_SEQ_WORDS) * (~first)
    tlen = _SEQ_LEN[tok]
    data = _SEQ_BYTES[tok][tlen[:, None] > _BYTE]
    offsets = np.zeros(npat + 1, dtype=np.int64)
    np.cumsum(np.bincount(pat, weights=tlen, minlength=npat).astype(np.int64), out=offsets[1:])
    arr = pa.LargeStringArray.from_buffers(npat, pa.py_buffer(offsets), pa.py_buffer(data))
    return pl.Series("event_sequence", arr, dtype=pl.String)


def build_events(prep: Prepared, ev_i: npt.NDArray[np.int32], ev_f: npt.NDArray[np.float64],
                 opts: OutcomeOptions) -> pl.DataFrame:
    """Assemble the events table from the kernel's records (already in output order).

    Every column is made from the record arrays directly (numeric columns without a copy), with
    no query engine, so a small result costs microseconds and a large one one pass per column.
    """
    nconf = len(opts.conf_days)
    pat = ev_i[:, 0].astype(np.int64)
    first_day = prep.day[prep.off[:-1]].astype(np.int64)
    last_day = prep.day[np.maximum(prep.off[1:] - 1, 0)].astype(np.int64)
    onset = ev_i[:, 2]
    d_on = prep.day[onset].astype(np.int64)
    d_bl = prep.day[ev_i[:, 3]].astype(np.int64)
    d_su = prep.day[ev_i[:, 5]].astype(np.int64)
    nevent = np.ones(len(pat), dtype=np.int32)
    if len(pat):
        starts = np.r_[True, pat[1:] != pat[:-1]]
        grp = np.cumsum(starts) - 1
        nevent = (np.arange(len(pat)) - np.flatnonzero(starts)[grp] + 1).astype(np.int32)
    types = ev_i[:, 1].astype(np.int64)
    fu0 = first_day[pat]
    data: dict[str, pl.Series] = {
        "nevent": pl.Series("nevent", nevent),
        "event_type": _text(np.where(types == CDI, 1, 2), ["", "CDI", "CDW"], "event_type"),
        "cdw_type": (_text(types, ["", "", "undefined", "RAW", "PIRA"], "cdw_type")
                     if opts.rawpira else _text(np.zeros(len(types), np.int64), [""],
                                                "cdw_type")),
        "date": _dates(prep, onset.astype(np.int64), "date"),
        "value": _floats(ev_f[:, 0], "value"),
        "bl_date": _dates(prep, ev_i[:, 3].astype(np.int64), "bl_date"),
        "bl_value": _floats(ev_f[:, 1], "bl_value"),
        "last_delta_date": _dates(prep, ev_i[:, 4].astype(np.int64), "last_delta_date"),
        "last_delta_value": _floats(ev_f[:, 2], "last_delta_value"),
        "total_fu": pl.Series("total_fu", last_day[pat] - fu0),
        "time2event": pl.Series("time2event", d_on - fu0),
        "bl2event": pl.Series("bl2event", d_on - d_bl),
    }
    names = event_columns(opts)[1:]
    for m, lab in enumerate(opts.conf_labels):
        for col, k in ((f"conf{lab}", m), (f"PIRA_conf{lab}", nconf + m)):
            if f"{col}_date" in names:
                data[f"{col}_date"] = _dates(prep, ev_i[:, 6 + k].astype(np.int64),
                                             f"{col}_date")
                data[f"{col}_value"] = _floats(ev_f[:, 3 + k], f"{col}_value")
    data["sust_days"] = pl.Series("sust_days", d_su - d_on)
    data["sust_last"] = pl.Series("sust_last", ev_i[:, 5] == prep.off[1:][pat] - 1)
    return pl.DataFrame([prep.patients[pat].alias("patient_id"),
                         *(data[k] for k in names)])


def build_summary(prep: Prepared, ev_i: npt.NDArray[np.int32], opts: OutcomeOptions,
                  ) -> pl.DataFrame:
    """One row per patient: visits, follow-up, event sequence and counts by type."""
    off = prep.off
    npat = len(off) - 1
    first_day = prep.day[off[:-1]].astype(np.int64)
    last_day = prep.day[np.maximum(off[1:] - 1, 0)].astype(np.int64)
    pat = ev_i[:, 0].astype(np.int64)
    types = ev_i[:, 1].astype(np.int64)
    seq_codes = types if opts.rawpira else np.where(types == CDI, CDI, CDW)

    def count(name: str, mask: npt.NDArray[np.bool_]) -> pl.Series:
        return pl.Series(name, np.bincount(pat[mask], minlength=npat).astype(np.int32))

    none = np.zeros(len(pat), dtype=np.bool_)
    return pl.DataFrame([
        prep.patients.alias("patient_id"),
        pl.Series("n_visits", np.diff(off).astype(np.int32)),
        pl.Series("total_fu", last_day - first_day),
        _sequences(pat, seq_codes, npat),
        count("event_count", ~none),
        count("CDI", types == CDI),
        count("CDW", types != CDI),
        count("RAW", types == RAW if opts.rawpira else none),
        count("PIRA", types == PIRA if opts.rawpira else none),
        count("undefined", types == CDW if opts.rawpira else none),
    ])


def build_unconfirmed(prep: Prepared, un_i: npt.NDArray[np.int32],
                      un_f: npt.NDArray[np.float64]) -> pl.DataFrame:
    """Changes from baseline that were not confirmed (or not sustained), in scan order."""
    pat = un_i[:, 0].astype(np.int64)
    return pl.DataFrame([
        prep.patients[pat].alias("patient_id"),
        _dates(prep, un_i[:, 1].astype(np.int64), "date"),
        _floats(un_f[:, 0], "value"),
        _dates(prep, un_i[:, 2].astype(np.int64), "bl_date"),
        _floats(un_f[:, 1], "bl_value"),
        _floats(np.where(np.isinf(un_f[:, 2]), np.nan, un_f[:, 2]), "closest_rel_before"),
        _floats(np.where(np.isinf(un_f[:, 3]), np.nan, un_f[:, 3]), "closest_rel_after"),
    ])
