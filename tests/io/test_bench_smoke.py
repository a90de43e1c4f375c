"""bench/import_speed.py still runs (on a tiny file) and prints both methods."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_case_01_benchmark_runs_on_a_tiny_file():
    # Case 1: the benchmark prints DuckDB's reference and msrwe's import at the size asked
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "import_speed.py"),
            "--sizes",
            "3000",
            "--repeat",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = out.stdout.splitlines()
    assert any("duckdb read_csv" in line and line.split()[0] == "3000" for line in lines)
    assert any("msrwe import" in line for line in lines)
