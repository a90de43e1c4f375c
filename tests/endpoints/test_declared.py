"""The endpoint analyses through the declared-analysis pipeline: analyze, options, report."""

import polars as pl
import pytest

from msrwe.endpoints.analyses import ENDPOINT_ANALYSES
from msrwe.errors import StudyFileError
from msrwe.pipeline import analyze, build_report
from msrwe.pipeline.registry import check_study
from msrwe.study.config import Study

NAMES = [a.name for a in ENDPOINT_ANALYSES]


@pytest.fixture(scope="module")
def demo_run(endpoint_demo):
    return analyze(endpoint_demo.db, endpoint_demo.study)


def test_1_every_endpoint_runs_by_default_on_the_demo(demo_run):
    got = set(demo_run.results.to_polars()["analysis"])
    assert set(NAMES) <= got
    for name in ("adrr", "admri", "admriyr", "adneda", "adlublin", "adpirma", "adbm"):
        assert name in demo_run.datasets
    for words in ("Annualised relapse rates", "NEDA-3", "PIRMA", "Serum neurofilament",
                  "MSSS", "value_milestone", "Lublin 2014", "Cox proportional hazards"):
        assert words in demo_run.methods


def test_2_switched_off_and_options_from_the_study_file(endpoint_demo):
    study = Study.from_dict({
        "cohort": {"drug": "methotrexate"},
        "analyses": {"neda": {"enabled": False}, "arr": {"merge_days": 0},
                     "pirma": {"mri_lookback_days": 365}},
    })
    r = analyze(endpoint_demo.db, study)
    rows = r.results.to_polars()
    assert "neda" not in set(rows["analysis"])
    arr = rows.filter((pl.col("analysis") == "arr") & (pl.col("stat") == "relapses")
                      & (pl.col("group") == "overall") & (pl.col("variable") == "relapses"))
    assert arr.height == 1
    assert "every charted onset counted" in arr["method"].item()
    assert "365 days before onset" in r.methods


def test_3_bad_options_are_refused_with_the_key():
    with pytest.raises(StudyFileError, match=r"analyses\.pirma\.lookback"):
        check_study(Study.from_dict({"analyses": {"pirma": {"lookback": 3}}}))
    with pytest.raises(StudyFileError, match=r"analyses\.severity\.indexing must be one of"):
        check_study(Study.from_dict({"analyses": {"severity": {"indexing": "R"}}}))
    with pytest.raises(StudyFileError, match=r"analyses\.arr\.merge_days must be at least 0"):
        check_study(Study.from_dict({"analyses": {"arr": {"merge_days": -1}}}))


def test_4_a_store_without_mri_writes_not_computed_rows(endpoint_demo, tmp_path):
    import shutil

    import duckdb

    db = tmp_path / "no_mri.duckdb"
    shutil.copy(endpoint_demo.db, db)
    con = duckdb.connect(str(db))
    con.execute("drop table mri")
    con.close()
    rows = analyze(db, endpoint_demo.study).results.to_polars()
    mri = rows.filter(pl.col("analysis") == "mri_activity")
    assert mri.height == 1
    assert mri["method"].item().startswith("not computed")
    assert rows.filter(pl.col("analysis") == "arr").height > 10


def test_5_the_report_shows_the_endpoint_sections(endpoint_demo, demo_run, tmp_path):
    out = build_report(endpoint_demo.db, tmp_path / "report.html", analysis=demo_run)
    html = out.read_text(encoding="utf-8")
    for title in ("Relapses", "MRI", "Serum biomarkers", "MS severity and disability milestones",
                  "Annualised relapse rate", "NEDA-3 and NEDA-4 per year of follow-up",
                  "sNfL and GFAP on treatment", "Cox hazard ratios"):
        assert title in html, title
