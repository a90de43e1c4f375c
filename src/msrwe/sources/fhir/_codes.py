"""FHIR codings from the concept file, and msrwe's extensions for details FHIR has no field for.

The concept file's ``source`` of each item gives its FHIR coding: ``SNOMED:273554001`` is
``http://snomed.info/sct|273554001``; ``local:fs_pyramidal`` is ``urn:msrwe:local|fs_pyramidal``
(a local code, as the concept file states). A chart detail with no FHIR field of its own (a
relapse's steroids, an event's CTCAE grade) is an extension ``urn:msrwe:ext:<column>``.

Examples
--------
>>> from msrwe.sources.omop import load_concepts
>>> coding(load_concepts(), "measurement", "edss")
{'system': 'http://snomed.info/sct', 'code': '273554001'}
>>> extension("grade", 3)
{'url': 'urn:msrwe:ext:grade', 'valueInteger': 3}
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from msrwe.sources.omop import Concepts

__all__ = ["EXT", "LOCAL", "SYSTEMS", "code_index", "coding", "extension", "extension_values"]

#: Code systems of the concept file's source prefixes.
SYSTEMS = {"SNOMED": "http://snomed.info/sct", "LOINC": "http://loinc.org",
           "local": "urn:msrwe:local"}
LOCAL = SYSTEMS["local"]
#: Prefix of msrwe's extension URLs.
EXT = "urn:msrwe:ext:"


def coding(c: Concepts, section: str, key: str) -> dict[str, str]:
    """The FHIR coding of a concept-file item."""
    source = c.source(section, key)
    prefix, _, code = source.partition(":")
    if not code:
        return {"system": LOCAL, "code": source}
    return {"system": SYSTEMS.get(prefix, f"urn:msrwe:{prefix}"), "code": code}


def code_index(c: Concepts, section: str) -> dict[tuple[str, str], str]:
    """(system, code) -> chart item, for one section of the concept file."""
    return {tuple(coding(c, section, k).values()): k  # type: ignore[misc]
            for k in c.entries[section]}


def extension(column: str, value: Any) -> dict[str, Any]:
    """An msrwe extension holding one chart value, typed as FHIR types it."""
    url = EXT + column
    if isinstance(value, bool):
        return {"url": url, "valueBoolean": value}
    if isinstance(value, int):
        return {"url": url, "valueInteger": value}
    if isinstance(value, float):
        return {"url": url, "valueDecimal": value}
    if isinstance(value, dt.date):
        return {"url": url, "valueDate": value.isoformat()}
    return {"url": url, "valueString": str(value)}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def extension_values(resource: Any) -> dict[str, str | None]:
    """Column -> text of every msrwe extension of a parsed resource (or element)."""
    out: dict[str, str | None] = {}
    for ext in getattr(resource, "extension", None) or []:
        if not ext.url or not ext.url.startswith(EXT):
            continue
        value = next((getattr(ext, f) for f in ("valueBoolean", "valueInteger", "valueDecimal",
                                                "valueDate", "valueString")
                      if getattr(ext, f, None) is not None), None)
        out[ext.url[len(EXT):]] = _text(value)
    return out
