"""Small helpers shared by the import tests: write a chart folder from inline CSV text."""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl

from msrwe.io import ChartFolder, read_chart_folder

PATIENTS = """
patient_id,sex,birth_date,ms_onset_date,diagnosis_date,phenotype,death_date
A1,F,1960-01-01,1990-01-01,1991-01-01,SPMS,
A2,M,1962-01-01,1992-01-01,1993-01-01,PPMS,2020-06-30
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return path


def chart(folder: Path, patients: str = PATIENTS, mapping=None, **tables: str) -> ChartFolder:
    """Write patients.csv and each table given as CSV text, then validate the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    write(folder, "patients.csv", patients)
    for name, text in tables.items():
        write(folder, f"{name}.csv", text)
    return read_chart_folder(folder, mapping)


def problems(result: ChartFolder, table: str | None = None) -> list[tuple]:
    """(table, row_number, column, rule) of every quarantine row, in order."""
    q = result.quarantine
    if table is not None:
        q = q.filter(pl.col("table_name") == table)
    return list(q.select("table_name", "row_number", "column_name", "rule").iter_rows())


def rules(result: ChartFolder, table: str) -> list[tuple[int, str]]:
    """(row_number, rule) of the quarantine rows of one table."""
    return [(r[1], r[3]) for r in problems(result, table)]


def warnings(result: ChartFolder, table: str) -> list[tuple[int | None, str]]:
    w = result.warnings.filter(pl.col("table_name") == table)
    return list(w.select("row_number", "rule").iter_rows())


def balanced(result: ChartFolder) -> bool:
    return all(t.read == t.imported + t.quarantined for t in result.summary.tables.values())
