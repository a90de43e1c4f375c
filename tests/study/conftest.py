"""The demo cohort analysed once per test session (synth -> import -> analyze)."""

from pathlib import Path

import pytest

from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.io import import_folder
from msrwe.pipeline import analyze
from msrwe.synth import write_cohort


@pytest.fixture(scope="session")
def demo_result(tmp_path_factory):
    """The published series' study on the default 83-patient synthetic cohort."""
    root: Path = tmp_path_factory.mktemp("demo_cohort")
    write_cohort(root / "charts")
    db = root / "store.duckdb"
    import_folder(root / "charts", db)
    (root / "study.toml").write_text(DEMO_STUDY)
    return analyze(db, root / "study.toml")
