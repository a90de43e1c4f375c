r"""Chart tables -> OMOP CDM 5.4 tables (``msrwe export-omop``, ``msrwe synth --format omop``).

The layout is :mod:`msrwe.sources.omop._layout`'s; concept ids come from the concept file
(:func:`msrwe.sources.omop.load_concepts`). The OMOP ``person_source_value`` carries the chart's
patient id, as an OMOP database kept inside a hospital does; de-identify the store first
(``msrwe export --deidentify``) before the database leaves the hospital.

Examples
--------
>>> import polars as pl, datetime as dt
>>> chart = {"patients": pl.DataFrame({"patient_id": ["P1"], "sex": ["F"],
...                                   "birth_date": [dt.date(1970, 3, 2)]})}
>>> omop = chart_to_omop(chart)
>>> omop["person"].select("person_id", "gender_concept_id", "year_of_birth").row(0)
(1, 8532, 1970)
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from msrwe._atomic import atomic_path
from msrwe.errors import InputError
from msrwe.schema import CONTRACT
from msrwe.sources.omop._cdm import CDM, create_sql
from msrwe.sources.omop._concepts import Concepts, load_concepts
from msrwe.sources.omop._layout import ANCHORS, DETAILS, MEASURES, PATIENT_OBSERVATIONS

__all__ = ["chart_to_omop", "export_omop", "fill_cdm", "typed_chart_table", "write_omop_duckdb"]

_INT = pl.Int64


def _text(col: str) -> pl.Expr:
    """A chart value as the text the importer reads back."""
    return pl.col(col).cast(pl.String)


class _Ids:
    """Running ids per CDM table."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str, n: int) -> pl.Series:
        start = self.next.get(table, 1)
        self.next[table] = start + n
        return pl.Series(f"{table}_id", range(start, start + n), dtype=_INT)


def _details(frame: pl.DataFrame, ids: pl.Series, dates: str, cols: tuple[str, ...],
             anchor_table: str, c: Concepts, table: str) -> list[pl.DataFrame]:
    """One detail observation per non-empty cell of ``cols``."""
    out = []
    base = frame.with_columns(ids.alias("__event"))
    for col in cols:
        if col not in frame.columns:
            continue
        dtype = CONTRACT[table].column(col).dtype
        numeric = dtype in ("number", "integer")
        part = base.filter(pl.col(col).is_not_null()).select(
            "person_id",
            pl.lit(c.id("observation", "detail"), dtype=_INT).alias("observation_concept_id"),
            pl.col(dates).alias("observation_date"),
            (pl.col(col).cast(pl.Float64) if numeric else pl.lit(None, pl.Float64))
            .alias("value_as_number"),
            (pl.lit(None, pl.String) if numeric else _text(col).str.slice(0, 60))
            .alias("value_as_string"),
            pl.lit(col).alias("observation_source_value"),
            pl.col("__event").alias("observation_event_id"),
            pl.lit(c.id("field", anchor_table), dtype=_INT).alias("obs_event_field_concept_id"),
        )
        out.append(part)
    return out


def chart_to_omop(
    tables: dict[str, pl.DataFrame], concepts: Concepts | None = None
) -> dict[str, pl.DataFrame]:
    """The OMOP CDM 5.4 rows holding a chart (typed contract tables, as the store holds them).

    Parameters
    ----------
    tables
        Chart table -> rows (``patients`` required).
    concepts
        The concept file (default: msrwe's own).

    Returns
    -------
    dict of str to polars.DataFrame
        CDM table -> rows (the columns msrwe fills; the rest are NULL when written).

    Raises
    ------
    InputError
        When a patient has no birth date (OMOP requires ``year_of_birth``).
    """
    c = concepts or load_concepts()
    tables = {n: typed_chart_table(n, f) for n, f in tables.items() if n in CONTRACT.names}
    ids = _Ids()
    chart_type = c.id("type", "chart")
    patients = tables["patients"]
    no_birth = patients.filter(pl.col("birth_date").is_null()).height
    if no_birth:
        raise InputError(f"{no_birth} patient(s) have no birth date; OMOP's person table "
                         "requires year_of_birth, so the chart cannot be written as OMOP until "
                         "they have one")
    pid = ids.take("person", patients.height)
    people = patients.with_columns(pid.alias("person_id"))
    key = people.select("patient_id", "person_id")
    genders = {k: v for k, (v, _) in c.entries["gender"].items()}
    person = people.select(
        "person_id",
        pl.col("sex").replace_strict(genders, default=0, return_dtype=_INT)
        .alias("gender_concept_id"),
        pl.col("birth_date").dt.year().cast(_INT).alias("year_of_birth"),
        pl.col("birth_date").dt.month().cast(_INT).alias("month_of_birth"),
        pl.col("birth_date").dt.day().cast(_INT).alias("day_of_birth"),
        pl.lit(0, _INT).alias("race_concept_id"),
        pl.lit(0, _INT).alias("ethnicity_concept_id"),
        pl.col("patient_id").alias("person_source_value"),
        pl.col("sex").alias("gender_source_value"),
    )

    def joined(name: str) -> pl.DataFrame:
        return tables[name].join(key, on="patient_id", how="inner", maintain_order="left")

    present = {n: joined(n) for n in tables if n != "patients" and tables[n].height}
    conditions: list[pl.DataFrame] = []
    drugs: list[pl.DataFrame] = []
    visits_occ: list[pl.DataFrame] = []
    observations: list[pl.DataFrame] = []
    measurements: list[pl.DataFrame] = []

    ms = people.filter(pl.col("diagnosis_date").is_not_null())
    conditions.append(ms.select(
        "person_id", pl.lit(c.id("condition", "ms"), _INT).alias("condition_concept_id"),
        pl.col("diagnosis_date").alias("condition_start_date"),
        pl.lit(None, pl.Date).alias("condition_end_date"),
        pl.lit(c.source("condition", "ms")).alias("condition_source_value"),
    ).with_columns(ids.take("condition_occurrence", ms.height)))
    for col, concept in PATIENT_OBSERVATIONS.items():
        rows = people.filter(pl.col(col).is_not_null())
        is_date = CONTRACT["patients"].column(col).dtype == "date"
        date = pl.col(col) if is_date else pl.coalesce(
            "diagnosis_date", "ms_onset_date", "birth_date")
        observations.append(rows.select(
            "person_id", pl.lit(c.id("observation", concept), _INT)
            .alias("observation_concept_id"),
            date.alias("observation_date"),
            pl.lit(None, pl.Float64).alias("value_as_number"),
            (pl.lit(None, pl.String) if is_date else _text(col)).alias("value_as_string"),
            pl.lit(c.source("observation", concept)).alias("observation_source_value"),
        ))

    for name, anchor in ANCHORS.items():
        if name not in present:
            continue
        rows = present[name]
        aid = ids.take("observation", rows.height)
        extra = _text("scheduled") if "scheduled" in rows.columns else pl.lit(None, pl.String)
        observations.append(rows.select(
            "person_id", pl.lit(c.id("observation", anchor), _INT)
            .alias("observation_concept_id"),
            pl.col("date").alias("observation_date"),
            pl.lit(None, pl.Float64).alias("value_as_number"),
            extra.alias("value_as_string"),
            pl.lit(c.source("observation", anchor)).alias("observation_source_value"),
        ).with_columns(aid.alias("observation_id")))
        with_id = rows.with_columns(aid.alias("__event"))
        for col in MEASURES[name]:
            part = with_id.filter(pl.col(col).is_not_null())
            measurements.append(part.select(
                "person_id",
                pl.lit(c.id("measurement", col), _INT).alias("measurement_concept_id"),
                pl.col("date").alias("measurement_date"),
                pl.col(col).cast(pl.Float64).alias("value_as_number"),
                pl.lit(c.source("measurement", col)).alias("measurement_source_value"),
                pl.lit(None, pl.String).alias("unit_source_value"),
                pl.col("__event").alias("measurement_event_id"),
                pl.lit(c.id("field", "observation"), _INT).alias("meas_event_field_concept_id"),
            ))
    if "biomarkers" in present:
        rows = present["biomarkers"]
        measurements.append(rows.select(
            "person_id", pl.lit(c.id("measurement", "biomarker"), _INT)
            .alias("measurement_concept_id"),
            pl.col("date").alias("measurement_date"),
            pl.col("value").cast(pl.Float64).alias("value_as_number"),
            pl.col("marker").alias("measurement_source_value"),
            pl.col("unit").alias("unit_source_value"),
            pl.lit(None, _INT).alias("measurement_event_id"),
            pl.lit(None, _INT).alias("meas_event_field_concept_id"),
        ))

    for name, concept, start, end, source in (
        ("relapses", "relapse", "onset_date", None, None),
        ("adverse_events", "adverse_event", "onset_date", "end_date", "term"),
    ):
        if name not in present:
            continue
        rows = present[name]
        cid = ids.take("condition_occurrence", rows.height)
        conditions.append(rows.select(
            "person_id", pl.lit(c.id("condition", concept), _INT).alias("condition_concept_id"),
            pl.col(start).alias("condition_start_date"),
            (pl.col(end) if end else pl.lit(None, pl.Date)).alias("condition_end_date"),
            (pl.col(source).str.slice(0, 50) if source
             else pl.lit(c.source("condition", concept))).alias("condition_source_value"),
        ).with_columns(cid))
        observations.extend(_details(rows, cid, start, DETAILS[name][1],
                                     "condition_occurrence", c, name))

    drug_ids = {k: v for k, (v, _) in c.entries["drug"].items()}
    route_ids = {k: v for k, (v, _) in c.entries["route"].items()}
    if "administrations" in present:
        rows = present["administrations"]
        did = ids.take("drug_exposure", rows.height)
        drugs.append(rows.select(
            "person_id",
            pl.col("drug").replace_strict(drug_ids, default=0, return_dtype=_INT)
            .alias("drug_concept_id"),
            pl.col("date").alias("drug_exposure_start_date"),
            pl.col("date").alias("drug_exposure_end_date"),
            pl.lit(None, pl.Date).alias("verbatim_end_date"),
            pl.lit(c.id("type", "administration"), _INT).alias("drug_type_concept_id"),
            pl.lit(None, pl.String).alias("stop_reason"),
            pl.col("dose").cast(pl.Float64).alias("quantity"),
            pl.col("route").replace_strict(route_ids, default=None, return_dtype=_INT)
            .alias("route_concept_id"),
            pl.col("drug").alias("drug_source_value"),
            pl.col("route").alias("route_source_value"),
            pl.col("dose_unit").alias("dose_unit_source_value"),
        ).with_columns(did))
        observations.extend(_details(rows, did, "date", DETAILS["administrations"][1],
                                     "drug_exposure", c, "administrations"))
    if "treatments" in present:
        rows = present["treatments"]
        drugs.append(rows.select(
            "person_id",
            pl.col("drug").replace_strict(drug_ids, default=0, return_dtype=_INT)
            .alias("drug_concept_id"),
            pl.col("start_date").alias("drug_exposure_start_date"),
            pl.coalesce("stop_date", "start_date").alias("drug_exposure_end_date"),
            pl.col("stop_date").alias("verbatim_end_date"),
            pl.lit(c.id("type", "treatment_course"), _INT).alias("drug_type_concept_id"),
            pl.col("stop_reason").alias("stop_reason"),
            pl.lit(None, pl.Float64).alias("quantity"),
            pl.lit(None, _INT).alias("route_concept_id"),
            pl.col("drug").alias("drug_source_value"),
            pl.lit(None, pl.String).alias("route_source_value"),
            pl.lit(None, pl.String).alias("dose_unit_source_value"),
        ).with_columns(ids.take("drug_exposure", rows.height)))
    if "hospitalizations" in present:
        rows = present["hospitalizations"]
        vid = ids.take("visit_occurrence", rows.height)
        visits_occ.append(rows.select(
            "person_id", pl.lit(c.id("visit", "hospital_stay"), _INT).alias("visit_concept_id"),
            pl.col("admit_date").alias("visit_start_date"),
            pl.coalesce("discharge_date", "admit_date").alias("visit_end_date"),
            pl.lit(chart_type, _INT).alias("visit_type_concept_id"),
            pl.lit(c.source("visit", "hospital_stay")).alias("visit_source_value"),
        ).with_columns(vid))
        open_end = rows.with_columns(
            pl.when(pl.col("discharge_date").is_null()).then(pl.lit("unknown"))
            .alias("discharge_date"))
        observations.extend(_details(open_end, vid, "admit_date",
                                     (*DETAILS["hospitalizations"][1], "discharge_date"),
                                     "visit_occurrence", c, "hospitalizations"))

    out: dict[str, pl.DataFrame] = {"person": person}
    out["observation_period"] = _periods(people, present)
    out["death"] = people.filter(pl.col("death_date").is_not_null()).select(
        "person_id", "death_date", pl.lit(chart_type, _INT).alias("death_type_concept_id"))
    out["condition_occurrence"] = _stack(conditions, "condition_occurrence", ids).with_columns(
        pl.lit(chart_type, _INT).alias("condition_type_concept_id"))
    out["drug_exposure"] = _stack(drugs, "drug_exposure", ids)
    out["visit_occurrence"] = _stack(visits_occ, "visit_occurrence", ids)
    obs = [o.with_columns(pl.lit(None, _INT).alias("observation_event_id"),
                          pl.lit(None, _INT).alias("obs_event_field_concept_id"))
           if "observation_event_id" not in o.columns else o for o in observations]
    obs = [o if "observation_id" in o.columns else o.with_columns(
        pl.lit(None, _INT).alias("observation_id")) for o in obs]
    out["observation"] = _stack(obs, "observation", ids).with_columns(
        pl.lit(chart_type, _INT).alias("observation_type_concept_id"))
    out["measurement"] = _stack(measurements, "measurement", ids).with_columns(
        pl.lit(chart_type, _INT).alias("measurement_type_concept_id"))
    return out


_POLARS = {"text": pl.String, "date": pl.Date, "number": pl.Float64, "integer": _INT,
           "boolean": pl.Boolean}


def typed_chart_table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The contract's columns typed as the store types them (a missing one empty)."""
    return frame.with_columns([
        pl.col(col.name).cast(_POLARS[col.dtype]) if col.name in frame.columns
        else pl.lit(None, _POLARS[col.dtype]).alias(col.name)
        for col in CONTRACT[name].columns])


def _stack(parts: list[pl.DataFrame], table: str, ids: _Ids) -> pl.DataFrame:
    """Concatenate, giving an id to every row that has none yet."""
    key = CDM[table].key or ""
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame(schema={"person_id": _INT, key: _INT})
    cols = list(dict.fromkeys(col for p in parts for col in p.columns))
    frame = pl.concat([p.select([pl.col(col) if col in p.columns else pl.lit(None).alias(col)
                                 for col in cols]) for p in parts], how="vertical_relaxed")
    if key not in frame.columns:
        frame = frame.with_columns(pl.lit(None, _INT).alias(key))
    missing = frame[key].is_null().sum()
    if missing:
        fresh = ids.take(table, missing)
        frame = frame.with_columns(
            pl.when(pl.col(key).is_null())
            .then(pl.col(key).is_null().cum_sum().cast(_INT) - 1 + fresh[0])
            .otherwise(pl.col(key)).alias(key))
    return frame


def _periods(people: pl.DataFrame, present: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One observation period per person: the first to the last chart date."""
    parts = [people.select("person_id", pl.col(col).alias("d"))
             for col in ("birth_date", "ms_onset_date", "diagnosis_date",
                         "spms_conversion_date", "death_date")]
    for name, frame in present.items():
        for col in CONTRACT[name].columns:
            if col.dtype == "date" and col.name in frame.columns:
                parts.append(frame.select("person_id", pl.col(col.name).alias("d")))
    dates = pl.concat(parts).drop_nulls()
    periods = dates.group_by("person_id").agg(
        pl.col("d").min().alias("observation_period_start_date"),
        pl.col("d").max().alias("observation_period_end_date"),
    ).sort("person_id")
    return periods.with_columns(
        pl.int_range(1, periods.height + 1, dtype=_INT).alias("observation_period_id"),
        pl.lit(0, _INT).alias("period_type_concept_id"),
    )


def write_omop_duckdb(
    omop: dict[str, pl.DataFrame], out: str | Path, *, schema: str | None = None
) -> Path:
    """Write CDM tables to a new DuckDB file (atomically), created from msrwe's declaration."""
    target = Path(out)
    with atomic_path(target) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            if schema:
                con.execute(f"CREATE SCHEMA {schema}")
            fill_cdm(con, omop, schema=schema)
        finally:
            con.close()
    return target


def fill_cdm(con: duckdb.DuckDBPyConnection, omop: dict[str, pl.DataFrame], *,
             schema: str | None = None) -> None:
    """Create every declared CDM table in ``con`` and insert ``omop``'s rows."""
    for name, table in CDM.items():
        con.execute(create_sql(name, schema))
        frame = omop.get(name)
        if frame is None or frame.height == 0:
            continue
        cols = [col for col in table.names if col in frame.columns]
        con.register("__omop_rows", frame.select(cols).to_arrow())
        target = f"{schema}.{name}" if schema else name
        con.execute(f"INSERT INTO {target} ({', '.join(cols)}) "
                    f"SELECT {', '.join(cols)} FROM __omop_rows")
        con.unregister("__omop_rows")


def export_omop(
    db: str | Path, out: str | Path, concepts: str | Path | Concepts | None = None
) -> dict[str, int]:
    """Write the store's chart as a new OMOP CDM 5.4 DuckDB database (``msrwe export-omop``).

    Returns
    -------
    dict of str to int
        CDM table -> rows written.
    """
    from msrwe._atomic import check_output_path
    from msrwe.store import opened

    c = concepts if isinstance(concepts, Concepts) else load_concepts(concepts)
    check_output_path(out, [db], what="the OMOP database")
    with opened(db) as store:
        names = set(store.tables())
        tables = {n: store.read(n) for n in CONTRACT.names if n in names}
    if "patients" not in tables:
        raise InputError(f"{db}: the store has no patients table; import a chart first")
    omop = chart_to_omop(tables, c)
    write_omop_duckdb(omop, out)
    return {name: frame.height for name, frame in omop.items()}
