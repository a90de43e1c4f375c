"""QA, issue #9 item 21: the report's settings appendix, saved as a file, gives the same results.

The appendix said re-running with it gives the same report, but ``msrwe analyze --study`` refused
it (``[source]``, ``cohort.drug_in_force``). This runs the commands as a user would: a report
without a study file (the store's most-given drug), then ``analyze`` with the appendix, and with
a study file that sets many keys.
"""

import re
from html import unescape
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app

runner = CliRunner()

STUDY = """\
[study]
title = "Appendix round trip"
[cohort]
drug = "methotrexate"
min_administrations = 6
phenotypes = ["SPMS", "PPMS"]
[analysis]
group_by = "sex"
km_years = [1, 3]
[safety]
risk_window_days = 60
[outcomes]
conf_days = 168
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("qa_settings")
    write_cohort(root / "charts", 30, seed=5)
    import_folder(root / "charts", root / "s.duckdb")
    (root / "study.toml").write_text(STUDY)
    return root / "s.duckdb"


def _appendix(html: str) -> str:
    pre = re.search(r'<pre class="settings">(.*?)</pre>', html, re.S)
    assert pre is not None, "the report has no settings appendix"
    return unescape(pre.group(1))


def _results(folder: Path) -> pl.DataFrame:
    return pl.read_csv(folder / "results.csv", infer_schema=False)


@pytest.mark.parametrize("with_study", [False, True])
def test_item21_settings_appendix_round_trips(store, tmp_path, with_study):
    # Item 21: the appendix was refused by `msrwe analyze --study`
    study = ["--study", str(store.parent / "study.toml")] if with_study else []
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(tmp_path / "r.html"),
                              *study])
    assert res.exit_code == 0, res.output
    saved = tmp_path / "appendix.toml"
    saved.write_text(_appendix((tmp_path / "r.html").read_text()))
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(tmp_path / "a"),
                              "--quiet", *study])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(tmp_path / "b"),
                              "--quiet", "--study", str(saved)])
    assert res.exit_code == 0, res.output
    assert _results(tmp_path / "b").equals(_results(tmp_path / "a"))
