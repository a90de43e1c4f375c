"""Reading the DuckDB store one table at a time (thin wrappers over :class:`Store`).

A stage that reads several tables opens one :class:`~msrwe.store.Store` instead; these functions
open and close one connection per call and stay for the callers that read a single table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from msrwe.store._connect import connect
from msrwe.store._store import Store, opened

__all__ = ["connect", "has_table", "read_table", "table_names"]


def table_names(db: str | Path | Store) -> list[str]:
    """Names of the tables the store holds, sorted."""
    with opened(db) as store:
        return store.tables()


def has_table(db: str | Path | Store, name: str) -> bool:
    """Whether the store holds a table called ``name``."""
    with opened(db) as store:
        return name in store


def read_table(db: str | Path | Store, name: str) -> pl.DataFrame:
    """Read one table of the store as a Polars DataFrame.

    Parameters
    ----------
    db
        Path of the store, or an open :class:`Store`.
    name
        A chart table of the contract (``patients``, ``visits``, ...) or ``quarantine``.

    Returns
    -------
    polars.DataFrame
        The table with its stored types (dates as ``pl.Date``, numbers as ``pl.Float64``).

    Raises
    ------
    StoreError
        When the store or the table does not exist.
    """
    with opened(db) as store:
        return store.read(name)
