"""The checks of a table a derivation needs, and integer key codes.

Its columns (:func:`require_columns`), whether it is already sorted (:func:`strictly_sorted`,
:func:`sort_unless_sorted`), and integer codes of string keys (:func:`key_codes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from msrwe.errors import InputError

__all__ = [
    "as_charted", "as_text", "flag_if_sorted", "in_order", "key_codes", "key_type", "mark_sorted",
    "require_columns",
    "sort_unless_sorted", "strictly_sorted", "unique_rows",
]


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


def strictly_sorted(df: pl.DataFrame, *keys: str) -> bool:
    """Whether rows are in strictly increasing order of ``keys``: no tie and no missing value.

    Such a table is its own ``unique().sort(*keys)``: one linear pass over neighbouring rows
    decides it, where the sort compares identifiers ``n log n`` times (a store's visits come
    sorted by patient and date).

    Examples
    --------
    >>> strictly_sorted(pl.DataFrame({"p": ["a", "a", "b"], "d": [1, 2, 1]}), "p", "d")
    True
    >>> strictly_sorted(pl.DataFrame({"p": ["a", "a"], "d": [1, 1]}), "p", "d")
    False
    >>> strictly_sorted(pl.DataFrame({"p": ["a", None]}), "p")
    False
    """
    if any(df[k].null_count() for k in keys):
        return False
    if df.height < 2:
        return True
    return bool(df.select(_after_previous(keys, ties=False).slice(1).all()).item())


def _after_previous(keys: Sequence[str], *, ties: bool) -> pl.Expr:
    """Whether each row comes after the row before it in the lexicographic order of ``keys``.

    Built from the last key to the first; ``ties`` says whether a row equal to the one before
    it on every key counts as after it. Null on the first row and where a key is missing.
    """
    later: pl.Expr = pl.lit(ties)
    for k in reversed(keys):
        cur, prev = pl.col(k), pl.col(k).shift(1)
        later = (cur > prev) | ((cur == prev) & later)
    return later


def key_codes(keys: list[str], names: list[str]) -> list[pl.Expr]:
    """Integer codes of the key columns (equal values, nulls included, get equal codes).

    For sorting and grouping by string keys without comparing strings: the codes of a
    categorical, their order unrelated to the strings' (so only for a sort whose order
    between keys does not matter).

    Examples
    --------
    >>> df = pl.DataFrame({"p": ["b", "a", "b", None]})
    >>> c = df.select(key_codes(["p"], ["code"]))["code"].to_list()
    >>> c[0] == c[2], len(set(c)), c[3]
    (True, 3, -1)
    """
    return [
        pl.col(k).cast(pl.String).cast(pl.Categorical).to_physical().cast(pl.Int64)
        .fill_null(-1).alias(n)
        for k, n in zip(keys, names, strict=True)
    ]


def sort_unless_sorted(df: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """``df.sort(by)``, skipped when ``df`` is already in that order (one pass, no sort).

    Chart tables come from the store in patient and date order, so most sorts in the
    derivations find them sorted; checking is linear and costs a fraction of a sort of string
    keys. A null in a key column always sorts.

    Examples
    --------
    >>> df = pl.DataFrame({"p": ["a", "a", "b"], "d": [1, 2, 1]})
    >>> sort_unless_sorted(df, ["p", "d"]).equals(df)
    True
    >>> sort_unless_sorted(df.reverse(), ["p", "d"])["d"].to_list()
    [1, 2, 1]
    """
    if df.height < 2:
        return df.sort(by)
    return mark_sorted(df, by[0]) if in_order(df, by) else df.sort(by)


def in_order(df: pl.DataFrame, by: list[str]) -> bool:
    """Whether ``df`` is in ascending order of ``by`` (ties allowed) with no missing key.

    Examples
    --------
    >>> in_order(pl.DataFrame({"p": ["a", "a", "b"], "d": [1, 1, 0]}), ["p", "d"])
    True
    >>> in_order(pl.DataFrame({"p": ["b", "a"], "d": [1, 1]}), ["p", "d"])
    False
    """
    later = _after_previous(by, ties=True)
    no_null = pl.all_horizontal([pl.col(c).is_not_null() for c in by])
    first = pl.int_range(pl.len()) == 0
    return bool(df.select((no_null & (first | later.fill_null(False))).all()).item())


def as_text(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with its categorical columns as text (``df`` itself when it has none).

    The analysis holds a few chart columns as categoricals (``msrwe.store.ANALYSIS_TYPES``); a
    derived table of a row per patient or per event holds them as text again, as the chart does.

    Examples
    --------
    >>> df = pl.DataFrame({"drug": ["rituximab"]}, schema={"drug": pl.Categorical})
    >>> as_text(df).schema["drug"]
    String
    """
    return _labels_as_text(df, pl.Categorical)


def _labels_as_text(df: pl.DataFrame, kinds: type | tuple[type, ...]) -> pl.DataFrame:
    """``df`` with its columns of the types ``kinds`` as text (``df`` itself when it has none)."""
    casts = [pl.col(c).cast(pl.String) for c, t in df.schema.items() if isinstance(t, kinds)]
    return df.with_columns(casts) if casts else df


def as_charted(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with its categorical and enum columns as text (``df`` itself when it has none).

    The analysis holds the patient identifiers as an enum (``msrwe.store.patient_id_enum``)
    and a few labels as categoricals while it runs; its result holds them as text, as charted.

    Examples
    --------
    >>> df = pl.DataFrame({"patient_id": ["a"]}, schema={"patient_id": pl.Enum(["a"])})
    >>> as_charted(df).schema["patient_id"]
    String
    """
    return _labels_as_text(df, (pl.Categorical, pl.Enum))


def key_type(*frames: pl.DataFrame | None, key: str = "patient_id") -> pl.DataType:
    """The type to hold ``key`` in to join ``frames``: an enum one of them holds it in, or text.

    The analysis holds the patient identifiers as one enum (``msrwe.store.patient_id_enum``);
    a frame built with text identifiers is cast to it to be joined (and two frames of text
    identifiers stay text, as any caller's frames do).

    Examples
    --------
    >>> ids = pl.Enum(["a", "b"])
    >>> key_type(pl.DataFrame({"patient_id": ["a"]}, schema={"patient_id": ids})) == ids
    True
    >>> key_type(pl.DataFrame({"patient_id": [1]}), None)
    String
    """
    for df in frames:
        if df is not None and isinstance(df.schema.get(key), pl.Enum):
            return df.schema[key]
    return pl.String()


def mark_sorted(df: pl.DataFrame, key: str) -> pl.DataFrame:
    """``df`` with ``key`` flagged as sorted, for a frame known to be in ``key`` order.

    The caller has checked (or sorted) the order: this is what ``df.sort(key)`` would flag.
    Polars then groups and aggregates by ``key`` by comparing neighbouring rows instead of
    hashing every value (5x faster on patient identifiers); the groups, the rows in each
    group and so every aggregate are the same. The column is not copied. A key with a missing
    value is left unflagged.

    Examples
    --------
    >>> df = mark_sorted(pl.DataFrame({"p": ["a", "a", "b"], "d": [2, 1, 1]}), "p")
    >>> df["p"].flags["SORTED_ASC"]
    True
    """
    if df.height < 2 or df[key].null_count() or df[key].flags["SORTED_ASC"]:
        return df
    return df.with_columns(pl.col(key).set_sorted())


def flag_if_sorted(df: pl.DataFrame | None, key: str = "patient_id") -> pl.DataFrame | None:
    """``df`` with ``key`` flagged as sorted when its values are in order (one linear check).

    A store's chart tables come in patient order; flagged, every later filter, selection and
    ordered join keeps the flag, and grouping by patient compares neighbours instead of hashing
    (:func:`mark_sorted`). A frame out of order, without ``key`` or with a missing ``key`` is
    returned as it is.

    Examples
    --------
    >>> flag_if_sorted(pl.DataFrame({"patient_id": ["a", "b"]}))["patient_id"].flags["SORTED_ASC"]
    True
    >>> flag_if_sorted(pl.DataFrame({"patient_id": ["b", "a"]}))["patient_id"].flags["SORTED_ASC"]
    False
    """
    if df is None or key not in df.columns or df.height < 2 or df[key].null_count():
        return df
    return mark_sorted(df, key) if df[key].is_sorted() else df


def unique_rows(df: pl.DataFrame, keys: list[str]) -> bool:
    """Whether every row has a distinct, complete ``keys`` (no missing value).

    Then a left join on ``keys`` of a table derived row by row from ``df`` puts each value in
    its own row of ``df``: one check (linear when the rows are in order) replaces the join.

    Examples
    --------
    >>> unique_rows(pl.DataFrame({"p": ["a", "a"], "y": [1, 2]}), ["p", "y"])
    True
    >>> unique_rows(pl.DataFrame({"p": ["a", "a"], "y": [1, None]}), ["p", "y"])
    False
    """
    if any(df[k].null_count() for k in keys):
        return False
    return strictly_sorted(df, *keys) or bool(df.select(keys).is_unique().all())
