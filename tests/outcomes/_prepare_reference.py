"""The former ``prepare`` (before it became one pass), kept to check the live one against.

``test_prepare.py`` checks that :func:`msrwe.derive.outcomes.prepare.prepare` gives the same
arrays as this version on every input. Below, the module text as it was:

From chart tables to the patient-sorted arrays the kernel scans (vectorised, Polars).

Steps, following msprog's handling of its input: keep the needed columns, drop rows with a missing
patient, date or value, keep the last row when a patient has two rows on one date, sort by date
within patient (patients keep the order of their first row), turn dates into day numbers, and
evaluate the threshold policy at every visit. Relapses are sorted per patient.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.derive.outcomes.thresholds import ThresholdPolicy
from msrwe.errors import InputError

__all__ = ["Prepared", "prepare"]

_MAX_VALUE = {"edss": 10.0, "sdmt": 110.0}
_WARN_ABOVE = {"t25fw": 180.0, "nhpt": 300.0}  # as msprog: plausible limits of the timed tests
_UNABLE = 777.0


@dataclass(frozen=True)
class Prepared:
    """Patient-sorted arrays for the kernel, with what is needed to map results back."""

    patients: pl.Series  # patient identifiers in output order
    off: npt.NDArray[np.int64]  # visit offsets per patient (length npat + 1)
    day: npt.NDArray[np.int32]
    value: npt.NDArray[np.float64]
    delta: npt.NDArray[np.float64]
    validconf: npt.NDArray[np.bool_]
    roff: npt.NDArray[np.int64]
    rday: npt.NDArray[np.int32]
    date_dtype: pl.DataType  # pl.Date, or a numeric type when dates were given as day numbers


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
        if schema[c].is_float() and (n_nan := int(df[c].is_nan().sum())):
            raise InputError(f"visits: column {c!r} holds NaN (not a number) in {n_nan} rows; "
                             "leave a missing value empty (null) instead.")
    date_expr, date_dtype = _days_expr(schema["date"], "date", "visits")
    lf = df.lazy().select(cols).with_columns(
        *(pl.col(c).cast(pl.Float64).fill_nan(None) for c in {vcol, dcol}),
        *([pl.col(ccol).cast(pl.Float64).fill_nan(None).cast(pl.Boolean)]
          if ccol and schema[ccol] != pl.Boolean else []),
    ).drop_nulls()
    if opts.subjects is not None:
        try:
            wanted = pl.Series(list(opts.subjects)).cast(schema["patient_id"], strict=False)
        except (pl.exceptions.PolarsError, TypeError) as exc:
            raise InputError(f"subjects: cannot compare {list(opts.subjects)[:3]!r}... with the "
                             f"patient_id column ({schema['patient_id']}).") from exc
        lf = lf.filter(pl.col("patient_id").is_in(wanted.drop_nulls().implode()))
    lf = lf.with_columns(
        date_expr.alias("_day"),
        (pl.col("patient_id") != pl.col("patient_id").shift(1)).fill_null(True).alias("_start"),
    )
    df = lf.collect()
    if df["_day"].null_count():
        _as_days(df.filter(pl.col("_day").is_null()), "date", "visits")  # raises with the value
    value = np.ascontiguousarray(df[vcol].to_numpy(), dtype=np.float64)
    base = value if dcol == vcol else np.ascontiguousarray(df[dcol].to_numpy(), dtype=np.float64)
    if opts.outcome != "custom":
        hi = _MAX_VALUE.get(opts.outcome, math.inf)
        for c, arr in ((vcol, value), (dcol, base)):
            bad = (arr < 0) | (arr > hi)
            if bad.any():
                row = df.row(int(np.argmax(bad)), named=True)
                raise InputError(
                    f"visits: {opts.outcome.upper()} value {row[c]} in column {c!r} (patient "
                    f"{row['patient_id']}) is outside 0-{hi}; {int(bad.sum())} row(s) affected."
                )
    limit = _WARN_ABOVE.get(opts.outcome)
    if limit is not None:
        odd = (value > limit) & (value != _UNABLE)  # 777 s is the contract's "unable"
        if odd.any():
            warnings.warn(f"visits: {int(odd.sum())} {opts.outcome.upper()} value(s) above "
                          f"{limit:g} s (and not 777 = unable); they are used as given.",
                          UserWarning, stacklevel=3)
    pid_dtype = df.schema["patient_id"]
    day = df["_day"].to_numpy().astype(np.int32)
    starts = df["_start"].to_numpy()
    firsts = df["patient_id"].filter(df["_start"])
    if firsts.n_unique() == firsts.len():  # each patient's rows are contiguous (usual case)
        ids = firsts
        pidx = np.cumsum(starts, dtype=np.int64) - 1
    else:
        ids = df["patient_id"].unique(maintain_order=True)
        pidx = (df.select(pl.col("patient_id")).join(
            pl.DataFrame({"patient_id": ids, "pidx": np.arange(ids.len(), dtype=np.int64)}),
            on="patient_id", how="left", maintain_order="left")["pidx"].to_numpy())
    order = pl.DataFrame({"pidx": np.arange(ids.len(), dtype=np.int64), "patient_id": ids})
    same = pidx[1:] == pidx[:-1]
    perm = None
    if (~same & (pidx[1:] < pidx[:-1])).any() or (same & (day[1:] < day[:-1])).any():
        perm = np.lexsort((np.arange(len(day)), day, pidx))  # stable: keeps row order in a day
        pidx, day = pidx[perm], day[perm]
        same = pidx[1:] == pidx[:-1]
    keep = np.ones(len(day), dtype=np.bool_)
    keep[:-1] = ~(same & (day[1:] == day[:-1]))  # msprog keeps the last row of a day

    def arr(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        a = a if perm is None else a[perm]
        return np.ascontiguousarray(a if keep.all() else a[keep])

    value = arr(value)
    base = value if dcol == vcol else arr(base)
    validconf = (arr(df[ccol].to_numpy().astype(np.bool_)) if ccol
                 else np.ones(int(keep.sum()), dtype=np.bool_))
    day = np.ascontiguousarray(day if keep.all() else day[keep])
    pidx = pidx if keep.all() else pidx[keep]
    npat = ids.len()
    off = np.zeros(npat + 1, dtype=np.int64)
    np.cumsum(np.bincount(pidx, minlength=npat), out=off[1:])
    delta = _delta_values(opts.delta_fun, base)

    roff = np.zeros(npat + 1, dtype=np.int64)
    rday = np.zeros(0, dtype=np.int32)
    if relapses is not None:
        rel = to_polars(relapses, "relapses")
        require_columns(rel, "relapses", ["patient_id", "onset_date"])
        rschema = rel.schema
        rexpr, rtype = _days_expr(rschema["onset_date"], "onset_date", "relapses")
        if (rtype == pl.Date) != (date_dtype == pl.Date):
            raise InputError("relapses: onset_date and visits: date must both be dates or "
                             "both be day numbers.")
        pid_expr = pl.col("patient_id")
        if rschema["patient_id"] != pid_dtype:
            pid_expr = pid_expr.cast(pid_dtype, strict=False)
        rel = (rel.lazy().select(pid_expr, pl.col("onset_date")).drop_nulls()
               .with_columns(rexpr.alias("_day"))
               .join(order.lazy(), on="patient_id", how="inner", maintain_order="left")
               .collect())
        if rel["_day"].null_count():
            _as_days(rel.filter(pl.col("_day").is_null()), "onset_date", "relapses")
        if rel.height:
            rp = rel["pidx"].to_numpy().astype(np.uint64)
            rd = rel["_day"].to_numpy()
            key = (rp << np.uint64(32)) | (rd.astype(np.int64) + 2**31).astype(np.uint64)
            if len(key) > 1 and bool((key[1:] < key[:-1]).any()):
                srt = np.argsort(key, kind="stable")
                rp, rd = rp[srt], rd[srt]
            np.cumsum(np.bincount(rp.astype(np.int64), minlength=npat), out=roff[1:])
            rday = np.ascontiguousarray(rd, dtype=np.int32)
    return Prepared(order["patient_id"], off, day, value, delta, validconf, roff, rday,
                    date_dtype)
