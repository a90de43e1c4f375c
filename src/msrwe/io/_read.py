r"""Reading chart files (CSV, Excel, Parquet) as tables of text, with fatal problems refused.

Every cell is read as text so that nothing is guessed: the contract decides each column's type
later, and a cell that does not fit is quarantined with the text the file holds.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "patients.csv"
>>> _ = p.write_bytes(b"patient_id,sex\nA1,F\n")
>>> raw = read_raw(p)
>>> raw.frame.dtypes, raw.encoding
([String, String], 'utf-8')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from msrwe.errors import ImportRefused, OptionError

__all__ = ["RAW_PROBLEM_SCHEMA", "SUFFIXES", "RawFile", "file_type", "read_raw"]

#: The file types the importer reads, by suffix (text tables also compressed with gzip).
SUFFIXES = (
    ".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".xlsx", ".xls", ".parquet"
)

_DUPLICATED = re.compile(r"^(.*)_duplicated_\d+$")
#: Columns of :attr:`RawFile.problems`: cells or rows that are not values.
RAW_PROBLEM_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(), "column": pl.String(), "value": pl.String(), "rule": pl.String(),
    "message": pl.String(),
}


@dataclass(frozen=True)
class RawFile:
    """One chart file read as text.

    Parameters
    ----------
    path
        The file.
    frame
        Every column as ``pl.String`` (a Parquet file read with ``native=True``: in its own
        types); the header as written (stripped).
    encoding
        ``utf-8``, ``utf-16`` (a CSV with a UTF-16 byte-order mark, as Excel's "Unicode Text"
        export writes) or ``cp1252`` (the fallback for CSV files Excel wrote on Windows).
    sha256
        The SHA-256 of the file's bytes, for provenance.
    header_row
        The row of the header as a spreadsheet shows it (1, unless an Excel sheet starts lower).
    sheet
        The sheet read, for an Excel workbook.
    problems
        Rows or cells that are not values (an Excel error cell, a formula without its value, a
        CSV row with too few or too many cells), in :data:`RAW_PROBLEM_SCHEMA`; the importer
        quarantines their rows.
    """

    path: Path
    frame: pl.DataFrame
    encoding: str = "utf-8"
    sha256: str = ""
    header_row: int = 1
    sheet: str | None = None
    problems: pl.DataFrame | None = None
    #: For a large CSV or Parquet file: a function giving its rows in batches (``frame`` then has
    #: the header and no rows), so that the file is never held as text in memory at once.
    batches: Callable[..., Iterator[pl.DataFrame]] | None = None
    #: Whether :attr:`batches` also takes ``types`` (column -> type, which the caller may empty
    #: as it goes) and then gives pairs: the batch with those columns parsed in those types by
    #: Polars' reader where it reads every cell of them, and a function giving the same batch as
    #: text (``None`` when it is text already). See :func:`msrwe.io._text.batched_text`.
    typed_batches: bool = False


class Unbatched(Exception):  # a signal to the importer, never shown to a user
    """A file read in batches must be read whole instead (see :mod:`msrwe.io._batched`)."""


def _refuse(path: Path, message: str) -> ImportRefused:
    return ImportRefused(message, file=str(path))


def _scan(path: Path) -> str:
    """The SHA-256 of the file's bytes, in one streaming pass."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def file_type(name: str) -> str:
    """The file type of a name, as in :data:`SUFFIXES` (``.csv.gz``), or its last suffix."""
    lower = name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return suffix
    return Path(lower).suffix


def _read_parquet(path: Path, native: bool = False) -> pl.DataFrame:
    """The cells of a Parquet file as text, or (``native``) in their own types.

    A date-time is read as its date either way; nested or binary columns are refused.
    """
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _refuse(path, f"not a readable Parquet file ({exc})") from exc
    casts = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            col = col.dt.date()
        elif dtype.is_nested() or dtype == pl.Binary:
            raise _refuse(path, f"column {name!r} holds {dtype} values, not cells of a table")
        elif native or dtype == pl.String:
            casts.append(col)
            continue
        casts.append(col if native else col.cast(pl.String).alias(name))
    return frame.select(casts)


#: A CSV file at least this large is read in batches by the importer (``batched=True``).
BATCH_BYTES = 64 << 20
#: About how many rows each batch holds.
BATCH_ROWS = 1_000_000


def _parquet_batches(
    path: Path,
) -> tuple[pl.DataFrame, Callable[[], Iterator[pl.DataFrame]]] | None:
    """The columns of a Parquet file of :data:`BATCH_ROWS` rows or more, and its batches of rows.

    As :func:`_read_parquet` with ``native``: a date-time as its date. ``None`` for a smaller file
    or one whose schema cannot be read (the whole-file reader then says why).
    """
    try:
        scan = pl.scan_parquet(path)
        schema = scan.collect_schema()
        rows = scan.select(pl.len()).collect().item()
        if rows < BATCH_ROWS:
            return None
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    columns = []
    for name, dtype in schema.items():
        if dtype.is_nested() or dtype == pl.Binary:
            return None  # refused by the whole-file reader
        col = pl.col(name)
        columns.append(col.dt.date() if isinstance(dtype, pl.Datetime) else col)
    scan = scan.select(columns)
    header = scan.head(0).collect()

    def batches() -> Iterator[pl.DataFrame]:
        # one slice at a time, read when it is used (Polars' batched reader reads ahead of its
        # consumer, up to the whole file)
        size = BATCH_ROWS
        for start in range(0, rows, size):
            yield scan.slice(start, size).collect()

    return header, batches


def read_raw(
    path: str | Path,
    table: str | None = None,
    sheet: str | None = None,
    *,
    native: bool = False,
    batched: bool = False,
) -> RawFile:
    """Read one chart file with every cell as text.

    Parameters
    ----------
    path
        A ``.csv``/``.tsv``/``.txt`` (also ``.gz``), ``.xlsx``/``.xls`` or ``.parquet`` file.
    table
        The chart table the file holds; a workbook is read from the sheet named after it, or
        else from its only sheet with data.
    sheet
        The sheet to read (a mapping's ``sheet``), which wins over the table's name.
    native
        Keep the columns of a Parquet file in their own types (a date-time as its date) instead
        of casting them to text: the importer takes a column whose type fits its contract column
        as it is, and casts the others to text itself (see :func:`msrwe.io._rules.native_type`).
    batched
        Give a plain UTF-8 CSV file of at least :data:`BATCH_BYTES`, or a Parquet file of at
        least :data:`BATCH_ROWS` rows read ``native``, as its header and
        :attr:`RawFile.batches` instead of its rows (the importer checks it batch by batch).

    Returns
    -------
    RawFile
        The text table, with stripped header names.

    Raises
    ------
    ImportRefused
        When the file cannot be read, is binary, is not a table, or repeats a column name.
    """
    if not isinstance(path, str | Path):
        raise OptionError(
            f"The 'path' of read_raw must be a file path (str or pathlib.Path). Got {path!r}."
        )
    p = Path(path)
    suffix = file_type(p.name)
    if suffix not in SUFFIXES:
        raise _refuse(
            p,
            f"files of type {suffix or '(none)'} are not read; use CSV, TSV, XLSX or Parquet",
        )
    # the file's hash is computed by a thread beside the reading (hashlib lets go of Python's
    # lock), and waited for at the end
    hashing = ThreadPoolExecutor(1, thread_name_prefix="msrwe-sha256")
    try:
        sha = hashing.submit(_scan, p)
        raw = _read_raw(p, suffix, table, sheet, native=native, batched=batched)
        digest = sha.result()
    finally:
        hashing.shutdown(cancel_futures=True)
    return replace(raw, sha256=digest)


def _read_raw(
    p: Path, suffix: str, table: str | None, sheet: str | None, *, native: bool, batched: bool
) -> RawFile:
    """:func:`read_raw` without the file's hash."""
    from msrwe.io._excel import read_sheet
    from msrwe.io._text import ShortRow, batched_text, gunzip, read_text

    encoding = "utf-8"
    header_row = 1
    problems = None
    sheet_read = None
    batches = None
    typed_batches = False
    digest = ""
    if suffix in (".xlsx", ".xls"):
        got = read_sheet(p, table, sheet)
        frame, header_row, sheet_read = got.frame, got.header_row, got.name
        problems = _cell_problems(got, frame)
    elif suffix == ".parquet":
        got = _parquet_batches(p) if batched and native else None
        if got is not None:
            frame, batches = got
        else:
            frame = _read_parquet(p, native)
    else:
        got = None
        if batched and not suffix.endswith(".gz") and p.stat().st_size >= BATCH_BYTES:
            got = batched_text(p, str(p), tab=suffix.startswith(".tsv"), rows=BATCH_ROWS)
        if got is not None:
            frame, batches = got
            typed_batches = True
        else:
            source = gunzip(p) if suffix.endswith(".gz") else p
            frame, encoding, problems = read_text(source, str(p), tab=suffix.startswith(".tsv"))
    names = [str(c).strip().lstrip("\ufeff").strip() for c in frame.columns]
    seen: set[str] = set()
    for raw_name, name in zip(frame.columns, names, strict=True):
        m = _DUPLICATED.match(raw_name)
        base = m.group(1).strip() if m else name
        if (m and base in seen) or name in seen:
            raise _refuse(p, f"the column {base!r} appears twice in the header")
        seen.add(name)
    if problems is not None and problems.height:
        index = {c: n for c, n in zip(frame.columns, names, strict=True)}
        problems = problems.with_columns(pl.col("column").replace(index))
    renamed = dict(zip(frame.columns, names, strict=True))
    frame = frame.rename(renamed)
    # Columns with no header and no content (trailing commas, empty Excel columns) are dropped.
    blank = [c for c in frame.columns if (c == "" or c.startswith("__UNNAMED__"))]
    if batches is not None:
        if blank:  # whether such a column has content only the whole file says
            return _read_raw(p, suffix, table, sheet, native=native, batched=False)
        inner = batches
        # types are given by the header's names: only when they are the file's own
        typed_batches = typed_batches and all(old == new for old, new in renamed.items())

        def batches(types: dict[str, pl.DataType] | None = None) -> Iterator[Any]:
            try:
                if types is None:
                    for batch in inner():
                        yield batch.rename(renamed)
                else:
                    yield from inner(types)
            except ShortRow as exc:  # only the whole-file reader reports it (RawFile.problems)
                raise Unbatched(str(exc)) from exc
    for c in blank:
        if frame[c].cast(pl.String).drop_nulls().str.strip_chars().str.len_chars().sum() == 0:
            frame = frame.drop(c)
        else:
            position = frame.columns.index(c) + 1
            raise _refuse(p, f"column {position} has values but no name in the header row")
    if frame.width == 0:
        raise _refuse(p, "the file has no columns: a chart table needs a header row")
    return RawFile(
        p, frame, encoding, digest, header_row, sheet_read, problems, batches, typed_batches
    )


def _cell_problems(sheet: object, frame: pl.DataFrame) -> pl.DataFrame:
    """The bad cells of a sheet in :data:`RAW_PROBLEM_SCHEMA` (their column by its header)."""
    rows = []
    for cell in sheet.problems:  # type: ignore[attr-defined]
        column = frame.columns[cell.column] if 0 <= cell.column < frame.width else None
        rows.append((cell.row, column, cell.value, cell.rule, cell.message))
    return pl.DataFrame(rows, schema=RAW_PROBLEM_SCHEMA, orient="row")
