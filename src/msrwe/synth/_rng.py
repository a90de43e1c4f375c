"""Seeded random streams and small vector helpers shared by the generators.

Each part of the cohort draws from its own :class:`numpy.random.Generator`, seeded by the cohort
seed and the part's name, so that changing how one table is drawn never shifts another table.
No global random state and no wall-clock time is ever used.
"""

from __future__ import annotations

import zlib

import numpy as np
import polars as pl

__all__ = [
    "NO_DATE",
    "as_date",
    "non_overlapping",
    "pick_count",
    "repeat_index",
    "segment_offsets",
    "stream",
]


#: Marks a missing date in the integer day arrays (dates before 1970 are negative numbers).
NO_DATE = -(10**8)


def stream(seed: int, name: str) -> np.random.Generator:
    """The random generator of one named part of the cohort.

    Examples
    --------
    >>> a = stream(7, "visits").integers(0, 100, 3)
    >>> b = stream(7, "visits").integers(0, 100, 3)
    >>> bool((a == b).all())
    True
    """
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def pick_count(n: int, share: float) -> int:
    """``share`` of ``n`` rounded half up (12% of 83 -> 10, 53% of 83 -> 44).

    Examples
    --------
    >>> pick_count(83, 0.12), pick_count(83, 0.53), pick_count(83, 67 / 83)
    (10, 44, 67)
    """
    return int(np.floor(n * share + 0.5 + 1e-9))


def segment_offsets(counts: np.ndarray) -> np.ndarray:
    """Start index of each segment of a flat array cut into ``counts``-long pieces."""
    return np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)


def repeat_index(counts: np.ndarray) -> np.ndarray:
    """Index of the owning segment for every element of the flat array.

    Examples
    --------
    >>> repeat_index(np.array([2, 0, 3])).tolist()
    [0, 0, 2, 2, 2]
    """
    return np.repeat(np.arange(len(counts)), counts)


def non_overlapping(pid: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Mask keeping each episode that starts after every earlier episode of its patient ended.

    ``pid`` and ``start`` must be sorted by patient, then start; days are below 1,000,000.

    Examples
    --------
    >>> keep = non_overlapping(np.array([0, 0, 0, 1]), np.array([10, 12, 30, 11]),
    ...                        np.array([20, 14, 40, 12]))
    >>> keep.tolist()
    [True, False, True, True]
    """
    scale = np.int64(10_000_000)
    reach = np.maximum.accumulate(pid * scale + end)
    before = np.concatenate(([np.iinfo(np.int64).min], reach[:-1]))
    return pid * scale + start > before


def as_date(days: np.ndarray) -> pl.Series:
    """Days since 1970-01-01 (``NO_DATE`` means missing) as a ``polars.Date`` series.

    Examples
    --------
    >>> as_date(np.array([0, NO_DATE, 18262])).to_list()
    [datetime.date(1970, 1, 1), None, datetime.date(2020, 1, 1)]
    """
    values = np.asarray(days, dtype=np.int64)
    series = pl.Series(values, dtype=pl.Int64)
    return (
        pl.select(
            pl.when(series > NO_DATE).then(series).otherwise(None).cast(pl.Int32).cast(pl.Date)
        )
        .to_series()
        .alias("date")
    )
