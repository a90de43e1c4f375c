r"""Reading a REDCap export as a table of text: flat CSV, API JSON records, or CDISC ODM XML.

Every shape ends as the flat export's layout (one row per record x event x repeat instance),
with :data:`~msrwe.io.SOURCE_ROW` numbering the rows: the CSV line for a CSV file (header = 1),
the position of the record for JSON and ODM (:mod:`msrwe.sources.redcap._odm`).

Examples
--------
>>> frame = read_export_text('[{"record_id": "1", "sex": "F"}]', source="api")
>>> frame.select("record_id", "sex").rows()
[('1', 'F')]
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from msrwe.errors import ImportRefused
from msrwe.io import SOURCE_ROW, read_raw

__all__ = ["read_export", "read_export_text"]



def read_export(path: str | Path) -> tuple[pl.DataFrame, bytes]:
    """Read an export file (``.csv``, ``.json`` or ``.xml``) as text cells.

    Returns
    -------
    tuple
        The rows (with :data:`~msrwe.io.SOURCE_ROW`) and the file's bytes (for provenance).

    Raises
    ------
    ImportRefused
        When the file cannot be read or is not a REDCap export.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"cannot read the export ({exc.strerror or exc})",
                            file=str(path)) from exc
    suffix = path.suffix.lower()
    if suffix == ".xml":
        from msrwe.sources.redcap._odm import read_odm

        return read_odm(data, source=path.name), data
    if suffix == ".json":
        return read_export_text(data.decode("utf-8-sig"), source=path.name), data
    raw = read_raw(path)
    return raw.frame.with_columns(
        pl.int_range(raw.header_row + 1, raw.frame.height + raw.header_row + 1).alias(SOURCE_ROW)
    ), data


def read_export_text(text: str, *, source: str) -> pl.DataFrame:
    """Read records the API returned (``format=csv`` or ``json``, ``type=flat``) as text cells."""
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith(("[", "{")):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRefused(f"the records are not valid JSON ({exc.msg})", file=source) from exc
        if isinstance(items, dict) and "error" in items:
            raise ImportRefused(f"REDCap answered with an error: {items['error']}", file=source)
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ImportRefused("the records JSON is not a list of records", file=source)
        columns = list(dict.fromkeys(k for item in items for k in item))
        frame = pl.DataFrame(
            {c: [None if i.get(c) is None else str(i.get(c)) for i in items] for c in columns},
            schema=dict.fromkeys(columns, pl.String),
        )
        return frame.with_columns(pl.int_range(1, frame.height + 1).alias(SOURCE_ROW))
    if not text.strip():
        raise ImportRefused("the export is empty", file=source)
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    return frame.with_columns(pl.int_range(2, frame.height + 2).alias(SOURCE_ROW))


