r"""Reading FHIR R4 JSON (Bundles, single resources, Bulk Data NDJSON) with fhir.resources.

Each resource is validated on its own with the R4B models of ``fhir.resources`` (there is no R4
package; R4B reads R4 JSON of these resource types, ``../shared/reference/interop-privacy.md``
section 4.3), so one invalid resource is quarantined and the rest are read.

Examples
--------
>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "Patient.ndjson").write_text(
...     json.dumps({"resourceType": "Patient", "id": "a", "gender": "female"}) + "\n"
...     + json.dumps({"resourceType": "Patient", "id": "b", "birthDate": "1970-13-01"}) + "\n")
>>> found = read_fhir(folder)
>>> [(r.kind, r.label, r.problem) for r in found]  # doctest: +ELLIPSIS
[('Patient', 'Patient/a', None), ('Patient', 'Patient/b', 'birthDate: ...')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msrwe.errors import ImportRefused

__all__ = ["RESOURCE_TYPES", "FhirRecord", "read_fhir"]

#: The resource types msrwe reads; any other is counted as ignored.
RESOURCE_TYPES = ("Patient", "Condition", "Observation", "MedicationAdministration",
                  "MedicationStatement", "AdverseEvent", "Encounter")


@dataclass(frozen=True)
class FhirRecord:
    """One resource read.

    Parameters
    ----------
    kind, label
        Its resource type and ``Type/id``.
    resource
        The parsed R4B model (None when invalid or of a type msrwe does not read).
    problem
        ``path: message`` when fhir.resources found it invalid.
    raw
        Its JSON.
    """

    kind: str
    label: str
    resource: Any
    problem: str | None
    raw: dict[str, Any]


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".ndjson")
                       and p.is_file())
        if not files:
            raise ImportRefused("no .json or .ndjson FHIR files in this folder",
                                file=str(path))
        return files
    if not path.is_file():
        raise ImportRefused("no such FHIR file or folder", file=str(path))
    return [path]


def _raw(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, resource JSON) of every resource in one file."""
    text = path.read_text(encoding="utf-8")
    out: list[tuple[str, dict[str, Any]]] = []
    if path.suffix == ".ndjson":
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportRefused(f"line {n}: not JSON ({exc.msg})",
                                    file=str(path)) from None
            out.append((f"{path.name} line {n}", obj))
        return out
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"not JSON ({exc.msg} at line {exc.lineno})",
                            file=str(path)) from None
    if isinstance(obj, dict) and obj.get("resourceType") == "Bundle":
        for n, entry in enumerate(obj.get("entry") or []):
            res = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(res, dict):
                out.append((f"{path.name} entry {n}", res))
        return out
    if isinstance(obj, dict):
        return [(path.name, obj)]
    raise ImportRefused("neither a FHIR Bundle nor a resource", file=str(path))


def _problem(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        return f"{loc or '(resource)'}: {first.get('msg', str(exc))}"
    return f"(resource): {exc}"


def read_fhir(path: str | Path) -> list[FhirRecord]:
    """Every resource of a Bundle, a resource file, an NDJSON file or a folder of them."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    records = []
    for file in _files(Path(path)):
        for where, raw in _raw(file):
            kind = str(raw.get("resourceType", ""))
            label = f"{kind}/{raw.get('id')}" if raw.get("id") else f"{kind} ({where})"
            if kind not in RESOURCE_TYPES:
                records.append(FhirRecord(kind or "(no resourceType)", label, None, None, raw))
                continue
            try:
                model = get_fhir_model_class(kind).model_validate(raw)
            except (ValidationError, ValueError, TypeError, KeyError) as exc:
                records.append(FhirRecord(kind, label, None, _problem(exc), raw))
                continue
            records.append(FhirRecord(kind, label, model, None, raw))
    return records
