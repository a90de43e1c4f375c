"""The analysis bundle (issue 14 item 1): ``msrwe analyze --out DIR`` keeps what the report
needs, and ``msrwe report --analysis DIR`` renders it without analysing again.

Cases
-----
1. On the demo cohort (83 patients, dirty charts, the demo study), the report rendered from the
   bundle is byte-identical to the report ``msrwe report --db --study`` analyses in-process,
   once the "generated" timestamp is removed.
2. The bundle reads back to the same result: results rows, every dataset (values and types),
   attrition, methods, study, what was in force, provenance, analyses (the registry's), data
   quality.
3. With ``--min-cell 5`` the bundle holds no patient-level dataset and the report equals
   ``msrwe report --min-cell 5``.
4. ``msrwe report --analysis`` opens no store and runs no analysis (both are made to fail).
5. Clear errors (msrwe.errors.BundleError) for: no folder, an export folder without a bundle, a
   site package, a foreign manifest, an older and a newer layout, a missing file, an unknown
   analysis; ``--db`` or ``--study`` with ``--analysis``; an ``analysis`` folder of other files
   under ``analyze --out`` (refused before analysing).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import BundleError
from msrwe.pipeline import build_report
from msrwe.pipeline.bundle import BUNDLE_VERSION, load_analysis, save_analysis
from msrwe.store import Store

runner = CliRunner()
_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


def _cli(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def _fails(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    return " ".join(res.output.split())


def _unstamped(path: Path) -> str:
    return _STAMP.sub("<generated>", path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo cohort imported, its study, and its analysis written by ``msrwe analyze``."""
    from msrwe.cli.demo_cmd import DEMO_STUDY
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("demo")
    write_cohort(root / "charts", 83, seed=2019, dirty=True)
    db = root / "msrwe.duckdb"
    import_folder(root / "charts", db)
    study = root / "study.toml"
    study.write_text(DEMO_STUDY, encoding="utf-8")
    _cli("analyze", "--db", str(db), "--study", str(study), "--out", str(root / "results"),
         "--quiet")
    return {"root": root, "db": db, "study": study, "results": root / "results"}


def test_case1_report_from_the_bundle_is_the_in_process_report(demo):
    inproc, chained = demo["root"] / "inproc.html", demo["root"] / "chained.html"
    _cli("report", "--db", str(demo["db"]), "--study", str(demo["study"]), "--out", str(inproc))
    _cli("report", "--analysis", str(demo["results"]), "--out", str(chained))
    a, b = _unstamped(inproc), _unstamped(chained)
    assert len(_STAMP.findall(inproc.read_text(encoding="utf-8"))) >= 1
    assert a == b
    # the bundle folder itself is accepted too
    again = demo["root"] / "again.html"
    _cli("report", "--analysis", str(demo["results"] / "analysis"), "--out", str(again))
    assert _unstamped(again) == a


def test_case2_the_bundle_reads_back_to_the_same_result(demo):
    from msrwe.pipeline import analyze

    with Store(demo["db"]) as store:
        fresh = analyze(store, demo["study"])
        quality = store.quality()
    back = load_analysis(demo["results"])
    r = back.result
    assert r.results.to_polars().equals(fresh.results.to_polars())
    assert list(r.datasets) == list(fresh.datasets)
    for name, df in fresh.datasets.items():
        assert_frame_equal(r.datasets[name], df, check_exact=True)
    assert_frame_equal(r.attrition, fresh.attrition)
    assert r.methods == fresh.methods
    assert r.study == fresh.study
    assert r.study.to_toml() == fresh.study.to_toml()
    assert r.in_force == fresh.in_force
    fresh_prov = {**fresh.provenance.to_dict(), "run_at": ""}
    assert {**r.provenance.to_dict(), "run_at": ""} == fresh_prov
    assert r.analyses == fresh.analyses  # the registry's own objects, in report order
    assert r.min_cell is None
    assert_frame_equal(back.quality.quarantine, quality.quarantine)
    assert_frame_equal(back.quality.import_warnings, quality.import_warnings)
    assert back.quality.quarantined_rows == quality.quarantined_rows > 0
    manifest = json.loads((demo["results"] / "analysis" / "analysis.json").read_text())
    assert manifest["format"] == "msrwe-analysis"
    assert manifest["version"] == BUNDLE_VERSION
    assert manifest["analyses"] == [a.name for a in fresh.analyses]


def test_case3_withheld_counts_bundle_no_dataset_and_render_the_same(demo, tmp_path):
    out = tmp_path / "res"
    _cli("analyze", "--db", str(demo["db"]), "--study", str(demo["study"]), "--out", str(out),
         "--quiet", "--min-cell", "5")
    assert not (out / "analysis" / "datasets").exists()
    assert load_analysis(out).result.datasets == {}
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    _cli("report", "--db", str(demo["db"]), "--study", str(demo["study"]), "--min-cell", "5",
         "--out", str(a))
    _cli("report", "--analysis", str(out), "--out", str(b))
    assert _unstamped(a) == _unstamped(b)
    assert "&lt;5" in b.read_text(encoding="utf-8")


def test_case4_rendering_a_bundle_neither_opens_the_store_nor_analyses(demo, tmp_path,
                                                                       monkeypatch):
    import msrwe.pipeline.report as rep

    def refuse(*_a, **_k):
        raise AssertionError("the report analysed or opened the store")

    monkeypatch.setattr(rep.run, "analyze", refuse)
    monkeypatch.setattr(rep.run, "read_chart_tables", refuse)
    monkeypatch.setattr(rep, "Store", refuse)
    out = build_report(None, tmp_path / "r.html", analysis=demo["results"])
    assert "Appendix A. Data quality" in out.read_text(encoding="utf-8")


def _bundle_copy(demo: dict[str, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "res"
    shutil.copytree(demo["results"], copy)
    return copy


def _edit_manifest(folder: Path, **changes: object) -> None:
    path = folder / "analysis" / "analysis.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize("case", ["none", "file", "export", "site", "foreign", "old", "new",
                                  "missing", "unknown", "other"])
def test_case5_a_folder_that_is_not_a_usable_bundle_is_a_clear_error(demo, tmp_path, case):
    folder = _bundle_copy(demo, tmp_path)
    expect = {
        "none": "no such folder", "file": "is a file", "export": "no analysis bundle",
        "site": "site package", "foreign": "is not the manifest of an msrwe analysis",
        "old": "older than it", "new": "newer than it", "missing": "lacks datasets/advs.parquet",
        "unknown": "does not have (no_such_analysis)", "other": "is not an analysis of msrwe",
    }[case]
    if case == "none":
        folder = tmp_path / "nowhere"
    elif case == "file":
        folder = folder / "results.csv"
    elif case == "export":
        shutil.rmtree(folder / "analysis")
    elif case == "site":
        shutil.rmtree(folder / "analysis")
        (folder / "manifest.json").write_text("{}")
    elif case == "foreign":
        _edit_manifest(folder, format="something-else")
    elif case == "old":
        _edit_manifest(folder, version=BUNDLE_VERSION - 1)
    elif case == "new":
        _edit_manifest(folder, version=BUNDLE_VERSION + 1)
    elif case == "missing":
        (folder / "analysis" / "datasets" / "advs.parquet").unlink()
    elif case == "unknown":
        _edit_manifest(folder, analyses=["cohort", "no_such_analysis"])
    elif case == "other":
        folder = tmp_path / "empty"
        folder.mkdir()
    with pytest.raises(BundleError, match=re.escape(expect)):
        load_analysis(folder)
    message = _fails("report", "--analysis", str(folder), "--out", str(tmp_path / "r.html"))
    assert expect in message
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("option", ["--db", "--study"])
def test_case5_store_or_study_with_an_analysis_is_refused(demo, tmp_path, option):
    value = demo["db"] if option == "--db" else demo["study"]
    message = _fails("report", "--analysis", str(demo["results"]), option, str(value),
                     "--out", str(tmp_path / "r.html"))
    assert f"{option} cannot be given with --analysis" in message


def test_case5_an_analysis_folder_of_other_files_is_refused_before_analysing(demo, tmp_path,
                                                                              monkeypatch):
    import msrwe.pipeline.run as run

    (tmp_path / "res" / "analysis").mkdir(parents=True)
    (tmp_path / "res" / "analysis" / "notes.txt").write_text("mine")
    monkeypatch.setattr(run, "analyze", lambda *a, **k: pytest.fail("analysed"))
    message = _fails("analyze", "--db", str(demo["db"]), "--out", str(tmp_path / "res"))
    assert "is not an analysis bundle msrwe wrote" in message
    assert (tmp_path / "res" / "analysis" / "notes.txt").read_text() == "mine"


def test_save_replaces_a_previous_bundle_whole(demo, tmp_path):
    folder = _bundle_copy(demo, tmp_path)
    (folder / "analysis" / "stale.txt").write_text("old")
    bundle = load_analysis(folder)
    save_analysis(bundle.result, folder, quality=bundle.quality)
    assert not (folder / "analysis" / "stale.txt").exists()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []
    assert load_analysis(folder).result.results.to_polars().equals(
        bundle.result.results.to_polars())
    assert isinstance(pl.read_parquet(folder / "analysis" / "results.parquet"), pl.DataFrame)


def test_a_de_identified_report_from_the_bundle_names_no_patient(demo, tmp_path):
    out, key = tmp_path / "share.html", tmp_path / "key.csv"
    _cli("report", "--analysis", str(demo["results"]), "--out", str(out), "--deidentify",
         "--key", str(key))
    html = out.read_text(encoding="utf-8")
    ids = load_analysis(demo["results"]).result.datasets["adsl"]["patient_id"].to_list()
    assert ids
    assert not [pid for pid in ids if re.search(rf"\b{re.escape(pid)}\b", html)]
    keyed = pl.read_csv(key)
    assert set(ids) <= set(keyed["patient_id"].to_list())
