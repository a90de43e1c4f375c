r"""Reading delimited text tables (CSV, TSV, TXT, also gzip-compressed) as text, as Excel does.

A file is read by Polars when it can be. A file that Polars refuses (a stray quote, a row with
too many cells) or with old Mac line ends (CR only) is read by Python's ``csv`` module, which
reads a stray quote inside a cell (``height 5'3"``, ``said "fine" today``) as Excel does. Either
way a row with fewer cells than the header (a line broken in two) or with more is reported with
its row number, and the importer quarantines it; a quote that is never closed refuses the file,
naming the row.

Examples
--------
>>> frame, enc, problems = read_text(b'patient_id,note\nA1,said "fine" today\nA2\n', "x.csv")
>>> frame["note"].to_list(), problems["rule"].to_list()
(['said "fine" today', None], ['short_row'])
"""

from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from msrwe.errors import ImportRefused

__all__ = ["ShortRow", "batched_text", "read_text"]

_HEAD = 1 << 16
_MAX_HEADER_BYTES = 1 << 20
_MAX_COLUMNS = 1000
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: The most bytes a ``.gz`` file may decompress to.
MAX_GZ_BYTES = 4 << 30
_PROBLEMS = {"row": pl.Int64(), "column": pl.String(), "value": pl.String(),
             "rule": pl.String(), "message": pl.String()}


def _refuse(path: str, message: str) -> ImportRefused:
    return ImportRefused(message, file=path)


def gunzip(path: Path) -> bytes:
    """The decompressed bytes of a ``.gz`` file, refused beyond :data:`MAX_GZ_BYTES`."""
    out = bytearray()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                out += chunk
                if len(out) > MAX_GZ_BYTES:
                    raise _refuse(
                        str(path),
                        f"the file expands to more than {MAX_GZ_BYTES >> 30} GiB; it is not a "
                        "chart table",
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise _refuse(str(path), f"not a readable gzip file ({exc})") from exc
    return bytes(out)


def _separator(data: bytes) -> str:
    header = data[:_HEAD].split(b"\n", 1)[0]
    for sep in (b",", b";", b"\t"):
        if sep in header:
            return sep.decode()
    return ","


def _check_width(path: str, first: bytes, separator: str) -> None:
    line = first.split(b"\n", 1)[0]
    if len(line.rstrip(b"\r")) > _MAX_HEADER_BYTES:
        raise _refuse(
            path,
            f"the header row (the first line) is longer than {_MAX_HEADER_BYTES >> 20} MiB, so "
            "the file is not a chart table; check that it is the right file",
        )
    n = line.count(separator.encode()) + 1
    if n > _MAX_COLUMNS:
        raise _refuse(
            path,
            f"the header row has {n:,} columns; a chart table has at most {_MAX_COLUMNS:,}. "
            "Check that it is the right file, exported with one column per variable",
        )


def _decode(path: str, data: bytes) -> tuple[str, str]:
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16").lstrip("\ufeff"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _refuse(
                path,
                f"the file starts as UTF-16 text but byte {exc.start + 1} cannot be read; "
                "export it again as CSV (UTF-8)",
            ) from exc
    try:
        return data.decode("utf-8").lstrip("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise _refuse(
            path,
            f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1} "
            "cannot be read); export it again as CSV (UTF-8)",
        ) from exc


def _problem_frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=_PROBLEMS, orient="row")


def _python_csv(path: str, text: str, separator: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read with Python's csv module (Excel's reading of quotes), row by row."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    records: list[list[str | None]] = []
    problems: list[tuple] = []
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = len(records) + 2
            if "unexpected end of data" in str(exc):
                raise _refuse(
                    path,
                    f"row {row} (line {start}): a quote (\") opens a cell and is never closed, "
                    "so the rest of the file would be one cell. Close the quote, or remove it",
                ) from exc
            raise _refuse(
                path,
                f"row {row} (line {start}): {exc}; a cell with quotes inside is written in "
                'double quotes with each quote doubled ("said ""fine"" today"), as Excel does',
            ) from exc
        if header is None:
            header = cells
            width = len(header)
            continue
        row = len(records) + 2
        if not cells or cells == [""]:
            records.append([None] * width)
            continue
        if len(cells) > width:
            extra = cells[width:]
            if any(c.strip() for c in extra):
                problems.append((
                    row, None, separator.join(extra), "too_many_cells",
                    f"the row has {len(cells)} cells but the header has {width} columns (a "
                    "separator inside a cell that is not quoted?); the extra cells are "
                    "shown as the value",
                ))
            cells = cells[:width]
        elif len(cells) < width:
            problems.append((
                row, None, None, "short_row",
                f"the row has {len(cells)} of the {width} cells of the header (a line break "
                "inside a cell, or a cut line?); the row is not imported",
            ))
            cells = cells + [""] * (width - len(cells))
        records.append([c if c != "" else None for c in cells])
    if header is None:
        raise _refuse(path, "the file is empty: a chart table needs at least a header row")
    names = _unique_header(path, header)
    frame = pl.DataFrame(
        records, schema=dict.fromkeys(names, pl.String()), orient="row"
    )
    return frame, _problem_frame(problems)


def _unique_header(path: str, header: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").strip()
        if key and key in seen:
            raise _refuse(path, f"the column {key!r} appears twice in the header")
        seen.add(key)
        out.append(name if key else f"__UNNAMED__{i}")
    return out


def _short_rows(
    data: bytes | Path, frame: pl.DataFrame, separator: str, quotes: bool
) -> pl.DataFrame:
    """Rows that have fewer cells than the header (the fast reader fills them with nulls).

    Only looked for when the last column has an empty cell. Without quotes a line is a row and
    its separators are counted; with quotes the csv module counts the cells of each row.
    """
    if frame.width < 2 or frame.height == 0 or frame[frame.columns[-1]].null_count() == 0:
        return _problem_frame([])
    if quotes:
        raw = data.read_bytes() if isinstance(data, Path) else data
        text = raw.decode("utf-8").lstrip("\ufeff")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        next(reader, None)
        counts = [
            (i + 2, len(cells)) for i, cells in enumerate(reader)
            if cells and cells != [""] and len(cells) < frame.width
        ]
    else:
        lines = pl.read_csv(
            data, has_header=False, new_columns=["line"], separator="\x00", quote_char=None,
            infer_schema=False, raise_if_empty=False,
        )
        short = lines.with_row_index("i").with_columns(
            pl.col("line").str.count_matches(separator, literal=True).alias("n")
        ).filter(
            (pl.col("i") > 0)
            & (pl.col("n") < frame.width - 1)
            & pl.col("line").str.strip_chars().str.len_bytes().gt(0)
        )
        counts = list(zip((short["i"] + 1).to_list(), (short["n"] + 1).to_list(), strict=True))
    return _problem_frame([
        (row, None, None, "short_row",
         f"the row has {n} of the {frame.width} cells of the header (a line break inside a "
         "cell, or a cut line?); the row is not imported")
        for row, n in counts
    ])


@dataclass(frozen=True)
class _Facts:
    """What the importer looks at in a text file's bytes before Polars reads it."""

    head: bytes  # the first bytes (the header row's separator and width)
    nul: bool  # a NUL byte: binary data
    blank: bool  # nothing but byte-order marks, spaces and line ends
    quote: bool  # a double quote somewhere
    lone_cr: bool  # a CR not followed by LF (old Mac line ends)
    utf8: bool  # valid UTF-8 throughout


_BLANK = b"\xef\xbb\xbf \r\n\t"
_CHUNK = 1 << 24


def _facts(data: bytes) -> _Facts:
    """The facts of bytes in memory."""
    try:
        codecs.utf_8_decode(data, "strict", True)
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    return _Facts(
        head=data[: _MAX_HEADER_BYTES + 2], nul=b"\x00" in data, blank=not data.strip(_BLANK),
        quote=b'"' in data, lone_cr=data.count(b"\r") > data.count(b"\r\n"), utf8=utf8,
    )


def _file_facts(path: Path, name: str) -> _Facts:
    """The facts of a file, read in chunks of 16 MiB: never a copy of the whole file in memory."""
    head = b""
    nul = quote = lone_cr = False
    blank = utf8 = True
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    carry_cr = False  # the previous chunk ended with a CR
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                if len(head) < _MAX_HEADER_BYTES + 2:
                    head += chunk[: _MAX_HEADER_BYTES + 2 - len(head)]
                nul = nul or b"\x00" in chunk
                blank = blank and not chunk.strip(_BLANK)
                quote = quote or b'"' in chunk
                if not lone_cr:
                    if carry_cr and not chunk.startswith(b"\n"):
                        lone_cr = True
                    body = chunk[:-1] if chunk.endswith(b"\r") else chunk
                    # counted only when there is a CR at all (two passes over the chunk)
                    lone_cr = lone_cr or (
                        b"\r" in body and body.count(b"\r") > body.count(b"\r\n"))
                    carry_cr = chunk.endswith(b"\r")
                if utf8 and not (chunk.isascii() and not decoder.getstate()[0]):
                    # plain ASCII after a whole character is UTF-8 (no decoding needed)
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = False
            if utf8:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    utf8 = False
    except OSError as exc:
        raise _refuse(name, f"cannot read the file ({exc.strerror or exc})") from exc
    lone_cr = lone_cr or carry_cr
    return _Facts(head, nul, blank, quote, lone_cr, utf8)


def read_text(
    source: Path | bytes, name: str, *, tab: bool = False
) -> tuple[pl.DataFrame, str, pl.DataFrame]:
    """Read a delimited text table: the cells as text, the encoding, and the rows' problems.

    Parameters
    ----------
    source
        The file, or its (decompressed) bytes.
    name
        The file's name, for messages.
    tab
        Tab-separated (a ``.tsv`` file); otherwise the separator is a comma, or a semicolon or
        tab when the header has no comma.

    Raises
    ------
    ImportRefused
        When the file is binary, empty, too wide, not text, or has a quote never closed.
    """
    if isinstance(source, Path):
        # A file is looked at in chunks and read by Polars from disk: its bytes are only held
        # in memory when the csv module must read it (or it is UTF-16, re-encoded below).
        facts = _file_facts(source, name)
        if facts.head.startswith(_UTF16_BOMS) or facts.nul or facts.lone_cr or not facts.utf8:
            try:
                source = source.read_bytes()
            except OSError as exc:
                raise _refuse(name, f"cannot read the file ({exc.strerror or exc})") from exc
            facts = _facts(source)
    else:
        facts = _facts(source)
    encoding = "utf-8"
    if facts.head.startswith(_UTF16_BOMS):
        assert isinstance(source, bytes)
        text, encoding = _decode(name, source)
        source = text.encode("utf-8")
        facts = _facts(source)
    elif facts.nul:
        raise _refuse(
            name,
            "the file holds binary data (NUL bytes), so it is not a CSV text table; "
            "export it again as CSV (UTF-8)",
        )
    if facts.blank:
        raise _refuse(name, "the file is empty: a chart table needs at least a header row")
    separator = "\t" if tab else _separator(facts.head)
    _check_width(name, facts.head, separator)
    has_quote = facts.quote
    careful = facts.lone_cr or not facts.utf8  # old Mac line ends or cp1252: the csv module
    if not careful:
        try:
            frame = pl.read_csv(
                source, separator=separator, infer_schema=False, raise_if_empty=True,
                truncate_ragged_lines=False, quote_char='"' if has_quote else None,
            )
        except (pl.exceptions.PolarsError, ValueError):
            pass  # a stray quote, or a row with too many cells: the csv module reads or names it
        else:
            return frame, encoding, _short_rows(source, frame, separator, has_quote)
    data = source.read_bytes() if isinstance(source, Path) else source
    text, decoded = _decode(name, data)
    frame, problems = _python_csv(name, text, separator)
    return frame, encoding if encoding == "utf-16" else decoded, problems


class ShortRow(Exception):  # a signal to the importer, never shown to a user
    """A batch of a text file may hold a row with too few cells: the whole-file reader names it."""


def batched_text(
    path: Path, name: str, *, tab: bool, rows: int
) -> tuple[pl.DataFrame, Callable[[], Iterator[pl.DataFrame]]] | None:
    """The header of a plain UTF-8 text table and a reader of its rows in batches of text.

    Only for a file that the whole-file reader would give to Polars (UTF-8, no NUL byte, no old
    Mac line ends); ``None`` otherwise, or when Polars cannot read its header. A batch that
    Polars refuses raises :class:`polars.exceptions.PolarsError` while the batches are read, and
    a batch that may hold a row with fewer cells than the header (which Polars fills with empty
    cells, and the whole-file reader reports) raises :class:`ShortRow`: a file without quotes
    when one of its lines has too few separators, a file with quotes when a batch has an empty
    last cell.

    Parameters
    ----------
    path
        The file.
    name
        The file's name, for messages.
    tab
        Tab-separated (a ``.tsv`` file).
    rows
        About how many rows each batch holds.
    """
    facts = _file_facts(path, name)
    if facts.head.startswith(_UTF16_BOMS) or facts.nul or facts.lone_cr or not facts.utf8:
        return None
    if facts.blank:
        return None
    separator = "\t" if tab else _separator(facts.head)
    _check_width(name, facts.head, separator)
    options: dict[str, Any] = {
        "separator": separator, "infer_schema": False, "raise_if_empty": True,
        "truncate_ragged_lines": False, "quote_char": '"' if facts.quote else None,
    }
    try:
        names = pl.scan_csv(path, **options).collect_schema().names()
    except (pl.exceptions.PolarsError, ValueError):
        return None

    def batches(types: dict[str, pl.DataType] | None = None) -> Iterator[Any]:
        if types is not None and not facts.quote:
            yield from _line_batches(path, options, rows, types)
        elif facts.quote:  # a row may span lines: Polars finds the rows
            for frame in pl.scan_csv(path, **options).collect_batches(chunk_size=rows):
                # an empty last cell may be a row cut short, which only the whole file tells
                if frame.width >= 2 and frame.height and frame[frame.columns[-1]].null_count():
                    raise ShortRow("an empty last cell: perhaps a row cut short")
                yield frame if types is None else (frame, None)
        else:
            yield from _line_batches(path, options, rows)

    return pl.DataFrame(schema=dict.fromkeys(names, pl.String())), batches


_BLANK_LINE = frozenset(b" \t\r")


def _short_line(piece: bytes, separator: str, width: int) -> bool:
    r"""Whether a line of ``piece`` after its header may be a row of fewer than ``width`` cells.

    ``piece`` is a header line and lines without quotes. Such a line has fewer separators than
    ``width - 1`` and more than spaces (a line of spaces only is not a row cut short, as
    :func:`_short_rows` reads it).

    Examples
    --------
    >>> _short_line(b"a,b,c\n1,2,\n\n  \n", ",", 3), _short_line(b"a,b,c\n1,2\n", ",", 3)
    (False, True)
    """
    import numpy as np

    data = np.frombuffer(piece, dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if not len(ends) or ends[-1] != len(data) - 1:
        ends = np.append(ends, len(data))  # the last line has no line end
    seps = np.flatnonzero(data == ord(separator))
    counts = np.diff(np.searchsorted(seps, ends))  # separators of each line after the first
    starts = ends[:-1] + 1
    for i in np.flatnonzero(counts < width - 1):
        line = piece[int(starts[i]):int(ends[i + 1])]
        if not _BLANK_LINE.issuperset(line):
            return True
    return False


def _typed_piece(
    piece: bytes, options: dict[str, Any], types: dict[str, pl.DataType]
) -> pl.DataFrame | None:
    """A piece of a text file with the columns of ``types`` parsed in them, or ``None``.

    ``None`` when Polars' reader refuses a cell in its type (``3.0`` as a whole number, ``6.5 ``
    with a space after it, any word): the caller reads the piece as text instead.
    """
    try:
        return pl.read_csv(piece, **options, schema_overrides=types)
    except (pl.exceptions.PolarsError, ValueError):
        return None


#: The bytes of a text file read at once by :func:`_line_batches`.
_BLOCK = 1 << 26


def _line_batches(
    path: Path, options: dict[str, Any], rows: int, types: dict[str, pl.DataType] | None = None
) -> Iterator[Any]:
    """The rows of a text file without quotes, ``rows`` lines at a time, read as they are used.

    Without quotes a line is a row, so the file is cut at line ends and each piece read by
    Polars with the header line before it, as the whole file would be read: only one piece is
    in memory at a time (Polars' own batched reader reads ahead of its consumer, up to the
    whole file: gigabytes for a registry's visits). A row whose last cell is empty is a row
    cut short only when its line has too few separators (:func:`_short_line`).

    With ``types`` (column -> type, read at each piece: the caller may empty it), each piece is
    given as a pair: its rows with those columns parsed by Polars' reader in those types (the
    cells then need no second parse; ``None`` when Polars refuses a cell), and a function that
    reads the same piece with every cell as text (``None`` when the rows are text already).
    """
    import numpy as np

    header: bytes | None = None
    carry = b""
    with path.open("rb") as f:
        while True:
            block = f.read(_BLOCK)
            last = not block
            data = carry + block
            if not data:
                return
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
            start = used = 0  # the next piece's first byte; line ends used
            while start < len(data):
                want = rows + (1 if header is None else 0)  # the first piece has the header
                if len(ends) - used >= want:
                    stop = int(ends[used + want - 1]) + 1
                    used += want
                elif last:
                    stop = len(data)
                else:
                    break
                if header is None:  # the header line, read again before every later piece
                    piece = data[start:stop]
                    header = piece[: int(ends[0]) + 1] if len(ends) else piece
                else:  # one copy of the lines, after the header
                    piece = b"".join((header, memoryview(data)[start:stop]))
                start = stop
                typed = _typed_piece(piece, options, types) if types else None
                frame = typed if typed is not None else pl.read_csv(piece, **options)
                if (
                    frame.width >= 2 and frame.height
                    and frame[frame.columns[-1]].null_count()
                    and _short_line(piece, options["separator"], frame.width)
                ):
                    raise ShortRow("a line with fewer cells than the header")
                if not frame.height:
                    continue
                if types is None:
                    yield frame
                elif typed is None:
                    yield frame, None
                else:
                    yield frame, functools.partial(pl.read_csv, piece, **options)
                del typed, frame
            if last:
                return
            carry = data[start:]
