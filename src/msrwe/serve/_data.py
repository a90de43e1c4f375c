"""What the pages read from the store: the paged patient list, one patient's record, events.

Every query is parameterised SQL on a read-only DuckDB connection (one cursor per request).
Which columns a role may see comes from the chart contract's ``Column.privacy``
(interop-privacy.md 5.1), never from a hand-written list. Events come from
:func:`msrwe.detect_events` as they are; the UI only formats its columns.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from msrwe.derive.outcomes.api import detect_events
from msrwe.schema import CONTRACT
from msrwe.store import CHECKED_SCHEMA, connect
from msrwe.store._write import QUARANTINE_PATIENTS

__all__ = ["PAGE_SIZE", "QUALITY_FILTERS", "Cohort", "PatientRecord", "hidden_columns",
           "role_sees_identifiers"]

#: Patients per page of the list.
PAGE_SIZE = 50
#: Sort keys of the list (name -> SQL expression over the list's columns).
SORTS: dict[str, str] = {"id": "shown_id", "phenotype": "phenotype, shown_id",
                         "visits": "n_visits desc, shown_id",
                         "edss": "last_edss desc nulls last, shown_id",
                         "problems": "n_open desc, shown_id"}
#: Event filters of the list.
EVENT_FILTERS: tuple[str, ...] = ("", "any", "PIRA", "RAW", "none")
#: Data-quality filters of the list besides one rule's code: any problem not yet reviewed, or
#: any problem at all.
QUALITY_FILTERS: tuple[str, ...] = ("", "open", "all")
#: A review mark's key: table, file, row number, column, rule (as ``ServeState.reviews``).
ReviewKey = tuple[str, str, int, str, str]


def role_sees_identifiers(role: str) -> bool:
    """Only data managers see patient identifiers; everyone else sees pseudonyms."""
    return role == "data-manager"


def hidden_columns(role: str) -> dict[str, set[str]]:
    """Columns the role may not see, per table, from the contract's privacy classes.

    Viewers see neither identifiers, birth dates nor free text; analysts see free text but no
    identifiers or birth dates; data managers see everything.

    Examples
    --------
    >>> sorted(hidden_columns("viewer")["adverse_events"])
    ['patient_id', 'term']
    >>> hidden_columns("data-manager")["patients"]
    set()
    """
    hide = {"viewer": {"identifier", "birth_date", "free_text"},
            "analyst": {"identifier", "birth_date"}}.get(role, set())
    return {t.name: {c.name for c in t.columns if c.privacy in hide} for t in CONTRACT}


@dataclass
class PatientRecord:
    """One patient's charted rows (already filtered for the role) and the engine's events."""

    shown_id: str
    patient: dict[str, Any]
    tables: dict[str, pl.DataFrame]
    events: pl.DataFrame
    options: dict[str, Any] = field(default_factory=dict)


class Cohort:
    """The store as the web app reads it.

    Parameters
    ----------
    db
        The chart store.
    secret
        The server's secret: pseudonym = HMAC-SHA256(secret, patient_id), first 10 hex digits,
        stable for the server (the secret lives in the state file) and never reversible without it.
    """

    def __init__(self, db: str | Path, secret: bytes) -> None:
        self.db = Path(db)
        self._con: duckdb.DuckDBPyConnection = connect(self.db, read_only=True)
        self._secret = secret
        self._lock = threading.Lock()
        tables = {r[0] for r in self._con.execute("show tables").fetchall()}
        self.tables = tables
        ids = self._con.sql("select patient_id from patients").pl()["patient_id"].to_list() \
            if "patients" in tables else []
        self._pseudo = {pid: self.pseudonym(pid) for pid in ids}
        self._real = {v: k for k, v in self._pseudo.items()}
        self._summary: pl.DataFrame | None = None
        self._problems: pl.DataFrame | None = None
        self.linked = bool(self._con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?", [CHECKED_SCHEMA, QUARANTINE_PATIENTS]).fetchall()[0][0])

    def close(self) -> None:
        """Close the store connection."""
        self._con.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request (DuckDB cursors are safe to use from one thread each)."""
        return self._con.cursor()

    def pseudonym(self, patient_id: str) -> str:
        """The patient's pseudonym on this server."""
        digest = hmac.new(self._secret, patient_id.encode(), hashlib.sha256).hexdigest()
        return "S-" + digest[:10]

    def resolve(self, shown_id: str, role: str) -> str | None:
        """The real patient ID behind an ID shown to ``role``, or ``None`` if there is none."""
        if role_sees_identifiers(role):
            return shown_id if shown_id in self._pseudo else None
        return self._real.get(shown_id)

    # the list -------------------------------------------------------------------------------
    def _patient_summary(self) -> pl.DataFrame:
        """Per patient: events with the default options (computed once, cached)."""
        with self._lock:
            if self._summary is None:
                cur = self.cursor()
                visits = cur.sql("select patient_id, date, edss from visits where edss is not null"
                                 ).pl() if "visits" in self.tables else None
                relapses = (cur.sql("select patient_id, onset_date from relapses").pl()
                            if "relapses" in self.tables else None)
                rows = pl.DataFrame({"patient_id": list(self._pseudo),
                                     "pseudonym": list(self._pseudo.values())})
                if visits is not None and visits.height:
                    ev = detect_events(visits, relapses, event="multiple", RAW_PIRA=True).events
                    ev = ev.filter(pl.col("event_type") == "CDW").group_by("patient_id").agg(
                        n_cdw=pl.len(), n_pira=(pl.col("cdw_type") == "PIRA").sum(),
                        n_raw=(pl.col("cdw_type") == "RAW").sum())
                    rows = rows.join(ev, on="patient_id", how="left")
                else:
                    rows = rows.with_columns(n_cdw=pl.lit(0), n_pira=pl.lit(0), n_raw=pl.lit(0))
                self._summary = rows.with_columns(pl.col("n_cdw", "n_pira", "n_raw")
                                                  .fill_null(0).cast(pl.Int64))
            return self._summary

    def problems(self) -> pl.DataFrame:
        """Every quarantine row with the patient its raw ``patient_id`` names (cached).

        The patient comes from the store's ``quarantine_patients`` (written at import,
        :mod:`msrwe.io._links`); a store imported before it existed, or a row it does not link,
        falls back to the row's own value when the problem is in the ``patient_id`` column.
        Columns: table_name, file, row_number, column_name, value, rule, message, patient_id.
        """
        with self._lock:
            if self._problems is None:
                if "quarantine" not in self.tables:
                    self._problems = pl.DataFrame(schema={
                        "table_name": pl.String, "file": pl.String, "row_number": pl.Int64,
                        "column_name": pl.String, "value": pl.String, "rule": pl.String,
                        "message": pl.String, "patient_id": pl.String})
                else:
                    own = "case when q.column_name = 'patient_id' then q.value end"
                    link = (f"left join {CHECKED_SCHEMA}.{QUARANTINE_PATIENTS} l "
                            "using (table_name, file, row_number)" if self.linked else "")
                    pid = f"coalesce(l.patient_id, {own})" if self.linked else own
                    cur = self.cursor()
                    self._problems = cur.sql(
                        "select q.table_name, q.file, q.row_number, q.column_name, q.value, "
                        f"q.rule, q.message, {pid} as patient_id from quarantine q {link} "
                        "order by q.rule, patient_id nulls last, q.file, q.row_number").pl()
                    cur.close()
            return self._problems

    def open_problems(self, reviews: dict[ReviewKey, Any]) -> pl.DataFrame:
        """Per problem of a patient in the store: ``patient_id``, ``rule``, ``open``.

        ``open`` is true while the problem has no review mark. Problems of rows whose patient is
        not in the store (``unknown_patient``) or has no ID are left out: they have no patient
        to list.
        """
        probs = self.problems().filter(pl.col("patient_id").is_in(list(self._pseudo)))
        done = pl.DataFrame([list(k) for k in reviews], schema={
            "table_name": pl.String, "file": pl.String, "row_number": pl.Int64,
            "column_name": pl.String, "rule": pl.String}, orient="row")
        keyed = probs.with_columns(pl.col("row_number").fill_null(0),
                                   pl.col("column_name").fill_null(""))
        keys = ["table_name", "file", "row_number", "column_name", "rule"]
        reviewed = keyed.join(done.with_columns(pl.lit(True).alias("reviewed")), on=keys,
                              how="left", nulls_equal=True)
        return reviewed.select("patient_id", "rule",
                               pl.col("reviewed").is_null().alias("open"))

    def quality_rules(self) -> list[str]:
        """The rules of the quarantine's problems, for the list's filter."""
        return sorted(set(self.problems()["rule"].drop_nulls().to_list()))

    def choices(self) -> dict[str, list[str]]:
        """Values offered by the list's filters."""
        cur = self.cursor()
        out: dict[str, list[str]] = {"phenotype": [], "drug": []}
        if "patients" in self.tables:
            out["phenotype"] = [r[0] for r in cur.execute(
                "select distinct phenotype from patients where phenotype is not null order by 1"
            ).fetchall()]
        if "treatments" in self.tables:
            out["drug"] = [r[0] for r in cur.execute(
                "select distinct drug from treatments where drug is not null order by 1"
            ).fetchall()]
        return out

    def patient_page(self, role: str, *, phenotype: str = "", drug: str = "", event: str = "",
                     search: str = "", sort: str = "id", page: int = 1, quality: str = "",
                     reviews: dict[ReviewKey, Any] | None = None
                     ) -> tuple[list[dict[str, Any]], int]:
        """One page of the patient list and the number of patients matching the filters.

        ``quality`` is ``open`` (a problem not yet reviewed), ``all`` (any problem) or a rule's
        code (a problem of that rule not yet reviewed); ``reviews`` are the review marks. The
        filter and the ``n_open`` column only count; what a row shows is the same as without
        them (a pseudonym for viewers and analysts).
        """
        if "patients" not in self.tables:
            return [], 0
        cur = self.cursor()
        cur.register("msrwe_serve_summary", self._patient_summary().to_arrow())
        probs = self.open_problems(reviews or {})
        cur.register("msrwe_serve_problems", probs.to_arrow())
        shown = "p.patient_id" if role_sees_identifiers(role) else "s.pseudonym"
        has_visits = "visits" in self.tables
        visit_sql = ("(select patient_id, count(*) n_visits, arg_max(edss, date) "
                     "filter (where edss is not null) last_edss from visits group by 1)"
                     if has_visits else
                     "(select null::text patient_id, 0 n_visits, null::double last_edss)")
        where, params = ["true"], []
        if phenotype:
            where.append("p.phenotype = ?")
            params.append(phenotype)
        if drug and "treatments" in self.tables:
            where.append("p.patient_id in (select patient_id from treatments where drug = ?)")
            params.append(drug)
        if event == "any":
            where.append("s.n_cdw > 0")
        elif event == "PIRA":
            where.append("s.n_pira > 0")
        elif event == "RAW":
            where.append("s.n_raw > 0")
        elif event == "none":
            where.append("coalesce(s.n_cdw, 0) = 0")
        if quality == "open":
            where.append("p.patient_id in (select patient_id from msrwe_serve_problems "
                         "where open)")
        elif quality == "all":
            where.append("p.patient_id in (select patient_id from msrwe_serve_problems)")
        elif quality:
            where.append("p.patient_id in (select patient_id from msrwe_serve_problems "
                         "where open and rule = ?)")
            params.append(quality)
        if search:
            where.append(f"contains(lower({shown}), lower(?))")
            params.append(search)
        base = (f"select {shown} as shown_id, p.phenotype, coalesce(v.n_visits, 0) n_visits, "
                f"v.last_edss, coalesce(s.n_cdw, 0) n_cdw, coalesce(s.n_pira, 0) n_pira, "
                f"coalesce(s.n_raw, 0) n_raw, coalesce(o.n_open, 0) n_open from patients p "
                f"left join msrwe_serve_summary s on s.patient_id = p.patient_id "
                f"left join (select patient_id, count(*) filter (where open) n_open "
                f"from msrwe_serve_problems group by 1) o on o.patient_id = p.patient_id "
                f"left join {visit_sql} v on v.patient_id = p.patient_id "
                f"where {' and '.join(where)}")
        total = cur.execute(f"select count(*) from ({base})", params).fetchone()[0]
        order = SORTS.get(sort, SORTS["id"])
        page = max(1, page)
        offset = (page - 1) * PAGE_SIZE
        rows = cur.execute(f"{base} order by {order} limit {PAGE_SIZE} offset {offset}",
                           params).fetchall()
        names = ["shown_id", "phenotype", "n_visits", "last_edss", "n_cdw", "n_pira", "n_raw",
                 "n_open"]
        cur.close()
        return [dict(zip(names, r, strict=True)) for r in rows], int(total)

    # one patient ----------------------------------------------------------------------------
    def patient(self, patient_id: str, role: str, *, baseline: str = "fixed",
                conf_weeks: int = 12) -> PatientRecord:
        """Everything the timeline shows for one patient, with the engine's events.

        ``baseline`` (``fixed``/``roving``) and ``conf_weeks`` (12/24) are passed to
        :func:`msrwe.detect_events` (``conf_days`` = 84 or 168), which runs for this patient only.
        """
        hidden = hidden_columns(role)
        cur = self.cursor()
        tables: dict[str, pl.DataFrame] = {}
        for t in CONTRACT:
            if t.name not in self.tables or t.name == "patients":
                continue
            df = cur.sql(f'select * from "{t.name}" where patient_id = ?',
                         params=[patient_id]).pl()
            tables[t.name] = df.drop([c for c in hidden.get(t.name, ()) if c in df.columns])
        prow = cur.sql("select * from patients where patient_id = ?", params=[patient_id]).pl()
        patient = {k: v for k, v in (prow.row(0, named=True) if prow.height else {}).items()
                   if k not in hidden.get("patients", set())}
        cur.close()
        options = {"baseline": baseline, "conf_days": 84 if conf_weeks == 12 else 168,
                   "event": "multiple", "RAW_PIRA": True}
        visits = tables.get("visits")
        if visits is not None and "edss" in visits.columns and visits["edss"].drop_nulls().len():
            v = visits.select(pl.lit(patient_id).alias("patient_id"), "date", "edss"
                              ).drop_nulls("edss")
            rel = tables.get("relapses")
            r = (rel.select(pl.lit(patient_id).alias("patient_id"), "onset_date")
                 if rel is not None and rel.height else None)
            events = detect_events(v, r, **options).events.drop("patient_id")
        else:
            events = pl.DataFrame()
        shown = patient_id if role_sees_identifiers(role) else self._pseudo.get(patient_id, "")
        return PatientRecord(shown, patient, tables, events, options)
