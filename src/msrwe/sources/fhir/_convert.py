"""Parsed FHIR resources -> chart tables as text, with the resource each row came from.

The reverse of :mod:`msrwe.sources.fhir._export`. Observations of one patient and day (EDSS with
FS components, T25FW, 9HPT, SDMT) make one visit; two different values of one item on the same
day quarantine the visit, naming both resources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

from msrwe.io import ORIGIN, SOURCE_ROW
from msrwe.schema import CONTRACT
from msrwe.sources.fhir._codes import code_index, extension_values
from msrwe.sources.fhir._export import GENDER, OUTCOMES, PATIENT_ID_SYSTEM
from msrwe.sources.fhir._read import FhirRecord
from msrwe.sources.omop import Concepts
from msrwe.sources.omop._layout import MEASURES

__all__ = ["FhirConverted", "fhir_to_chart"]

_SEX = {v: k for k, v in GENDER.items()}
_OUTCOME = {v: k for k, v in OUTCOMES.items()}
_INVALID_TABLE = {"Patient": "patients", "Condition": "relapses", "Observation": "visits",
                  "MedicationAdministration": "administrations",
                  "MedicationStatement": "treatments", "AdverseEvent": "adverse_events",
                  "Encounter": "hospitalizations"}


@dataclass(frozen=True)
class FhirConverted:
    """Chart frames, which records each row used, every record, and problems found."""

    frames: dict[str, pl.DataFrame]
    feeds: dict[str, pl.DataFrame]
    records: pl.DataFrame
    flags: dict[str, pl.DataFrame]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _codes(concept: Any) -> list[tuple[str, str]]:
    if concept is None:
        return []
    return [(str(cd.system), str(cd.code)) for cd in (concept.coding or [])]


def _find(concept: Any, index: dict[tuple[str, str], str]) -> str | None:
    return next((index[k] for k in _codes(concept) if k in index), None)


def _number(q: Any) -> str | None:
    return _text(getattr(q, "value", None)) if q is not None else None


class _Builder:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.feeds: dict[str, list[tuple[int, int]]] = {}
        self.flags: dict[str, list[dict[str, Any]]] = {}

    def add(self, table: str, row: dict[str, Any], label: str, records: list[int]) -> int:
        rows = self.rows.setdefault(table, [])
        row[ORIGIN] = label
        row[SOURCE_ROW] = records[0] + 1
        rows.append(row)
        index = len(rows) - 1
        self.feeds.setdefault(table, []).extend((index, r) for r in records)
        return index

    def flag(self, table: str, index: int, column: str | None, value: str | None, rule: str,
             message: str, severity: str = "quarantine") -> None:
        self.flags.setdefault(table, []).append({
            "index": index, "column_name": column, "value": value, "rule": rule,
            "message": message, "severity": severity})


def fhir_to_chart(records: list[FhirRecord], c: Concepts) -> FhirConverted:
    """Turn parsed resources into chart frames (text cells, contract column names)."""
    b = _Builder()
    meas = code_index(c, "measurement")
    cond = code_index(c, "condition")
    obs_codes = code_index(c, "observation")
    drugs = code_index(c, "drug")
    routes = code_index(c, "route")
    patient_of: dict[str, str] = {}
    for r in records:
        if r.kind == "Patient" and r.resource is not None:
            ident = next((i.value for i in (r.resource.identifier or [])
                          if i.system == PATIENT_ID_SYSTEM), None)
            patient_of[f"Patient/{r.resource.id}"] = ident or str(r.resource.id)

    def who(res: Any) -> str | None:
        ref = getattr(getattr(res, "subject", None), "reference", None)
        return patient_of.get(ref, ref) if ref else None

    ms: dict[str, tuple[dict[str, Any], int]] = {}
    visits: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    order = sorted(range(len(records)), key=lambda k: records[k].kind != "Patient")
    for n in order:  # patients first: a Bulk Data folder may list Condition.ndjson before them
        r = records[n]
        res = r.resource
        if r.problem is not None:
            table = _INVALID_TABLE[r.kind]
            subject = (r.raw.get("subject") or {}) if isinstance(r.raw.get("subject"), dict) \
                else {}
            ref = subject.get("reference")
            pid = patient_of.get(ref, ref) if r.kind != "Patient" else None
            i = b.add(table, {"patient_id": pid}, r.label, [n])
            b.flag(table, i, None, None, "fhir_invalid",
                   f"not a valid FHIR R4 {r.kind}: {r.problem}")
            continue
        if res is None:
            continue
        if r.kind == "Patient":
            ext = extension_values(res)
            row = {"patient_id": patient_of[f"Patient/{res.id}"],
                   "sex": _SEX.get(str(res.gender)) if res.gender else None,
                   "birth_date": _text(res.birthDate),
                   "death_date": _text(getattr(res, "deceasedDateTime", None)),
                   "site": ext.get("site")}
            ms[row["patient_id"]] = (row, b.add("patients", row, r.label, [n]))
        elif r.kind == "Condition":
            what = _find(res.code, cond)
            if what == "ms":
                p = ms.get(who(res) or "")
                if p is None:
                    continue
                row, i = p
                stage = res.stage[0].summary if res.stage else None
                row.update({"ms_onset_date": _text(res.onsetDateTime),
                            "diagnosis_date": _text(res.recordedDate),
                            "phenotype": _codes(stage)[0][1] if _codes(stage) else None,
                            "spms_conversion_date": extension_values(res).get(
                                "spms_conversion_date")})
                b.feeds["patients"].append((i, n))
                row[ORIGIN] += f", {r.label}"
            elif what == "relapse":
                status = _codes(res.verificationStatus)
                confirmed = None if not status else _text(status[0][1] == "confirmed")
                b.add("relapses", {"patient_id": who(res), "onset_date": _text(res.onsetDateTime),
                                   "confirmed": confirmed,
                                   "steroids": extension_values(res).get("steroids")},
                      r.label, [n])
        elif r.kind == "Observation":
            day = _text(res.effectiveDateTime)
            code = _find(res.code, meas)
            if code == "biomarker":
                q = res.valueQuantity
                b.add("biomarkers", {"patient_id": who(res), "date": day,
                                     "marker": res.code.text, "value": _number(q),
                                     "unit": q.unit if q is not None else None}, r.label, [n])
                continue
            if _find(res.code, obs_codes) == "mri_scan":
                row = {"patient_id": who(res), "date": day}
                for comp in res.component or []:
                    col = _find(comp.code, meas)
                    if col in MEASURES["mri"]:
                        row[col] = _number(comp.valueQuantity)
                b.add("mri", row, r.label, [n])
                continue
            cells: dict[str, str | None] = {}
            if code in MEASURES["visits"]:
                cells[code] = _number(res.valueQuantity)
                if code == "edss":
                    cells["scheduled"] = extension_values(res).get("scheduled")
            for comp in res.component or []:
                col = _find(comp.code, meas)
                if col in MEASURES["visits"]:
                    cells[col] = _number(comp.valueQuantity)
            if not cells and code is None:
                continue
            v = visits.setdefault((who(res), day), {"cells": {}, "records": [], "labels": []})
            v["records"].append(n)
            v["labels"].append(r.label)
            for col, value in cells.items():
                if col == "edss" and value is None:
                    continue
                old = v["cells"].get(col)
                if old is not None and old[0] != value:
                    v.setdefault("clash", []).append((col, value, old[1], r.label))
                elif old is None:
                    v["cells"][col] = (value, r.label)
        elif r.kind == "MedicationAdministration":
            dose = res.dosage
            q = dose.dose if dose is not None else None
            ext = extension_values(res)
            route = dose.route if dose is not None else None
            b.add("administrations", {
                "patient_id": who(res), "date": _text(res.effectiveDateTime),
                "drug": _find(res.medicationCodeableConcept, drugs)
                or (res.medicationCodeableConcept.text or "").lower() or None,
                "route": (_find(route, routes) or route.text) if route is not None else None,
                "dose": _number(q), "dose_unit": q.unit if q is not None else None,
                "bsa_m2": ext.get("bsa_m2"), "weight_kg": ext.get("weight_kg")}, r.label, [n])
        elif r.kind == "MedicationStatement":
            period = res.effectivePeriod
            b.add("treatments", {
                "patient_id": who(res),
                "drug": _find(res.medicationCodeableConcept, drugs)
                or (res.medicationCodeableConcept.text or "").lower() or None,
                "start_date": _text(period.start) if period else _text(res.effectiveDateTime),
                "stop_date": _text(period.end) if period else None,
                "stop_reason": res.statusReason[0].text if res.statusReason else None},
                r.label, [n])
        elif r.kind == "AdverseEvent":
            ext = extension_values(res)
            serious = _codes(res.seriousness)
            outcome = _codes(res.outcome)
            b.add("adverse_events", {
                "patient_id": who(res), "onset_date": _text(res.date),
                "term": res.event.text if res.event else None,
                "serious": _text(serious[0][1] == "serious") if serious else None,
                "outcome": _OUTCOME.get(outcome[0][1], outcome[0][1]) if outcome else None,
                **{k: ext.get(k) for k in ("end_date", "pt_code", "soc_code", "grade",
                                           "serious_criteria", "related", "infection")}},
                r.label, [n])
        elif r.kind == "Encounter":
            period = res.period
            b.add("hospitalizations", {
                "patient_id": who(res),
                "admit_date": _text(period.start) if period else None,
                "discharge_date": _text(period.end) if period else None,
                "reason": res.reasonCode[0].text if res.reasonCode else None,
                "related": extension_values(res).get("related")}, r.label, [n])
    for (pid, day), v in sorted(visits.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        row = {"patient_id": pid, "date": day, **{k: val[0] for k, val in v["cells"].items()}}
        i = b.add("visits", row, f"visit of {day}: " + ", ".join(v["labels"]),
                  v["records"])
        for col, value, first, second in v.get("clash", []):
            b.flag("visits", i, col, value, "fhir_conflicting_values",
                   f"{first} and {second} give different values of this item on the same day")
    frames: dict[str, pl.DataFrame] = {}
    for table, rows in b.rows.items():
        cols = [col.name for col in CONTRACT[table].columns]
        frames[table] = pl.DataFrame(
            {**{col: [r.get(col) for r in rows] for col in cols},
             ORIGIN: [r[ORIGIN] for r in rows], SOURCE_ROW: [r[SOURCE_ROW] for r in rows]},
            schema={**dict.fromkeys(cols, pl.String), ORIGIN: pl.String, SOURCE_ROW: pl.Int64})
    if "patients" not in frames:
        frames["patients"] = pl.DataFrame(schema={"patient_id": pl.String})
    feeds = {t: pl.DataFrame(f, schema={"index": pl.Int64, "record": pl.Int64}, orient="row")
             for t, f in b.feeds.items()}
    flags = {t: pl.DataFrame(f, schema={"index": pl.Int64, "column_name": pl.String,
                                        "value": pl.String, "rule": pl.String,
                                        "message": pl.String, "severity": pl.String})
             for t, f in b.flags.items()}
    records_frame = pl.DataFrame({"record": list(range(len(records))),
                                  "source": [r.kind for r in records]},
                                 schema={"record": pl.Int64, "source": pl.String})
    return FhirConverted(frames, feeds, records_frame, flags)
