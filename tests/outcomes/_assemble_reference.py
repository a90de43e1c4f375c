"""The former assembly (Arrow tables), kept to check the live one against (``test_prepare.py``).

Below, the module text as it was:

From the kernel's index records to the Polars tables of a result (events, summary, unconfirmed).

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
from msrwe.errors import DefinitionError

__all__ = ["build_events", "build_summary", "build_unconfirmed", "event_columns"]


# event type codes of the kernel (msrwe.derive.outcomes.kernel; not imported here so that importing
# the package does not import numba)
CDI, CDW, RAW, PIRA = 1, 2, 3, 4


def _frame(table: pa.Table) -> pl.DataFrame:
    df = pl.from_arrow(table)
    if not isinstance(df, pl.DataFrame):  # pragma: no cover - a table always gives a frame
        raise DefinitionError("an Arrow table did not convert to a Polars DataFrame")
    return df


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


def _dates(prep: Prepared, idx: npt.NDArray[np.int64]) -> pa.Array:
    ok = idx >= 0
    days = prep.day[np.where(ok, idx, 0)]
    mask = None if ok.all() else ~ok
    if prep.date_dtype == pl.Date:
        return pa.array(days, type=pa.int32(), mask=mask).view(pa.date32())
    return pa.array(days.astype(np.int64), type=pa.int64(), mask=mask)


def _floats(x: npt.NDArray[np.float64]) -> pa.Array:
    nan = np.isnan(x)
    return pa.array(x, type=pa.float64(), mask=nan if nan.any() else None)


def _text(codes: npt.NDArray[np.int64], words: list[str]) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)),
                                          pa.array(words)).dictionary_decode()


def build_events(prep: Prepared, ev_i: npt.NDArray[np.int32], ev_f: npt.NDArray[np.float64],
                 opts: OutcomeOptions) -> pl.DataFrame:
    """Assemble the events table from the kernel's records (already in output order)."""
    nconf = len(opts.conf_days)
    pat = ev_i[:, 0].astype(np.int64)
    col = {k: ev_i[:, k].astype(np.int64) for k in range(ev_i.shape[1])}
    first_day = prep.day[prep.off[:-1]].astype(np.int64)
    last_day = prep.day[np.maximum(prep.off[1:] - 1, 0)].astype(np.int64)
    d_on = prep.day[col[2]].astype(np.int64)
    d_bl = prep.day[col[3]].astype(np.int64)
    d_su = prep.day[col[5]].astype(np.int64)
    nevent = np.ones(len(pat), dtype=np.int64)
    if len(pat):
        starts = np.r_[True, pat[1:] != pat[:-1]]
        grp = np.cumsum(starts) - 1
        nevent = np.arange(len(pat)) - np.flatnonzero(starts)[grp] + 1
    types = col[1]
    data: dict[str, pa.Array] = {
        "nevent": pa.array(nevent.astype(np.int32)),
        "event_type": _text(np.where(types == CDI, 1, 2), ["", "CDI", "CDW"]),
        "cdw_type": (_text(types, ["", "", "undefined", "RAW", "PIRA"]) if opts.rawpira
                     else _text(np.zeros(len(types), np.int64), [""])),
        "date": _dates(prep, col[2]),
        "value": _floats(ev_f[:, 0]),
        "bl_date": _dates(prep, col[3]),
        "bl_value": _floats(ev_f[:, 1]),
        "last_delta_date": _dates(prep, col[4]),
        "last_delta_value": _floats(ev_f[:, 2]),
        "total_fu": pa.array(last_day[pat] - first_day[pat]),
        "time2event": pa.array(d_on - first_day[pat]),
        "bl2event": pa.array(d_on - d_bl),
    }
    for m, lab in enumerate(opts.conf_labels):
        data[f"conf{lab}_date"] = _dates(prep, col[6 + m])
        data[f"conf{lab}_value"] = _floats(ev_f[:, 3 + m])
        data[f"PIRA_conf{lab}_date"] = _dates(prep, col[6 + nconf + m])
        data[f"PIRA_conf{lab}_value"] = _floats(ev_f[:, 3 + nconf + m])
    data["sust_days"] = pa.array(d_su - d_on)
    data["sust_last"] = pa.array(col[5] == prep.off[1:][pat] - 1)
    names = event_columns(opts)[1:]
    table = _frame(pa.table({k: data[k] for k in names}))
    return pl.DataFrame([prep.patients.gather(pat).alias("patient_id")]).hstack(table)


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

    def count(mask: npt.NDArray[np.bool_]) -> pa.Array:
        return pa.array(np.bincount(pat[mask], minlength=npat).astype(np.int32))

    offsets = np.zeros(npat + 1, dtype=np.int64)
    np.cumsum(np.bincount(pat, minlength=npat), out=offsets[1:])
    labels = _text(seq_codes, ["", "CDI", "CDW", "RAW", "PIRA"])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), labels)
    none = np.zeros(len(pat), dtype=np.bool_)
    table = _frame(pa.table({
        "n_visits": pa.array(np.diff(off).astype(np.int32)),
        "total_fu": pa.array(last_day - first_day),
        "event_sequence": lists,
        "event_count": count(~none),
        "CDI": count(types == CDI),
        "CDW": count(types != CDI),
        "RAW": count(types == RAW) if opts.rawpira else count(none),
        "PIRA": count(types == PIRA) if opts.rawpira else count(none),
        "undefined": count(types == CDW) if opts.rawpira else count(none),
    }))
    table = table.with_columns(pl.col("event_sequence").list.join(", "))
    return pl.DataFrame([prep.patients.alias("patient_id")]).hstack(table)


def build_unconfirmed(prep: Prepared, un_i: npt.NDArray[np.int32],
                      un_f: npt.NDArray[np.float64]) -> pl.DataFrame:
    """Changes from baseline that were not confirmed (or not sustained), in scan order."""
    pat = un_i[:, 0].astype(np.int64)
    table = _frame(pa.table({
        "date": _dates(prep, un_i[:, 1].astype(np.int64)),
        "value": _floats(un_f[:, 0]),
        "bl_date": _dates(prep, un_i[:, 2].astype(np.int64)),
        "bl_value": _floats(un_f[:, 1]),
        "closest_rel_before": _floats(np.where(np.isinf(un_f[:, 2]), np.nan, un_f[:, 2])),
        "closest_rel_after": _floats(np.where(np.isinf(un_f[:, 3]), np.nan, un_f[:, 3])),
    }))
    return pl.DataFrame([prep.patients.gather(pat).alias("patient_id")]).hstack(table)
