"""Golden numbers of tests/results/stats (made by make_golden.py with scipy/statsmodels)."""

import json
from pathlib import Path

import pytest

RESULTS = Path(__file__).parents[1] / "results" / "stats"


@pytest.fixture(scope="session")
def golden() -> dict:
    return json.loads((RESULTS / "golden.json").read_text())
