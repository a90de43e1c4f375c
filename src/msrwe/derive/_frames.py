"""Frame helpers that spare a copy of a large table (visits, administrations) when none is needed.

A Polars ``filter``, ``sort`` or ``join`` writes every column anew, even when it keeps every row
in the order it had: at a million patients one copy of the visits is gigabytes. These helpers
return the frame itself (its column buffers shared, no copy) when the operation would change
nothing, and otherwise do exactly what the plain operation does.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.derive._columns import mark_sorted, strictly_sorted

__all__ = ["each_once", "join_by_runs", "keep_rows", "look_up", "looked_up", "run_heads",
           "sort_unique_key"]


def sort_unique_key(df: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """``df.sort(keys)``, or ``df`` itself when it is already sorted by a unique key.

    When no two rows share ``keys`` (and none is null) the sorted order is unique, so returning
    the frame as it stands gives the very rows ``sort`` gives, without copying the columns.

    Examples
    --------
    >>> df = pl.DataFrame({"patient_id": ["a", "a", "b"], "date": [1, 2, 1]})
    >>> sort_unique_key(df, ["patient_id", "date"]).equals(df)
    True
    >>> sort_unique_key(df.reverse(), ["patient_id", "date"])["date"].to_list()
    [1, 2, 1]
    >>> tie = pl.DataFrame({"patient_id": ["a", "a"], "date": [1, 1]})
    >>> sort_unique_key(tie, ["patient_id", "date"]) is tie
    False
    """
    if strictly_sorted(df, *keys):
        return mark_sorted(df, keys[0])
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


def _ref_rows(keys: pl.Series, ref_keys: pl.Series) -> pl.Series:
    """Per row of ``keys``, the row of ``ref_keys`` (unique) with that key; null when none.

    Each run of equal neighbouring keys is looked up once: a per-visit table of a million
    patients hashes a million identifiers instead of tens of millions. A missing key matches
    nothing.
    """
    if keys.is_empty():
        return pl.Series(keys.name, [], dtype=pl.UInt32)
    new = _run_starts(keys)
    run = new.cum_sum() - 1
    heads = keys.filter(new)
    row = _sorted_rows(heads, ref_keys)
    if row is None:
        rank = pl.int_range(len(ref_keys), dtype=pl.UInt32, eager=True)
        present = ref_keys.is_not_null()
        row = heads.replace_strict(
            ref_keys.filter(present), rank.filter(present), default=None,
            return_dtype=pl.UInt32)
    return row.gather(run)


def _sorted_rows(heads: pl.Series, ref_keys: pl.Series) -> pl.Series | None:
    """The rows of ``heads`` in ``ref_keys`` by a binary search, when both are in key order.

    A store's tables and the cohort come in patient order: then each key is found by a binary
    search of ``ref_keys`` (no hash table of a million identifiers built per call, about 5x
    less CPU), and when ``heads`` is ``ref_keys`` itself (every patient has rows) by a single
    comparison. ``None`` (search by hashing instead) unless both are text, integers or one
    ``pl.Enum`` (its codes searched) of one type, without missing values, ``ref_keys`` strictly
    ascending and ``heads`` ascending.
    """
    if heads.dtype != ref_keys.dtype:
        return None
    if isinstance(heads.dtype, pl.Enum):  # one set of categories: their codes stand for them
        heads, ref_keys = heads.to_physical(), ref_keys.to_physical()
    if (not (heads.dtype == pl.String or heads.dtype.is_integer())
            or heads.null_count() or ref_keys.null_count()
            or not heads.is_sorted() or not _strictly_ascending(ref_keys)):
        return None
    n = len(ref_keys)
    if len(heads) == n and heads.equals(ref_keys):
        return pl.int_range(n, dtype=pl.UInt32, eager=True)
    if n == 0:
        return pl.Series(heads.name, [None] * len(heads), dtype=pl.UInt32)
    at = ref_keys.search_sorted(heads, side="left").cast(pl.UInt32)
    found = ref_keys.gather(at.clip(upper_bound=n - 1)) == heads
    return at.zip_with(found, pl.Series([None], dtype=pl.UInt32))


def each_once(values: pl.Series) -> bool:
    """``values.n_unique() == len(values)``, without hashing the values when they are in order.

    Examples
    --------
    >>> each_once(pl.Series(["a", "b", "c"])), each_once(pl.Series(["b", "a", "b"]))
    (True, False)
    """
    if values.null_count() == 0 and _strictly_ascending(values):
        return True
    return values.n_unique() == len(values)


def _strictly_ascending(values: pl.Series) -> bool:
    """Whether ``values`` (without missing values) ascend with no value twice."""
    if len(values) < 2:
        return True
    if not values.is_sorted():
        return False
    return not bool((values.slice(1) == values.slice(0, len(values) - 1)).any())


def look_up(
    keys: pl.Series, ref_keys: pl.Series, values: Sequence[pl.Series]
) -> list[pl.Series]:
    """Per row of ``keys``, each of ``values`` at the row of ``ref_keys`` holding that key.

    ``ref_keys`` holds each key once; a key it lacks (or a missing key) gets a missing value.
    The values of a left join of ``keys`` with ``ref_keys`` (left order kept), but each run of
    equal neighbouring keys (a patient's visits) is looked up once, and the row once for all
    ``values``.

    Examples
    --------
    >>> keys = pl.Series(["a", "a", "c", None, "b"])
    >>> ref = pl.Series(["b", "a"])
    >>> [s.to_list() for s in look_up(keys, ref, [pl.Series([2, 1]), pl.Series(["B", "A"])])]
    [[1, 1, None, None, 2], ['A', 'A', None, None, 'B']]
    """
    at = _ref_rows(keys, ref_keys)
    return [v.gather(at) for v in values]


def join_by_runs(df: pl.DataFrame, ref: pl.DataFrame, on: str, how: str) -> pl.DataFrame:
    """``df.join(ref, on=on, how=how, maintain_order="left")`` for ``how`` left or inner.

    When ``ref`` holds each ``on`` value once (one row per patient) and shares no other column
    with ``df``, its columns are looked up per run of ``df``'s keys (:func:`look_up`): the same
    rows in the same order, without hashing every row's key nor copying ``df``'s columns for a
    left join. Otherwise the join itself.

    Examples
    --------
    >>> visits = pl.DataFrame({"patient_id": ["a", "a", "c"], "day": [1, 2, 3]})
    >>> ref = pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "Y"]})
    >>> join_by_runs(visits, ref, "patient_id", "inner")["group"].to_list()
    ['X', 'X']
    """
    if how not in ("left", "inner"):
        raise ValueError(f"join_by_runs: how must be 'left' or 'inner'; got {how!r}")
    added = [c for c in ref.columns if c != on]
    if (set(added) & set(df.columns) or df.schema[on] != ref.schema[on]
            or not each_once(ref.get_column(on))):
        return df.join(ref, on=on, how=how, maintain_order="left")
    at = _ref_rows(df.get_column(on), ref.get_column(on))
    out = df.with_columns(ref.get_column(c).gather(at) for c in added)
    return out.filter(at.is_not_null()) if how == "inner" else out


def run_heads(values: pl.Series) -> pl.Series:
    """The first value of each run of equal neighbours, in order (missing values included).

    Every distinct value is the head of a run at its first appearance, so
    ``run_heads(s).unique(maintain_order=True)`` is ``s.unique(maintain_order=True)``, hashing
    one value per run (per patient, in a table in patient order) instead of one per row.

    Examples
    --------
    >>> run_heads(pl.Series(["a", "a", "b", "a", None, None])).to_list()
    ['a', 'b', 'a', None]
    """
    if values.is_empty():
        return values
    return values.filter(_run_starts(values))


def _run_starts(values: pl.Series) -> pl.Series:
    """Whether each value (of a non-empty series) starts a run of equal neighbours."""
    new = values.ne_missing(values.shift(1))
    new[0] = True
    return new


def looked_up(
    table: pl.DataFrame, key: str, columns: Sequence[str], keys: pl.Series
) -> dict[str, pl.Series] | None:
    """Per row of ``keys``, the ``columns`` of ``table``'s row with that key (null: none).

    The values stand for an inner join with ``table`` (one row per key) without writing the
    joined rows: a mask built from them keeps exactly the rows the join would match and the
    filter then would keep, in their order (each run of equal keys looked up once,
    :func:`look_up`). ``None`` when ``table`` has a key twice (the join would repeat rows: join
    instead). A missing key matches nothing, as in a join.

    Examples
    --------
    >>> cohort = pl.DataFrame({"p": ["a", "b"], "start": [5, 7]})
    >>> visits = pl.DataFrame({"p": ["a", "c", "b"], "day": [6, 9, 6]})
    >>> start = looked_up(cohort, "p", ["start"], visits["p"])["start"]
    >>> visits.filter(pl.col("day") >= start)["p"].to_list()
    ['a']
    >>> looked_up(pl.DataFrame({"p": ["a", "a"], "start": [1, 2]}), "p", ["start"],
    ...           visits["p"]) is None
    True
    """
    ref = table.get_column(key)
    if keys.dtype != ref.dtype or not each_once(ref):
        return None
    return dict(zip(columns, look_up(keys, ref, [table.get_column(c) for c in columns]),
                    strict=True))
