"""The worked example of docs/architecture.md runs as written: MRI activity, added to the list."""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

import duckdb
import polars as pl
import pytest

from msrwe.pipeline import ANALYSES, analyze
from msrwe.study.config import Study

DOC = Path(__file__).parents[2] / "docs" / "architecture.md"
_SCRIPT = Path(__file__).parents[1] / "results" / "pipeline" / "make_golden.py"


def _example() -> dict:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    code = next(b for b in blocks if "class EarlyMriActivity(Analysis)" in b)
    module = types.ModuleType("architecture_example")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(code, str(DOC), "exec"), module.__dict__)
    return module.__dict__


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, Path]:
    spec = importlib.util.spec_from_file_location("make_golden", _SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    return golden.build_store("demo", tmp_path_factory.mktemp("architecture"))


def test_the_worked_example_runs_and_reports(store):
    db, study_file = store
    ns = _example()
    analyses = (*ANALYSES, ns["EarlyMriActivity"]())
    study = Study.from_toml_text(Path(study_file).read_text()
                                 + "\n[analyses.early_mri_activity]\nwindow_days = 730\n")
    r = analyze(db, study, analyses=analyses)
    rows = r.results.to_polars().filter(pl.col("analysis") == "early_mri_activity")
    assert set(rows["group"]) == {"SPMS", "PPMS", "overall"}
    overall = dict(rows.filter(pl.col("group") == "overall").select("stat", "value").iter_rows())
    # the same count, computed here without the class
    con = duckdb.connect(str(db), read_only=True)
    try:
        scans = con.sql("select * from mri").pl()
    finally:
        con.close()
    adsl = r.datasets["adsl"].select("patient_id", "first_dose")
    act = (
        scans.join(adsl, on="patient_id")
        .filter((pl.col("date") >= pl.col("first_dose"))
                & (pl.col("date") <= pl.col("first_dose") + pl.duration(days=730)))
        .with_columns((pl.col("gd_lesions").fill_null(0) + pl.col("new_t2_lesions").fill_null(0)
                       + pl.col("enlarging_t2_lesions").fill_null(0) > 0).alias("a"))
        .group_by("patient_id").agg(pl.col("a").any())
    )
    assert overall["N"] == act.height
    assert overall["n"] == act["a"].sum()
    assert "within 730 days after the first dose" in r.methods
    assert "MRI activity per group" in r.summary().as_text()
