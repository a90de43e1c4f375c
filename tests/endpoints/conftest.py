"""The demo cohort's store, study and analysis, built once for the endpoint tests."""

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.io import import_folder
from msrwe.pipeline import analyze
from msrwe.pipeline.run import read_chart_tables as _read_tables
from msrwe.study.config import Study
from msrwe.synth import write_cohort


@dataclass
class Demo:
    db: Path
    study: Study
    tables: dict[str, pl.DataFrame | None]
    adsl: pl.DataFrame
    advs: pl.DataFrame
    adtte: pl.DataFrame


@pytest.fixture(scope="session")
def endpoint_demo(tmp_path_factory) -> Demo:
    """The default 83-patient synthetic cohort, imported and analysed with the demo study."""
    root: Path = tmp_path_factory.mktemp("endpoint_demo")
    write_cohort(root / "charts")
    db = root / "store.duckdb"
    import_folder(root / "charts", db)
    study = Study.from_toml_text(DEMO_STUDY)
    res = analyze(db, study)
    return Demo(db, study, _read_tables(db), res.datasets["adsl"], res.datasets["advs"],
                res.datasets["adtte"])
