"""`msrwe analyze --export DIR` and `msrwe report --export DIR` write the same files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from typer.testing import CliRunner

from msrwe.analysis.result import EXPORT_FILES
from msrwe.cli.main import app

_SCRIPT = Path(__file__).parents[1] / "results" / "pipeline" / "make_golden.py"
_spec = importlib.util.spec_from_file_location("make_golden", _SCRIPT)
assert _spec is not None
assert _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_analyze_and_report_export_the_same_files(tmp_path: Path):
    db, study = golden.build_store("by_sex", tmp_path / "store")
    a, r = tmp_path / "a", tmp_path / "r"
    runner = CliRunner()
    res = runner.invoke(app, ["analyze", "--db", str(db), "--study", str(study),
                              "--out", str(tmp_path / "out"), "--export", str(a), "--quiet"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["report", "--db", str(db), "--study", str(study),
                              "--out", str(tmp_path / "report.html"), "--export", str(r)])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in r.iterdir())
    assert set(EXPORT_FILES) <= set(names)
    for name in names:
        if name == "provenance.json":
            pa, pr = (json.loads((d / name).read_text()) for d in (a, r))
            pa.pop("run_at")
            pr.pop("run_at")
            assert pa == pr
        elif name.endswith((".csv", ".json", ".txt", ".toml")):
            assert (a / name).read_text() == (r / name).read_text(), name
