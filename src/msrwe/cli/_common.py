"""What every command shares: consoles, the error boundary, progress bars."""

from __future__ import annotations

import errno
import functools
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console, ConsoleOptions, RenderableType, RenderHook, RenderResult
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TimeElapsedColumn,
)
from rich.segment import Segment
from rich.text import Text

from msrwe.errors import DefinitionError, MsrweError, OptionError

__all__ = [
    "MIN_CELL",
    "console",
    "err_console",
    "fail",
    "guard",
    "out_folder",
    "peak_rss_mb",
    "progress",
    "safe_text",
    "show_warning",
    "shown",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The ``--min-cell`` option of ``analyze``, ``report`` and ``compare``, declared once.
MIN_CELL: Any = typer.Option(
    None, "--min-cell", min=2, max=1000,
    help="Small-cell suppression: counts from 1 to N-1 are withheld (shown as <N) with "
    "complementary suppression so no total gives them back (docs/privacy.md); overrides "
    "the study's [privacy] min_cell.",
)

#: Characters never printed as they are: C0/C1 controls (terminal escape sequences start with
#: ESC) and the bidirectional overrides that reorder text on screen.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The same, but a line break is text: what is escaped in a rendered line.
_UNSAFE_IN_LINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _Escaped:
    """A renderable whose text has every control character escaped, as :func:`safe_text` does.

    Rich's own control segments (cursor moves of a progress bar) and its styles are kept: only
    the text a message carries (a cell value, a file or sheet name, a label) is escaped.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for seg in console.render(self.renderable, options):
            if seg.control or not _UNSAFE_IN_LINE.search(seg.text):
                yield seg
            else:
                yield Segment(_UNSAFE_IN_LINE.sub(_escaped_char, seg.text), seg.style)


class _EscapeHook(RenderHook):
    """Escapes control characters in everything a console prints (issue 9 item 14)."""

    def process_renderables(self, renderables: list[RenderableType]) -> list[RenderableType]:
        return [_Escaped(r) for r in renderables]


def _safe_console(**kwargs: Any) -> Console:
    out = Console(**kwargs)
    out.push_render_hook(_EscapeHook())
    return out


#: The consoles of every command (stdout, stderr): whatever they print, no control character
#: of a value reaches the terminal as it is.
console = _safe_console()
err_console = _safe_console(stderr=True)


def _escaped_char(m: re.Match[str]) -> str:
    return repr(m.group(0))[1:-1]


def safe_text(text: str) -> str:
    r"""``text`` with every control character written as an escape (``\x1b``, ``\n``).

    A cell value that reaches the console (an error message, the quarantine listing) cannot
    clear the screen, move the cursor or hide a link (OSC 8).

    Examples
    --------
    >>> safe_text("A1\x1b[2J\tok")
    'A1\\x1b[2J\\tok'
    """
    return _UNSAFE.sub(_escaped_char, text)


def shown(value: object) -> str:
    r"""A value (a path, a file or sheet name, a label) as console text.

    Control characters are escaped (:func:`safe_text`) and rich markup is taken literally.

    Examples
    --------
    >>> shown("charts[/]\x1b[2J")
    'charts\\[/]\\x1b[2J'
    """
    return escape(safe_text(str(value)))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` in red on stderr and return the Exit to raise.

    The message is printed as written: a study file's ``[cohort]`` or a path with brackets is
    text, not console markup.
    """
    err_console.print(
        f"[bold red]error:[/] {escape(safe_text(message))}", highlight=False, soft_wrap=True
    )
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
        except OSError as exc:  # the file system refused: a path, a permission, a full disk
            raise fail(os_message(exc)) from exc

    return wrapper  # type: ignore[return-value]


_ERRNO_WORDS = {
    errno.EEXIST: "a file of that name is in the way",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOENT: "there is no such file or folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk is read-only",
}


def os_message(exc: OSError) -> str:
    """What the file system refused, in words: the path and the reason, no traceback.

    Examples
    --------
    >>> os_message(FileExistsError(17, "File exists", "results"))
    'results: cannot write here (a file of that name is in the way).'
    >>> os_message(OSError(28, "No space left on device", "out/.report.html.tmp-0a1b2c3d"))
    'out/report.html: cannot write here (the disk is full).'
    """
    why = _ERRNO_WORDS.get(exc.errno or 0, exc.strerror or str(exc))
    where = exc.filename if exc.filename is not None else "a file"
    # a temporary file of msrwe._atomic is named after the output the user asked for
    where = re.sub(r"(^|/)\.([^/]+)\.(?:tmp|old)-[0-9a-f]{8}$", r"\1\2", str(where))
    return f"{where}: cannot write here ({why})."


def out_folder(path: Path, option: str = "--out", given: Path | None = None) -> Path:
    """Check, before any work, that ``path`` is a folder or can be created as one.

    Parameters
    ----------
    path
        The folder a command will write into.
    option
        The option that gave it, for the message.
    given
        The option's value when ``path`` is derived from it (the folder of an output file).

    Returns
    -------
    Path
        ``path``, unchanged (nothing is created).

    Raises
    ------
    OptionError
        When ``path`` or one of its parents is a file.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = f.write_text("x")
    >>> out_folder(f / "results")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.OptionError: --out ...notes.txt is a file, not a folder; choose a folder ...
    """
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise OptionError(
                    f"{option} {given or path}: {p} is a file, not a folder; "
                    "choose a folder to write into."
                )
            break
    return path


class _Description(ProgressColumn):
    """A task's description as plain text (a folder name is neither markup nor a control)."""

    def render(self, task: Task) -> Text:
        return Text(safe_text(task.description), style="progress.description")


@contextmanager
def progress(*, transient: bool = True) -> Iterator[Progress]:
    """A rich progress bar on stderr (silent when stderr is not a terminal)."""
    bar = Progress(
        SpinnerColumn(),
        _Description(),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
        disable=not sys.stderr.isatty(),
    )
    with bar:
        yield bar


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: Any = None, line: str | None = None) -> None:
    """Print a warning meant for the user (an old study-file key, a data note) as one line.

    Installed as :func:`warnings.showwarning` by the ``msrwe`` command: ``warning: <message>`` on
    stderr, without the Python file and line. Other warnings keep Python's format.
    """
    if issubclass(category, FutureWarning | UserWarning) and file is None:
        err_console.print(f"[yellow]warning:[/] {shown(message)}", highlight=False,
                          soft_wrap=True)
        return
    out = sys.stderr if file is None else file
    out.write(warnings.formatwarning(message, category, filename, lineno, line))


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB (``nan`` where not measured).

    ``resource.getrusage`` reports the high-water mark (KB on Linux, bytes on macOS): reading it
    costs microseconds, so ``--timings`` reads it at every step. Not available on Windows.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024
