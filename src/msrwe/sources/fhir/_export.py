r"""Chart tables -> FHIR R4 resources (``msrwe synth --format fhir``).

Patient; Condition (multiple sclerosis with onset, diagnosis and phenotype; relapses);
Observation (EDSS with the FS scores and ambulation as components, T25FW, 9HPT with one component
per hand, SDMT, MRI with its counts as components, biomarkers); MedicationAdministration (each
dose given, with route and dose); MedicationStatement (treatment courses); AdverseEvent; Encounter
(hospital stays). Codes come from the concept file (:mod:`msrwe.sources.fhir._codes`);
``../shared/reference/interop-privacy.md`` section 4.3 lays out this mapping.

Examples
--------
>>> import polars as pl, datetime as dt
>>> chart = {"patients": pl.DataFrame({"patient_id": ["P1"], "sex": ["F"],
...                                   "birth_date": [dt.date(1970, 3, 2)]})}
>>> r = chart_to_fhir(chart)[0]
>>> r["resourceType"], r["gender"], r["identifier"][0]["value"]
('Patient', 'female', 'P1')
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from msrwe._atomic import atomic_write_text
from msrwe.schema import CONTRACT
from msrwe.sources.fhir._codes import coding, extension
from msrwe.sources.omop import Concepts, load_concepts
from msrwe.sources.omop._export import typed_chart_table
from msrwe.sources.omop._layout import MEASURES

__all__ = ["PATIENT_ID_SYSTEM", "chart_to_fhir", "write_fhir_bundle"]

#: The identifier system of the chart's patient id.
PATIENT_ID_SYSTEM = "urn:msrwe:patient_id"
GENDER = {"F": "female", "M": "male", "X": "other"}
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
OUTCOMES = {"recovered": "resolved", "recovering": "recovering", "not_recovered": "ongoing",
            "sequelae": "resolvedWithSequelae", "fatal": "fatal", "unknown": "unknown"}
VER_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_VISIT_OBS = {"t25fw_s": ("t25fw_s",), "nhpt": ("nhpt_dominant_s", "nhpt_nondominant_s"),
              "sdmt": ("sdmt",)}


def _cc(c: Concepts, section: str, key: str, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(c, section, key)]}
    if text:
        out["text"] = text
    return out


def _exts(row: dict[str, Any], cols: tuple[str, ...]) -> list[dict[str, Any]]:
    return [extension(col, row[col]) for col in cols if row.get(col) is not None]


def _quantity(value: Any, unit: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value}
    if unit:
        q["unit"] = unit
    return q


def _clean(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if v not in (None, [], {})}


def _resources(tables: dict[str, pl.DataFrame], c: Concepts) -> Iterator[dict[str, Any]]:
    ref: dict[str, str] = {}
    for i, p in enumerate(tables["patients"].iter_rows(named=True), start=1):
        pid = f"p{i}"
        ref[p["patient_id"]] = f"Patient/{pid}"
        yield _clean({
            "resourceType": "Patient", "id": pid,
            "identifier": [{"system": PATIENT_ID_SYSTEM, "value": p["patient_id"]}],
            "gender": GENDER.get(p.get("sex") or ""),
            "birthDate": p["birth_date"].isoformat() if p.get("birth_date") else None,
            "deceasedDateTime": p["death_date"].isoformat() if p.get("death_date") else None,
            "extension": _exts(p, ("site",)),
        })
        ms = ("ms_onset_date", "diagnosis_date", "phenotype", "spms_conversion_date")
        if any(p.get(k) is not None for k in ms):
            yield _clean({
                "resourceType": "Condition", "id": f"ms-{i}",
                "code": _cc(c, "condition", "ms", "multiple sclerosis"),
                "subject": {"reference": f"Patient/{pid}"},
                "onsetDateTime": p["ms_onset_date"].isoformat() if p.get("ms_onset_date")
                else None,
                "recordedDate": p["diagnosis_date"].isoformat() if p.get("diagnosis_date")
                else None,
                "stage": [{"summary": {"coding": [{"system": "urn:msrwe:phenotype",
                                                   "code": p["phenotype"]}]}}]
                if p.get("phenotype") else None,
                "extension": _exts(p, ("spms_conversion_date",)),
            })

    def subject(row: dict[str, Any]) -> dict[str, str]:
        return {"reference": ref[row["patient_id"]]}

    for i, v in enumerate(tables.get("visits", pl.DataFrame()).iter_rows(named=True), start=1):
        day = v["date"].isoformat()
        fs = [col for col in MEASURES["visits"][1:9] if v.get(col) is not None]
        yield _clean({
            "resourceType": "Observation", "id": f"edss-{i}", "status": "final",
            "code": _cc(c, "measurement", "edss", "EDSS"), "subject": subject(v),
            "effectiveDateTime": day,
            "valueQuantity": _quantity(v["edss"]) if v.get("edss") is not None else None,
            "component": [{"code": _cc(c, "measurement", col), "valueQuantity": _quantity(v[col])}
                          for col in fs],
            "extension": _exts(v, ("scheduled",)),
        })
        for name, cols in _VISIT_OBS.items():
            present = [col for col in cols if v.get(col) is not None]
            if not present:
                continue
            if len(cols) == 1:
                yield {"resourceType": "Observation", "id": f"{name.split('_')[0]}-{i}",
                       "status": "final", "code": _cc(c, "measurement", cols[0]),
                       "subject": subject(v), "effectiveDateTime": day,
                       "valueQuantity": _quantity(v[cols[0]])}
            else:
                yield {"resourceType": "Observation", "id": f"{name}-{i}", "status": "final",
                       "code": {"coding": [{"system": "urn:msrwe:local", "code": "9hpt"}],
                                "text": "9-hole peg test"},
                       "subject": subject(v), "effectiveDateTime": day,
                       "component": [{"code": _cc(c, "measurement", col),
                                      "valueQuantity": _quantity(v[col])} for col in present]}
    for i, m in enumerate(tables.get("mri", pl.DataFrame()).iter_rows(named=True), start=1):
        yield _clean({
            "resourceType": "Observation", "id": f"mri-{i}", "status": "final",
            "code": _cc(c, "observation", "mri_scan", "MRI"), "subject": subject(m),
            "effectiveDateTime": m["date"].isoformat(),
            "component": [{"code": _cc(c, "measurement", col), "valueQuantity": _quantity(m[col])}
                          for col in MEASURES["mri"] if m.get(col) is not None],
        })
    for i, b in enumerate(tables.get("biomarkers", pl.DataFrame()).iter_rows(named=True), 1):
        yield {"resourceType": "Observation", "id": f"bio-{i}", "status": "final",
               "code": _cc(c, "measurement", "biomarker", b["marker"]), "subject": subject(b),
               "effectiveDateTime": b["date"].isoformat(),
               "valueQuantity": _quantity(b["value"], b.get("unit"))}
    for i, r in enumerate(tables.get("relapses", pl.DataFrame()).iter_rows(named=True), 1):
        confirmed = r.get("confirmed")
        yield _clean({
            "resourceType": "Condition", "id": f"relapse-{i}",
            "code": _cc(c, "condition", "relapse", "MS relapse"), "subject": subject(r),
            "onsetDateTime": r["onset_date"].isoformat(),
            "verificationStatus": None if confirmed is None else {"coding": [{
                "system": VER_STATUS, "code": "confirmed" if confirmed else "unconfirmed"}]},
            "extension": _exts(r, ("steroids",)),
        })
    for i, a in enumerate(tables.get("administrations", pl.DataFrame()).iter_rows(named=True), 1):
        dosage = _clean({
            "route": _cc(c, "route", a["route"], a["route"]) if a.get("route") else None,
            "dose": _quantity(a["dose"], a.get("dose_unit")) if a.get("dose") is not None
            else None,
        })
        yield _clean({
            "resourceType": "MedicationAdministration", "id": f"dose-{i}", "status": "completed",
            "medicationCodeableConcept": _cc(c, "drug", a["drug"], a["drug"]),
            "subject": subject(a), "effectiveDateTime": a["date"].isoformat(),
            "dosage": dosage or None, "extension": _exts(a, ("bsa_m2", "weight_kg")),
        })
    for i, t in enumerate(tables.get("treatments", pl.DataFrame()).iter_rows(named=True), 1):
        period = {"start": t["start_date"].isoformat()}
        if t.get("stop_date"):
            period["end"] = t["stop_date"].isoformat()
        yield _clean({
            "resourceType": "MedicationStatement", "id": f"course-{i}",
            "status": "completed" if t.get("stop_date") else "active",
            "medicationCodeableConcept": _cc(c, "drug", t["drug"], t["drug"]),
            "subject": subject(t), "effectivePeriod": period,
            "statusReason": [{"text": t["stop_reason"]}] if t.get("stop_reason") else None,
        })
    for i, e in enumerate(tables.get("adverse_events", pl.DataFrame()).iter_rows(named=True), 1):
        serious = e.get("serious")
        yield _clean({
            "resourceType": "AdverseEvent", "id": f"ae-{i}", "actuality": "actual",
            "subject": subject(e), "event": {"text": e["term"]},
            "date": e["onset_date"].isoformat(),
            "seriousness": None if serious is None else {"coding": [{
                "system": SERIOUSNESS, "code": "serious" if serious else "non-serious"}]},
            "outcome": {"coding": [{"system": AE_OUTCOME, "code": OUTCOMES[e["outcome"]]}]}
            if e.get("outcome") else None,
            "extension": _exts(e, ("end_date", "pt_code", "soc_code", "grade",
                                   "serious_criteria", "related", "infection")),
        })
    for i, h in enumerate(tables.get("hospitalizations", pl.DataFrame()).iter_rows(named=True), 1):
        period = {"start": h["admit_date"].isoformat()}
        if h.get("discharge_date"):
            period["end"] = h["discharge_date"].isoformat()
        yield _clean({
            "resourceType": "Encounter", "id": f"stay-{i}", "status": "finished",
            "class": {"system": ACT_CODE, "code": "IMP", "display": "inpatient encounter"},
            "type": [_cc(c, "visit", "hospital_stay")], "subject": subject(h),
            "period": period,
            "reasonCode": [{"text": h["reason"]}] if h.get("reason") else None,
            "extension": _exts(h, ("related",)),
        })


def chart_to_fhir(
    tables: dict[str, pl.DataFrame], concepts: Concepts | None = None
) -> list[dict[str, Any]]:
    """The FHIR R4 resources (JSON objects) holding a chart of typed contract tables."""
    typed = {n: typed_chart_table(n, f) for n, f in tables.items() if n in CONTRACT.names}
    return list(_resources(typed, concepts or load_concepts()))


def write_fhir_bundle(
    tables: dict[str, pl.DataFrame], out: str | Path, concepts: Concepts | None = None
) -> Path:
    """Write a chart as one FHIR R4 Bundle (``type: collection``), atomically."""
    entries = [{"fullUrl": f"urn:msrwe:{r['resourceType']}/{r['id']}", "resource": r}
               for r in chart_to_fhir(tables, concepts)]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    return atomic_write_text(out, json.dumps(bundle, indent=1, default=str) + "\n")
