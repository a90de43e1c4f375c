"""The rules across tables: every row belongs to a known patient and lies within the patient's life.

They run after the rules of each table, on the rows that passed them.

Examples
--------
>>> from msrwe.io._cross import CROSS_RULES
>>> CROSS_RULES
('unknown_patient', 'date_after_death', 'date_before_birth')
"""

from __future__ import annotations

import polars as pl

from msrwe.io._frames import ROW, empty_problems, problems
from msrwe.io._validate import CheckedTable

__all__ = ["CROSS_RULES", "cross_check"]

#: The stable codes of the rules across tables.
CROSS_RULES = ("unknown_patient", "date_after_death", "date_before_birth")

_ISO = "%Y-%m-%d"


def _passed(checked: CheckedTable) -> pl.DataFrame:
    failed = checked.failures.get_column("row_number").unique()
    return checked.frame.filter(~pl.col(ROW).is_in(failed.implode()))


def cross_check(tables: dict[str, CheckedTable]) -> dict[str, pl.DataFrame]:
    """Quarantine rows that break a rule across tables.

    Parameters
    ----------
    tables
        Every table of the folder after its own rules; must include ``patients``.

    Returns
    -------
    dict of str to polars.DataFrame
        Table name -> the new quarantine rows of that table (possibly empty).
    """
    patients_checked = tables["patients"]
    patients = _passed(patients_checked).select(
        pl.col("patient_id"),
        pl.col("birth_date").alias("__msrwe_birth"),
        pl.col("death_date").alias("__msrwe_death"),
    )
    lost = (
        patients_checked.frame.filter(pl.col("patient_id").is_not_null())
        .filter(~pl.col("patient_id").is_in(patients["patient_id"].implode()))
        .group_by("patient_id")
        .agg(pl.col(ROW).min().alias("__msrwe_patient_row"))
    )
    out: dict[str, pl.DataFrame] = {}
    for name, checked in tables.items():
        table, file = checked.table, checked.file
        rows = _passed(checked)
        parts = [empty_problems().lazy()]
        if table.needs_patient:
            unknown = rows.filter(~pl.col("patient_id").is_in(patients["patient_id"].implode()))
            if unknown.height:
                unknown = unknown.join(lost, on="patient_id", how="left")
                message = (
                    pl.when(pl.col("__msrwe_patient_row").is_not_null())
                    .then(
                        pl.format(
                            "patient {} has a row in patients (row {}) but it was quarantined, "
                            "so this row has no patient",
                            pl.col("patient_id"),
                            pl.col("__msrwe_patient_row"),
                        )
                    )
                    .otherwise(
                        pl.format(
                            "patient {} is not in the patients table",
                            pl.col("patient_id"),
                        )
                    )
                )
                parts.append(
                    problems(
                        unknown,
                        table=name,
                        file=file,
                        column="patient_id",
                        value=pl.col("patient_id"),
                        rule="unknown_patient",
                        message=message,
                    )
                )
            rows = rows.join(patients, on="patient_id", how="inner")
        else:
            rows = rows.with_columns(
                pl.col("birth_date").alias("__msrwe_birth"),
                pl.col("death_date").alias("__msrwe_death"),
            )
        for col in table.date_columns:
            if col in ("birth_date", "death_date") and not table.needs_patient:
                if col == "death_date":
                    parts.append(_before_birth(rows, name, file, col))
                continue
            parts.append(_after_death(rows, name, file, col))
            parts.append(_before_birth(rows, name, file, col))
        out[name] = pl.concat(parts).collect()
    return out


def _after_death(rows: pl.DataFrame, name: str, file: str, col: str) -> pl.LazyFrame:
    bad = rows.filter(pl.col(col) > pl.col("__msrwe_death"))
    return problems(
        bad,
        table=name,
        file=file,
        column=col,
        value=pl.col(col).dt.to_string(_ISO),
        rule="date_after_death",
        message=pl.format(
            "{} {} is after the patient's death on {}",
            pl.lit(col),
            pl.col(col).dt.to_string(_ISO),
            pl.col("__msrwe_death").dt.to_string(_ISO),
        ),
    )


def _before_birth(rows: pl.DataFrame, name: str, file: str, col: str) -> pl.LazyFrame:
    bad = rows.filter(pl.col(col) < pl.col("__msrwe_birth"))
    return problems(
        bad,
        table=name,
        file=file,
        column=col,
        value=pl.col(col).dt.to_string(_ISO),
        rule="date_before_birth",
        message=pl.format(
            "{} {} is before the patient's birth on {}",
            pl.lit(col),
            pl.col(col).dt.to_string(_ISO),
            pl.col("__msrwe_birth").dt.to_string(_ISO),
        ),
    )
