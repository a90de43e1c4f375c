"""Narrower in-memory types for chart columns the analysis only carries (issue 14, item 1).

A million patients chart about 40 million visits: the seven Kurtzke functional-system grades and
the ambulation score, stored as 64-bit integers, take 2.6 GB in memory though every value lies in
0-16 (``DATA_CONTRACT.md``, visits). No analysis computes with them; they are carried into the
``advs`` dataset. The analysis therefore reads them as 8-bit integers when every stored value fits
(checked in the store first, so the values are exactly those stored), and the files written from
its datasets hold the stored type again (:func:`as_stored`), so every output is unchanged. The
drug, route and unit of each administration are held as categoricals while the analysis runs
(4 bytes a row instead of 16); its result holds them as text again, as every file does.

Examples
--------
>>> import polars as pl
>>> advs = pl.DataFrame({"fs_visual": [0, 6], "edss": [1.0, 2.0]},
...                     schema={"fs_visual": pl.Int8, "edss": pl.Float64})
>>> as_stored(advs).schema["fs_visual"]
Int64
>>> as_stored(advs.select("edss")).columns
['edss']
>>> as_stored(pl.DataFrame({"drug": ["rituximab"]}, schema={"drug": pl.Categorical}))["drug"].dtype
String
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = ["ANALYSIS_TYPES", "as_held", "as_stored", "duckdb_type"]

_CARRIED = (
    "fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory", "fs_bowel_bladder",
    "fs_visual", "fs_cerebral", "ambulation",
)

#: Text columns of few distinct values on every administration: held as categoricals (4 bytes
#: a row instead of 16; about 1.4 GB for a million patients' 40 million administrations).
_LABELS = ("drug", "route", "dose_unit")

#: Chart table -> column -> the type the analysis holds it in (an integer type when every
#: stored value fits; a categorical for a text column).
ANALYSIS_TYPES: Mapping[str, Mapping[str, pl.DataType]] = {
    "visits": {c: pl.Int8() for c in _CARRIED},
    "administrations": {c: pl.Categorical() for c in _LABELS},
}

#: Column -> (type held by the analysis, type stored) for :func:`as_stored`.
_STORED: dict[str, tuple[pl.DataType, pl.DataType]] = {
    **{c: (pl.Int8(), pl.Int64()) for c in _CARRIED},
    **{c: (pl.Categorical(), pl.String()) for c in _LABELS},
}

_DUCKDB = {pl.Int8(): "TINYINT", pl.Int16(): "SMALLINT", pl.Int32(): "INTEGER"}
_RANGE = {pl.Int8(): (-(2**7), 2**7 - 1), pl.Int16(): (-(2**15), 2**15 - 1),
          pl.Int32(): (-(2**31), 2**31 - 1)}


def duckdb_type(dtype: pl.DataType) -> tuple[str, int, int]:
    """The DuckDB type of a narrow integer type and the range of values it holds exactly.

    Examples
    --------
    >>> duckdb_type(pl.Int8())
    ('TINYINT', -128, 127)
    """
    if dtype not in _DUCKDB:
        raise ValueError(f"no narrow integer read for {dtype}")
    low, high = _RANGE[dtype]
    return _DUCKDB[dtype], low, high


def as_stored(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with the columns the analysis held narrower cast back to their stored type.

    Only a column with one of the names of :data:`ANALYSIS_TYPES` and the narrow type is cast
    (exactly: every value fits both types); ``df`` itself when there is none.
    """
    casts = [pl.col(c).cast(_STORED[c][1]) for c, t in df.schema.items()
             if c in _STORED and _is(t, _STORED[c][0])]
    return df.with_columns(casts) if casts else df


def _is(dtype: pl.DataType, held: pl.DataType) -> bool:
    return isinstance(dtype, pl.Categorical) if isinstance(held, pl.Categorical) else dtype == held


def as_held(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with the columns of :data:`ANALYSIS_TYPES` names in the type the analysis holds.

    The inverse of :func:`as_stored`, for datasets read back from files (the analysis bundle):
    a column is cast when it has the stored type and every value fits the narrower one.

    Examples
    --------
    >>> as_held(pl.DataFrame({"fs_visual": [0, 6]})).schema["fs_visual"]
    Int8
    >>> as_held(pl.DataFrame({"fs_visual": [0, 600]})).schema["fs_visual"]
    Int64
    """
    casts = []
    for c, t in df.schema.items():
        if c not in _STORED or t != _STORED[c][1]:
            continue
        narrow = _STORED[c][0]
        if isinstance(narrow, pl.Categorical):  # the analysis's result holds text again
            continue
        _, low, high = duckdb_type(narrow)
        lo, hi = df[c].min(), df[c].max()
        if lo is None or (low <= lo and hi <= high):  # type: ignore[operator]
            casts.append(pl.col(c).cast(narrow))
    return df.with_columns(casts) if casts else df
