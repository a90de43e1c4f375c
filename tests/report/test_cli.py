"""The ``msrwe report`` command."""

from __future__ import annotations

from typer.testing import CliRunner

from msrwe.cli.main import app

runner = CliRunner()


def test_report_command_writes_the_report_and_exports(store, tmp_path):
    out, export = tmp_path / "r.html", tmp_path / "results"
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(out),
                              "--export", str(export)])
    assert res.exit_code == 0, res.output
    assert "Report:" in res.output
    html = out.read_text()
    assert "Appendix A. Data quality" in html
    assert (export / "results.csv").exists()


def test_missing_store_is_a_clean_error(tmp_path):
    res = runner.invoke(app, ["report", "--db", str(tmp_path / "none.duckdb"),
                              "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 1
    assert "no store here" in res.output
    assert "Traceback" not in res.output


def test_missing_study_file_is_a_clean_error(store, tmp_path):
    res = runner.invoke(app, ["report", "--db", str(store), "--study",
                              str(tmp_path / "nope.toml"), "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 1
    assert "no study file here" in res.output
