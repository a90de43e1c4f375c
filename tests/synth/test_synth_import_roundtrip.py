"""The synthetic cohort through the importer: clean stays clean, dirty quarantines the manifest."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.io import import_folder
from msrwe.store._read import connect
from msrwe.synth import TABLE_NAMES, write_cohort


def _store(db: Path, sql: str) -> pl.DataFrame:
    con = connect(db)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def _quarantined_rows(db: Path) -> set[tuple[str, int]]:
    q = _store(db, "select table_name, row_number from quarantine")
    return {(t, int(r)) for t, r in q.iter_rows()}


def _manifest_rows(folder: Path) -> set[tuple[str, int]]:
    m = pl.read_csv(folder / "dirty_manifest.csv", schema_overrides={"value": pl.String})
    return {(t, int(r)) for t, r in m.select("table", "row_number").iter_rows()}


# Case 1: a clean cohort imports with nothing quarantined and nothing flagged, in every format
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_case_01_clean_imports_clean(tmp_path, fmt):
    n = 83 if fmt == "csv" else 25
    write_cohort(tmp_path / "charts", n, seed=2019, fmt=fmt)
    summary = import_folder(tmp_path / "charts", tmp_path / "store.duckdb")
    tables = summary.to_json_dict()["tables"]
    assert set(tables) == set(TABLE_NAMES)
    for name, t in tables.items():
        assert t["quarantined"] == 0, name
        assert t["read"] == t["imported"], name
        assert t["extra_columns"] == [], name
    assert _store(tmp_path / "store.duckdb", "select * from quarantine").is_empty()
    assert _store(tmp_path / "store.duckdb", "select * from import_warnings").is_empty()
    assert tables["patients"]["imported"] == n


# Case 2: a dirty cohort quarantines exactly the rows of its manifest, in every format
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_case_02_dirty_quarantines_manifest(tmp_path, fmt):
    n = 83 if fmt == "csv" else 30
    folder = tmp_path / "charts"
    write_cohort(folder, n, seed=2019, dirty=True, fmt=fmt)
    import_folder(folder, tmp_path / "store.duckdb")
    assert _quarantined_rows(tmp_path / "store.duckdb") == _manifest_rows(folder)


# Case 3: the planted errors get the importer's matching rules
def test_case_03_rules(tmp_path):
    folder = tmp_path / "charts"
    write_cohort(folder, seed=2019, dirty=True)
    import_folder(folder, tmp_path / "store.duckdb")
    q = _store(tmp_path / "store.duckdb", "select table_name, row_number, rule from quarantine")
    m = pl.read_csv(folder / "dirty_manifest.csv", schema_overrides={"value": pl.String})
    joined = m.join(
        q, left_on=["table", "row_number"], right_on=["table_name", "row_number"], how="left"
    )
    rules = joined.group_by("kind").agg(pl.col("rule").unique())
    by_kind = {k: set(r) for k, r in rules.iter_rows()}
    assert by_kind["edss_not_half_step"] == {"edss_half_step"}
    assert by_kind["unknown_patient"] == {"unknown_patient"}
    assert by_kind["patient_row_quarantined"] == {"unknown_patient"}
    assert by_kind["date_after_death"] == {"date_after_death"}
    assert by_kind["stop_before_start"] == {"stop_before_start"}
    assert by_kind["end_before_onset"] == {"end_before_onset"}
    assert by_kind["not_a_date"] == {"not_a_date"}


# Case 4: with a mapping that recodes the site's words, the coding errors and their cascade go
# away and only the true chart errors stay quarantined
def test_case_04_mapping_recodes(tmp_path):
    folder = tmp_path / "charts"
    write_cohort(folder, seed=2019, dirty=True)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[patients.values.phenotype]\n"Secondary progressive" = "SPMS"\n'
        '[patients.values.sex]\n"female" = "F"\n',
        encoding="utf-8",
    )
    import_folder(folder, tmp_path / "store.duckdb", mapping=mapping)
    m = pl.read_csv(folder / "dirty_manifest.csv", schema_overrides={"value": pl.String})
    recodable = ("patient_row_quarantined", "sex_not_coded", "phenotype_not_coded")
    expected = {
        (t, int(r))
        for t, r in m.filter(~pl.col("kind").is_in(recodable))
        .select("table", "row_number")
        .iter_rows()
    }
    assert _quarantined_rows(tmp_path / "store.duckdb") == expected


# Case 5 (property): for any seed, the importer quarantines exactly the manifest's rows
@settings(max_examples=4, deadline=None)
@given(n=st.integers(20, 40), seed=st.integers(0, 2**32 - 1))
def test_case_05_property(tmp_path_factory, n, seed):
    base = tmp_path_factory.mktemp("roundtrip")
    folder = base / "charts"
    write_cohort(folder, n, seed=seed, dirty=True)
    import_folder(folder, base / "store.duckdb")
    assert _quarantined_rows(base / "store.duckdb") == _manifest_rows(folder)
