"""The checks of a table a derivation needs: its columns, and whether it is already sorted."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from msrwe.errors import InputError

__all__ = ["require_columns", "strictly_sorted"]


def require_columns(df: pl.DataFrame, name: str, columns: Iterable[str]) -> None:
    """Raise :class:`InputError` naming the table, the missing columns and those it has.

    Examples
    --------
    >>> require_columns(pl.DataFrame({"patient_id": ["a"]}), "visits", ["patient_id", "date"])
    Traceback (most recent call last):
    ...
    msrwe.errors.InputError: visits has no column 'date'; it has patient_id.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{name} has no column {', '.join(repr(c) for c in missing)}; "
            f"it has {', '.join(df.columns)}."
        )


def strictly_sorted(df: pl.DataFrame, key: str, within: str) -> bool:
    """Whether rows are in increasing ``(key, within)`` order with no tie and no missing value.

    Such a table is its own ``unique().sort(key, within)``: one linear pass over neighbouring
    rows decides it, where the sort compares identifiers ``n log n`` times (a store's visits
    come sorted by patient and date).

    Examples
    --------
    >>> strictly_sorted(pl.DataFrame({"p": ["a", "a", "b"], "d": [1, 2, 1]}), "p", "d")
    True
    >>> strictly_sorted(pl.DataFrame({"p": ["a", "a"], "d": [1, 1]}), "p", "d")
    False
    """
    if df.height < 2:
        return df.height == 0 or (df[key].null_count() == 0 and df[within].null_count() == 0)
    if df[key].null_count() or df[within].null_count():
        return False
    k, w = pl.col(key), pl.col(within)
    step = (k > k.shift(1)) | ((k == k.shift(1)) & (w > w.shift(1)))
    return bool(df.select(step.slice(1).all()).item())
