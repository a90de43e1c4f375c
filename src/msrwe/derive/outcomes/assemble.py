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


def _day_column(days: npt.NDArray[np.int32], ok: npt.NDArray[np.bool_], all_ok: bool,
                prep: Prepared, name: str) -> pl.Series:
    """A date column (day numbers when the input had them) from days and their presence."""
    as_date = prep.date_dtype == pl.Date
    if all_ok:
        return pl.Series(name, days).cast(pl.Date if as_date else pl.Int64)
    data = days if as_date else days.astype(np.int64)
    bits = pa.py_buffer(np.packbits(ok, bitorder="little"))
    arr = pa.Array.from_buffers(pa.date32() if as_date else pa.int64(), len(days),
                                [bits, pa.py_buffer(data)], null_count=int(len(ok) - ok.sum()))
    return pl.Series(name, arr)


def build_events(prep: Prepared, ev_i: npt.NDArray[np.int32], ev_f: npt.NDArray[np.float64],
                 opts: OutcomeOptions) -> pl.DataFrame:
    """Assemble the events table from the kernel's records (already in output order).

    One compiled pass (:func:`msrwe.derive.outcomes._assemble_jit.event_arrays`) makes every
    numeric column as its own array, which Polars takes without a copy; no query engine.
    """
    from msrwe.derive.outcomes._assemble_jit import event_arrays

    nconf = len(opts.conf_days)
    pat, nevent, types, days, ok, values, spans, sust_last = event_arrays(
        np.ascontiguousarray(ev_i), np.ascontiguousarray(ev_f), prep.off, prep.day, nconf)
    present = ok.all(axis=1) if len(pat) else np.ones(len(ok), dtype=np.bool_)

    def dates(k: int, name: str) -> pl.Series:
        return _day_column(days[k], ok[k], bool(present[k]), prep, name)

    data: dict[str, pl.Series] = {
        "nevent": pl.Series("nevent", nevent),
        "event_type": _text(np.where(types == CDI, 1, 2), ["", "CDI", "CDW"], "event_type"),
        "cdw_type": (_text(types, ["", "", "undefined", "RAW", "PIRA"], "cdw_type")
                     if opts.rawpira else _text(np.zeros(len(types), np.int64), [""],
                                                "cdw_type")),
        "date": dates(0, "date"),
        "value": _floats(values[0], "value"),
        "bl_date": dates(1, "bl_date"),
        "bl_value": _floats(values[1], "bl_value"),
        "last_delta_date": dates(2, "last_delta_date"),
        "last_delta_value": _floats(values[2], "last_delta_value"),
        "total_fu": pl.Series("total_fu", spans[0]),
        "time2event": pl.Series("time2event", spans[1]),
        "bl2event": pl.Series("bl2event", spans[2]),
    }
    names = event_columns(opts)[1:]
    for m, lab in enumerate(opts.conf_labels):
        for col, k in ((f"conf{lab}", m), (f"PIRA_conf{lab}", nconf + m)):
            if f"{col}_date" in names:
                data[f"{col}_date"] = dates(3 + k, f"{col}_date")
                data[f"{col}_value"] = _floats(values[3 + k], f"{col}_value")
    data["sust_days"] = pl.Series("sust_days", spans[3])
    data["sust_last"] = pl.Series("sust_last", sust_last)
    return pl.DataFrame([prep.patients[pat].alias("patient_id"),
                         *(data[k] for k in names)])


def build_summary(prep: Prepared, ev_i: npt.NDArray[np.int32], opts: OutcomeOptions,
                  ) -> pl.DataFrame:
    """One row per patient: visits, follow-up, event sequence and counts by type."""
    from msrwe.derive.outcomes._assemble_jit import summary_arrays

    n_visits, total_fu, counts, seq_off, seq = summary_arrays(
        np.ascontiguousarray(ev_i), prep.off, prep.day, bool(opts.rawpira))
    npat = len(n_visits)
    text = pa.LargeStringArray.from_buffers(npat, pa.py_buffer(seq_off), pa.py_buffer(seq))
    return pl.DataFrame([
        prep.patients.alias("patient_id"),
        pl.Series("n_visits", n_visits),
        pl.Series("total_fu", total_fu),
        pl.Series("event_sequence", text, dtype=pl.String),
        *(pl.Series(name, counts[k]) for k, name in enumerate(
            ("event_count", "CDI", "CDW", "RAW", "PIRA", "undefined"))),
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
