"""``analyze`` keeps every row and value of ``results.csv`` from before the pipeline refactor.

The golden files were written from main (e04e01a) by ``tests/results/pipeline/make_golden.py``;
an intended difference is listed in ``changelog.d/pipeline-a.md``.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import polars as pl
import pytest

from msrwe.pipeline import analyze
from msrwe.tables.results import RESULT_SCHEMA

_SCRIPT = Path(__file__).parents[1] / "results" / "pipeline" / "make_golden.py"
_spec = importlib.util.spec_from_file_location("make_golden", _SCRIPT)
assert _spec is not None
assert _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

KEY = ["analysis", "group", "variable", "level", "stat"]


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("case", sorted(golden.CASES))
def test_results_match_the_golden_copy(case: str, tmp_path: Path) -> None:
    db, study = golden.build_store(case, tmp_path)
    got = analyze(db, study).results.to_polars()
    # Through CSV, as the golden copy went, so text and floats read back the same way.
    got.write_csv(tmp_path / "results.csv")
    got = pl.read_csv(tmp_path / "results.csv", schema=RESULT_SCHEMA)
    want = pl.read_csv(golden.golden_path(case), schema=RESULT_SCHEMA)
    # analyses added after the golden copy (the endpoint analyses of issue 11) are checked by
    # their own tests; every analysis of the golden copy must be unchanged
    got = got.filter(pl.col("analysis").is_in(want["analysis"].unique().implode()))
    assert got.select(KEY).rows() == want.select(KEY).rows(), "rows differ or moved"
    assert got["label"].to_list() == want["label"].to_list()
    assert got["method"].to_list() == want["method"].to_list()
    bad = [
        (k, a, b)
        for k, a, b in zip(got.select(KEY).rows(), got["value"], want["value"], strict=True)
        if not _same(a, b)
    ]
    assert not bad, f"{len(bad)} values differ, first: {bad[:5]}"
