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
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from msrwe.errors import ImportRefused

__all__ = ["SUFFIXES", "RawFile", "read_raw"]

#: The file types the importer reads, by suffix.
SUFFIXES = (".csv", ".xlsx", ".xls", ".parquet")

_HEAD = 1 << 16
#: The longest header row and the most columns a CSV may have. Wider files are not chart
#: tables (a wrong separator, a transposed export) and would exhaust memory when read.
_MAX_HEADER_BYTES = 1 << 20
_MAX_COLUMNS = 1000
#: Byte-order marks of UTF-16 text (Excel's "Unicode Text" export).
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DUPLICATED = re.compile(r"^(.*)_duplicated_\d+$")
_EXCEL_DATETIME = r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"


@dataclass(frozen=True)
class RawFile:
    """One chart file read as text.

    Parameters
    ----------
    path
        The file.
    frame
        Every column as ``pl.String``; the header as written (stripped).
    encoding
        ``utf-8``, ``utf-16`` (a CSV with a UTF-16 byte-order mark, as Excel's "Unicode Text"
        export writes) or ``cp1252`` (the fallback for CSV files Excel wrote on Windows).
    sha256
        The SHA-256 of the file's bytes, for provenance.
    header_row
        The row of the header as a spreadsheet shows it (1, unless an Excel sheet starts lower).
    """

    path: Path
    frame: pl.DataFrame
    encoding: str = "utf-8"
    sha256: str = ""
    header_row: int = 1


def _refuse(path: Path, message: str) -> ImportRefused:
    return ImportRefused(message, file=str(path))


def _separator(data: bytes) -> str:
    """The separator of a CSV: a comma, or a semicolon or tab when the header has no comma.

    European versions of Excel write "CSV" with semicolons.
    """
    header = data[:_HEAD].split(b"\n", 1)[0]
    if b"," in header:
        return ","
    if b";" in header:
        return ";"
    if b"\t" in header:
        return "\t"
    return ","


def _scan(path: Path) -> tuple[str, bool, bytes]:
    """SHA-256, whether there is a NUL byte, and the first 64 KiB, in one streaming pass."""
    digest = hashlib.sha256()
    has_nul = False
    head = b""
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                has_nul = has_nul or b"\x00" in chunk
                if len(head) < _HEAD:
                    head += chunk[: _HEAD - len(head)]
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror or exc})") from exc
    return digest.hexdigest(), has_nul, head


def _polars_csv(source: Path | bytes, separator: str) -> pl.DataFrame:
    return pl.read_csv(
        source,
        separator=separator,
        infer_schema=False,
        raise_if_empty=True,
        truncate_ragged_lines=False,
    )


def _check_width(path: Path, header: str, separator: str, complete: bool) -> None:
    """Refuse a CSV whose header row is too long or has too many columns to be a chart table."""
    if not complete:
        raise _refuse(
            path,
            f"the header row (the first line) is longer than {_MAX_HEADER_BYTES >> 20} MiB, so "
            "the file is not a chart table; check that it is the right file",
        )
    n = header.count(separator) + 1
    if n > _MAX_COLUMNS:
        raise _refuse(
            path,
            f"the header row has {n:,} columns; a chart table has at most {_MAX_COLUMNS:,}. "
            "Check that it is the right file, exported with one column per variable",
        )


def _header_line(path: Path) -> tuple[bytes, bool]:
    """The first line of a file (up to 1 MiB) and whether it ended within that limit."""
    try:
        with path.open("rb") as f:
            line = f.readline(_MAX_HEADER_BYTES + 2)
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror or exc})") from exc
    return line, len(line.rstrip(b"\r\n")) <= _MAX_HEADER_BYTES


def _read_utf16(path: Path) -> tuple[pl.DataFrame, str]:
    """A CSV saved as UTF-16 with a byte-order mark (Excel's "Unicode Text"), read losslessly."""
    try:
        text = path.read_bytes().decode("utf-16")
    except UnicodeDecodeError as exc:
        raise _refuse(
            path,
            f"the file starts as UTF-16 text but byte {exc.start + 1} cannot be read; "
            "export it again as CSV (UTF-8)",
        ) from exc
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror or exc})") from exc
    data = text.lstrip("\ufeff").encode("utf-8")
    if not data.strip(b" \r\n\t"):
        raise _refuse(path, "the file is empty: a chart table needs at least a header row")
    separator = _separator(data[:_HEAD])
    first = data.split(b"\n", 1)[0]
    _check_width(path, first.decode("utf-8"), separator, len(first) <= _MAX_HEADER_BYTES)
    try:
        return _polars_csv(data, separator), "utf-16"
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise _refuse(path, f"not a readable CSV table ({_first_line(exc)})") from exc


def _read_csv(path: Path, head: bytes, has_nul: bool) -> tuple[pl.DataFrame, str]:
    if head.startswith(_UTF16_BOMS):
        return _read_utf16(path)
    if has_nul:
        raise _refuse(
            path,
            "the file holds binary data (NUL bytes), so it is not a CSV text table; "
            "export it again as CSV (UTF-8)",
        )
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        raise _refuse(path, "the file is empty: a chart table needs at least a header row")
    separator = _separator(head)
    line, complete = _header_line(path)
    _check_width(path, line.decode("latin-1"), separator, complete)
    header = head.split(b"\n", 1)[0]
    try:
        header.decode("utf-8")
        # The file is read straight from disk; Polars refuses invalid UTF-8 in the data rows.
        return _polars_csv(path, separator), "utf-8"
    except (UnicodeDecodeError, pl.exceptions.ComputeError) as exc:
        if not isinstance(exc, UnicodeDecodeError) and "utf-8" not in str(exc).lower():
            raise _refuse(path, f"not a readable CSV table ({_first_line(exc)})") from exc
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise _refuse(path, f"not a readable CSV table ({_first_line(exc)})") from exc
    # Not UTF-8: Excel on Windows writes cp1252.
    try:
        text = path.read_bytes().decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _refuse(
            path,
            f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1} "
            "cannot be read); export it again as CSV (UTF-8)",
        ) from exc
    except OSError as exc:
        raise _refuse(path, f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        return _polars_csv(text.encode("utf-8"), separator), "cp1252"
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise _refuse(path, f"not a readable CSV table ({_first_line(exc)})") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "more fields" in text:
        return "a row has more cells than the header has columns"
    return text


def _excel_header_row(path: Path, sheet: int | str) -> int:
    """The spreadsheet row of the first row with a value (the header), for an .xlsx file.

    The Excel reader starts a sheet at its first non-empty row; row numbers in the quarantine
    must still be those the spreadsheet shows. Only the first 100 rows are looked at.
    """
    if path.suffix.lower() != ".xlsx":
        return 1
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - the reader above has opened it; row 1 is the fallback
        return 1
    try:
        ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet]
        for number, row in enumerate(ws.iter_rows(min_row=1, max_row=100, values_only=True), 1):
            if any(v is not None and str(v).strip() != "" for v in row):
                return number
        return 1
    finally:
        wb.close()


def _read_excel(path: Path, table: str | None) -> tuple[pl.DataFrame, int]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
        named = [n for n in names if table is not None and n.strip().lower() == table]
        sheet: int | str = named[0] if named else 0
        frame = reader.load_sheet(sheet, dtypes="string").to_polars()
        header = reader.load_sheet(sheet, header_row=None, n_rows=1, dtypes="string").to_polars()
    except Exception as exc:  # fastexcel raises its own classes for bad workbooks
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _refuse(
            path,
            "not a readable Excel workbook: it is damaged, protected by a password, or not an "
            "Excel file under an Excel name. Open it in Excel and save it again as .xlsx "
            f"(the reader said: {detail})",
        ) from exc
    # fastexcel renames a repeated column name ("edss", "edss_1"): a repeat is refused instead.
    names = [str(v).strip() for v in header.row(0) if v is not None] if header.height else []
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise _refuse(path, f"the column {repeated[0]!r} appears twice in the header")
    # Excel date cells arrive as "2019-12-03 00:00:00": keep the date.
    frame = frame.with_columns(pl.col(c).str.replace(_EXCEL_DATETIME, "$1") for c in frame.columns)
    return frame, _excel_header_row(path, sheet)


def _read_parquet(path: Path) -> pl.DataFrame:
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
        casts.append(col.cast(pl.String).alias(name))
    return frame.select(casts)


def read_raw(path: str | Path, table: str | None = None) -> RawFile:
    """Read one chart file with every cell as text.

    Parameters
    ----------
    path
        A ``.csv``, ``.xlsx``/``.xls`` or ``.parquet`` file.
    table
        The chart table the file holds; an Excel workbook is read from the sheet of that name
        when it has one, else from its first sheet.

    Returns
    -------
    RawFile
        The text table, with stripped header names.

    Raises
    ------
    ImportRefused
        When the file cannot be read, is binary, is not a table, or repeats a column name.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    encoding = "utf-8"
    header_row = 1
    if suffix not in SUFFIXES:
        raise _refuse(
            p, f"files of type {suffix or '(none)'} are not read; use CSV, XLSX or Parquet"
        )
    digest, has_nul, head = _scan(p)
    if suffix == ".csv":
        frame, encoding = _read_csv(p, head, has_nul)
    elif suffix in (".xlsx", ".xls"):
        frame, header_row = _read_excel(p, table)
    else:
        frame = _read_parquet(p)
    names = [str(c).strip().lstrip("\ufeff").strip() for c in frame.columns]
    seen: set[str] = set()
    for raw_name, name in zip(frame.columns, names, strict=True):
        m = _DUPLICATED.match(raw_name)
        base = m.group(1).strip() if m else name
        if (m and base in seen) or name in seen:
            raise _refuse(p, f"the column {base!r} appears twice in the header")
        seen.add(name)
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    # Columns with no header and no content (trailing commas, empty Excel columns) are dropped.
    blank = [c for c in frame.columns if (c == "" or c.startswith("__UNNAMED__"))]
    for c in blank:
        if frame[c].drop_nulls().str.strip_chars().str.len_chars().sum() == 0:
            frame = frame.drop(c)
        else:
            position = frame.columns.index(c) + 1
            raise _refuse(p, f"column {position} has values but no name in the header row")
    if frame.width == 0:
        raise _refuse(p, "the file has no columns: a chart table needs a header row")
    return RawFile(p, frame, encoding, digest, header_row)
