"""The MSoutcomes profile: MSBase's definitions of CDW, CDI, CDEseq and PIRA, as MSoutcomes 0.2.1.

``detect_events(..., profile="msoutcomes")`` and :func:`detect_msoutcomes_events` reproduce the R
package MSoutcomes 0.2.1 (CORe, University of Melbourne; CRAN, MIT) event for event: its
``CDW``, ``CDI``, ``CDEseq`` and ``PIRA`` on EDSS, with its parameter names and defaults. The
rules are in :mod:`msoutcomes_rules`, :mod:`msoutcomes_cdeseq` and :mod:`msoutcomes_pira`; the
differences from msprog are listed in docs/outcomes.md ("MSoutcomes profile") and
../shared/oracle/r/README.md.

Input handling follows the package: visits without EDSS are dropped, each patient's visits are
sorted by date (visits on the same date keep their order and are all used), patients keep the
order of their first visit. Days since the most recent relapse (``daysPostRelapse``) are the
days from the latest relapse onset on or before the visit (none: missing), or a column given
with ``days_post_relapse_col`` (its absolute value, as the package takes).

The events table keeps the columns of the msprog profile that have a meaning here, and adds the
package's own: ``bl_value``/``bl_date`` are ``bEDSS``/``base.date``, ``value``/``date`` are
``EDSS``/``dateEDSS``, ``d_value`` is ``dEDSS``, ``sust_days`` is ``sust.prog`` (``sust.reg``
for improvement), ``sust_date`` is the visit that confirms it and ``timepoint`` the days from the
first baseline (the package returns it for ``PIRA`` only). ``last_delta_date`` and
``last_delta_value`` are always missing (the package has no last-change reference).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> d0 = dt.date(2020, 1, 1)
>>> visits = pl.DataFrame({
...     "patient_id": ["A"] * 4,
...     "date": [d0 + dt.timedelta(days=k) for k in (0, 91, 182, 273)],
...     "edss": [5.5, 6.0, 6.5, 6.5],
... })
>>> res = detect_msoutcomes_events(visits)
>>> res.events.select("patient_id", "event_type", "date", "bl_value", "sust_days").rows()
[('A', 'CDW', datetime.date(2020, 7, 1), 5.5, 91)]
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive.outcomes.compile_notice import compile_notice
from msrwe.derive.outcomes.msoutcomes_options import (
    MSOutcomesOptions,
    describe_msoutcomes,
    make_msoutcomes_options,
)
from msrwe.derive.outcomes.prepare import _days_expr, to_polars
from msrwe.errors import InputError, OptionError

__all__ = ["PROFILES", "MSOutcomesResult", "detect_msoutcomes_events",
           "event_columns_msoutcomes", "prepare_msoutcomes", "run_options", "run_profile"]

#: The definition families ``detect_events`` offers.
PROFILES = ("msprog", "msoutcomes")
#: Options of detect_events that the MSoutcomes profile reads.
_OWN = ("profile", "outcome", "event", "mconf", "tRelapse", "sustained", "value_col", "subjects")

_KIND = {1: "CDI", 2: "CDW", 4: "CDW"}
#: Below this many visits the scan runs on one thread (as the msprog engine).
_PARALLEL_MIN_VISITS = 200_000


@dataclass(frozen=True)
class MSOutcomesResult:
    """What the MSoutcomes profile returns (the fields of :class:`OutcomeResult`).

    Attributes
    ----------
    events
        One row per event (columns: :func:`event_columns_msoutcomes`).
    summary
        One row per patient, as the msprog profile's summary (``RAW`` and ``undefined`` are 0).
    unconfirmed
        Always None (the package does not report unconfirmed changes).
    options
        The :class:`MSOutcomesOptions` in force.
    """

    events: pl.DataFrame
    summary: pl.DataFrame
    unconfirmed: None
    options: MSOutcomesOptions

    def describe(self) -> str:
        """A methods paragraph naming the profile, the package version and every parameter."""
        return describe_msoutcomes(self.options)

    def __repr__(self) -> str:
        return (f"MSOutcomesResult({self.events.height} events in {self.summary.height} "
                f"patients; profile='msoutcomes', event={self.options.event!r})")


@dataclass(frozen=True)
class _Arrays:
    patients: pl.Series
    off: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64]
    edss: npt.NDArray[np.float64]
    dpr: npt.NDArray[np.float64]
    date_dtype: pl.DataType


def event_columns_msoutcomes() -> list[str]:
    """Columns of the events table under the MSoutcomes profile, in order."""
    return ["patient_id", "nevent", "event_type", "cdw_type", "date", "value", "bl_date",
            "bl_value", "last_delta_date", "last_delta_value", "total_fu", "time2event",
            "bl2event", "d_value", "timepoint", "sust_date", "sust_days", "sust_last"]


def _relapse_days(relapses: Any, ids: pl.Series, date_dtype: pl.DataType,
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Relapse onsets as (patient index, day), sorted; patients not in ``ids`` are left out."""
    rel = to_polars(relapses, "relapses")
    require_columns(rel, "relapses", ["patient_id", "onset_date"])
    rexpr, rtype = _days_expr(rel.schema["onset_date"], "onset_date", "relapses")
    if (rtype == pl.Date) != (date_dtype == pl.Date):
        raise InputError("relapses: onset_date and visits: date must both be dates or both be "
                         "day numbers.")
    pid = pl.col("patient_id")
    if rel.schema["patient_id"] != ids.dtype:
        pid = pid.cast(ids.dtype, strict=False)
    order = pl.DataFrame({"patient_id": ids, "_p": np.arange(ids.len(), dtype=np.int64)})
    rel = (rel.lazy().select(pid, rexpr.alias("_rday")).drop_nulls()
           .join(order.lazy(), on="patient_id", how="inner").sort("_p", "_rday").collect())
    return rel["_p"].to_numpy().astype(np.int64), rel["_rday"].to_numpy().astype(np.int64)


def _days_post_relapse(pidx: npt.NDArray[np.int64], day: npt.NDArray[np.int64],
                       rp: npt.NDArray[np.int64], rd: npt.NDArray[np.int64],
                       ) -> npt.NDArray[np.float64]:
    """Days from the latest relapse onset on or before each visit (NaN when none)."""
    out = np.full(len(day), np.nan)
    if not len(rp):
        return out
    shift = np.int64(1) << np.int64(32)
    lo = min(int(day.min()), int(rd.min()))
    vkey = pidx * shift + (day - lo)
    rkey = rp * shift + (rd - lo)
    j = np.searchsorted(rkey, vkey, side="right") - 1
    ok = j >= 0
    ok[ok] &= rp[j[ok]] == pidx[ok]
    out[ok] = (day[ok] - rd[j[ok]]).astype(np.float64)
    return out


def prepare_msoutcomes(visits: Any, relapses: Any, opts: MSOutcomesOptions) -> _Arrays:
    """Sorted arrays (and days since the last relapse) as the package reads its input."""
    df = to_polars(visits, "visits")
    vcol, dcol = opts.value_col, opts.days_post_relapse_col
    require_columns(df, "visits", [c for c in ("patient_id", "date", vcol, dcol) if c])
    for c in (vcol, dcol):
        if c and not (df.schema[c].is_numeric() or df.schema[c] == pl.Null):
            raise InputError(f"visits: column {c!r} must be numeric, not {df.schema[c]}.")
    date_expr, date_dtype = _days_expr(df.schema["date"], "date", "visits")
    cols = [pl.col("patient_id"), date_expr.alias("_day"),
            pl.col(vcol).cast(pl.Float64).fill_nan(None).alias("_edss")]
    if dcol:
        cols.append(pl.col(dcol).cast(pl.Float64).fill_nan(None).abs().alias("_dpr"))
    raw = df.select(cols)
    bad_date = raw.filter(pl.col("_day").is_null() & pl.col("_edss").is_not_null())
    if bad_date.height:
        raise InputError(f"visits: {bad_date.height} row(s) with an EDSS have no usable date "
                         f"in column 'date' (first: patient {bad_date['patient_id'][0]}).")
    raw = raw.filter(pl.col("_edss").is_not_null() & pl.col("patient_id").is_not_null())
    bad = raw.filter((pl.col("_edss") < 0) | (pl.col("_edss") > 10))
    if bad.height:
        raise InputError(f"visits: EDSS value {bad['_edss'][0]} in column {vcol!r} (patient "
                         f"{bad['patient_id'][0]}) is outside 0-10; {bad.height} row(s) "
                         "affected.")
    if opts.subjects is not None:
        wanted = pl.Series(list(opts.subjects)).cast(raw.schema["patient_id"], strict=False)
        raw = raw.filter(pl.col("patient_id").is_in(wanted.drop_nulls().implode()))
    starts = (raw["patient_id"] != raw["patient_id"].shift(1)).fill_null(True).to_numpy()
    firsts = raw["patient_id"].filter(starts)
    if firsts.n_unique() == firsts.len():  # each patient's rows together (the usual case)
        ids = firsts
        pidx = np.cumsum(starts, dtype=np.int64) - 1
    else:
        ids = raw["patient_id"].unique(maintain_order=True)
        pidx = raw.select("patient_id").join(
            pl.DataFrame({"patient_id": ids, "_p": np.arange(ids.len(), dtype=np.int64)}),
            on="patient_id", how="left", maintain_order="left")["_p"].to_numpy()
    day = raw["_day"].to_numpy().astype(np.int64)
    edss = raw["_edss"].to_numpy().astype(np.float64)
    dpr = raw["_dpr"].fill_null(np.nan).to_numpy().astype(np.float64) if dcol else None
    same = pidx[1:] == pidx[:-1]
    if (~same & (pidx[1:] < pidx[:-1])).any() or (same & (day[1:] < day[:-1])).any():
        perm = np.lexsort((np.arange(len(day)), day, pidx))  # stable: same-day rows keep order
        pidx, day, edss = pidx[perm], day[perm], edss[perm]
        dpr = None if dpr is None else dpr[perm]
    if dpr is None:
        dpr = (_days_post_relapse(pidx, day, *_relapse_days(relapses, ids, date_dtype))
               if relapses is not None else np.full(len(day), np.nan))
    off = np.zeros(ids.len() + 1, dtype=np.int64)
    np.cumsum(np.bincount(pidx, minlength=ids.len()), out=off[1:])
    return _Arrays(ids, off, np.ascontiguousarray(day), np.ascontiguousarray(edss),
                   np.ascontiguousarray(dpr), date_dtype)


def _scan_block(a: _Arrays, o: MSOutcomesOptions, off: npt.NDArray[np.int64],
                norel: npt.NDArray[np.bool_],
                ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], int]:
    if o.event in ("CDW", "CDI"):
        from msrwe.derive.outcomes.msoutcomes_rules import scan_cdw_cdi

        with compile_notice(scan_cdw_cdi):
            return scan_cdw_cdi(off, a.day, a.edss, norel, 1 if o.event == "CDW" else -1,
                                o.sustained, o.mconf)
    if o.event == "CDEseq":
        from msrwe.derive.outcomes.msoutcomes_cdeseq import scan_cdeseq

        with compile_notice(scan_cdeseq):
            return scan_cdeseq(off, a.day, a.edss, norel, o.mconf, o.early_stop)
    from msrwe.derive.outcomes.msoutcomes_pira import scan_pira

    with compile_notice(scan_pira):
        return scan_pira(off, a.day, a.edss, a.dpr, norel, o.sustained, o.mconf,
                         o.tRelapse)


def _scan(a: _Arrays, o: MSOutcomesOptions, threads: int | None = None,
          ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    norel = np.isnan(a.dpr) | (a.dpr > o.tRelapse)
    npat = len(a.off) - 1
    if threads is None:  # as the msprog engine: two threads for large cohorts
        threads = 2 if len(a.day) >= _PARALLEL_MIN_VISITS else 1
    bounds = np.linspace(0, npat, max(1, min(threads, npat)) + 1).astype(np.int64)
    blocks = list(itertools.pairwise(bounds))

    def run(b: tuple[np.int64, np.int64]) -> tuple[npt.NDArray[np.int64],
                                                   npt.NDArray[np.float64]]:
        ev_i, ev_f, n = _scan_block(a, o, np.ascontiguousarray(a.off[b[0]:b[1] + 1]), norel)
        ev_i = ev_i[:n].copy()
        ev_i[:, 0] += b[0]
        return ev_i, ev_f[:n]

    if len(blocks) > 1:
        with ThreadPoolExecutor(len(blocks)) as ex:
            outs = list(ex.map(run, blocks))
    else:
        outs = [run(blocks[0])] if npat else []
    ev_i = np.concatenate([x[0] for x in outs]) if outs else np.zeros((0, 6), np.int64)
    ev_f = np.concatenate([x[1] for x in outs]) if outs else np.zeros((0, 2))
    n = len(ev_i)
    # as the package: one event per patient, kind and date (first kept), then timepoint > 0
    key = np.stack([ev_i[:, 0], ev_i[:, 1], a.day[ev_i[:, 2]]], axis=1) if n else ev_i[:, :3]
    _, first = np.unique(key, axis=0, return_index=True)
    keep = np.zeros(n, dtype=np.bool_)
    keep[first] = True
    keep &= ev_i[:, 5] > 0
    return ev_i[keep], ev_f[keep]


def _dates(days: npt.NDArray[np.int64], dtype: pl.DataType) -> pl.Series:
    s = pl.Series(days.astype(np.int32) if dtype == pl.Date else days)
    return s.cast(pl.Date) if dtype == pl.Date else s.cast(dtype)


def _events(a: _Arrays, ev_i: npt.NDArray[np.int64], ev_f: npt.NDArray[np.float64],
            ) -> pl.DataFrame:
    pat, kind = ev_i[:, 0], ev_i[:, 1]
    # CDEseq: each patient's events in the order found (worsening and improvement interleaved)
    ron, rl, brow = ev_i[:, 2], ev_i[:, 3], ev_i[:, 4]
    first = a.day[a.off[:-1]]
    last = a.day[np.maximum(a.off[1:] - 1, 0)]
    nevent = np.ones(len(pat), dtype=np.int64)
    if len(pat):
        starts = np.r_[True, pat[1:] != pat[:-1]]
        nevent = np.arange(len(pat)) - np.flatnonzero(starts)[np.cumsum(starts) - 1] + 1
    null_date = pl.Series([None] * len(pat), dtype=pl.Date if a.date_dtype == pl.Date
                          else a.date_dtype)
    return pl.DataFrame({
        "patient_id": a.patients.gather(pat),
        "nevent": nevent.astype(np.int32),
        "event_type": [_KIND[int(k)] for k in kind],
        "cdw_type": ["PIRA" if k == 4 else "" for k in kind],
        "date": _dates(a.day[ron], a.date_dtype),
        "value": a.edss[ron],
        "bl_date": _dates(a.day[brow], a.date_dtype),
        "bl_value": ev_f[:, 0],
        "last_delta_date": null_date,
        "last_delta_value": pl.Series([None] * len(pat), dtype=pl.Float64),
        "total_fu": last[pat] - first[pat],
        "time2event": a.day[ron] - first[pat],
        "bl2event": a.day[ron] - a.day[brow],
        "d_value": a.edss[ron] - ev_f[:, 0],
        "timepoint": ev_i[:, 5],
        "sust_date": _dates(a.day[rl], a.date_dtype),
        "sust_days": ev_f[:, 1].astype(np.int64),
        "sust_last": rl == a.off[1:][pat] - 1,
    }, schema_overrides={"event_type": pl.String, "cdw_type": pl.String})


def _summary(a: _Arrays, events: pl.DataFrame) -> pl.DataFrame:
    first = a.day[a.off[:-1]]
    last = a.day[np.maximum(a.off[1:] - 1, 0)]
    base = pl.DataFrame({"patient_id": a.patients, "n_visits": np.diff(a.off).astype(np.int32),
                         "total_fu": last - first})
    seq = events.with_columns(
        pl.when(pl.col("cdw_type") == "PIRA").then(pl.lit("PIRA"))
        .otherwise(pl.col("event_type")).alias("_lab"),
    ).group_by("patient_id", maintain_order=True).agg(
        pl.col("_lab").str.join(", ").alias("event_sequence"),
        pl.len().cast(pl.Int32).alias("event_count"),
        (pl.col("event_type") == "CDI").sum().cast(pl.Int32).alias("CDI"),
        (pl.col("event_type") == "CDW").sum().cast(pl.Int32).alias("CDW"),
        (pl.col("cdw_type") == "PIRA").sum().cast(pl.Int32).alias("PIRA"),
    )
    out = base.join(seq, on="patient_id", how="left", maintain_order="left")
    return out.select(
        "patient_id", "n_visits", "total_fu", pl.col("event_sequence").fill_null(""),
        *[pl.col(c).fill_null(0) for c in ("event_count", "CDI", "CDW")],
        pl.lit(0, dtype=pl.Int32).alias("RAW"), pl.col("PIRA").fill_null(0),
        pl.lit(0, dtype=pl.Int32).alias("undefined"),
    )


def detect_msoutcomes_events(visits: Any, relapses: Any = None, *, event: str = "CDW",
                             mconf: float = 3 * 30.25, tRelapse: float = 30,
                             sustained: bool = True, early_stop: bool = True,
                             value_col: str | None = None,
                             days_post_relapse_col: str | None = None,
                             subjects: Any = None) -> MSOutcomesResult:
    """MSoutcomes 0.2.1's ``CDW``, ``CDI``, ``CDEseq`` or ``PIRA`` on a cohort's EDSS.

    Parameters
    ----------
    visits
        Polars or pandas table with ``patient_id``, ``date`` and ``edss`` (or ``value_col``).
    relapses
        Table with ``patient_id`` and ``onset_date``, or None (no relapses).
    event, mconf, tRelapse, sustained, early_stop, value_col, days_post_relapse_col, subjects
        See :func:`msrwe.derive.outcomes.msoutcomes_options.make_msoutcomes_options`.

    Returns
    -------
    MSOutcomesResult

    Raises
    ------
    msrwe.errors.OptionError
        An option with a value it does not accept.
    msrwe.errors.InputError
        A table without the needed columns, or with values out of range.
    """
    opts = make_msoutcomes_options(event=event, mconf=mconf, tRelapse=tRelapse,
                                   sustained=sustained, early_stop=early_stop,
                                   value_col=value_col,
                                   days_post_relapse_col=days_post_relapse_col,
                                   subjects=subjects)
    arrays = prepare_msoutcomes(visits, relapses, opts)
    ev_i, ev_f = _scan(arrays, opts)
    events = _events(arrays, ev_i, ev_f)
    return MSOutcomesResult(events, _summary(arrays, events), None, opts)


def run_profile(visits: Any, relapses: Any, given: dict[str, Any]) -> MSOutcomesResult:
    """``detect_events``' dispatch for a profile other than msprog.

    Parameters
    ----------
    visits, relapses
        As for :func:`msrwe.derive.outcomes.detect_events`.
    given
        Every keyword of ``detect_events`` with its value.

    Returns
    -------
    MSOutcomesResult

    Raises
    ------
    msrwe.errors.OptionError
        An unknown profile, an outcome other than EDSS, an msprog-only option set under
        profile 'msoutcomes', or an MSoutcomes option under profile 'msprog'.

    Examples
    --------
    >>> from msrwe.derive.outcomes import detect_events
    >>> import polars as pl
    >>> v = pl.DataFrame({"patient_id": ["a"], "date": [0], "edss": [2.0]})
    >>> detect_events(v, profile="msoutcomes", baseline="roving")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.OptionError: The 'baseline' parameter of detect_events belongs to the msprog ...
    """
    from msrwe.derive.outcomes.options import DEFAULTS, make_options

    return run_options(visits, relapses,
                       make_options(**{k: v for k, v in given.items() if k in DEFAULTS}))


def run_options(visits: Any, relapses: Any, options: Any) -> MSOutcomesResult:
    """The MSoutcomes profile from a validated ``OutcomeOptions`` (study file, ``msrwe outcomes``).

    Parameters
    ----------
    visits, relapses
        As for :func:`msrwe.derive.outcomes.detect_events`.
    options
        An :class:`~msrwe.derive.outcomes.options.OutcomeOptions` with ``profile='msoutcomes'``.

    Returns
    -------
    MSOutcomesResult

    Raises
    ------
    msrwe.errors.OptionError
        An option of the msprog profile set (it has no meaning under this profile).

    Examples
    --------
    >>> from msrwe.derive.outcomes.options import make_options
    >>> v = pl.DataFrame({"patient_id": ["a"] * 3, "date": [0, 100, 200],
    ...                   "edss": [2.0, 3.0, 3.0]})
    >>> run_options(v, None, make_options(profile="msoutcomes")).events["date"].to_list()
    [100]
    """
    from msrwe.derive.outcomes.options import OPTIONS, make_options

    o = options
    if o.outcome != "edss":
        rule = (f"must be 'edss' under profile 'msoutcomes' (MSoutcomes works on EDSS only). "
                f"Got {o.outcome!r} instead.")
        raise OptionError(f"The 'outcome' parameter of detect_events {rule}", option="outcome",
                          rule=rule)
    own = {k: getattr(o, k) for k in _OWN if k != "outcome"}
    base = make_options(**own)
    for opt in OPTIONS:
        if opt.name not in _OWN and getattr(o, opt.name) != getattr(base, opt.name):
            rule = (f"belongs to the msprog profile and cannot be set under profile "
                    f"'msoutcomes' (options there: event, mconf, tRelapse, sustained). "
                    f"Got {getattr(o, opt.name)!r}.")
            raise OptionError(f"The {opt.name!r} parameter of detect_events {rule}",
                              option=opt.name, rule=rule)
    return detect_msoutcomes_events(visits, relapses, event=o.event, mconf=o.mconf,
                                    tRelapse=o.tRelapse, sustained=o.sustained,
                                    value_col=o.value_col, subjects=o.subjects)
