"""What every command shares: consoles, the error boundary, progress bars."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from msrwe.errors import DefinitionError, MsrweError

__all__ = ["console", "err_console", "fail", "guard", "progress"]

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` in red on stderr and return the Exit to raise.

    The message is printed as written: a study file's ``[cohort]`` or a path with brackets is
    text, not console markup.
    """
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def guard(func: F) -> F:
    """Turn msrwe's own errors into a clear message and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DefinitionError as exc:
            raise fail(f"{exc} (this is a bug in msrwe; please report it)") from exc
        except MsrweError as exc:
            raise fail(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress(*, transient: bool = True) -> Iterator[Progress]:
    """A rich progress bar on stderr (silent when stderr is not a terminal)."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        yield bar
