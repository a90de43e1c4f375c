"""synth -> OMOP CDM (DuckDB, PostgreSQL) -> import-omop gives the direct CSV import's store.

Case 1: `msrwe synth --format omop` then `msrwe import-omop`: every chart table equals the direct
        import's, nothing quarantined, and `msrwe analyze` writes the same results.csv.
Case 2: accounting per OMOP table: read = imported + quarantined + ignored; observation_period
        rows are read and ignored; every other row is used.
Case 3: `msrwe export-omop` of the direct store writes the same OMOP rows as synth.
Case 4: the same OMOP tables in a real PostgreSQL import to the same store.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.io import import_folder
from msrwe.sources.omop import CDM, create_sql, import_omop, read_omop
from msrwe.synth import write_cohort

N, SEED = 40, 7
runner = CliRunner()


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("omop")
    write_cohort(base / "csv", N, seed=SEED)
    import_folder(base / "csv", base / "direct.duckdb")
    res = runner.invoke(app, ["synth", "--format", "omop", "--out", str(base / "omop"),
                              "--patients", str(N), "--seed", str(SEED)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["import-omop", "--source", str(base / "omop" / "cdm.duckdb"),
                              "--db", str(base / "via.duckdb")])
    assert res.exit_code == 0, res.output
    return {"base": base, "direct": base / "direct.duckdb", "via": base / "via.duckdb",
            "cdm": base / "omop" / "cdm.duckdb", "output": res.output}


def test_case1_tables_equal(stores, assert_same_store):
    assert_same_store(stores["direct"], stores["via"])


def test_case1_results_csv_equal(stores, results_csv):
    texts = [results_csv(stores[which], stores["base"] / f"results_{which}")
             for which in ("direct", "via")]
    assert len(texts[0].splitlines()) > 10
    assert texts[0] == texts[1]


def test_case2_accounting(stores):
    result = import_omop(stores["cdm"], stores["base"] / "again.duckdb")
    counts = {c.source: c for c in result.sources}
    assert set(counts) == set(CDM)
    for c in counts.values():
        assert c.read == c.imported + c.quarantined + c.ignored
        assert c.quarantined == 0
    assert counts["person"].read == counts["person"].imported == N
    assert counts["observation_period"].ignored == counts["observation_period"].read == N
    for name in ("measurement", "observation", "condition_occurrence", "drug_exposure"):
        assert counts[name].read > 0, name
        assert counts[name].ignored == 0, name
    assert "measurement" in stores["output"]
    assert "ignored" in stores["output"]


def test_case3_export_matches_synth(stores, sort_rows):
    out = stores["base"] / "exported.duckdb"
    res = runner.invoke(app, ["export-omop", "--db", str(stores["direct"]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    a, b = read_omop(stores["cdm"]), read_omop(out)
    for name in CDM:
        assert_frame_equal(sort_rows(a[name]), sort_rows(b[name]))


def _load_postgres(url: str, tables: dict[str, pl.DataFrame], schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
        for name, frame in tables.items():
            con.execute(create_sql(name, schema))
            with con.cursor() as cur, cur.copy(
                f"COPY {schema}.{name} FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy:
                copy.write(frame.write_csv())


def test_case4_postgres(stores, postgres_url, assert_same_store):
    _load_postgres(postgres_url, read_omop(stores["cdm"]), "cdm")
    db = stores["base"] / "pg.duckdb"
    res = runner.invoke(app, ["import-omop", "--source", postgres_url, "--schema", "cdm",
                              "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert_same_store(stores["direct"], db)
    assert "?host" not in res.output


def test_case5_declaration_creates_the_ddl_types(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    for name in CDM:
        con.execute(create_sql(name))
    rows = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = 'measurement' ORDER BY ordinal_position").fetchall()
    con.close()
    assert len(rows) == 23
    assert rows[0] == ("measurement", "measurement_id", "INTEGER", "NO")
    assert rows[8][1:3] == ("value_as_number", "DECIMAL(38,10)")
    assert rows[-1][1] == "meas_event_field_concept_id"
