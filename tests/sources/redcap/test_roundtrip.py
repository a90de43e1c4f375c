"""synth -> REDCap export (template layout) -> import-redcap gives the direct CSV import's store.

Case 1: raw export, every chart table equal to the direct import's, and results.csv equal.
Case 2: the labels export imports to the same tables.
Case 3: accounting per form: read = imported + quarantined + ignored, nothing quarantined.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.io import import_folder
from msrwe.schema import CONTRACT
from msrwe.sources.redcap import import_redcap, write_redcap_export
from msrwe.store import read_table
from msrwe.synth import make_cohort, write_cohort

N, SEED = 40, 7


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("roundtrip")
    write_cohort(base / "csv", N, seed=SEED)
    import_folder(base / "csv", base / "direct.duckdb")
    tables = make_cohort(N, seed=SEED)
    raw = write_redcap_export(tables, base / "redcap")
    labels = write_redcap_export(tables, base / "redcap", labels=True)
    out = {"direct": base / "direct.duckdb", "base": base}
    for name, files in (("raw", raw), ("labels", labels)):
        db = base / f"{name}.duckdb"
        out[f"{name}_result"] = import_redcap(files["export"], files["dictionary"], db)
        out[name] = db
    return out


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


@pytest.mark.parametrize("which", ["raw", "labels"])
def test_case1_2_tables_equal(stores, which):
    for name in CONTRACT.names:
        direct = read_table(stores["direct"], name)
        via = read_table(stores[which], name)
        assert via.height > 0 or direct.height == 0, name
        assert_frame_equal(_sorted(via), _sorted(direct), check_column_order=True)
    assert read_table(stores[which], "quarantine").height == 0


def test_case1_results_csv_equal(stores):
    runner = CliRunner()
    texts = []
    for which in ("direct", "raw"):
        out = stores["base"] / f"results_{which}"
        res = runner.invoke(app, ["analyze", "--db", str(stores[which]), "--out", str(out),
                                  "--quiet"])
        assert res.exit_code == 0, res.output
        texts.append((out / "results.csv").read_text())
    assert len(texts[0].splitlines()) > 10
    assert texts[0] == texts[1]


def test_case3_accounting(stores):
    result = stores["raw_result"]
    forms = {c.source: c for c in result.forms}
    assert forms["patient"].read == N
    for c in result.forms:
        assert c.read == c.imported + c.quarantined + c.ignored
        assert c.quarantined == 0
        assert c.ignored == 0
    chart = result.chart.summary.tables
    assert forms["visit"].imported == chart["visits"].imported
