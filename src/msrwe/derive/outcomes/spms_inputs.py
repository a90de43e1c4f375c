"""Input checks for the SPMS conversion rule and the derived phenotype.

Chart tables reach these derivations either from the store (typed columns) or straight from a
user's own Polars frame (dates may still be text). These helpers check the columns a rule needs
and bring dates to ``pl.Date``, with errors that name the table, row, column, value and rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import polars as pl

from msrwe.errors import InputError, OptionError
from msrwe.schema import CONTRACT

__all__ = [
    "FS_COLUMNS",
    "FS_MAX",
    "as_polars",
    "check_days",
    "check_edss",
    "check_fs",
    "check_grade",
    "check_number",
    "check_unique_dates",
    "prepare_relapses",
    "prepare_table",
]

#: The Kurtzke functional systems in the order used to break ties (clinical-methods.md §1.3).
FS_COLUMNS: tuple[str, ...] = (
    "fs_pyramidal",
    "fs_cerebellar",
    "fs_brainstem",
    "fs_sensory",
    "fs_bowel_bladder",
    "fs_visual",
    "fs_cerebral",
)

#: The highest raw grade of each functional system (clinical-methods.md §1.3), as the data
#: contract declares it (:data:`msrwe.schema.CONTRACT`, table ``visits``).
FS_MAX: dict[str, int] = {
    name: int(CONTRACT["visits"].column(name).maximum or 0) for name in FS_COLUMNS
}

_VALID_EDSS = frozenset([0.0] + [x / 2 for x in range(2, 21)])


def _fail(func: str, name: str, rule: str, value: Any) -> OptionError:
    return OptionError(f"The '{name}' parameter of {func} must be {rule}. Got {value!r} instead.")


def check_days(value: Any, name: str, func: str) -> int:
    """Return ``value`` as a whole number of days >= 0, or raise :class:`OptionError`."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _fail(func, name, "a whole number of days >= 0", value)
    if (isinstance(value, Integral) or float(value).is_integer()) and int(value) >= 0:
        return int(value)
    raise _fail(func, name, "a whole number of days >= 0", value)


def check_number(value: Any, name: str, func: str, low: float, high: float) -> float:
    """Return ``value`` as a float in ``[low, high]``, or raise :class:`OptionError`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(float(value))
        or not low <= float(value) <= high
    ):
        raise _fail(func, name, f"a number from {low:g} to {high:g}", value)
    return float(value)


def check_grade(value: Any, name: str, func: str, high: int) -> int:
    """Return ``value`` as an integer grade in ``[0, high]``, or raise :class:`OptionError`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not float(value).is_integer()
        or not 0 <= int(value) <= high
    ):
        raise _fail(func, name, f"a whole grade from 0 to {high}", value)
    return int(value)


def _as_date(df: pl.DataFrame, col: str, table: str) -> pl.DataFrame:
    dtype = df.schema[col]
    if dtype == pl.Date:
        return df
    if isinstance(dtype, pl.Datetime):
        return df.with_columns(pl.col(col).dt.date())
    if dtype in (pl.String, pl.Null):
        parsed = df[col].cast(pl.String).str.to_date("%Y-%m-%d", strict=False)
        bad = df[col].is_not_null() & parsed.is_null()
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise InputError(
                f"{table}: row {row + 1}, column '{col}': value {df[col][row]!r} is not an "
                "ISO 8601 date (rule: dates are written like 2019-12-03)."
            )
        return df.with_columns(parsed.alias(col))
    raise InputError(
        f"{table}: column '{col}' must hold dates, but it has type {dtype}. "
        "Use pl.Date or ISO 8601 text such as 2019-12-03."
    )


def as_polars(df: Any, table: str, func: str) -> pl.DataFrame:
    """Return ``df`` as a Polars frame (pandas and lazy frames are converted) with text ids.

    Examples
    --------
    >>> as_polars(pl.DataFrame({"patient_id": [1, 2]}), "visits", "f")["patient_id"].to_list()
    ['1', '2']
    """
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    if not isinstance(df, pl.DataFrame):
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - pandas is a dependency
            pd = None
        if pd is None or not isinstance(df, pd.DataFrame):
            raise InputError(
                f"{func}: '{table}' must be a polars (or pandas) DataFrame, got "
                f"{type(df).__name__}."
            )
        df = pl.from_pandas(df)
    if "patient_id" in df.columns and df.schema["patient_id"] != pl.String:
        df = df.with_columns(pl.col("patient_id").cast(pl.String))
    return df


def prepare_table(
    df: Any,
    table: str,
    *,
    required: Sequence[str],
    date_cols: Sequence[str],
    func: str,
) -> pl.DataFrame:
    """Check that ``df`` is a Polars frame with ``required`` columns and make its dates ``pl.Date``.

    Parameters
    ----------
    df
        The table as given by the caller (Polars, or pandas which is converted).
    table
        Its name in messages, e.g. ``"visits"``.
    required
        Columns that must be present.
    date_cols
        Columns (present or not) to bring to ``pl.Date``.
    func
        The public function, for messages.

    Returns
    -------
    polars.DataFrame
        A new frame; the caller's frame is never changed.

    Examples
    --------
    >>> t = pl.DataFrame({"patient_id": ["a"], "date": ["2020-01-31"]})
    >>> prepare_table(t, "visits", required=["patient_id", "date"], date_cols=["date"],
    ...               func="f").schema["date"]
    Date
    """
    df = as_polars(df, table, func)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{table}: required column(s) {', '.join(repr(c) for c in missing)} missing "
            f"(needed by {func}); the table has {', '.join(df.columns) or 'no columns'}."
        )
    out = df
    for col in date_cols:
        if col in out.columns:
            out = _as_date(out, col, table)
    for col in required:
        nulls = out[col].is_null()
        if nulls.any():
            row = int(nulls.arg_max() or 0)
            raise InputError(
                f"{table}: row {row + 1}, column '{col}' is empty (rule: required)."
            )
    return out


def check_edss(visits: pl.DataFrame, table: str = "visits") -> None:
    """Raise :class:`InputError` naming the first EDSS value that is not a legal step."""
    bad = visits["edss"].cast(pl.Float64).is_not_null() & ~visits["edss"].cast(
        pl.Float64
    ).is_in(sorted(_VALID_EDSS))
    if bad.any():
        row = int(bad.arg_max() or 0)
        raise InputError(
            f"{table}: row {row + 1}, column 'edss': value {visits['edss'][row]!r} is not a "
            "valid EDSS (rule: 0, 1.0, 1.5, ..., 9.5, 10; 0.5 is not a score)."
        )


def check_fs(visits: pl.DataFrame, table: str = "visits") -> None:
    """Raise :class:`InputError` naming the first functional-system grade out of its range."""
    for col in FS_COLUMNS:
        if col not in visits.columns:
            continue
        s = visits[col].cast(pl.Float64, strict=False)
        if s.null_count() > visits[col].null_count():
            row = int((s.is_null() & visits[col].is_not_null()).arg_max() or 0)
            raise InputError(
                f"{table}: row {row + 1}, column '{col}': value {visits[col][row]!r} is not a "
                f"number (rule: whole grade 0-{FS_MAX[col]})."
            )
        bad = s.is_not_null() & ((s < 0) | (s > FS_MAX[col]) | (s.round(0) != s))
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise InputError(
                f"{table}: row {row + 1}, column '{col}': value {visits[col][row]!r} is outside "
                f"the grades of this functional system (rule: whole grade 0-{FS_MAX[col]})."
            )


def check_unique_dates(visits: pl.DataFrame, table: str = "visits") -> None:
    """Raise :class:`InputError` when a patient has two rows on the same date."""
    dup = visits.select(pl.struct("patient_id", "date").is_duplicated()).to_series()
    if dup.any():
        row = int(dup.arg_max() or 0)
        raise InputError(
            f"{table}: row {row + 1}: patient {visits['patient_id'][row]!r} has more than one "
            f"visit on {visits['date'][row]} (rule: (patient_id, date) unique)."
        )


def prepare_relapses(relapses: Any, func: str) -> pl.DataFrame:
    """Return confirmed relapse onsets as ``patient_id, onset_date`` (empty when ``None``).

    A relapse counts unless its ``confirmed`` column says false (empty means confirmed, as in the
    data contract).

    Examples
    --------
    >>> r = pl.DataFrame({"patient_id": ["a", "a"], "onset_date": ["2020-01-01", "2020-06-01"],
    ...                   "confirmed": [True, False]})
    >>> prepare_relapses(r, "f").height
    1
    """
    if relapses is None:
        return pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
    rel = prepare_table(
        relapses, "relapses", required=["patient_id", "onset_date"], date_cols=["onset_date"],
        func=func,
    )
    if "confirmed" in rel.columns:
        rel = rel.filter(pl.col("confirmed").cast(pl.Boolean).fill_null(True))
    return rel.select("patient_id", "onset_date")
