r"""Pulling a project's records and data dictionary through the REDCap API.

REDCap's API takes one POST to the project's ``.../api/`` URL with form fields: ``token``,
``content`` (``record`` or ``metadata``), ``format`` (``csv`` or ``json``), and for records
``type=flat``, ``rawOrLabel=raw``; ``returnFormat=json`` makes errors JSON (``{"error": ...}``).

The token is a password to the project: it is read from the environment variable
:data:`TOKEN_ENV` or from a file, never from the command line, and it never appears in a message,
a log or an exception (every text that leaves this module is scrubbed of it).

Examples
--------
>>> redcap_token(env={"MSRWE_REDCAP_TOKEN": " ABC123 "})
'ABC123'
"""

from __future__ import annotations

import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from msrwe.errors import ImportRefused, OptionError
from msrwe.sources.redcap._dictionary import Dictionary, parse_dictionary
from msrwe.sources.redcap._export import read_export_text

__all__ = ["API_FORMATS", "TOKEN_ENV", "fetch_redcap", "redcap_token"]

#: The environment variable holding the API token.
TOKEN_ENV = "MSRWE_REDCAP_TOKEN"
#: The formats msrwe asks the API for.
API_FORMATS = ("csv", "json")
_LOCAL = ("127.0.0.1", "localhost", "::1")


def redcap_token(token_file: str | Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """The API token: the file's first line, else the environment variable :data:`TOKEN_ENV`.

    Raises
    ------
    OptionError
        When neither gives a token (the message never shows one).
    """
    if token_file is not None:
        try:
            text = Path(token_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise OptionError(f"cannot read the token file {token_file} "
                              f"({exc.strerror or type(exc).__name__})",
                              option="--token-file") from None
        token = text.strip().splitlines()[0].strip() if text.strip() else ""
        if not token:
            raise OptionError(f"the token file {token_file} is empty", option="--token-file")
        return token
    token = (env if env is not None else os.environ).get(TOKEN_ENV, "").strip()
    if not token:
        raise OptionError(
            f"no REDCap API token: set the environment variable {TOKEN_ENV} or give "
            "--token-file FILE (a token is never taken on the command line)",
            option="--token-file",
        )
    return token


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "[token]") if token else text


def _check_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OptionError(f"--url must be the project's REDCap API address "
                          f"(https://.../api/), got {parts.scheme or 'no'} scheme",
                          option="--url")
    if parts.scheme == "http" and parts.hostname not in _LOCAL:
        raise OptionError("the REDCap API must be reached over https: the token would travel "
                          "in clear text over http", option="--url")
    if parts.query or parts.username or parts.password:
        raise OptionError("--url must not carry a query or credentials; the token is read from "
                          f"{TOKEN_ENV} or --token-file", option="--url")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def _post(url: str, token: str, fields: dict[str, str], timeout: float) -> str:
    body = urllib.parse.urlencode({"token": token, **fields}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv, application/json",
    })
    what = fields["content"]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.read().decode("utf-8-sig")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:300]
        raise ImportRefused(_scrub(
            f"the REDCap API refused the {what} request (HTTP {exc.code}): {detail.strip()}",
            token), file=url) from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ImportRefused(_scrub(f"cannot reach the REDCap API ({reason})", token),
                            file=url) from None


def fetch_redcap(
    url: str,
    token: str,
    *,
    fmt: str = "csv",
    timeout: float = 120.0,
) -> tuple[pl.DataFrame, Dictionary, bytes]:
    """Export a project's records (flat, raw codes) and data dictionary through the API.

    Parameters
    ----------
    url
        The project's API address (``https://redcap.example.org/api/``).
    token
        The API token (see :func:`redcap_token`).
    fmt
        ``csv`` or ``json``: the format asked of the API.
    timeout
        Seconds to wait for each answer.

    Returns
    -------
    tuple
        The records as text cells (with :data:`~msrwe.io.SOURCE_ROW`), the data dictionary,
        and the records' bytes (for the provenance hash).

    Raises
    ------
    ImportRefused
        When the API cannot be reached or answers with an error (the token scrubbed out).
    """
    if fmt not in API_FORMATS:
        raise OptionError(f"--format must be csv or json, got {fmt!r}", option="--format")
    url = _check_url(url)
    meta = _post(url, token, {"content": "metadata", "format": fmt, "returnFormat": "json"},
                 timeout)
    records = _post(url, token, {"content": "record", "format": fmt, "type": "flat",
                                 "rawOrLabel": "raw", "rawOrLabelHeaders": "raw",
                                 "exportCheckboxLabel": "false", "returnFormat": "json"}, timeout)
    try:
        dictionary = parse_dictionary(meta, source="REDCap API metadata")
        frame = read_export_text(records, source="REDCap API records")
    except ImportRefused as exc:
        raise ImportRefused(_scrub(str(exc), token)) from None
    return frame, dictionary, records.encode()
