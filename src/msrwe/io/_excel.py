"""Reading one sheet of an Excel workbook as text, with error cells and the sheet choice explicit.

- The sheet read is the one a mapping names (``sheet = "Clinic visits"``), else the sheet named
  after the table (up to case, "-"/spaces and a plural "s"), else the only sheet with data; a
  workbook with several candidate sheets and no choice is refused with the sheet names.
- Excel error cells (``#N/A``, ``#DIV/0!``, ``#VALUE!``, ...) and formulas whose value Excel never
  saved are found in the sheet's XML and reported with their cell reference (``visits!C7``), so
  the importer quarantines their rows instead of reading them as empty cells.
- An ``.xlsx`` is a zip archive: the sizes of its parts are checked before anything is
  decompressed (a "zip bomb" of 2 MB expanding to gigabytes is refused), and a panic of the Rust
  reader is caught and refused like any unreadable workbook.

Examples
--------
>>> column_index("C"), column_index("AA")
(2, 26)
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import polars as pl

from msrwe.errors import ImportRefused
from msrwe.io._names import table_of_name

__all__ = ["MAX_XLSX_BYTES", "CellProblem", "ExcelSheet", "column_index", "read_sheet"]

#: The most bytes the parts of an .xlsx may decompress to (a workbook of a million rows of a
#: chart table is a few hundred MB of XML).
MAX_XLSX_BYTES = 2 << 30
#: A part that expands more than this many times and above 100 MB is a zip bomb.
_MAX_RATIO = 200
_BIG_PART = 100 << 20
_EXCEL_DATETIME = r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
_CELL = re.compile(rb"<c\s+r=\"([A-Z]{1,3})(\d+)\"([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_FORMULA = re.compile(rb"<f[^>]*?(?:/>|>([^<]*)</f>)")
_CHUNK = 16 << 20


@dataclass(frozen=True)
class CellProblem:
    """A cell whose content is not a value: an Excel error or a formula without its value."""

    row: int
    column: int
    ref: str
    value: str
    rule: str
    message: str


@dataclass(frozen=True)
class ExcelSheet:
    """The sheet read: its cells as text, its name, where its header is, and its bad cells."""

    frame: pl.DataFrame
    name: str
    header_row: int
    problems: tuple[CellProblem, ...] = ()


def column_index(letters: str) -> int:
    """0-based index of a column given by its letters (``A`` -> 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _refuse(path: Path, message: str) -> ImportRefused:
    return ImportRefused(message, file=str(path))


def _unreadable(path: Path, exc: BaseException) -> ImportRefused:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if type(exc).__name__ == "PanicException" or isinstance(exc, MemoryError):
        return _refuse(
            path,
            "the Excel reader failed on this workbook (it stopped with an internal error: it may "
            "be damaged or built to exhaust memory). Open it in Excel and save it again as "
            f".xlsx, or export the table as CSV (the reader said: {detail})",
        )
    return _refuse(
        path,
        "not a readable Excel workbook: it is damaged, protected by a password, or not an "
        "Excel file under an Excel name. Open it in Excel and save it again as .xlsx "
        f"(the reader said: {detail})",
    )


def _check_zip(path: Path) -> zipfile.ZipFile | None:
    """The workbook's archive after its sizes were checked (``None`` when it is not a zip)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # .xls, or damaged: the reader says so
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_XLSX_BYTES or (info.file_size > _BIG_PART and ratio > _MAX_RATIO):
            archive.close()
            raise _refuse(
                path,
                f"the workbook would expand to more than {total / 2**20:,.0f} MB when read "
                f"(its part {info.filename} is {info.file_size / 2**20:,.0f} MB, compressed "
                f"{ratio:,.0f} times); it is not a chart table. Export the table as CSV",
            )
    return archive


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the archive (``xl/worksheets/sheet1.xml``)."""
    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    targets: dict[str, str] = {}
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        rid = re.search(rb'\bId="([^"]+)"', tag)
        target = re.search(rb'\bTarget="([^"]+)"', tag)
        if rid and target:
            t = target.group(1).decode("utf-8", "replace")
            t = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
            targets[rid.group(1).decode()] = t
    out: dict[str, str] = {}
    for sheet in re.finditer(rb"<sheet\b[^>]*>", book):
        tag = sheet.group(0)
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]+)"', tag) or re.search(rb'\bid="([^"]+)"', tag)
        if name and rid and rid.group(1).decode() in targets:
            text = name.group(1).decode("utf-8", "replace")
            for entity, ch in (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'),
                               ("&apos;", "'")):
                text = text.replace(entity, ch)
            out[text] = targets[rid.group(1).decode()]
    return out


def _bad_cells(archive: zipfile.ZipFile, part: str, sheet: str) -> list[CellProblem]:
    """Error cells and formulas without a saved value in one sheet, streamed in chunks."""
    found: list[CellProblem] = []
    try:
        stream = archive.open(part)
    except (KeyError, OSError, zipfile.BadZipFile):
        return found
    with stream:
        rest = b""
        while True:
            chunk = stream.read(_CHUNK)
            data = rest + chunk
            if not chunk:
                cut = len(data)
            else:
                cut = data.rfind(b"</row>")
                cut = cut + len(b"</row>") if cut >= 0 else 0
            block, rest = data[:cut], data[cut:]
            if b't="e"' in block or b"<f" in block:
                found.extend(_cells_of(block, sheet))
            if not chunk:
                break
    return found


def _cells_of(block: bytes, sheet: str) -> list[CellProblem]:
    out: list[CellProblem] = []
    for m in _CELL.finditer(block):
        letters, number, attrs, body = m.group(1), m.group(2), m.group(3), m.group(4) or b""
        is_error = b't="e"' in attrs
        formula = _FORMULA.search(body)
        if not is_error and formula is None:
            continue
        value = _VALUE.search(body)
        saved = value.group(1).decode("utf-8", "replace") if value else ""
        ref = f"{sheet}!{letters.decode()}{number.decode()}"
        row, col = int(number), column_index(letters.decode())
        if is_error:
            out.append(CellProblem(
                row, col, ref, saved, "excel_error",
                f"the cell {ref} holds the Excel error {saved}, not a value; correct the "
                "formula or the value in the workbook",
            ))
        elif not saved:
            text = (formula.group(1) or b"").decode("utf-8", "replace") if formula else ""
            out.append(CellProblem(
                row, col, ref, f"={text}", "formula_without_value",
                f"the cell {ref} holds a formula (={text}) whose value Excel never saved (the "
                "file was written by a program, not by Excel); open it in Excel and save it, "
                "or export the table as CSV",
            ))
    return out


def _first_column(archive: zipfile.ZipFile, part: str) -> int:
    """0-based first column of the sheet's used range (the reader's first column)."""
    try:
        with archive.open(part) as f:
            head = f.read(1 << 16)
    except (KeyError, OSError, zipfile.BadZipFile):
        return 0
    m = re.search(rb'<dimension\s+ref="([A-Z]{1,3})\d+', head)
    return column_index(m.group(1).decode()) if m else 0


def _choose(path: Path, reader: object, table: str | None, wanted: str | None) -> str:
    names: list[str] = list(reader.sheet_names)  # type: ignore[attr-defined]
    if wanted is not None:
        if wanted in names:
            return wanted
        raise _refuse(
            path,
            f"the mapping names the sheet {wanted!r}, but the workbook's sheets are "
            + ", ".join(repr(n) for n in names),
        )
    if table is not None:
        named = [n for n in names if table_of_name(n) == table]
        if len(named) == 1:
            return named[0]
    with_data = [
        n for n in names
        if reader.load_sheet(n, header_row=None, n_rows=1, dtypes="string").width  # type: ignore[attr-defined]
    ]
    if len(with_data) == 1:
        return with_data[0]
    if not with_data:
        raise _refuse(path, "the workbook has no sheet with data")
    hint = f'add sheet = "{with_data[0]}" under [{table}] in a mapping file' if table else (
        "keep one sheet"
    )
    raise _refuse(
        path,
        f"the workbook has {len(with_data)} sheets with data ("
        + ", ".join(repr(n) for n in with_data)
        + f") and none is named {table or 'after the table'}; say which one holds the table: "
        + hint,
    )


def read_sheet(path: Path, table: str | None, wanted: str | None = None) -> ExcelSheet:
    """Read the sheet of a workbook that holds ``table``, every cell as text.

    Raises
    ------
    ImportRefused
        When the workbook cannot be read, would expand beyond :data:`MAX_XLSX_BYTES`, makes the
        reader fail, has several candidate sheets and no choice, or repeats a column name.
    """
    import fastexcel

    archive = _check_zip(path) if path.suffix.lower() == ".xlsx" else None
    try:
        try:
            reader = fastexcel.read_excel(str(path))
            sheet = _choose(path, reader, table, wanted)
            frame = reader.load_sheet(sheet, dtypes="string").to_polars()
            header = reader.load_sheet(sheet, header_row=None, n_rows=1, dtypes="string")
            header = header.to_polars()
        except ImportRefused:
            raise
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # fastexcel's errors and pyo3's PanicException
            raise _unreadable(path, exc) from exc
        problems: list[CellProblem] = []
        offset = 0
        if archive is not None:
            part = _sheet_parts(archive).get(sheet)
            if part is not None:
                problems = _bad_cells(archive, part, sheet)
                offset = _first_column(archive, part)
    finally:
        if archive is not None:
            archive.close()
    # fastexcel renames a repeated column name ("edss", "edss_1"): a repeat is refused instead.
    names = [str(v).strip() for v in header.row(0) if v is not None] if header.height else []
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise _refuse(path, f"the column {repeated[0]!r} appears twice in the header")
    # Excel date cells arrive as "2019-12-03 00:00:00": keep the date.
    frame = frame.with_columns(pl.col(c).str.replace(_EXCEL_DATETIME, "$1") for c in frame.columns)
    problems = [
        CellProblem(p.row, p.column - offset, p.ref, p.value, p.rule, p.message) for p in problems
    ]
    return ExcelSheet(frame, sheet, _header_row(path, sheet), tuple(problems))


def _header_row(path: Path, sheet: str) -> int:
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
        ws = wb[sheet]
        for number, row in enumerate(ws.iter_rows(min_row=1, max_row=100, values_only=True), 1):
            if any(v is not None and str(v).strip() != "" for v in row):
                return number
        return 1
    finally:
        wb.close()
