r"""msrwe's declaration of the OMOP CDM 5.4 tables it reads and writes.

Table names, column names, types and nullability follow the OHDSI Common Data Model 5.4
specification, checked column by column against the official DuckDB DDL
(``OHDSI/CommonDataModel: inst/ddl/5.4/duckdb/OMOPCDM_duckdb_5.4_ddl.sql``; see
``../shared/reference/interop-privacy.md`` section 4.2). The declaration is msrwe's own: only the
tables msrwe uses, written out here so that msrwe can create them (``msrwe synth --format omop``,
``msrwe export-omop``) and check a source database before reading it.

Examples
--------
>>> list(CDM)[:4]
['person', 'observation_period', 'visit_occurrence', 'condition_occurrence']
>>> list(CDM)[4:]
['drug_exposure', 'measurement', 'observation', 'death']
>>> CDM["death"].columns[1]
CdmColumn(name='death_date', sql_type='date', required=True)
>>> print(create_sql("death").splitlines()[0])
CREATE TABLE death (
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CDM", "CdmColumn", "CdmTable", "create_sql"]


@dataclass(frozen=True)
class CdmColumn:
    """One column of a CDM table: its name, its SQL type as the DDL writes it, NOT NULL or not."""

    name: str
    sql_type: str
    required: bool = False


@dataclass(frozen=True)
class CdmTable:
    """One CDM 5.4 table: its name, its columns in the DDL's order and its primary key (if any)."""

    name: str
    columns: tuple[CdmColumn, ...]
    key: str | None

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(c.name for c in self.columns)


def _t(name: str, key: str | None, spec: str) -> CdmTable:
    cols = []
    for line in spec.strip().splitlines():
        parts = line.split()
        cols.append(CdmColumn(parts[0], " ".join(p for p in parts[1:] if p != "!"),
                              required=parts[-1] == "!"))
    return CdmTable(name, tuple(cols), key)


_I, _D, _TS, _N = "integer", "date", "TIMESTAMP", "NUMERIC"

CDM: dict[str, CdmTable] = {
    t.name: t
    for t in (
        _t("person", "person_id", f"""
person_id {_I} !
gender_concept_id {_I} !
year_of_birth {_I} !
month_of_birth {_I}
day_of_birth {_I}
birth_datetime {_TS}
race_concept_id {_I} !
ethnicity_concept_id {_I} !
location_id {_I}
provider_id {_I}
care_site_id {_I}
person_source_value varchar(50)
gender_source_value varchar(50)
gender_source_concept_id {_I}
race_source_value varchar(50)
race_source_concept_id {_I}
ethnicity_source_value varchar(50)
ethnicity_source_concept_id {_I}"""),
        _t("observation_period", "observation_period_id", f"""
observation_period_id {_I} !
person_id {_I} !
observation_period_start_date {_D} !
observation_period_end_date {_D} !
period_type_concept_id {_I} !"""),
        _t("visit_occurrence", "visit_occurrence_id", f"""
visit_occurrence_id {_I} !
person_id {_I} !
visit_concept_id {_I} !
visit_start_date {_D} !
visit_start_datetime {_TS}
visit_end_date {_D} !
visit_end_datetime {_TS}
visit_type_concept_id {_I} !
provider_id {_I}
care_site_id {_I}
visit_source_value varchar(50)
visit_source_concept_id {_I}
admitted_from_concept_id {_I}
admitted_from_source_value varchar(50)
discharged_to_concept_id {_I}
discharged_to_source_value varchar(50)
preceding_visit_occurrence_id {_I}"""),
        _t("condition_occurrence", "condition_occurrence_id", f"""
condition_occurrence_id {_I} !
person_id {_I} !
condition_concept_id {_I} !
condition_start_date {_D} !
condition_start_datetime {_TS}
condition_end_date {_D}
condition_end_datetime {_TS}
condition_type_concept_id {_I} !
condition_status_concept_id {_I}
stop_reason varchar(20)
provider_id {_I}
visit_occurrence_id {_I}
visit_detail_id {_I}
condition_source_value varchar(50)
condition_source_concept_id {_I}
condition_status_source_value varchar(50)"""),
        _t("drug_exposure", "drug_exposure_id", f"""
drug_exposure_id {_I} !
person_id {_I} !
drug_concept_id {_I} !
drug_exposure_start_date {_D} !
drug_exposure_start_datetime {_TS}
drug_exposure_end_date {_D} !
drug_exposure_end_datetime {_TS}
verbatim_end_date {_D}
drug_type_concept_id {_I} !
stop_reason varchar(20)
refills {_I}
quantity {_N}
days_supply {_I}
sig TEXT
route_concept_id {_I}
lot_number varchar(50)
provider_id {_I}
visit_occurrence_id {_I}
visit_detail_id {_I}
drug_source_value varchar(50)
drug_source_concept_id {_I}
route_source_value varchar(50)
dose_unit_source_value varchar(50)"""),
        _t("measurement", "measurement_id", f"""
measurement_id {_I} !
person_id {_I} !
measurement_concept_id {_I} !
measurement_date {_D} !
measurement_datetime {_TS}
measurement_time varchar(10)
measurement_type_concept_id {_I} !
operator_concept_id {_I}
value_as_number {_N}
value_as_concept_id {_I}
unit_concept_id {_I}
range_low {_N}
range_high {_N}
provider_id {_I}
visit_occurrence_id {_I}
visit_detail_id {_I}
measurement_source_value varchar(50)
measurement_source_concept_id {_I}
unit_source_value varchar(50)
unit_source_concept_id {_I}
value_source_value varchar(50)
measurement_event_id {_I}
meas_event_field_concept_id {_I}"""),
        _t("observation", "observation_id", f"""
observation_id {_I} !
person_id {_I} !
observation_concept_id {_I} !
observation_date {_D} !
observation_datetime {_TS}
observation_type_concept_id {_I} !
value_as_number {_N}
value_as_string varchar(60)
value_as_concept_id {_I}
qualifier_concept_id {_I}
unit_concept_id {_I}
provider_id {_I}
visit_occurrence_id {_I}
visit_detail_id {_I}
observation_source_value varchar(50)
observation_source_concept_id {_I}
unit_source_value varchar(50)
qualifier_source_value varchar(50)
value_source_value varchar(50)
observation_event_id {_I}
obs_event_field_concept_id {_I}"""),
        _t("death", None, f"""
person_id {_I} !
death_date {_D} !
death_datetime {_TS}
death_type_concept_id {_I}
cause_concept_id {_I}
cause_source_value varchar(50)
cause_source_concept_id {_I}"""),
    )
}


def create_sql(table: str, schema: str | None = None) -> str:
    """The ``CREATE TABLE`` statement of one declared table (DuckDB and PostgreSQL accept it).

    ``NUMERIC`` is written as ``NUMERIC(38, 10)`` so both engines keep the same precision: DuckDB
    reads a bare ``NUMERIC`` as ``DECIMAL(18, 3)``, which rounds any value past three decimals.
    """
    t = CDM[table]
    name = f"{schema}.{t.name}" if schema else t.name
    lines = [
        f"    {c.name} {'NUMERIC(38, 10)' if c.sql_type == _N else c.sql_type}"
        f"{' NOT NULL' if c.required else ' NULL'}"
        for c in t.columns
    ]
    return f"CREATE TABLE {name} (\n" + ",\n".join(lines) + "\n);"
