r"""Reading a REDCap export as a table of text: flat CSV, API JSON records, or CDISC ODM XML.

Every shape ends as the flat export's layout (one row per record x event x repeat instance),
with :data:`~msrwe.io.SOURCE_ROW` numbering the rows: the CSV line for a CSV file (header = 1),
the position of the record for JSON and ODM. ODM XML is parsed with ``defusedxml``: XML from
outside may be hostile (entity expansion, external entities).

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
from xml.etree.ElementTree import Element

import polars as pl
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from msrwe.errors import ImportRefused
from msrwe.io import SOURCE_ROW, read_raw

__all__ = ["read_export", "read_export_text", "read_odm"]

_ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
_RC = "{https://projectredcap.org}"


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


def _repeating(root: Element) -> set[tuple[str, str]]:
    """(event or "", form) pairs the project declares as repeating instruments."""
    out = set()
    for el in root.iter(f"{_RC}RepeatingInstrument"):
        out.add((el.get(f"{_RC}UniqueEventName", ""), el.get(f"{_RC}RepeatInstrument", "")))
    return out


def read_odm(data: bytes, *, source: str) -> pl.DataFrame:
    """Read the clinical data of REDCap's CDISC ODM 1.3.1 project export as a flat export.

    Each ``FormData`` of a repeating instrument (declared in
    ``redcap:RepeatingInstrumentsAndEvents``) becomes its own row with
    ``redcap_repeat_instrument`` and ``redcap_repeat_instance`` (its ``FormRepeatKey``); the other
    forms of an event share the event's row, as in the flat export.

    Raises
    ------
    ImportRefused
        When the XML is malformed, hostile (entities) or not an ODM document.
    """
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ImportRefused(f"the XML declares entities or a DTD, which msrwe refuses "
                            f"({type(exc).__name__})", file=source) from exc
    except SafeET.ParseError as exc:
        raise ImportRefused(f"the XML is malformed ({exc})", file=source) from exc
    if root.tag != f"{_ODM}ODM":
        raise ImportRefused("this XML is not a CDISC ODM document (no <ODM> root)", file=source)
    repeating = _repeating(root)
    meta = root.find(f".//{_ODM}MetaDataVersion")
    record_field = (meta.get(f"{_RC}RecordIdField") if meta is not None else None) or "record_id"
    rows: list[dict[str, str | None]] = []
    for subject in root.iter(f"{_ODM}SubjectData"):
        key = subject.get("SubjectKey")
        for event in subject.iter(f"{_ODM}StudyEventData"):
            name = event.get(f"{_RC}UniqueEventName")
            base: dict[str, str | None] = {record_field: key}
            if name:
                base["redcap_event_name"] = name
            repeat_rows: list[dict[str, str | None]] = []
            for form in event.iter(f"{_ODM}FormData"):
                form_name = (form.get("FormOID") or "").removeprefix("Form.")
                items = {
                    item.get("ItemOID", ""): item.get("Value")
                    for item in form.iter(f"{_ODM}ItemData")
                }
                if (name or "", form_name) in repeating or ("", form_name) in repeating:
                    row = {record_field: key, "redcap_repeat_instrument": form_name,
                           "redcap_repeat_instance": form.get("FormRepeatKey", "1"), **items}
                    if name:
                        row["redcap_event_name"] = name
                    repeat_rows.append(row)
                else:
                    base.update(items)
            rows.append(base)
            rows.extend(repeat_rows)
    if not rows:
        raise ImportRefused("the ODM document holds no records (ClinicalData/SubjectData)",
                            file=source)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    frame = pl.DataFrame({c: [r.get(c) for r in rows] for c in columns},
                         schema=dict.fromkeys(columns, pl.String))
    return frame.with_columns(pl.int_range(1, frame.height + 1).alias(SOURCE_ROW))
