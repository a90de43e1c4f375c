"""From chart tables to the patient-sorted arrays the kernel scans (vectorised, Polars).

Steps, following msprog's handling of its input: keep the needed columns, drop rows with a missing
patient, date or value, keep the last row when a patient has two rows on one date, sort by date
within patient (patients keep the order of their first row), turn dates into day numbers, and
evaluate the threshold policy at every visit. Relapses are sorted per patient.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from msrwe.derive._columns import require_columns
from msrwe.derive.outcomes.options import CHOICES, OutcomeOptions
from msrwe.derive.outcomes.thresholds import ThresholdPolicy, kernel_code
from msrwe.errors import InputError

__all__ = ["Prepared", "codes", "prepare", "to_polars"]

_MAX_VALUE = {"edss": 10.0, "sdmt": 110.0}
_WARN_ABOVE = {"t25fw": 180.0, "nhpt": 300.0}  # as msprog: plausible limits of the timed tests
_UNABLE = 777.0


@dataclass(frozen=True)
class Prepared:
    """Patient-sorted arrays for the kernel, with what is needed to map results back.

    ``base`` holds the value of each visit that sets the threshold when it is the reference
    (``value`` itself unless ``valuedelta_col`` is given); ``threshold_code`` >= 0 when the
    kernel computes the named policy itself, and :attr:`delta` evaluates the policy per visit
    (computed on first use only). The kernel arrays are read-only, so the compiled scan always
    sees the same array types.
    """

    patients: pl.Series  # patient identifiers in output order
    off: npt.NDArray[np.int64]  # visit offsets per patient (length npat + 1)
    day: npt.NDArray[np.int32]
    value: npt.NDArray[np.float64]
    base: npt.NDArray[np.float64]
    validconf: npt.NDArray[np.bool_]
    roff: npt.NDArray[np.int64]
    rday: npt.NDArray[np.int32]
    date_dtype: pl.DataType  # pl.Date, or a numeric type when dates were given as day numbers
    policy: Any = None
    threshold_code: int = -1

    @cached_property
    def delta(self) -> npt.NDArray[np.float64]:
        """The minimal meaningful change from each visit as a reference (the policy per visit)."""
        return _readonly(_delta_values(self.policy, self.base))

    @property
    def kernel_delta(self) -> npt.NDArray[np.float64]:
        """What the kernel reads as ``delta``: ``base`` under a kernel code, else :attr:`delta`."""
        return self.base if self.threshold_code >= 0 else self.delta

    def patient_slice(self, start: int, stop: int) -> Prepared:
        """The patients ``start:stop`` alone, as if prepared by themselves (arrays are views).

        Scanning and assembling the slices of a cohort one by one and concatenating the tables
        gives the tables of the whole cohort: every patient is scanned on its own.
        """
        v0, v1 = int(self.off[start]), int(self.off[stop])
        r0, r1 = int(self.roff[start]), int(self.roff[stop])
        sub = Prepared(self.patients.slice(start, stop - start),
                       _readonly(self.off[start:stop + 1] - v0), self.day[v0:v1],
                       self.value[v0:v1], self.base[v0:v1], self.validconf[v0:v1],
                       _readonly(self.roff[start:stop + 1] - r0), self.rday[r0:r1],
                       self.date_dtype, self.policy, self.threshold_code)
        if "delta" in self.__dict__:  # a threshold function is not evaluated twice
            sub.__dict__["delta"] = self.__dict__["delta"][v0:v1]
        return sub


def _readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a.flags.writeable = False
    return a


def to_polars(table: Any, what: str) -> pl.DataFrame:
    """Accept a Polars or pandas table; anything else is an InputError naming ``what``."""
    if isinstance(table, pl.DataFrame):
        return table
    if isinstance(table, pl.LazyFrame):
        return table.collect()
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(table, pd.DataFrame):
        return pl.from_pandas(table)
    raise InputError(f"{what} must be a Polars or pandas DataFrame, not {type(table).__name__}.")


def _as_days(df: pl.DataFrame, col: str, what: str) -> tuple[pl.DataFrame, pl.DataType]:
    dt = df.schema[col]
    if dt == pl.Date:
        return df.with_columns(pl.col(col).cast(pl.Int32)), pl.Date()
    if isinstance(dt, pl.Datetime):
        return df.with_columns(pl.col(col).dt.date().cast(pl.Int32)), pl.Date()
    if dt == pl.String:
        parsed = pl.col(col).str.to_date("%Y-%m-%d", strict=False)
        bad = df.filter(parsed.is_null() & pl.col(col).is_not_null())
        if bad.height:
            row = bad.row(0, named=True)
            raise InputError(
                f"{what}: column {col!r} holds {row[col]!r}, which is not an ISO date "
                f"(YYYY-MM-DD); {bad.height} row(s) affected."
            )
        return df.with_columns(parsed.cast(pl.Int32)), pl.Date()
    if dt.is_integer() or dt.is_float():
        return df.with_columns(pl.col(col).floor().cast(pl.Int32)
                               if dt.is_float() else pl.col(col).cast(pl.Int32)), dt
    raise InputError(f"{what}: column {col!r} must hold dates (or day numbers), not {dt}.")


def _days_expr(dt: pl.DataType, col: str, what: str) -> tuple[pl.Expr, pl.DataType]:
    """Expression turning a date column into Int32 day numbers, and the output date type."""
    c = pl.col(col)
    if dt == pl.Date:
        return c.cast(pl.Int32), pl.Date()
    if isinstance(dt, pl.Datetime):
        return c.dt.date().cast(pl.Int32), pl.Date()
    if dt == pl.String:
        return c.str.to_date("%Y-%m-%d", strict=False).cast(pl.Int32), pl.Date()
    if dt.is_integer():
        return c.cast(pl.Int32), dt
    if dt.is_float():
        return c.floor().cast(pl.Int32), dt
    raise InputError(f"{what}: column {col!r} must hold dates (or day numbers), not {dt}.")


def _delta_values(policy: Any, base: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if isinstance(policy, ThresholdPolicy):
        return np.ascontiguousarray(policy(base), dtype=np.float64)
    uniq, inv = np.unique(base, return_inverse=True)
    try:
        out = np.array([float(policy(float(b))) for b in uniq], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"delta_fun must take one reference value and return a number; it failed with "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return out[inv]


def prepare(visits: Any, relapses: Any, opts: OutcomeOptions) -> Prepared:
    """Validate and convert the input tables; see the module docstring.

    One pass over the rows where the input allows it: the columns are read without copies,
    patients are coded by runs of equal ``patient_id`` (neighbours compared; a join only when a
    patient's rows are not contiguous), the sort and the same-day check compare neighbouring
    integers, and a named threshold policy is left to the kernel (no per-visit array).

    Parameters
    ----------
    visits, relapses
        The chart tables (Polars or pandas); ``relapses`` may be None.
    opts
        Validated options.

    Returns
    -------
    Prepared
    """
    df = to_polars(visits, "visits")
    vcol = opts.value_col
    assert_cols = ["patient_id", "date", vcol]
    if opts.valuedelta_col:
        assert_cols.append(opts.valuedelta_col)
    if opts.validconf_col:
        assert_cols.append(opts.validconf_col)
    require_columns(df, "visits", [c for c in assert_cols if c is not None])
    dcol = opts.valuedelta_col or vcol
    ccol = opts.validconf_col
    cols = list(dict.fromkeys(c for c in ("patient_id", "date", vcol, dcol, ccol) if c))
    schema = df.schema
    for c in {vcol, dcol}:
        if not (schema[c].is_numeric() or schema[c] == pl.Null):
            raise InputError(f"visits: column {c!r} must be numeric, not {schema[c]}.")
    if ccol and schema[ccol] != pl.Boolean and not schema[ccol].is_numeric():
        raise InputError(f"visits: column {ccol!r} (validconf_col) must be boolean.")
    for c in {vcol, dcol}:  # NaN is not a missing value: a computation went wrong upstream
        if schema[c].is_float() and _has_nan(df.get_column(c)):
            n_nan = int(df[c].is_nan().sum())
            raise InputError(f"visits: column {c!r} holds NaN (not a number) in {n_nan} rows; "
                             "leave a missing value empty (null) instead.")
    date_expr, date_dtype = _days_expr(schema["date"], "date", "visits")
    col = {c: df.get_column(c) for c in cols}  # no copy, no query engine
    for c in {vcol, dcol}:
        if schema[c] != pl.Float64:
            col[c] = col[c].cast(pl.Float64)
    if ccol and schema[ccol] != pl.Boolean:
        col[ccol] = col[ccol].cast(pl.Float64).fill_nan(None).cast(pl.Boolean)
    if opts.subjects is not None or any(s.null_count() for s in col.values()):
        sel = pl.DataFrame(list(col.values())).drop_nulls()
        if opts.subjects is not None:
            try:
                wanted = pl.Series(list(opts.subjects)).cast(schema["patient_id"], strict=False)
            except (pl.exceptions.PolarsError, TypeError) as exc:
                raise InputError(f"subjects: cannot compare {list(opts.subjects)[:3]!r}... with "
                                 f"the patient_id column ({schema['patient_id']}).") from exc
            sel = sel.filter(pl.col("patient_id").is_in(wanted.drop_nulls().implode()))
        col = {c: sel.get_column(c) for c in cols}

    def frame() -> pl.DataFrame:  # the selected rows, for error messages
        return pl.DataFrame(list(col.values()))

    days = (col["date"].cast(pl.Int32) if schema["date"] == pl.Date
            else col["date"].to_frame().select(date_expr).to_series())
    if days.null_count():
        _as_days(frame().filter(days.is_null()), "date", "visits")  # raises with the value
    day = days.to_numpy()
    value = col[vcol].to_numpy()
    base = value if dcol == vcol else col[dcol].to_numpy()
    if opts.outcome != "custom":
        hi = _MAX_VALUE.get(opts.outcome, math.inf)
        for c, a in ((vcol, value), (dcol, base)):
            if len(a) and (a.min() < 0 or a.max() > hi):
                bad = (a < 0) | (a > hi)
                row = frame().row(int(np.argmax(bad)), named=True)
                raise InputError(
                    f"visits: {opts.outcome.upper()} value {row[c]} in column {c!r} (patient "
                    f"{row['patient_id']}) is outside 0-{hi}; {int(bad.sum())} row(s) affected."
                )
    limit = _WARN_ABOVE.get(opts.outcome)
    if limit is not None and len(value) and value.max() > limit:
        odd = (value > limit) & (value != _UNABLE)  # 777 s is the contract's "unable"
        if odd.any():
            warnings.warn(f"visits: {int(odd.sum())} {opts.outcome.upper()} value(s) above "
                          f"{limit:g} s (and not 777 = unable); they are used as given.",
                          UserWarning, stacklevel=3)
    ids, off, perm, keep = _patient_order(col["patient_id"], day)
    npat = ids.len()

    def arr(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        a = a if perm is None else a[perm]
        return _readonly(a if keep is None else a[keep])

    value = arr(value)
    base = value if dcol == vcol else arr(base)
    validconf = (arr(col[ccol].to_numpy().astype(np.bool_, copy=False)) if ccol
                 else _readonly(np.ones(len(value), dtype=np.bool_)))
    day = arr(day)
    roff, rday = _relapse_arrays(relapses, ids, npat, schema["patient_id"], date_dtype)
    code = kernel_code(opts.delta_fun)
    prep = Prepared(ids, _readonly(off), day, value, base, validconf, roff, rday, date_dtype,
                    opts.delta_fun, code)
    if code < 0:
        _ = prep.delta  # a threshold function is evaluated (and checked) here, once
    return prep


def _has_nan(s: pl.Series) -> bool:
    """Whether a float column holds NaN (read in place when it has no nulls: no query engine)."""
    if s.null_count():
        return bool(s.is_nan().any())
    return bool(np.isnan(s.to_numpy()).any())


def _run_starts(ids: pl.Series) -> npt.NDArray[np.int64]:
    """Rows where a run of equal identifiers begins, after row 0 (nulls equal each other).

    Neighbours are compared directly (one comparison of two slices): ``rle_id`` does the same
    work and costs twice as much at every size.
    """
    n = ids.len()
    if n < 2:
        return np.zeros(0, dtype=np.int64)
    head, tail = ids.slice(0, n - 1), ids.slice(1)
    differ = tail.ne_missing(head) if ids.null_count() else tail != head
    return np.flatnonzero(differ.to_numpy()).astype(np.int64) + 1


def _patient_order(pid: pl.Series, day: npt.NDArray[np.int32],
                   ) -> tuple[pl.Series, npt.NDArray[np.int64], npt.NDArray[np.int64] | None,
                              npt.NDArray[np.bool_] | None]:
    """Patients in order of their first row, visit offsets, and the row order and rows to keep.

    Returns ``(ids, off, perm, keep)``: ``perm`` (None when the rows are already sorted by
    patient and date) sorts the rows stably, ``keep`` (None when no patient has two rows on one
    date) keeps the last row of a day, as msprog does; ``off`` applies after both.
    """
    n = pid.len()
    starts = _run_starts(pid)
    firsts = pid[np.r_[0, starts]] if n else pid.clear()
    flags = pid.flags
    contiguous = (flags["SORTED_ASC"] or flags["SORTED_DESC"]
                  or firsts.n_unique() == firsts.len())
    if contiguous:  # the usual case: each patient's rows together
        ids = firsts
        npat = ids.len()
        off = np.empty(npat + 1, dtype=np.int64)
        off[:npat] = np.r_[0, starts] if n else np.zeros(0, np.int64)
        off[npat] = n
        if n < 2:
            return ids, off, None, None
        lt = day[1:] < day[:-1]
        eq = day[1:] == day[:-1]
        lt[starts - 1] = False  # neighbours of different patients
        eq[starts - 1] = False
        if not lt.any():
            if not eq.any():
                return ids, off, None, None
            keep = np.ones(n, dtype=np.bool_)
            keep[:-1] = ~eq  # msprog keeps the last row of a day
            cnt = np.add.reduceat(keep, off[:-1]) if npat else np.zeros(0, np.int64)
            off = np.zeros(npat + 1, dtype=np.int64)
            np.cumsum(cnt, out=off[1:])
            return ids, off, None, keep
        pidx = np.repeat(np.arange(npat, dtype=np.int64), np.diff(off))
    else:
        ids = pid.unique(maintain_order=True)
        npat = ids.len()
        pidx = (pid.to_frame().join(
            pl.DataFrame({"patient_id": ids, "pidx": np.arange(npat, dtype=np.int64)}),
            on="patient_id", how="left", maintain_order="left")["pidx"].to_numpy())
    perm = np.lexsort((np.arange(n), day, pidx))  # stable: keeps row order in a day
    pidx, day = pidx[perm], day[perm]
    same = pidx[1:] == pidx[:-1]
    keep = np.ones(n, dtype=np.bool_)
    keep[:-1] = ~(same & (day[1:] == day[:-1]))  # msprog keeps the last row of a day
    off = np.zeros(npat + 1, dtype=np.int64)
    np.cumsum(np.bincount(pidx[keep], minlength=npat), out=off[1:])
    return ids, off, perm, (None if keep.all() else keep)


def _index_in(values: pl.Series, ids: pl.Series) -> npt.NDArray[np.int64]:
    """Position of each value in ``ids`` (distinct), -1 when absent: one hash pass, no join.

    Identifiers held as one ``pl.Enum`` on both sides (as ``msrwe analyze`` holds them) are
    compared by their codes, which are equal exactly when the text is, so the forward walk and
    the integer look-up serve them too.
    """
    if isinstance(ids.dtype, pl.Enum) and values.dtype == ids.dtype:
        values, ids = values.to_physical(), ids.to_physical()
    dt = ids.dtype
    if values.dtype == dt and values.len() and not values.null_count():
        walked = _walk_in_order(values, ids)
        if walked is not None:
            return walked
    if dt == pl.String or dt.is_integer():
        import pyarrow.compute as pc

        try:
            pos = pc.index_in(values.to_arrow(), value_set=ids.to_arrow())
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
            pos = None  # an Arrow without this kernel for the type: the join below
        if pos is not None:
            return _positions(pos)
    order = pl.DataFrame({"patient_id": ids, "pidx": np.arange(ids.len(), dtype=np.int64)})
    return (values.alias("patient_id").to_frame()
            .join(order, on="patient_id", how="left", maintain_order="left")["pidx"]
            .fill_null(-1).to_numpy())


_WALK_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32)


def _frozen(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only view: the compiled walks always see the same array types."""
    a = a.view()
    a.flags.writeable = False
    return a


def _text_buffers(s: pl.Series) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """The Arrow offsets (int64, ``len(s) + 1``) and bytes of a String column, without a copy."""
    arr = s.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    _, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=np.int64, count=arr.offset + len(arr) + 1)[arr.offset:]
    raw = np.zeros(0, np.uint8) if data is None else np.frombuffer(data, dtype=np.uint8)
    return _frozen(off), _frozen(raw)


def _walk_in_order(values: pl.Series, ids: pl.Series) -> npt.NDArray[np.int64] | None:
    """Positions of ``values`` in ``ids`` when all are found walking forward, else None.

    See :mod:`msrwe.derive.outcomes._walk`: one pass over both columns, no hash; None (then
    the caller hashes) when the values are in another order or one is not among ``ids``.
    """
    if ids.dtype == pl.String:
        from msrwe.derive.outcomes._walk import walk_text as fn

        args: tuple[Any, ...] = (*_text_buffers(ids), *_text_buffers(values))
    elif ids.dtype in _WALK_INTS:
        from msrwe.derive.outcomes._walk import walk_ints as fn

        args = (_frozen(ids.cast(pl.Int64).to_numpy()), _frozen(values.cast(pl.Int64).to_numpy()))
    else:
        return None
    from msrwe.derive.outcomes.compile_notice import compile_notice

    with compile_notice(fn):
        pos, found = fn(*args)
    return pos if found == len(pos) else None


def _positions(pos: Any) -> npt.NDArray[np.int64]:
    """An Arrow int32 array of positions as int64, nulls as -1, read from its buffers.

    ``pyarrow.compute.fill_null`` and Arrow's own conversions to numpy import pandas (about
    0.4 s) the first time; the buffers need nothing.
    """
    if not isinstance(pos, pa.Array):  # a chunked result
        pos = pos.combine_chunks()
    n, start = len(pos), pos.offset
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    validity, data = pos.buffers()[:2]
    out = np.frombuffer(data, dtype=np.int32, count=start + n)[start:].astype(np.int64)
    if pos.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), count=start + n,
                             bitorder="little")[start:]
        out[bits == 0] = -1
    return out


def _relapse_arrays(relapses: Any, ids: pl.Series, npat: int, pid_dtype: pl.DataType,
                    date_dtype: pl.DataType,
                    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """Relapse offsets per patient (in the order of ``ids``) and sorted onset days."""
    roff = np.zeros(npat + 1, dtype=np.int64)
    rday = np.zeros(0, dtype=np.int32)
    if relapses is None:
        return _readonly(roff), _readonly(rday)
    rel = to_polars(relapses, "relapses")
    require_columns(rel, "relapses", ["patient_id", "onset_date"])
    rschema = rel.schema
    rexpr, rtype = _days_expr(rschema["onset_date"], "onset_date", "relapses")
    if (rtype == pl.Date) != (date_dtype == pl.Date):
        raise InputError("relapses: onset_date and visits: date must both be dates or "
                         "both be day numbers.")
    rpid = rel.get_column("patient_id")
    if rpid.dtype != pid_dtype:
        rpid = rpid.cast(pid_dtype, strict=False)
    onset = rel.get_column("onset_date")
    rd = (onset.cast(pl.Int32) if rschema["onset_date"] == pl.Date
          else onset.to_frame().select(rexpr).to_series())
    # -1: a patient without visits (or no patient); one look-up per run of equal identifiers
    nrel = rpid.len()
    heads = np.r_[0, _run_starts(rpid)] if nrel else np.zeros(0, np.int64)
    pos = _index_in(rpid[heads] if len(heads) < nrel else rpid, ids)
    bounds = np.r_[heads, nrel]
    ok = np.zeros(0, dtype=np.bool_)  # every row kept
    if onset.null_count():
        ok = onset.is_not_null().to_numpy()
    if rd.null_count():
        bad = rd.is_null().to_numpy() & np.repeat(pos >= 0, np.diff(bounds))
        if len(ok):
            bad &= ok
        if bad.any():  # raises with the value
            _as_days(rel.select("onset_date").filter(pl.Series(bad)), "onset_date", "relapses")
        rd = rd.fill_null(0)
    from msrwe.derive.outcomes._relapse_jit import place_relapses
    from msrwe.derive.outcomes.compile_notice import compile_notice

    rday = np.empty(nrel, dtype=np.int32)
    with compile_notice(place_relapses):
        n = place_relapses(pos, bounds, _frozen(rd.to_numpy()), _frozen(ok), roff, rday)
    rday = rday[:n]
    return _readonly(roff), _readonly(rday)


def _code(name: str, value: str) -> int:
    return CHOICES[name].index(value)


def codes(opts: OutcomeOptions, *, fix_direction: bool = True, threshold_code: int = -1,
          ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Integer options, float options and confirmation windows as the kernel reads them.

    Parameters
    ----------
    opts
        Validated options.
    fix_direction
        Whether sub-threshold re-baselining follows the direction of worsening (R msprog); False
        reproduces pymsprog 1.0.7, where "improvement" always means a decrease.
    threshold_code
        :attr:`Prepared.threshold_code`: >= 0 when the kernel computes the threshold policy
        from the values it is given as ``delta`` (:attr:`Prepared.kernel_delta`).

    Returns
    -------
    tuple of numpy arrays
    """
    ev_order = ("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW", "multiple")
    iopt = np.array([
        ev_order.index(opts.event),
        ("fixed", "roving", "roving_impr", "roving_wors").index(opts.baseline),
        _code("proceed_from", opts.proceed_from),
        _code("sub_threshold_rebl", opts.sub_threshold_rebl),
        int(opts.relapse_rebl),
        int(opts.bl_geq),
        _code("skip_local_extrema", opts.skip_local_extrema),
        int(opts.check_intermediate),
        int(opts.rawpira),
        1 if opts.worsening == "increase" else -1,
        _code("prec_type", opts.relapse_indep.prec_type),
        len(opts.conf_days),
        int(opts.valuedelta_col is None or opts.valuedelta_col == opts.value_col),
        int(opts.return_unconfirmed),
        int(fix_direction),
        int(threshold_code),
    ], dtype=np.int64)
    imp = opts.impute_last_visit
    imp_p, imp_fu = (imp, math.inf) if imp <= 1 else (1.0, imp)
    ri = opts.relapse_indep
    riv = [math.nan if x is None else float(x) for x in (*ri.prec, *ri.event, *ri.conf)]
    fopt = np.array([*opts.relapse_to_bl, *opts.relapse_to_event, *opts.relapse_to_conf,
                     *opts.relapse_assoc, opts.require_sust_days, imp_p, imp_fu, *riv],
                    dtype=np.float64)
    win = np.array([(int(c) - lo, int(c) + hi) for c, (lo, hi) in
                    zip(opts.conf_days, opts.conf_tol_days, strict=True)], dtype=np.float64)
    return iopt, fopt, win
