"""The command line: ``msrwe redcap synth`` -> ``msrwe import-redcap`` (table and JSON summary).

Case 1: the JSON summary holds the chart tables and the per-form accounting.
Case 2: the printed summary lists each REDCap form with read / imported / quarantined / ignored.
Case 3: no export and no --url, or both, is refused with a clear message; so is a bad --incomplete.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from msrwe.cli.main import app


def test_cli(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["redcap", "synth", "--out", str(tmp_path / "rc"), "--patients", "6"])
    assert res.exit_code == 0, res.output
    export = tmp_path / "rc" / "msrwe_redcap_export.csv"
    dictionary = tmp_path / "rc" / "msrwe_redcap_dictionary.csv"
    db = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["import-redcap", str(export), "--dictionary", str(dictionary),
                              "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["tables"]["patients"]["imported"] == 6
    forms = summary["forms"]
    assert forms["patient"] == {"read": 6, "imported": 6, "quarantined": 0, "ignored": 0}
    assert forms["visit"]["read"] == summary["tables"]["visits"]["read"]
    res = runner.invoke(app, ["import-redcap", str(export), "--dictionary", str(dictionary),
                              "--db", str(db), "--incomplete", "skip"])
    assert res.exit_code == 0, res.output
    for word in ("patient", "visit", "read", "imported", "quarantined", "ignored",
                 "Nothing quarantined"):
        assert word in res.output
    res = runner.invoke(app, ["import-redcap", "--db", str(db)])
    assert res.exit_code == 1
    assert "either an export file or --url" in res.output
    res = runner.invoke(app, ["import-redcap", str(export), "--db", str(db)])
    assert res.exit_code == 1
    assert "dictionary is required" in res.output
    res = runner.invoke(app, ["import-redcap", str(export), "--dictionary", str(dictionary),
                              "--db", str(db), "--incomplete", "drop"])
    assert res.exit_code == 1
    assert "warn or skip" in res.output
