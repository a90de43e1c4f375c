"""synth -> FHIR R4 -> import-fhir gives the direct CSV import's store; malformed resources.

Case 1: `msrwe synth --format fhir` then `msrwe import-fhir`: every chart table equals the direct
        import's and `msrwe analyze` writes the same results.csv.
Case 2: accounting per resource type (read = imported + quarantined + ignored, nothing
        quarantined); the same resources as Bulk Data NDJSON (one file per type) import the same.
Case 3: an invalid resource (EDSS value "six") is quarantined with its Type/id and the path of the
        problem; the rest of the bundle is imported.
Case 4: two different EDSS values on one day: the visit is quarantined naming both resources.
Case 5: a resource type msrwe does not read (Procedure) is counted as ignored.
Case 6: every resource msrwe writes is valid for fhir.resources' R4B models.
Case 7: an NDJSON line that is not JSON: the import is refused naming the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import ImportRefused
from msrwe.io import import_folder
from msrwe.sources.fhir import chart_to_fhir, import_fhir, read_fhir
from msrwe.store import read_table
from msrwe.synth import make_cohort, write_cohort

N, SEED = 40, 7
runner = CliRunner()


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("fhir")
    write_cohort(base / "csv", N, seed=SEED)
    import_folder(base / "csv", base / "direct.duckdb")
    res = runner.invoke(app, ["synth", "--format", "fhir", "--out", str(base / "fhir"),
                              "--patients", str(N), "--seed", str(SEED)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["import-fhir", str(base / "fhir" / "bundle.json"),
                              "--db", str(base / "via.duckdb")])
    assert res.exit_code == 0, res.output
    return {"base": base, "direct": base / "direct.duckdb", "via": base / "via.duckdb",
            "bundle": base / "fhir" / "bundle.json", "output": res.output}


def test_case1_tables_equal(stores, assert_same_store):
    assert_same_store(stores["direct"], stores["via"])


def test_case1_results_csv_equal(stores, results_csv):
    texts = [results_csv(stores[which], stores["base"] / f"results_{which}")
             for which in ("direct", "via")]
    assert len(texts[0].splitlines()) > 10
    assert texts[0] == texts[1]


def test_case2_accounting_and_ndjson(stores, assert_same_store):
    bundle = json.loads(stores["bundle"].read_text())
    folder = stores["base"] / "bulk"
    folder.mkdir()
    by_type: dict[str, list[str]] = {}
    for entry in bundle["entry"]:
        r = entry["resource"]
        by_type.setdefault(r["resourceType"], []).append(json.dumps(r))
    for kind, lines in by_type.items():
        (folder / f"{kind}.ndjson").write_text("\n".join(lines) + "\n")
    result = import_fhir(folder, stores["base"] / "bulk.duckdb")
    counts = {c.source: c for c in result.sources}
    for c in counts.values():
        assert c.read == c.imported + c.quarantined + c.ignored
        assert c.quarantined == c.ignored == 0
    assert counts["Patient"].read == N
    assert counts["Observation"].read == len(by_type["Observation"])
    assert_same_store(stores["direct"], stores["base"] / "bulk.duckdb")
    assert "Observation" in stores["output"]


def _small_bundle(tmp_path: Path, change) -> Path:
    resources = chart_to_fhir(make_cohort(3, seed=1))
    change(resources)
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": [{"resource": r} for r in resources]}))
    return path


def test_case3_invalid_resource(tmp_path):
    def bad(resources):
        edss = next(r for r in resources if r["id"] == "edss-2")
        edss["valueQuantity"]["value"] = "six"

    result = import_fhir(_small_bundle(tmp_path, bad), tmp_path / "s.duckdb")
    q = read_table(tmp_path / "s.duckdb", "quarantine").filter(pl.col("rule") == "fhir_invalid")
    assert q.height == 1
    msg = q["message"][0]
    assert msg.startswith(
        "Observation/edss-2: not a valid FHIR R4 Observation: valueQuantity.value")
    obs = next(c for c in result.sources if c.source == "Observation")
    assert obs.quarantined == 1
    assert obs.imported > 0


def test_case4_conflicting_values(tmp_path):
    def clash(resources):
        edss = next(r for r in resources if r["id"] == "edss-1")
        twin = json.loads(json.dumps(edss))
        twin["id"] = "edss-twin"
        twin["valueQuantity"]["value"] = 9.5
        resources.append(twin)

    import_fhir(_small_bundle(tmp_path, clash), tmp_path / "s.duckdb")
    q = read_table(tmp_path / "s.duckdb", "quarantine")
    assert q["rule"].to_list() == ["fhir_conflicting_values"]
    assert "Observation/edss-1 and Observation/edss-twin" in q["message"][0]


def test_case5_unknown_type_ignored(tmp_path):
    def extra(resources):
        resources.append({"resourceType": "Procedure", "id": "x1", "status": "completed",
                          "subject": {"reference": "Patient/p1"}})

    result = import_fhir(_small_bundle(tmp_path, extra), tmp_path / "s.duckdb")
    proc = next(c for c in result.sources if c.source == "Procedure")
    assert (proc.read, proc.ignored) == (1, 1)


def test_case6_written_resources_are_valid(stores):
    records = read_fhir(stores["bundle"])
    assert records
    assert [r.label for r in records if r.problem] == []


def test_case7_broken_ndjson_refused(tmp_path):
    (tmp_path / "Patient.ndjson").write_text('{"resourceType": "Patient", "id": "a"}\n{oops\n')
    with pytest.raises(ImportRefused, match=r"Patient\.ndjson: line 2: not JSON"):
        import_fhir(tmp_path, tmp_path / "s.duckdb")
    assert not (tmp_path / "s.duckdb").exists()
