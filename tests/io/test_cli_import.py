"""The ``msrwe import`` and ``msrwe quarantine`` commands."""

from __future__ import annotations

import json

from chart_helpers import write
from typer.testing import CliRunner

from msrwe.cli.main import app

runner = CliRunner()


def _folder(tmp_path):
    folder = tmp_path / "charts"
    folder.mkdir()
    write(folder, "patients.csv", "patient_id,phenotype\nA1,SPMS\nA2,PPMS\n")
    write(
        folder,
        "visits.csv",
        "patient_id,date,edss,room\nA1,2015-01-01,6.0,3\nA2,2015-01-01,0.5,4\nA3,2015-01-01,4.0,4\n",
    )
    return folder


def test_case_01_json_summary(tmp_path):
    # Case 1: --json prints exactly the promised shape on stdout
    folder = _folder(tmp_path)
    result = runner.invoke(
        app, ["import", str(folder), "--db", str(tmp_path / "s.duckdb"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {
        "tables": {
            "patients": {"read": 2, "imported": 2, "quarantined": 0, "extra_columns": []},
            "visits": {"read": 3, "imported": 1, "quarantined": 2, "extra_columns": ["room"]},
        },
        "quarantined_by_rule": {"edss_half_step": 1, "unknown_patient": 1},
        "ignored": [],
        "rechecked": {},
    }


def test_case_02_human_summary_and_quarantine_listing(tmp_path):
    # Case 2: the human summary is a table; `quarantine` lists the rows and why, or as CSV
    folder = _folder(tmp_path)
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["import", str(folder), "--db", db])
    assert result.exit_code == 0
    assert "visits.csv" in result.stdout
    assert "edss_half_step 1" in result.stdout
    listing = runner.invoke(app, ["quarantine", "--db", db])
    assert listing.exit_code == 0
    assert "unknown_patient" in listing.stdout
    csv = runner.invoke(app, ["quarantine", "--db", db, "--csv"])
    lines = csv.stdout.strip().splitlines()
    assert lines[0] == "table_name,file,row_number,column_name,value,rule,message"
    assert lines[1].startswith("visits,visits.csv,3,edss,0.5,edss_half_step,")
    assert len(lines) == 3


def test_case_03_fatal_problems_exit_1_without_traceback(tmp_path):
    # Case 3: a missing folder, a bad mapping and a binary file exit 1 with a message
    folder = _folder(tmp_path)
    db = str(tmp_path / "s.duckdb")
    missing = runner.invoke(app, ["import", str(tmp_path / "nope"), "--db", db])
    assert missing.exit_code == 1
    assert "no such folder" in missing.output
    (tmp_path / "m.toml").write_text("[visit]\n")
    bad_map = runner.invoke(
        app, ["import", str(folder), "--db", db, "--mapping", str(tmp_path / "m.toml")]
    )
    assert bad_map.exit_code == 1
    assert "not a chart table" in bad_map.output
    (folder / "relapses.csv").write_bytes(b"\x00\xff\x00")
    binary = runner.invoke(app, ["import", str(folder), "--db", db])
    assert binary.exit_code == 1
    assert "relapses.csv" in binary.output
    for r in (missing, bad_map, binary):
        assert "Traceback" not in r.output
        assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit)


def test_case_04_quarantine_without_store(tmp_path):
    # Case 4: asking for the quarantine of a store that does not exist is a clear error
    result = runner.invoke(app, ["quarantine", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "no store here" in result.output


def test_case_05_warnings_listing(tmp_path):
    # Case 5: rows imported with a warning are counted in the summary and listed on request
    folder = _folder(tmp_path)
    write(folder, "patients.csv", "patient_id,phenotype\nA1,PRMS\nA2,PPMS\nA3,SPMS\n")
    db = str(tmp_path / "s.duckdb")
    result = runner.invoke(app, ["import", str(folder), "--db", db])
    assert "1 row imported with a warning" in result.stdout
    listing = runner.invoke(app, ["quarantine", "--db", db, "--warnings", "--csv"])
    assert listing.exit_code == 0
    assert "prms_recorded_as_ppms" in listing.stdout
