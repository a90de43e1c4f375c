"""Independent pieces of one analysis step on two threads, their answers in their order.

A step that fits the same model to each group and to everyone (the mixed-model slopes) runs one
fit at a time on one core, while Polars, numpy and the compiled kernels release Python's lock
for their work: two fits at once use both cores of a small machine. At most two pieces are in
memory at a time (one more than one after the other), and each answer is the one the piece
gives alone, returned in the pieces' order, so the results are the same.

Examples
--------
>>> map_in_order(lambda x: x * x, [1, 2, 3])
[1, 4, 9]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["map_in_order", "thread_count"]

T = TypeVar("T")
R = TypeVar("R")

#: At most this many pieces at once: more would hold more pieces in memory on a registry.
MAX_THREADS = 2


def thread_count() -> int:
    """The number of threads :func:`map_in_order` uses: the cores this process may use, <= 2."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))


def map_in_order(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, two pieces at a time on two threads when the machine has two.

    ``fn`` must not depend on another piece's side effects. An exception of a piece is raised
    here (the first in order), after the pieces already started have finished.
    """
    pieces = list(items)
    n = min(thread_count(), len(pieces))
    if n <= 1:
        return [fn(x) for x in pieces]
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="msrwe") as pool:
        return list(pool.map(fn, pieces))
