"""A visible message while numba compiles the outcome engine for the first time.

The compiled kernels (:func:`msrwe.derive.outcomes.kernel.scan_patients` and the MSoutcomes
scans) are cached on disk by numba (``cache=True``). A fresh install, a new Python or numba
version, or a read-only package folder without ``NUMBA_CACHE_DIR`` means the first call
compiles them, which takes about 20 s on a small machine. Rather than a silent wait,
:func:`compile_notice` prints one line on standard error:

    preparing the outcome engine, once, ~20 s

It prints at once when numba has no cache index for the kernel, and otherwise only if the first
dispatch in this process is still running after :data:`SLOW_LOAD_S` seconds (an index can exist
for another signature or numba version, so loading may still mean compiling). Nothing is printed
when the kernel is already loaded in this process. ``python -m msrwe.derive.outcomes.warmup``
(run by ``make venv``) compiles everything ahead of time.

Examples
--------
>>> from msrwe.derive.outcomes.compile_notice import MESSAGE, compile_notice
>>> MESSAGE
'preparing the outcome engine, once, ~20 s'
>>> class Loaded:  # a dispatcher that already holds a compiled signature
...     signatures = [("int64",)]
>>> with compile_notice(Loaded()):
...     pass
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["MESSAGE", "SLOW_LOAD_S", "compile_notice", "is_cached_on_disk", "notify"]

#: The line shown while the engine compiles.
MESSAGE = "preparing the outcome engine, once, ~20 s"
#: Seconds after which a first dispatch that found a cache index is taken to be compiling.
SLOW_LOAD_S = 2.0

_lock = threading.Lock()
_shown = False


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


#: Where the message goes; a caller (a web app, a notebook) may replace it.
notify: Callable[[str], None] = _to_stderr


def is_cached_on_disk(dispatcher: Any) -> bool:
    """Whether numba's on-disk cache index exists for a ``@njit(cache=True)`` function.

    Parameters
    ----------
    dispatcher
        A numba dispatcher.

    Returns
    -------
    bool
        ``True`` when the index file exists, or when this numba version does not expose it
        (the timed check of :func:`compile_notice` then decides).
    """
    try:
        path = dispatcher._cache._cache_file._index_path
    except AttributeError:
        return True
    return os.path.exists(path)


def _say() -> None:
    global _shown
    with _lock:
        if _shown:
            return
        _shown = True
    notify(MESSAGE)


@contextmanager
def compile_notice(*dispatchers: Any) -> Iterator[None]:
    """Show :data:`MESSAGE` if the block compiles any of ``dispatchers`` for the first time.

    Parameters
    ----------
    *dispatchers
        The numba functions the block calls.

    Yields
    ------
    None
    """
    fresh = [d for d in dispatchers if not getattr(d, "signatures", None)]
    if not fresh or _shown:
        yield
        return
    delay = 0.0 if not all(is_cached_on_disk(d) for d in fresh) else SLOW_LOAD_S
    timer = threading.Timer(delay, _say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
