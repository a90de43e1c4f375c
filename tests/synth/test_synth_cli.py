"""The ``msrwe synth`` command."""

from __future__ import annotations

import re

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.synth import TABLE_NAMES, make_cohort

runner = CliRunner()


# Case 1: the default writes the 83-patient cohort as CSV and prints what it wrote
def test_case_01_default(tmp_path):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in TABLE_NAMES:
        assert (tmp_path / f"{name}.csv").exists()
        assert f"{name}.csv" in result.output
    assert not (tmp_path / "dirty_manifest.csv").exists()
    assert pl.read_csv(tmp_path / "patients.csv").height == 83
    assert "83 patients" in result.output


# Case 2: --patients, --seed and --format reach write_cohort
def test_case_02_options(tmp_path):
    result = runner.invoke(
        app, ["synth", "--out", str(tmp_path), "--patients", "21", "--seed", "7",
              "--format", "parquet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    back = pl.read_parquet(tmp_path / "visits.parquet")
    assert back.equals(make_cohort(21, seed=7)["visits"])


# Case 3: --dirty writes the manifest and summarises the planted errors
def test_case_03_dirty(tmp_path):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--dirty", "--patients", "30"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dirty_manifest.csv").exists()
    assert "edss_not_half_step 2" in " ".join(result.output.split())


# Case 4: bad options end with a clear message and exit status 1, never a traceback
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patients", "0"], "--patients must be between 1 and 2,000,000; got 0"),
        (["--format", "json"], "--format must be one of csv, parquet, xlsx"),
        (["--patients", "5", "--dirty"], "--dirty needs at least 20 patients"),
        (["--seed", "-1"], "--seed must be a whole number >= 0"),
    ],
)
def test_case_04_bad_options(tmp_path, args, message):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


# Case 5: an xlsx cohort counts its rows from the sheets
def test_case_05_xlsx(tmp_path):
    result = runner.invoke(
        app, ["synth", "--out", str(tmp_path), "--patients", "3", "--format", "xlsx"]
    )
    assert result.exit_code == 0, result.output
    cohort = make_cohort(3)
    for name in ("visits", "relapses", "administrations"):
        line = next(ln for ln in result.output.splitlines() if f"{name}.xlsx" in ln)
        assert re.findall(r"[\d,]+", line.split(f"{name}.xlsx")[1])[0].replace(",", "") == str(
            cohort[name].height
        )
