"""Realistic chart errors injected at a known, seeded set of rows, and their manifest.

``dirty=True`` turns every table into text (as a chart export is) and then plants one of each of
the errors a clinic chart typically holds, on distinct rows of distinct patients:

======================  =================  ===================================================
kind                    table.column       example
======================  =================  ===================================================
edss_not_half_step      visits.edss        0.5 and 6.25 (clinical-methods.md 1.1)
decimal_comma           visits.edss        "6,5"
not_a_date              mri.date           31/02/2019; adverse_events.onset_date 2019-13-01
unknown_patient         visits.patient_id  a visit of a patient missing from patients
duplicate_visit         visits.edss        two rows, same patient and date, different EDSS
nhpt_not_positive       visits.nhpt_dominant_s  0
sdmt_out_of_range       visits.sdmt        130
end_before_onset        adverse_events.end_date
stop_before_start       treatments.stop_date
negative_dose           administrations.dose    -12.5
phenotype_not_coded     patients.phenotype "Secondary progressive" (a mapping would recode it)
sex_not_coded           patients.sex       "female"
date_after_death        relapses.onset_date     a relapse after the death of the one deceased
                                                patient (a death_date only in dirty mode)
patient_row_quarantined (every table).patient_id  the rows of the patient whose patients row
                                                holds the two coding errors above: without a
                                                mapping that row is quarantined, and the
                                                importer quarantines that patient's rows too
======================  =================  ===================================================

Both rows of the conflicting duplicate are listed, since the importer cannot tell which is right.
The patient with the coding errors is the one with the fewest rows, to keep the cascade small.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._contract import TABLE_NAMES
from msrwe.synth._rng import stream

__all__ = ["MANIFEST_COLUMNS", "MANIFEST_FILE", "MIN_DIRTY_PATIENTS", "make_dirty", "to_text"]

MANIFEST_FILE = "dirty_manifest.csv"
MANIFEST_COLUMNS: dict[str, pl.DataType] = {
    "table": pl.String(),
    "row_number": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "kind": pl.String(),
}
#: dirty mode places its errors on distinct patients; below this it cannot.
MIN_DIRTY_PATIENTS = 20

_RID = "__row_id"


def to_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, formatted as the CSV writer formats it (nulls stay null).

    Examples
    --------
    >>> import datetime
    >>> f = pl.DataFrame({"d": [datetime.date(2019, 1, 2)], "x": [6.0], "b": [True]})
    >>> to_text(f).row(0)
    ('2019-01-02', '6.0', 'true')
    """
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            expr = col.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean:
            expr = pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
        else:
            expr = col.cast(pl.String)
        out.append(expr.alias(name))
    return frame.select(out)


class _Injector:
    """Keeps the text tables with stable row ids and records what it plants."""

    def __init__(self, tables: dict[str, pl.DataFrame], rng: np.random.Generator) -> None:
        self.rng = rng
        self.tables = {
            name: to_text(frame).with_row_index(_RID).with_columns(pl.col(_RID).cast(pl.Int64))
            for name, frame in tables.items()
        }
        self.next_id = max(f.height for f in self.tables.values()) + 1
        self.entries: list[
            tuple[str, int, str, str, str]
        ] = []  # table, row id, column, value, kind
        self.used: set[tuple[str, int]] = set()
        self.excluded: set[str] = set()

    def pick(self, table: str, where: pl.Expr | None = None) -> int:
        """Row id of a random unused row of a patient not set aside."""
        frame = self.tables[table].filter(~pl.col("patient_id").is_in(sorted(self.excluded)))
        if where is not None:
            frame = frame.filter(where)
        ids = [i for i in frame[_RID].to_list() if (table, i) not in self.used]
        if not ids:  # pragma: no cover - guarded by MIN_DIRTY_PATIENTS
            raise RuntimeError(f"no row of {table} left to place a chart error on")
        rid = ids[int(self.rng.integers(len(ids)))]
        self.used.add((table, rid))
        return rid

    def cell(self, table: str, rid: int, column: str) -> str | None:
        return self.tables[table].filter(pl.col(_RID) == rid)[column][0]

    def set(self, table: str, rid: int, column: str, value: str, kind: str | None) -> None:
        """Write ``value`` into one cell; record it in the manifest unless ``kind`` is None."""
        self.tables[table] = self.tables[table].with_columns(
            pl.when(pl.col(_RID) == rid).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        )
        if kind is not None:
            self.entries.append((table, rid, column, value, kind))

    def insert(self, table: str, pos: int, row: dict[str, str | None]) -> int:
        """Insert a new row at position ``pos`` (0-based); return its row id."""
        new_id = self.next_id
        self.next_id += 1
        frame = self.tables[table]
        new = pl.DataFrame([{**row, _RID: new_id}], schema=frame.schema)
        self.tables[table] = pl.concat([frame.head(pos), new, frame.slice(pos)])
        self.used.add((table, new_id))
        return new_id

    def position(self, table: str, rid: int) -> int:
        """0-based position of row ``rid``."""
        return self.tables[table][_RID].to_list().index(rid)

    def manifest(self) -> pl.DataFrame:
        positions = {
            name: {rid: i + 2 for i, rid in enumerate(frame[_RID].to_list())}
            for name, frame in self.tables.items()
        }
        order = {name: k for k, name in enumerate(TABLE_NAMES)}
        rows = sorted(
            ((t, positions[t][rid], c, v, k) for t, rid, c, v, k in self.entries),
            key=lambda r: (order[r[0]], r[1], r[2]),
        )
        return pl.DataFrame(rows, schema=MANIFEST_COLUMNS, orient="row")


def _day_text(day: int) -> str:
    return str(np.datetime64(int(day), "D"))


def make_dirty(
    tables: dict[str, pl.DataFrame], seed: int
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Plant the chart errors in a clean cohort; return the text tables and the manifest.

    Examples
    --------
    >>> from msrwe.synth._cohort import make_cohort
    >>> tables, manifest = make_dirty(make_cohort(30, seed=4), 4)
    >>> manifest.filter(kind="negative_dose").select("table", "column", "value").row(0)
    ('administrations', 'dose', '-12.5')
    """
    rng = stream(seed, "dirty")
    inj = _Injector(tables, rng)
    ids = tables["patients"]["patient_id"].to_list()

    # the patient with the coding errors: the one with the fewest rows in the other clinical
    # tables (not MRI and biomarkers, so that how those are drawn never moves the chart errors)
    counts = {pid: 0 for pid in ids}
    for name in TABLE_NAMES[1:]:
        if name in ("mri", "biomarkers"):
            continue
        for pid, n in tables[name]["patient_id"].value_counts().iter_rows():
            counts[pid] += n
    typo_pid = min(ids, key=lambda pid: (counts[pid], pid))
    typo_rid = int(tables["patients"]["patient_id"].to_list().index(typo_pid))
    inj.excluded.add(typo_pid)
    inj.set("patients", typo_rid, "sex", "female", "sex_not_coded")
    inj.set("patients", typo_rid, "phenotype", "Secondary progressive", "phenotype_not_coded")
    inj.used.add(("patients", typo_rid))
    for name in TABLE_NAMES[1:]:
        frame = inj.tables[name]
        for rid in frame.filter(pl.col("patient_id") == typo_pid)[_RID].to_list():
            inj.entries.append((name, rid, "patient_id", typo_pid, "patient_row_quarantined"))
            inj.used.add((name, rid))

    # the deceased patient: died after the last charted date; a relapse charted after death
    last: dict[str, int] = {}
    for name in TABLE_NAMES[1:]:
        frame = tables[name]
        date_cols = [c for c, t in frame.schema.items() if t == pl.Date]
        per = frame.group_by("patient_id").agg(
            pl.max_horizontal([pl.col(c).max() for c in date_cols]).alias("last")
        )
        for pid, day in per.iter_rows():
            d = int((np.datetime64(day, "D") - np.datetime64(0, "D")).astype(int))
            last[pid] = max(last.get(pid, d), d)
    candidates = [p for p in ids if p != typo_pid and last.get(p, 0) <= par.DATA_CUTOFF - 400]
    candidates = candidates or [p for p in ids if p != typo_pid]
    dead_pid = candidates[int(rng.integers(len(candidates)))]
    inj.excluded.add(dead_pid)
    death = last[dead_pid] + int(rng.integers(30, 200))
    dead_rid = int(tables["patients"]["patient_id"].to_list().index(dead_pid))
    inj.set("patients", dead_rid, "death_date", _day_text(death), None)
    rel = inj.tables["relapses"]
    pos = int((rel["patient_id"] <= dead_pid).sum())  # the relapses are sorted by patient
    onset = _day_text(death + int(rng.integers(20, 150)))
    new = inj.insert(
        "relapses",
        pos,
        {"patient_id": dead_pid, "onset_date": onset, "confirmed": "true", "steroids": "false"},
    )
    inj.entries.append(("relapses", new, "onset_date", onset, "date_after_death"))

    # visits
    for value in ("0.5", "6.25"):
        inj.set("visits", inj.pick("visits"), "edss", value, "edss_not_half_step")
    inj.set("visits", inj.pick("visits"), "edss", "6,5", "decimal_comma")
    inj.set("mri", inj.pick("mri"), "date", "31/02/2019", "not_a_date")
    rid = inj.pick("visits", pl.col("nhpt_dominant_s").is_not_null())
    inj.set("visits", rid, "nhpt_dominant_s", "0", "nhpt_not_positive")
    rid = inj.pick("visits", pl.col("sdmt").is_not_null())
    inj.set("visits", rid, "sdmt", "130", "sdmt_out_of_range")
    # a duplicate visit with a conflicting EDSS, charted right after the original
    rid = inj.pick("visits", pl.col("edss").cast(pl.Float64, strict=False) < 9.0)
    original = inj.tables["visits"].filter(pl.col(_RID) == rid).drop(_RID).row(0, named=True)
    conflict = f"{float(original['edss']) + 0.5:.1f}"
    dup = inj.insert("visits", inj.position("visits", rid) + 1, {**original, "edss": conflict})
    inj.entries.append(("visits", rid, "edss", original["edss"], "duplicate_visit"))
    inj.entries.append(("visits", dup, "edss", conflict, "duplicate_visit"))
    # a visit of a patient who is not in the patients table, appended at the end
    width = len(ids[0]) - 1
    unknown = f"P{len(ids) + 1 + int(rng.integers(0, 900)):0{width}d}"
    while unknown in counts:  # pragma: no cover - ids are P001..Pn
        unknown += "0"
    template = inj.tables["visits"].filter(pl.col(_RID) == inj.pick("visits")).drop(_RID)
    row = {**template.row(0, named=True), "patient_id": unknown}
    new = inj.insert("visits", inj.tables["visits"].height, row)
    inj.entries.append(("visits", new, "patient_id", unknown, "unknown_patient"))

    # adverse events, treatments, administrations
    rid = inj.pick("adverse_events", pl.col("end_date").is_not_null())
    onset_day = np.datetime64(inj.cell("adverse_events", rid, "onset_date"), "D")
    bad_end = str(onset_day - int(rng.integers(1, 6)))
    inj.set("adverse_events", rid, "end_date", bad_end, "end_before_onset")
    inj.set("adverse_events", inj.pick("adverse_events"), "onset_date", "2019-13-01", "not_a_date")
    rid = inj.pick("treatments", pl.col("stop_date").is_not_null())
    start = np.datetime64(inj.cell("treatments", rid, "start_date"), "D")
    bad_stop = str(start - int(rng.integers(30, 400)))
    inj.set("treatments", rid, "stop_date", bad_stop, "stop_before_start")
    rid = inj.pick("administrations", pl.col("drug") == par.MTX_DRUG)
    inj.set("administrations", rid, "dose", "-12.5", "negative_dose")

    manifest = inj.manifest()
    return {name: inj.tables[name].drop(_RID) for name in TABLE_NAMES}, manifest
