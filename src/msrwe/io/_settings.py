"""Reading a user's settings file (TOML): a site mapping or a study file.

Both are small hand-written files; every way they can fail to read gets one plain message that
names the file and says what to do, raised as the caller's own error class.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from msrwe.errors import InputError

__all__ = ["parse_toml", "read_toml_file"]


def parse_toml(text: str, *, source: str, error: type[InputError]) -> dict[str, Any]:
    """Parse TOML text, raising ``error`` that names ``source`` when it is not valid TOML.

    Examples
    --------
    >>> parse_toml('title = "x"', source="s.toml", error=InputError)
    {'title': 'x'}
    >>> try:
    ...     parse_toml("[study", source="s.toml", error=InputError)
    ... except InputError as exc:
    ...     print(str(exc)[:27])
    s.toml: not valid TOML (Exp
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: not valid TOML ({exc})") from exc


def read_toml_file(
    path: str | Path, *, kind: str, option: str, error: type[InputError]
) -> dict[str, Any]:
    """Read and parse a settings file.

    Parameters
    ----------
    path
        The file the user named.
    kind
        What the file is, for messages ("mapping file", "study file").
    option
        The command-line option that takes it ("--mapping", "--study").
    error
        The error class to raise (an :class:`~msrwe.errors.InputError`).

    Returns
    -------
    dict
        The parsed TOML.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{p}: no {kind} here") from None
    except IsADirectoryError:
        raise error(f"{p} is a folder; {option} takes a {kind} (TOML)") from None
    except UnicodeDecodeError as exc:
        raise error(
            f"{p}: the {kind} is not UTF-8 text (byte {exc.start + 1} cannot be read); "
            "save it as UTF-8"
        ) from None
    except OSError as exc:
        raise error(f"{p}: cannot read the {kind} ({exc.strerror or exc})") from exc
    return parse_toml(text, source=str(p), error=error)
