r"""OMOP CDM rows -> chart tables as text, with where each row came from and what it used.

The reverse of :func:`msrwe.sources.omop.chart_to_omop`, following the same layout
(:mod:`msrwe.sources.omop._layout`), and written for databases msrwe did not make too: visits
are the measurements of the concept file's measures grouped by person and date (an assessment
observation, when there is one, only adds the visit's ``scheduled`` flag); a person with only a
year of birth is given 1 July of that year, with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from msrwe.io import ORIGIN, SOURCE_ROW
from msrwe.schema import CONTRACT
from msrwe.sources.omop._concepts import Concepts
from msrwe.sources.omop._layout import ANCHORS, DETAILS, MEASURES, PATIENT_OBSERVATIONS

__all__ = ["Converted", "omop_to_chart"]

_INT = pl.Int64
_FLAG_COLUMNS = {"index": pl.Int64, "column_name": pl.String, "value": pl.String,
                 "rule": pl.String, "message": pl.String, "severity": pl.String}


@dataclass(frozen=True)
class Converted:
    """Chart frames built from OMOP rows, and which OMOP rows each chart row used.

    Parameters
    ----------
    frames
        Chart table -> text columns of the contract plus ``ORIGIN`` and ``SOURCE_ROW``.
    feeds
        Chart table -> (``index``: row of the frame, ``record``: OMOP record number) pairs.
    records
        Every OMOP row read: ``record`` (number) and ``source`` (its CDM table).
    flags
        Chart table -> problems found while converting (see :func:`msrwe.io.read_frames`).
    """

    frames: dict[str, pl.DataFrame]
    feeds: dict[str, pl.DataFrame]
    records: pl.DataFrame
    flags: dict[str, pl.DataFrame]


def _as_text(col: str, table: str) -> pl.Expr:
    """A typed value as the contract's text (whole numbers without '.0' for integer columns)."""
    dtype = CONTRACT[table].column(col).dtype
    e = pl.col(col)
    if dtype == "integer":
        return (pl.when(e == e.round(0)).then(e.cast(_INT).cast(pl.String))
                .otherwise(e.cast(pl.String)).alias(col))
    return e.cast(pl.String).alias(col)


def _number_records(omop: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Give every OMOP row a record number unique across tables (``__rec``)."""
    out, start = {}, 0
    for name, frame in omop.items():
        out[name] = frame.with_columns(
            pl.int_range(start, start + frame.height, dtype=_INT).alias("__rec"))
        start += frame.height
    return out


def _patient_key(person: pl.DataFrame) -> pl.DataFrame:
    return person.select(
        "person_id",
        pl.coalesce(pl.col("person_source_value"),
                    pl.concat_str(pl.lit("person "), pl.col("person_id").cast(pl.String)))
        .alias("patient_id"))


def _with_patient(frame: pl.DataFrame, key: pl.DataFrame) -> pl.DataFrame:
    """Join the chart's patient id; an unknown person_id becomes 'person N' (then refused)."""
    return frame.join(key, on="person_id", how="left", maintain_order="left").with_columns(
        pl.coalesce(pl.col("patient_id"),
                    pl.concat_str(pl.lit("person "), pl.col("person_id").cast(pl.String)))
        .alias("patient_id"))


def _details(obs: pl.DataFrame, field_id: int, detail_id: int) -> pl.DataFrame:
    """Detail observations of one record kind: event id -> column -> value (+ their records)."""
    return obs.filter(
        (pl.col("observation_concept_id") == detail_id)
        & (pl.col("obs_event_field_concept_id") == field_id)
        & pl.col("observation_event_id").is_not_null()
    ).select(
        pl.col("observation_event_id").alias("__event"),
        pl.col("observation_source_value").alias("__column"),
        pl.coalesce(pl.col("value_as_string"),
                    pl.col("value_as_number").cast(pl.String)).alias("__value"),
        "__rec", "observation_id",
    )


def _attach(rows: pl.DataFrame, details: pl.DataFrame, id_col: str,
            columns: tuple[str, ...]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add detail columns to ``rows`` (keyed by ``id_col``); return rows and detail feeds."""
    wanted = details.filter(pl.col("__column").is_in(list(columns)))
    wide = wanted.group_by("__event", "__column").agg(pl.col("__value").first())
    if wide.height:
        wide = wide.pivot(on="__column", index="__event", values="__value")
    else:
        wide = pl.DataFrame(schema={"__event": _INT})
    for col in columns:
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.String).alias(col))
    joined = rows.join(wide.select("__event", *columns), left_on=id_col, right_on="__event",
                       how="left", maintain_order="left")
    feeds = rows.with_row_index("index").select("index", pl.col(id_col)).join(
        wanted.select(pl.col("__event").alias(id_col), pl.col("__rec").alias("record")),
        on=id_col, how="inner").select(pl.col("index").cast(_INT), "record")
    return joined, feeds


def _measured(
    meas: pl.DataFrame, obs: pl.DataFrame, key: pl.DataFrame, c: Concepts, table: str
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Visits or MRI: measurements (and assessment observations) grouped by person and date."""
    cols = MEASURES[table]
    by_id = {c.id("measurement", col): col for col in cols}
    m = meas.filter(pl.col("measurement_concept_id").is_in(list(by_id))).select(
        "person_id", pl.col("measurement_date").alias("date"),
        pl.col("measurement_concept_id").replace_strict(by_id, return_dtype=pl.String)
        .alias("__column"),
        "value_as_number", pl.col("measurement_id").alias("__id"), "__rec")
    a = obs.filter(pl.col("observation_concept_id") == c.id("observation", ANCHORS[table])).select(
        "person_id", pl.col("observation_date").alias("date"),
        pl.col("value_as_string").alias("scheduled"), pl.col("observation_id").alias("__id"),
        "__rec")
    keys = pl.concat([m.select("person_id", "date"), a.select("person_id", "date")]).unique(
        maintain_order=True).sort("person_id", "date")
    keys = keys.with_row_index("index").with_columns(pl.col("index").cast(_INT))
    m = m.join(keys, on=["person_id", "date"], how="left")
    a = a.join(keys, on=["person_id", "date"], how="left")
    twice = m.filter(pl.struct("index", "__column").is_duplicated())
    clash = twice.group_by("index", "__column").agg(
        pl.col("value_as_number").n_unique().alias("n"), pl.col("__id").sort().alias("ids"),
        pl.col("value_as_number").first().alias("v")).filter(pl.col("n") > 1)
    flags = clash.select(
        "index", pl.col("__column").alias("column_name"), pl.col("v").cast(pl.String)
        .alias("value"), pl.lit("omop_conflicting_values").alias("rule"),
        pl.concat_str(pl.lit("measurements "), pl.col("ids").cast(pl.List(pl.String))
                      .list.join(", "),
                      pl.lit(" give different values of this item on the same day")
                      ).alias("message"),
        pl.lit("quarantine").alias("severity"))
    wide = m.pivot(on="__column", index="index", values="value_as_number",
                   aggregate_function="first") if m.height \
        else pl.DataFrame(schema={"index": _INT})
    for col in cols:
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    sched = a.group_by("index").agg(pl.col("scheduled").first(), pl.col("__id").min()
                                    .alias("__anchor"))
    labelled = m.sort("__id").select("index", "__id", pl.concat_str(
        pl.col("__id").cast(pl.String), pl.lit(" ("), pl.col("__column"), pl.lit(")"))
        .alias("__m"))
    where = labelled.group_by("index").agg(pl.col("__m"), pl.col("__id").min()
                                           .alias("__first")).with_columns(
        pl.col("__m").list.join(", "))
    frame = keys.join(wide, on="index", how="left").join(sched, on="index", how="left").join(
        where, on="index", how="left").sort("index")
    frame = _with_patient(frame, key)
    origin = pl.concat_str(
        pl.lit("person "), pl.col("person_id").cast(pl.String), pl.lit(", "),
        pl.col("date").cast(pl.String), pl.lit(":"),
        pl.when(pl.col("__anchor").is_not_null()).then(pl.concat_str(
            pl.lit(" observation "), pl.col("__anchor").cast(pl.String))).otherwise(pl.lit("")),
        pl.when(pl.col("__m").is_not_null()).then(pl.concat_str(
            pl.lit(" measurement "), pl.col("__m"))).otherwise(pl.lit("")))
    out_cols = [pl.col("patient_id"), pl.col("date").cast(pl.String)]
    out_cols += [_as_text(col, table) for col in cols]
    if table == "visits":
        out_cols.append(pl.col("scheduled"))
    frame = frame.select(*out_cols, origin.alias(ORIGIN),
                         pl.coalesce("__anchor", "__first").alias(SOURCE_ROW))
    feeds = pl.concat([m.select("index", pl.col("__rec").alias("record")),
                       a.select("index", pl.col("__rec").alias("record"))])
    return frame, feeds, flags


def omop_to_chart(omop: dict[str, pl.DataFrame], c: Concepts) -> Converted:
    """Turn typed CDM tables (as :func:`msrwe.sources.omop.read_omop` gives) into chart frames."""
    from msrwe.sources.omop._cdm import CDM
    from msrwe.sources.omop._source import cdm_dtype

    full = {name: omop.get(name, pl.DataFrame(
        schema={col.name: cdm_dtype(col.sql_type) for col in t.columns}))
        for name, t in CDM.items()}
    tabs = _number_records(full)
    records = pl.concat([
        f.select(pl.col("__rec").alias("record"), pl.lit(n).alias("source"))
        for n, f in tabs.items() if n in omop])
    frames: dict[str, pl.DataFrame] = {}
    feeds: dict[str, pl.DataFrame] = {}
    flags: dict[str, pl.DataFrame] = {}
    person = tabs["person"].sort("person_id", maintain_order=True)
    key = _patient_key(person)
    obs, cond, meas = tabs["observation"], tabs["condition_occurrence"], tabs["measurement"]
    drugs, visits, death = tabs["drug_exposure"], tabs["visit_occurrence"], tabs["death"]

    # patients
    genders = {cid: k for k, (cid, _) in c.entries["gender"].items() if cid}
    sex = pl.col("gender_concept_id").replace_strict(genders, default=None,
                                                     return_dtype=pl.String)
    sex = pl.coalesce(sex, pl.when(pl.col("gender_source_value").is_in(["F", "M", "X"]))
                      .then(pl.col("gender_source_value")))
    birth = pl.coalesce(
        pl.col("birth_datetime").dt.date(),
        pl.date(pl.col("year_of_birth"), pl.col("month_of_birth").fill_null(7),
                pl.col("day_of_birth").fill_null(1)))
    ms_id = c.id("condition", "ms")
    diag = cond.filter(pl.col("condition_concept_id") == ms_id).group_by("person_id").agg(
        pl.col("condition_start_date").min().alias("diagnosis_date"))
    pat_obs = {}
    for col, concept in PATIENT_OBSERVATIONS.items():
        rows = obs.filter(pl.col("observation_concept_id") == c.id("observation", concept))
        is_date = CONTRACT["patients"].column(col).dtype == "date"
        value = pl.col("observation_date") if is_date else pl.col("value_as_string")
        pat_obs[col] = rows.sort("observation_id").group_by("person_id").agg(
            value.first().alias(col))
    dead = death.group_by("person_id").agg(pl.col("death_date").min())
    p = person.join(key, on="person_id", how="left", suffix="_k")
    p = p.join(diag, on="person_id", how="left")
    for frame in pat_obs.values():
        p = p.join(frame, on="person_id", how="left")
    p = p.join(dead, on="person_id", how="left").with_columns(
        birth.alias("birth_date"), sex.alias("sex"))
    text = [pl.col("patient_id"), pl.col("sex")] + [
        pl.col(col).cast(pl.String).alias(col)
        for col in ("birth_date", "ms_onset_date", "diagnosis_date", "phenotype",
                    "spms_conversion_date", "site", "death_date")]
    frames["patients"] = p.select(
        *text,
        pl.concat_str(pl.lit("person "), pl.col("person_id").cast(pl.String)).alias(ORIGIN),
        pl.col("person_id").alias(SOURCE_ROW))
    pidx = p.with_row_index("index").select(pl.col("index").cast(_INT), "person_id")
    used = [pidx.join(person.select("person_id", "__rec"), on="person_id")]
    used.append(pidx.join(cond.filter(pl.col("condition_concept_id") == ms_id)
                          .select("person_id", "__rec"), on="person_id"))
    for concept in PATIENT_OBSERVATIONS.values():
        used.append(pidx.join(obs.filter(
            pl.col("observation_concept_id") == c.id("observation", concept))
            .select("person_id", "__rec"), on="person_id"))
    used.append(pidx.join(death.select("person_id", "__rec"), on="person_id"))
    feeds["patients"] = pl.concat([u.select("index", pl.col("__rec").alias("record"))
                                   for u in used])
    year_only = p.with_row_index("index").filter(
        pl.col("birth_datetime").is_null() & pl.col("year_of_birth").is_not_null()
        & (pl.col("month_of_birth").is_null() | pl.col("day_of_birth").is_null()))
    flags["patients"] = year_only.select(
        pl.col("index").cast(_INT), pl.lit("birth_date").alias("column_name"),
        pl.col("year_of_birth").cast(pl.String).alias("value"),
        pl.lit("omop_birth_year_only").alias("rule"),
        pl.lit("only the year of birth is in OMOP; 1 July of that year is assumed")
        .alias("message"), pl.lit("warning").alias("severity"))

    for table in ("visits", "mri"):
        frames[table], feeds[table], flags[table] = _measured(meas, obs, key, c, table)

    bio = meas.filter(pl.col("measurement_concept_id") == c.id("measurement", "biomarker"))
    bio = _with_patient(bio, key)
    frames["biomarkers"] = bio.select(
        "patient_id", pl.col("measurement_date").cast(pl.String).alias("date"),
        pl.col("measurement_source_value").alias("marker"),
        pl.col("value_as_number").cast(pl.String).alias("value"),
        pl.col("unit_source_value").alias("unit"),
        pl.concat_str(pl.lit("measurement "), pl.col("measurement_id").cast(pl.String))
        .alias(ORIGIN), pl.col("measurement_id").alias(SOURCE_ROW))
    feeds["biomarkers"] = bio.with_row_index("index").select(
        pl.col("index").cast(_INT), pl.col("__rec").alias("record"))

    cond_field = c.id("field", "condition_occurrence")
    detail = c.id("observation", "detail")
    for table, concept in (("relapses", "relapse"), ("adverse_events", "adverse_event")):
        rows = _with_patient(cond.filter(
            pl.col("condition_concept_id") == c.id("condition", concept)), key)
        columns = DETAILS[table][1]
        rows, dfeeds = _attach(rows, _details(obs, cond_field, detail), "condition_occurrence_id",
                               columns)
        base = [pl.col("patient_id"),
                pl.col("condition_start_date").cast(pl.String).alias("onset_date")]
        if table == "adverse_events":
            base += [pl.col("condition_end_date").cast(pl.String).alias("end_date"),
                     pl.col("condition_source_value").alias("term")]
        frames[table] = rows.select(
            *base, *[pl.col(col) for col in columns],
            pl.concat_str(pl.lit("condition_occurrence "),
                          pl.col("condition_occurrence_id").cast(pl.String)).alias(ORIGIN),
            pl.col("condition_occurrence_id").alias(SOURCE_ROW))
        feeds[table] = pl.concat([rows.with_row_index("index").select(
            pl.col("index").cast(_INT), pl.col("__rec").alias("record")), dfeeds])

    drug_names = c.ids("drug")
    route_names = c.ids("route")
    drug = pl.coalesce(
        pl.col("drug_concept_id").replace_strict(drug_names, default=None, return_dtype=pl.String),
        pl.col("drug_source_value").str.to_lowercase())
    route = pl.coalesce(
        pl.col("route_concept_id").replace_strict(route_names, default=None,
                                                  return_dtype=pl.String),
        pl.col("route_source_value"))
    origin = pl.concat_str(pl.lit("drug_exposure "), pl.col("drug_exposure_id").cast(pl.String))
    adm = _with_patient(drugs.filter(
        pl.col("drug_type_concept_id") == c.id("type", "administration")), key)
    adm, dfeeds = _attach(adm, _details(obs, c.id("field", "drug_exposure"), detail),
                          "drug_exposure_id", DETAILS["administrations"][1])
    frames["administrations"] = adm.select(
        "patient_id", pl.col("drug_exposure_start_date").cast(pl.String).alias("date"),
        drug.alias("drug"), route.alias("route"),
        pl.col("quantity").cast(pl.String).alias("dose"),
        pl.col("dose_unit_source_value").alias("dose_unit"),
        *[pl.col(col) for col in DETAILS["administrations"][1]],
        origin.alias(ORIGIN), pl.col("drug_exposure_id").alias(SOURCE_ROW))
    feeds["administrations"] = pl.concat([adm.with_row_index("index").select(
        pl.col("index").cast(_INT), pl.col("__rec").alias("record")), dfeeds])
    trt = _with_patient(drugs.filter(
        pl.col("drug_type_concept_id") == c.id("type", "treatment_course")), key)
    frames["treatments"] = trt.select(
        "patient_id", drug.alias("drug"),
        pl.col("drug_exposure_start_date").cast(pl.String).alias("start_date"),
        pl.col("verbatim_end_date").cast(pl.String).alias("stop_date"),
        pl.col("stop_reason"), origin.alias(ORIGIN), pl.col("drug_exposure_id").alias(SOURCE_ROW))
    feeds["treatments"] = trt.with_row_index("index").select(
        pl.col("index").cast(_INT), pl.col("__rec").alias("record"))

    hosp = _with_patient(visits.filter(
        pl.col("visit_concept_id") == c.id("visit", "hospital_stay")), key)
    hcols = (*DETAILS["hospitalizations"][1], "discharge_date")
    hosp, dfeeds = _attach(hosp.rename({"visit_start_date": "__admit"}),
                           _details(obs, c.id("field", "visit_occurrence"), detail),
                           "visit_occurrence_id", hcols)
    frames["hospitalizations"] = hosp.select(
        "patient_id", pl.col("__admit").cast(pl.String).alias("admit_date"),
        pl.when(pl.col("discharge_date") == "unknown").then(pl.lit(None, pl.String))
        .otherwise(pl.col("visit_end_date").cast(pl.String)).alias("discharge_date"),
        *[pl.col(col) for col in DETAILS["hospitalizations"][1]],
        pl.concat_str(pl.lit("visit_occurrence "), pl.col("visit_occurrence_id")
                      .cast(pl.String)).alias(ORIGIN),
        pl.col("visit_occurrence_id").alias(SOURCE_ROW))
    feeds["hospitalizations"] = pl.concat([hosp.with_row_index("index").select(
        pl.col("index").cast(_INT), pl.col("__rec").alias("record")), dfeeds])

    frames = {n: f for n, f in frames.items() if n == "patients" or f.height}
    flags = {n: f.select(list(_FLAG_COLUMNS)).cast(_FLAG_COLUMNS)  # type: ignore[arg-type]
             for n, f in flags.items() if n in frames and f.height}
    return Converted(frames, {n: f for n, f in feeds.items() if n in frames}, records, flags)
