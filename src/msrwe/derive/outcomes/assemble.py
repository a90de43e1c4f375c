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

from msrwe.derive.outcomes.kernel import CDI, CDW, PIRA, RAW
from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.derive.outcomes.prepare import Prepared

__all__ = ["build_events", "build_summary", "build_unconfirmed", "event_columns"]

# event text by code (index 0 unused)
_TYPE_TEXT = pl.Series(["", "CDI", "CDW"], dtype=pl.String)
_CDW_TYPE_TEXT = pl.Series(["", "", "undefined", "RAW", "PIRA"], dtype=pl.String)
_SEQ_TEXT = pl.Series(["", "CDI", "CDW", "RAW", "PIRA"], dtype=pl.String)


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
    days = prep.day[np.where(ok, idx, 0)]
    arr = pa.array(days, type=pa.int32(), mask=None if ok.all() else ~ok)
    s = pl.Series(name, arr)
    return s.cast(pl.Date) if prep.date_dtype == pl.Date else s.cast(pl.Int64)


def build_events(prep: Prepared, ev_i: npt.NDArray[np.int32], ev_f: npt.NDArray[np.float64],
                 opts: OutcomeOptions) -> pl.DataFrame:
    """Assemble the events table from the kernel's records (already in output order)."""
    nconf = len(opts.conf_days)
    pat = ev_i[:, 0].astype(np.int64)
    onset = ev_i[:, 2].astype(np.int64)
    first_day = prep.day[prep.off[:-1]].astype(np.int64)
    last_day = prep.day[np.maximum(prep.off[1:] - 1, 0)].astype(np.int64)
    d_on = prep.day[onset].astype(np.int64) if len(onset) else np.zeros(0, np.int64)
    d_bl = prep.day[ev_i[:, 3]].astype(np.int64) if len(onset) else np.zeros(0, np.int64)
    d_su = prep.day[ev_i[:, 5]].astype(np.int64) if len(onset) else np.zeros(0, np.int64)
    nevent = np.ones(len(pat), dtype=np.int64)
    if len(pat):
        starts = np.r_[True, pat[1:] != pat[:-1]]
        grp = np.cumsum(starts) - 1
        first_pos = np.flatnonzero(starts)
        nevent = np.arange(len(pat)) - first_pos[grp] + 1
    types = pl.Series(ev_i[:, 1].astype(np.int64))
    etype = _TYPE_TEXT.gather(types.replace_strict({CDI: 1}, default=2))
    ctype = (_CDW_TYPE_TEXT.gather(types) if opts.rawpira
             else pl.repeat("", len(types), dtype=pl.String, eager=True))
    data: dict[str, pl.Series] = {
        "patient_id": prep.patients.gather(pat),
        "nevent": pl.Series("nevent", nevent, dtype=pl.Int32),
        "event_type": etype,
        "cdw_type": ctype,
        "date": _dates(prep, onset, "date"),
        "value": pl.Series("value", ev_f[:, 0]),
        "bl_date": _dates(prep, ev_i[:, 3].astype(np.int64), "bl_date"),
        "bl_value": pl.Series("bl_value", ev_f[:, 1]),
        "last_delta_date": _dates(prep, ev_i[:, 4].astype(np.int64), "last_delta_date"),
        "last_delta_value": pl.Series("last_delta_value", ev_f[:, 2]),
        "total_fu": pl.Series("total_fu", last_day[pat] - first_day[pat]),
        "time2event": pl.Series("time2event", d_on - first_day[pat]),
        "bl2event": pl.Series("bl2event", d_on - d_bl),
    }
    for m, lab in enumerate(opts.conf_labels):
        data[f"conf{lab}_date"] = _dates(prep, ev_i[:, 6 + m].astype(np.int64), f"conf{lab}_date")
        data[f"conf{lab}_value"] = pl.Series(f"conf{lab}_value", ev_f[:, 3 + m]).fill_nan(None)
        data[f"PIRA_conf{lab}_date"] = _dates(prep, ev_i[:, 6 + nconf + m].astype(np.int64),
                                              f"PIRA_conf{lab}_date")
        data[f"PIRA_conf{lab}_value"] = pl.Series(f"PIRA_conf{lab}_value",
                                                  ev_f[:, 3 + nconf + m]).fill_nan(None)
    data["sust_days"] = pl.Series("sust_days", d_su - d_on)
    data["sust_last"] = pl.Series("sust_last", ev_i[:, 5].astype(np.int64)
                                  == prep.off[1:][pat] - 1)
    return pl.DataFrame([data[c].alias(c) for c in event_columns(opts)])


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

    def count(mask: npt.NDArray[np.bool_]) -> pl.Series:
        return pl.Series(np.bincount(pat[mask], minlength=npat).astype(np.int32))

    offsets = np.zeros(npat + 1, dtype=np.int64)
    np.cumsum(np.bincount(pat, minlength=npat), out=offsets[1:])
    labels = _SEQ_TEXT.gather(pl.Series(seq_codes)).to_arrow()
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), labels)
    sequence = pl.Series("event_sequence", lists).list.join(", ")
    return pl.DataFrame({
        "patient_id": prep.patients,
        "n_visits": pl.Series(np.diff(off).astype(np.int32)),
        "total_fu": pl.Series(last_day - first_day),
        "event_sequence": sequence.alias("event_sequence"),
        "event_count": count(np.ones(len(pat), dtype=np.bool_)),
        "CDI": count(types == CDI),
        "CDW": count(types != CDI),
        "RAW": count(types == RAW) if opts.rawpira else count(types < 0),
        "PIRA": count(types == PIRA) if opts.rawpira else count(types < 0),
        "undefined": count(types == CDW) if opts.rawpira else count(types < 0),
    })


def build_unconfirmed(prep: Prepared, un_i: npt.NDArray[np.int32],
                      un_f: npt.NDArray[np.float64]) -> pl.DataFrame:
    """Changes from baseline that were not confirmed (or not sustained), in scan order."""
    def dist(x: npt.NDArray[np.float64], name: str) -> pl.Series:
        return pl.Series(name, np.where(np.isinf(x), np.nan, x)).fill_nan(None)

    return pl.DataFrame([
        prep.patients.gather(un_i[:, 0].astype(np.int64)).alias("patient_id"),
        _dates(prep, un_i[:, 1].astype(np.int64), "date"),
        pl.Series("value", un_f[:, 0]),
        _dates(prep, un_i[:, 2].astype(np.int64), "bl_date"),
        pl.Series("bl_value", un_f[:, 1]),
        dist(un_f[:, 2], "closest_rel_before"),
        dist(un_f[:, 3], "closest_rel_after"),
    ])
