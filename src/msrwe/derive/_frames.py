"""Frame helpers that spare a copy of a large table (visits, administrations) when none is needed.

A Polars ``filter``, ``sort`` or ``join`` writes every column anew, even when it keeps every row
in the order it had: at a million patients one copy of the visits is gigabytes. These helpers
return the frame itself (its column buffers shared, no copy) when the operation would change
nothing, and otherwise do exactly what the plain operation does.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.derive._columns import strictly_sorted

__all__ = ["keep_rows", "looked_up", "sort_unique_key"]


def sort_unique_key(df: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """``df.sort(keys)``, or ``df`` itself when it is already sorted by a unique key.

    When no two rows share ``keys`` (and none is null) the sorted order is unique, so returning
    the frame as it stands gives the very rows ``sort`` gives, without copying the columns.

    Examples
    --------
    >>> df = pl.DataFrame({"patient_id": ["a", "a", "b"], "date": [1, 2, 1]})
    >>> sort_unique_key(df, ["patient_id", "date"]) is df
    True
    >>> sort_unique_key(df.reverse(), ["patient_id", "date"])["date"].to_list()
    [1, 2, 1]
    >>> tie = pl.DataFrame({"patient_id": ["a", "a"], "date": [1, 1]})
    >>> sort_unique_key(tie, ["patient_id", "date"]) is tie
    False
    """
    if strictly_sorted(df, *keys):
        return df
    return df.sort(list(keys))


def keep_rows(df: pl.DataFrame, keep: pl.Series) -> pl.DataFrame:
    """``df.filter(keep)``, or ``df`` itself when ``keep`` is true on every row.

    Examples
    --------
    >>> df = pl.DataFrame({"x": [1, 2]})
    >>> keep_rows(df, pl.Series([True, True])) is df
    True
    >>> keep_rows(df, pl.Series([True, None]))["x"].to_list()
    [1]
    """
    if keep.null_count() == 0 and bool(keep.all()):
        return df
    return df.filter(keep)


def looked_up(table: pl.DataFrame, key: str, columns: Sequence[str]) -> dict[str, pl.Expr] | None:
    """For each row's ``key``, the ``columns`` of ``table``'s row with that key (null: none).

    The expressions stand for an inner join with ``table`` (one row per key) without writing
    the joined rows: a mask built from them keeps exactly the rows the join would match and
    the filter then would keep. ``None`` when ``table`` has a key twice (the join would repeat
    rows: join instead). A missing key matches nothing, as in a join.

    Examples
    --------
    >>> cohort = pl.DataFrame({"p": ["a", "b"], "start": [5, 7]})
    >>> visits = pl.DataFrame({"p": ["a", "c", "b"], "day": [6, 9, 6]})
    >>> start = looked_up(cohort, "p", ["start"])["start"]
    >>> visits.filter(pl.col("day") >= start)["p"].to_list()
    ['a']
    >>> looked_up(pl.DataFrame({"p": ["a", "a"], "start": [1, 2]}), "p", ["start"]) is None
    True
    """
    if not table.get_column(key).is_unique().all():
        return None
    known = table.filter(pl.col(key).is_not_null())
    return {c: pl.col(key).replace_strict(known[key], known[c], default=None,
                                          return_dtype=table.schema[c]) for c in columns}
