"""synth -> REDCap export (template layout) -> import-redcap gives the direct CSV import's store.

Case 1: raw export, every chart table equal to the direct import's, and results.csv equal.
Case 2: the labels export imports to the same tables.
Case 3: accounting per form: read = imported + quarantined + ignored, nothing quarantined.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from msrwe.io import import_folder
from msrwe.sources.redcap import import_redcap, write_redcap_export
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


@pytest.mark.parametrize("which", ["raw", "labels"])
def test_case1_2_tables_equal(stores, which, assert_same_store):
    assert_same_store(stores["direct"], stores[which], every_table=False)


def test_case1_results_csv_equal(stores, results_csv):
    texts = [results_csv(stores[which], stores["base"] / f"results_{which}")
             for which in ("direct", "raw")]
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
