r"""Atomic outputs: every file or folder msrwe writes appears whole or not at all.

A writer writes into a temporary file (or folder) beside the target, in the same folder so the
final rename stays on one file system, and renames it into place only when everything is
written. A crash, a full disk or an exception leaves the previous output byte-identical and no
temporary file behind. :func:`check_output_path` refuses an output that would overwrite one of the
run's inputs (the store, a chart file, the study file).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_path(folder / "results.csv") as tmp:
...     _ = tmp.write_text("a,b\\n1,2\\n")
>>> (folder / "results.csv").read_text()
'a,b\\n1,2\\n'
>>> sorted(p.name for p in folder.iterdir())
['results.csv']
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from msrwe.errors import InputError

__all__ = ["atomic_dir", "atomic_path", "atomic_write_bytes", "atomic_write_text",
           "check_output_path"]


def _temp_name(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}-{secrets.token_hex(4)}")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it to ``target`` when the block succeeds.

    Parameters
    ----------
    target
        The file to write. Its folder must exist.

    Yields
    ------
    pathlib.Path
        Where to write. On an exception in the block it is removed and ``target`` is untouched.
    """
    target = Path(target)
    tmp = _temp_name(target, "tmp")
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"{target}: nothing was written")
        with contextlib.suppress(OSError), open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


def atomic_write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return ``target``."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def atomic_write_text(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return ``target``."""
    return atomic_write_bytes(target, text.encode(encoding))


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; swap it in when the block succeeds.

    An existing ``target`` folder is replaced whole (its old files do not linger among the new
    ones); it is moved aside first and removed only after the new folder is in place.

    Parameters
    ----------
    target
        The folder to write. Its parent must exist; an existing file of that name is refused.

    Yields
    ------
    pathlib.Path
        An empty folder to write into.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: is a file, not a folder; give a folder to write into.")
    tmp = _temp_name(target, "tmp")
    tmp.mkdir()
    old = _temp_name(target, "old")
    try:
        yield tmp
        if target.exists():
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            if old.exists():
                os.replace(old, target)
            raise
    except BaseException:
        _remove(tmp)
        raise
    _remove(old)


def check_output_path(out: str | Path, inputs: Iterable[str | Path | None], *,
                      what: str = "output") -> Path:
    """Refuse an output path that is one of the run's inputs (or inside an input folder).

    Parameters
    ----------
    out
        The file or folder about to be written.
    inputs
        The store, chart files or folders and study file of the run (``None`` entries ignored).
    what
        What is written, for the message (``"report"``, ``"export folder"``).

    Returns
    -------
    pathlib.Path
        ``out``, resolved.

    Raises
    ------
    msrwe.errors.InputError
        When ``out`` is an input, or an input lies inside ``out`` (writing the folder would
        replace it).
    """
    o = Path(out).resolve()
    for item in inputs:
        if item is None:
            continue
        i = Path(item).resolve()
        if o == i:
            raise InputError(f"{out}: the {what} would overwrite an input of this run ({item}); "
                             "choose another path.")
        if i.is_relative_to(o):
            raise InputError(f"{out}: the {what} would replace the folder that holds an input "
                             f"of this run ({item}); choose another path.")
    return o
