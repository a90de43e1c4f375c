"""The rules across tables: every row belongs to a known patient and lies within the patient's life.

They run after the rules of each table, on the rows that passed them.

Examples
--------
>>> from msrwe.io._cross import CROSS_RULES
>>> CROSS_RULES
('unknown_patient', 'date_after_death', 'date_before_birth', 'age_over_110')
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from msrwe.io._frames import ROW, Findings
from msrwe.io._validate import CheckedTable

__all__ = ["CROSS_RULES", "cross_check"]

#: The stable codes of the rules across tables.
CROSS_RULES = ("unknown_patient", "date_after_death", "date_before_birth", "age_over_110")

#: The oldest plausible age at any charted date, in years.
MAX_AGE = 110

_ISO = "%Y-%m-%d"

#: The rules within a patient's life: the patient's date each chart date is compared with,
#: whether the chart date must not be later (else: not earlier), and the message's words.
_LIFE_RULES: dict[str, tuple[str, bool, str]] = {
    "date_after_death": ("__msrwe_death", True, "after the patient's death"),
    "date_before_birth": ("__msrwe_birth", False, "before the patient's birth"),
    "age_over_110": ("__msrwe_oldest", True, f"after the patient's {MAX_AGE}th birthday"),
}


def _passed(checked: CheckedTable) -> pl.DataFrame:
    """The rows that passed the table's own rules: only what the rules across tables need."""
    needed = ["patient_id", *checked.table.date_columns, ROW]
    frame = checked.frame.select(needed)
    if checked.failures.height == 0:
        return frame
    failed = checked.failures.get_column("row_number").unique()
    return frame.filter(~pl.col(ROW).is_in(failed.implode()))


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
    # The patients table first: a patient whose own dates break the rules is quarantined, and
    # then counts as unknown for the other tables.
    own = _passed(patients_checked).with_columns(
        pl.col("birth_date").alias("__msrwe_birth"),
        pl.col("death_date").alias("__msrwe_death"),
        pl.col("birth_date").dt.offset_by(f"{MAX_AGE}y").alias("__msrwe_oldest"),
    )
    out: dict[str, pl.DataFrame] = {"patients": _life_rules(own, patients_checked)}
    gone = out["patients"].get_column("row_number").implode()
    patients = own.filter(~pl.col(ROW).is_in(gone)).select(
        "patient_id", "__msrwe_birth", "__msrwe_death", "__msrwe_oldest"
    )
    known = patients.get_column("patient_id").implode()
    lost = (
        patients_checked.frame.filter(pl.col("patient_id").is_not_null())
        .filter(~pl.col("patient_id").is_in(known))
        .group_by("patient_id")
        .agg(pl.col(ROW).min().alias("__msrwe_patient_row"))
    )
    for name, checked in tables.items():
        if not checked.table.needs_patient:
            continue
        # every rule is one of a row and its patient: a registry's table is checked in slices,
        # so that its rows joined with their patient's dates are never all in memory at once
        parts = [
            _table_rules(replace(checked, frame=checked.frame.slice(start, SLICE_ROWS)),
                         patients, known, lost)
            for start in range(0, max(checked.frame.height, 1), SLICE_ROWS)
        ]
        out[name] = pl.concat(parts)
    return out


#: The rows of a table checked against their patients at once.
SLICE_ROWS = 4_000_000


def _table_rules(
    checked: CheckedTable, patients: pl.DataFrame, known: pl.Series, lost: pl.DataFrame
) -> pl.DataFrame:
    """The rules across tables for the rows of ``checked`` (a table, or a slice of one)."""
    name = checked.table.name
    rows = _passed(checked)
    unknown = rows.filter(~pl.col("patient_id").is_in(known))
    found = Findings(name, checked.file)
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
                pl.format("patient {} is not in the patients table", pl.col("patient_id"))
            )
        )
        found.add(
            unknown,
            column="patient_id",
            value=pl.col("patient_id"),
            rule="unknown_patient",
            message=message,
        )
    rows = rows.join(patients, on="patient_id", how="inner")
    found.parts.append(_life_rules(rows, checked).lazy())
    return found.lazy().collect(engine="in-memory")


def _life_rules(rows: pl.DataFrame, checked: CheckedTable) -> pl.DataFrame:
    """``date_after_death`` and ``date_before_birth`` for every date column of ``rows``."""
    life = Findings(checked.table.name, checked.file)
    for col in checked.table.date_columns:
        if col == "birth_date" and not checked.table.needs_patient:
            continue
        if col != "death_date" or checked.table.needs_patient:
            _life_rule(life, rows, col, "date_after_death")
        _life_rule(life, rows, col, "date_before_birth")
        _life_rule(life, rows, col, "age_over_110")
    found = life.lazy().collect(engine="in-memory")
    text = checked.date_text
    if found.height == 0 or text is None or text.width < 2:
        return found
    # Quote each date as the file writes it (it may use a mapped format such as 15/03/2015).
    text = text.filter(pl.col(ROW).is_in(found.get_column("row_number").implode()))
    long = text.unpivot(index=ROW, variable_name="column_name", value_name="__msrwe_text")
    long = long.rename({ROW: "row_number"})
    return (
        found.join(long, on=["row_number", "column_name"], how="left")
        .with_columns(pl.coalesce("__msrwe_text", "value").alias("value"))
        .select(found.columns)
    )


def _life_rule(found: Findings, rows: pl.DataFrame, col: str, rule: str) -> None:
    """Add the rows whose date ``col`` breaks ``rule`` of :data:`_LIFE_RULES` to ``found``."""
    limit, not_later, words = _LIFE_RULES[rule]
    date, bound = pl.col(col), pl.col(limit)
    found.add(
        rows.filter(date > bound if not_later else date < bound),
        column=col,
        value=date.dt.to_string(_ISO),
        rule=rule,
        message=pl.format(
            f"{{}} {{}} is {words} on {{}}",
            pl.lit(col),
            date.dt.to_string(_ISO),
            bound.dt.to_string(_ISO),
        ),
    )
