"""QA, issue #9 items 12 (report side) and 18 (appendix): identifiers only when asked; repeats once.

Item 12: the report's appendix printed patient identifiers (and birth dates) of quarantined
rows; they are withheld unless the study sets ``[study] show_identifiers = true``. Item 18:
repeated identical quarantine lines (every visit of an unknown patient) are one line with
their rows. Each test fails on the code before the fix.
"""

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app

runner = CliRunner()
SECRET = "ZZ-SECRET-99"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("qa_report_privacy")
    charts = root / "charts"
    write_cohort(charts, 30, seed=4)
    visits = pl.read_csv(charts / "visits.csv", infer_schema=False)
    stray = visits.head(3).with_columns(patient_id=pl.lit(SECRET))
    pl.concat([visits, stray]).write_csv(charts / "visits.csv")
    import_folder(charts, root / "s.duckdb")
    for name, flag in (("hidden.toml", "false"), ("shown.toml", "true")):
        (root / name).write_text(f'[study]\ntitle = "QA"\nshow_identifiers = {flag}\n'
                                 '[cohort]\ndrug = "methotrexate"\n')
    return root / "s.duckdb"


def _report(store: Path, tmp_path: Path, study: str | None) -> str:
    args = ["report", "--db", str(store), "--out", str(tmp_path / "r.html")]
    if study:
        args += ["--study", str(store.parent / study)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("study", [None, "hidden.toml"])
def test_item12_report_withholds_identifiers_by_default(store, tmp_path, study):
    # Item 12: the appendix printed patient IDs of quarantined rows
    html = _report(store, tmp_path, study)
    assert SECRET not in html
    assert "(withheld)" in html


def test_item12_report_shows_identifiers_when_the_study_asks(store, tmp_path):
    html = _report(store, tmp_path, "shown.toml")
    assert SECRET in html


def test_item18_repeated_quarantine_lines_are_collapsed(store, tmp_path):
    # Item 18: three identical "no such patient" lines became three rows of the appendix
    html = _report(store, tmp_path, "shown.toml")
    # the summary by rule quotes it twice (example value, message), the one listing line twice
    assert html.count(SECRET) == 4
    n = pl.read_csv(store.parent / "charts" / "visits.csv", infer_schema=False).height
    rows = ", ".join(str(r) for r in range(n - 1, n + 2))
    assert f">{rows}<" in html
