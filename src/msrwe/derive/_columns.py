"""The one check that a table has the columns a derivation needs."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from msrwe.errors import InputError

__all__ = ["require_columns"]


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
