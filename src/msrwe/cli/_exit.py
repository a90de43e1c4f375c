"""Leave the ``msrwe`` process without Python's teardown of every object (issue 14, item 3).

When a command has finished, what it wrote is closed and in place: outputs are written to a
temporary file and renamed, stores are closed by their context managers. What is left is the
interpreter's finalisation: it clears every module, collects the objects still alive (about
400,000 after ``msrwe demo``) and unloads numba's LLVM, DuckDB, Polars and Arrow. After
``msrwe demo`` that is about 1 CPU-s, with the report already written and the prompt not back.

:func:`exit_now` runs what Python runs at exit that can matter to a user, the :mod:`atexit`
handlers (logging's last flush, temporary folders), flushes the standard streams, and ends the
process with the command's exit status. Only the console script does this (``msrwe``,
``python -m msrwe``, through :func:`msrwe.cli.main.main`); ``msrwe.cli.main.app``, which tests
and notebooks call, exits as before. Should a thread that is not a daemon still run, Python's
own exit is taken instead, which waits for it.

Examples
--------
>>> exit_status(None), exit_status(3), exit_status(True)
(0, 3, 1)
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

__all__ = ["exit_now", "exit_status"]


def exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` ends a process with; a message is printed on stderr.

    Parameters
    ----------
    code
        ``SystemExit.code``: None (success), an integer, or a message (status 1).

    Returns
    -------
    int
    """
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    print(code, file=sys.stderr)
    return 1


def exit_now(code: object = None) -> NoReturn:
    """End the process now with ``code`` (as :class:`SystemExit` would), skipping the teardown.

    Parameters
    ----------
    code
        As for :func:`sys.exit`.
    """
    status = exit_status(code)
    main = threading.main_thread()
    if any(t.is_alive() and not t.daemon and t is not main for t in threading.enumerate()):
        sys.exit(status)  # Python's exit joins them first
    atexit._run_exitfuncs()  # what Python's exit would run, once
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (msrwe ... | head) or a closed stream
            pass
    os._exit(status)
