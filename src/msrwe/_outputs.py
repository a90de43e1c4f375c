"""Output paths a command may write: never an input, never a file of another kind.

Every writer checks its ``--out`` (and ``--export``, ``--unconfirmed``) before any work with
:func:`check_out_file` or :func:`check_out_folder`: an output naming the store, a chart file the
store was imported from, the study file, or an existing file that is not what the command writes
(a DuckDB store under ``report.html``, a spreadsheet under ``events.csv``, a CSV whose header is
not the one about to be written) is refused with a message naming the option and the file. The
file itself is then written through :mod:`msrwe._atomic`, so a full disk or a crash leaves the
previous output as it was (issue 9, item 1).

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "notes.txt").write_text("keep me")
>>> file_kind(folder / "notes.txt")
'text'
>>> try:
...     check_out_file(folder / "notes.txt", kind="html", what="report")
... except Exception as exc:
...     print(type(exc).__name__)
OptionError
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from msrwe._atomic import check_output_path
from msrwe.errors import InputError, OptionError

__all__ = [
    "chart_files",
    "check_out_file",
    "check_out_folder",
    "check_same_header",
    "file_kind",
]

#: How a kind is named in messages.
_KIND_WORDS = {
    "duckdb": "a DuckDB store",
    "parquet": "a Parquet file",
    "zip": "an Excel workbook or zip archive",
    "html": "an HTML page",
    "text": "a text or CSV file",
    "binary": "a binary file",
}

#: The kinds of existing file each output kind may replace.
_MAY_REPLACE = {
    "html": {"html"},
    "csv": {"text"},
    "text": {"text"},
    "toml": {"text"},
    "parquet": {"parquet"},
    "xlsx": {"zip"},
}


def file_kind(path: str | Path) -> str:
    """What an existing file holds, from its first bytes.

    Returns one of ``"duckdb"``, ``"parquet"``, ``"zip"``, ``"html"``, ``"text"``, ``"binary"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.html"
    >>> _ = p.write_text("<!DOCTYPE html><html></html>")
    >>> file_kind(p)
    'html'
    """
    with Path(path).open("rb") as fh:
        head = fh.read(4096)
    if head[8:12] == b"DUCK":
        return "duckdb"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if b"\x00" in head:
        return "binary"
    low = head.lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text"


def chart_files(db: str | Path | None) -> list[Path]:
    """The chart files a store was imported from (its ``import_log``), where still present."""
    if db is None or not Path(db).is_file():
        return []
    try:
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("SELECT DISTINCT file FROM import_log").fetchall()
    except Exception:  # noqa: BLE001 - not a store, or no import log: nothing more to protect
        return []
    return [Path(r[0]) for r in rows if r[0] and Path(r[0]).is_absolute()]


def _refuse(option: str, out: Path, why: str) -> OptionError:
    return OptionError(f"{option} {out}: {why}; choose another path (nothing was written).")


def check_out_file(out: str | Path, *, kind: str, what: str, option: str = "--out",
                   inputs: Iterable[str | Path | None] = (), db: str | Path | None = None) -> Path:
    """Refuse, before any work, an output file that is an input or an existing file of another kind.

    Parameters
    ----------
    out
        The file about to be written.
    kind
        What is written: ``"html"``, ``"csv"``, ``"parquet"``, ``"xlsx"``, ``"toml"``, ``"text"``.
    what
        What is written, for the message (``"report"``).
    option
        The option that gave ``out``.
    inputs
        The run's input files (study file, design file).
    db
        The store: it and the chart files of its import log are inputs too.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    OptionError
        When ``out`` is an input, an existing file of another kind, or a folder.
    """
    out = Path(out)
    try:
        check_output_path(out, [db, *inputs, *chart_files(db)], what=what)
    except InputError as exc:
        raise OptionError(f"{option} {exc}") from exc
    if out.is_dir():
        raise _refuse(option, out, f"is a folder; give the {what}'s file name")
    if out.exists():
        found = file_kind(out)
        if found not in _MAY_REPLACE[kind]:
            raise _refuse(option, out, f"is {_KIND_WORDS[found]}, not a {what}")
        if kind == "html":
            with out.open("rb") as fh:
                head = fh.read(4096)
            if b'name="generator" content="msrwe' not in head:
                raise _refuse(option, out, f"is an HTML page msrwe did not write, not a {what}")
    return out


def check_same_header(out: str | Path, columns: list[str], *, what: str,
                      option: str = "--out") -> None:
    """Refuse to replace an existing table file whose columns differ from those about to be written.

    An existing ``events.csv`` with the same header is a previous output and may be replaced;
    a chart file (``visits.csv``) or any other table is not.

    Raises
    ------
    OptionError
        When ``out`` exists with other columns.
    """
    out = Path(out)
    if not out.is_file():
        return
    kind = file_kind(out)
    if kind == "parquet":
        import pyarrow.parquet as pq

        old = list(pq.read_schema(out).names)
    elif kind == "zip":
        return  # a workbook msrwe writes has the same sheet; the kind check already ran
    else:
        with out.open("r", encoding="utf-8", errors="replace", newline="") as fh:
            first = fh.readline().rstrip("\r\n")
        old = first.split(",") if first else []
    if old != list(columns):
        raise _refuse(option, out, f"holds other columns ({', '.join(old[:6]) or 'none'}"
                      f"{', ...' if len(old) > 6 else ''}), so it is not a previous {what}")


#: Files whose presence marks a folder as a previous export of msrwe.
_EXPORT_MARKS = ("provenance.json", "results.csv", "patients_overview.csv")


def check_out_folder(out: str | Path, *, what: str, option: str = "--export",
                     inputs: Iterable[str | Path | None] = (),
                     db: str | Path | None = None) -> Path:
    """Refuse an export folder that holds an input or files msrwe did not write there.

    The export replaces the folder whole (:func:`msrwe._atomic.atomic_dir`), so an existing
    folder is accepted only when it is empty or a previous export.

    Raises
    ------
    OptionError
        When ``out`` is a file, holds an input, or is a non-empty folder of something else.
    """
    out = Path(out)
    try:
        check_output_path(out, [db, *inputs, *chart_files(db)], what=what)
    except InputError as exc:
        raise OptionError(f"{option} {exc}") from exc
    if out.exists() and not out.is_dir():
        raise _refuse(option, out, f"is {_KIND_WORDS[file_kind(out)]}, not a folder")
    if out.is_dir() and any(out.iterdir()) and not any((out / m).is_file() for m in _EXPORT_MARKS):
        raise _refuse(option, out, f"is a folder of other files, not a previous {what}; the "
                      "export replaces the folder whole")
    return out
