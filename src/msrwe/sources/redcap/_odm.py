r"""REDCap's CDISC ODM 1.3.1 export: its data as a flat export, its metadata as a dictionary.

The XML is parsed with ``defusedxml``: XML from outside may be hostile (entity expansion,
external entities), and a document declaring entities or a DTD is refused.

Layout read (REDCap 12+): ``ClinicalData/SubjectData[@SubjectKey]/StudyEventData
[@redcap:UniqueEventName]/FormData[@FormOID="Form.<form>", @FormRepeatKey]/ItemGroupData/
ItemData[@ItemOID, @Value]``; repeating instruments are declared in
``GlobalVariables/redcap:RepeatingInstrumentsAndEvents``; the metadata in ``MetaDataVersion``
(``FormDef`` -> ``ItemGroupRef`` -> ``ItemGroupDef`` -> ``ItemRef`` -> ``ItemDef`` with
``redcap:Variable``, ``redcap:FieldType``, ``redcap:TextValidationType``, ``redcap:Identifier``
and a ``CodeList`` of choices; a checkbox has one ``ItemDef`` per choice, ``field___code``).

Examples
--------
>>> xml = b'''<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"
... xmlns:redcap="https://projectredcap.org"><ClinicalData><SubjectData SubjectKey="P1">
... <StudyEventData redcap:UniqueEventName="e1">
... <FormData FormOID="Form.patient" FormRepeatKey="1"><ItemGroupData>
... <ItemData ItemOID="sex" Value="F"/></ItemGroupData></FormData>
... </StudyEventData></SubjectData></ClinicalData></ODM>'''
>>> read_odm(xml, source="p.xml").select("record_id", "redcap_event_name", "sex").rows()
[('P1', 'e1', 'F')]
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

import polars as pl
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from msrwe.errors import ImportRefused
from msrwe.io import SOURCE_ROW
from msrwe.sources.redcap._dictionary import CHOICE_TYPES, Dictionary, Field, parse_choices

__all__ = ["odm_dictionary", "read_odm"]

_ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
_RC = "{https://projectredcap.org}"


def _parse(data: bytes, source: str) -> Element:
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ImportRefused(f"the XML declares entities or a DTD, which msrwe refuses "
                            f"({type(exc).__name__})", file=source) from exc
    except SafeET.ParseError as exc:
        raise ImportRefused(f"the XML is malformed ({exc})", file=source) from exc
    if root.tag != f"{_ODM}ODM":
        raise ImportRefused("this XML is not a CDISC ODM document (no <ODM> root)", file=source)
    return root


def _text(el: Element | None) -> str:
    if el is None:
        return ""
    t = el.find(f".//{_ODM}TranslatedText")
    return (t.text or "").strip() if t is not None else ""


def odm_dictionary(data: bytes, *, source: str) -> Dictionary:
    """The data dictionary held in an ODM project export's ``MetaDataVersion``.

    Raises
    ------
    ImportRefused
        When the document has no REDCap metadata (export the project with its metadata, or give
        ``--dictionary``).
    """
    root = _parse(data, source)
    meta = root.find(f".//{_ODM}MetaDataVersion")
    if meta is None or meta.find(f"{_ODM}FormDef") is None:
        raise ImportRefused("the ODM document has no metadata (MetaDataVersion/FormDef); give "
                            "the project's data dictionary with --dictionary", file=source)
    groups = {g.get("OID"): [r.get("ItemOID") for r in g.iter(f"{_ODM}ItemRef")]
              for g in meta.iter(f"{_ODM}ItemGroupDef")}
    items = {i.get("OID"): i for i in meta.iter(f"{_ODM}ItemDef")}
    lists = {c.get("OID"): c for c in meta.iter(f"{_ODM}CodeList")}
    record = meta.get(f"{_RC}RecordIdField")
    fields: dict[str, Field] = {}
    for form_def in meta.iter(f"{_ODM}FormDef"):
        form = form_def.get(f"{_RC}FormName") or (form_def.get("OID") or "").removeprefix("Form.")
        for ref in form_def.iter(f"{_ODM}ItemGroupRef"):
            for oid in groups.get(ref.get("ItemGroupOID"), []):
                item = items.get(oid)
                if item is None:
                    continue
                name = (item.get(f"{_RC}Variable") or oid or "").lower()
                ftype = (item.get(f"{_RC}FieldType") or "text").lower()
                if not name or name == f"{form}_complete":
                    continue
                cref = item.find(f"{_ODM}CodeListRef")
                clist = lists.get(cref.get("CodeListOID")) if cref is not None else None
                choices: dict[str, str] = {}
                if ftype == "checkbox":
                    code = (oid or "").partition("___")[2]
                    given = parse_choices(clist.get(f"{_RC}CheckboxChoices", "")) if (
                        clist is not None) else {}
                    choices = dict(fields[name].choices) if name in fields else {}
                    choices.update(given or ({code: code} if code else {}))
                elif ftype in CHOICE_TYPES and clist is not None:
                    choices = {c.get("CodedValue", ""): _text(c.find(f"{_ODM}Decode"))
                               for c in clist.iter(f"{_ODM}CodeListItem")}
                fields[name] = Field(
                    name, form, ftype, _text(item.find(f"{_ODM}Question")), choices,
                    (item.get(f"{_RC}TextValidationType") or "").lower(), "", "",
                    item.get(f"{_RC}Identifier", "").lower() == "y")
    if record and record in fields:
        fields = {record: fields[record], **{k: v for k, v in fields.items() if k != record}}
    elif record:
        first_form = next(iter(fields.values())).form if fields else ""
        fields = {record: Field(record, first_form, "text"), **fields}
    return Dictionary(fields, source)


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
    root = _parse(data, source)
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
