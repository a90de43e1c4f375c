"""analyze() and `msrwe analyze` end to end on a small store written by the importer."""

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.analysis import DATASET_NAMES
from msrwe.cli.main import app
from msrwe.errors import StoreError, StudyFileError
from msrwe.io import import_folder
from msrwe.pipeline import analyze
from msrwe.tables.results import read_results

CHARTS = {
    "patients.csv": """
patient_id,sex,birth_date,ms_onset_date,diagnosis_date,phenotype
P1,F,1960-01-01,1990-01-01,1991-01-01,SPMS
P2,M,1962-01-01,1992-01-01,1993-01-01,SPMS
P3,F,1970-01-01,2005-01-01,2006-01-01,PPMS
P4,M,1980-01-01,2005-01-01,2006-01-01,RRMS
""",
    "visits.csv": """
patient_id,date,edss
P1,2015-01-01,4.0
P1,2015-04-01,5.0
P1,2015-07-01,5.0
P1,2015-10-01,5.0
P2,2014-12-01,6.0
P2,2015-06-01,6.0
P2,2015-12-01,6.0
P3,2016-01-01,3.0
P3,2016-04-01,2.0
P4,2016-01-01,2.0
""",
    "administrations.csv": """
patient_id,date,drug,route,dose,dose_unit
P1,2015-01-01,methotrexate,intrathecal,12.5,mg
P1,2015-03-01,methotrexate,intrathecal,12.5,mg
P1,2015-05-01,methotrexate,intrathecal,12.5,mg
P1,2015-07-01,methotrexate,intrathecal,12.5,mg
P1,2015-09-01,methotrexate,intrathecal,12.5,mg
P2,2015-01-01,methotrexate,intrathecal,12.5,mg
P2,2015-03-01,methotrexate,intrathecal,12.5,mg
P2,2015-05-01,methotrexate,intrathecal,12.5,mg
P2,2015-11-01,methotrexate,intrathecal,12.5,mg
P3,2016-01-01,methotrexate,intrathecal,12.5,mg
P3,2016-03-01,methotrexate,intrathecal,12.5,mg
P4,2016-01-01,rituximab,iv,1000,mg
""",
    "adverse_events.csv": """
patient_id,onset_date,term,serious,related
P1,2015-01-02,Headache,false,related
P2,2015-03-03,Headache,false,related
P3,2016-01-05,Fatigue,false,possibly_related
""",
}
STUDY = """
[study]
title = "Small test study"
[cohort]
drug = "methotrexate"
route = "intrathecal"
min_administrations = 2
phenotypes = ["SPMS", "PPMS"]
[analysis]
group_by = "phenotype"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("run")
    charts = root / "charts"
    charts.mkdir()
    for name, text in CHARTS.items():
        (charts / name).write_text(text.strip() + "\n")
    (root / "study.toml").write_text(STUDY)
    db = root / "store.duckdb"
    import_folder(charts, db)
    return db


# Case 1: analyze returns results, every dataset, attrition, methods, settings and provenance
def test_case1_analyze(store: Path):
    r = analyze(store, store.parent / "study.toml")
    assert set(DATASET_NAMES) <= set(r.datasets)
    assert r.datasets["adsl"]["patient_id"].to_list() == ["P1", "P2", "P3"]
    assert r.attrition.select("criterion", "excluded", "remaining").rows()[:6] == [
        ("patients charted (rows of the patients file)", 0, 4),  # from the import log
        ("imported without chart errors (the others quarantined at import)", 0, 4),
        ("patients in the store", 0, 4),
        ("received methotrexate by the intrathecal route", 1, 3),
        ("at least 2 administrations", 0, 3),
        ("phenotype SPMS or PPMS", 0, 3),
    ]
    res = r.results
    assert res.get("cohort", "N") == 3
    assert res.get("cohort", "N", group="SPMS") == 2
    assert res.get("attrition", "excluded", variable="criterion", level="1") == 1
    assert res.get("edss_change", "n") == 3
    assert res.get("edss_change", "worsened") == 1
    assert res.get("edss_change", "improved") == 1
    assert res.get("edss_change", "n", group="PPMS") == 1
    assert res.get("time_to_cdw", "events") == 1  # P1: 4.0 -> 5.0 confirmed 91 days later
    cdw = r.datasets["adevents"].filter(pl.col("param") == "CDW_EDSS")
    assert cdw["date"].to_list() == [dt.date(2015, 4, 1)]
    assert "at least 2 intrathecal administrations of methotrexate" in r.methods
    assert r.in_force.drug == "methotrexate"
    assert r.in_force.route == "intrathecal"
    assert r.in_force.interval_days == (56, 77)  # the regimen's known window
    assert r.in_force.groups == ("PPMS", "SPMS", "overall")
    assert r.study.exposure.interval_days is None  # the study as given, never patched
    files = {f["table_name"]: f for f in r.provenance.files}
    assert len(files["patients"]["sha256"]) == 64
    assert r.provenance.store == str(store)
    assert len(r.provenance.study_sha256) == 64
    names = [a.name for a in r.analyses]
    # the core analyses first, then those of the registry whose data the store holds, in order
    assert names[:5] == ["cohort", "table1", "exposure", "safety", "efficacy"]
    from msrwe.pipeline import ANALYSES

    order = [a.name for a in ANALYSES]
    assert names == [n for n in order if n in names]
    assert "compare" not in names  # runs only when the study has [compare]


# Case 1b: RAW/PIRA classification is a setting of the outcome engine
def test_case1b_raw_pira(store: Path):
    r = analyze(store, {"cohort": {"drug": "methotrexate"}, "outcomes": {"RAW_PIRA": True}})
    ev = r.datasets["adevents"].filter(pl.col("param") == "CDW_EDSS")
    assert ev["cdw_type"].to_list() == ["PIRA"]  # P1 has no relapse


# Case 1c: without grouping every analysis is written once, for 'overall'
def test_case1c_no_grouping(store: Path):
    r = analyze(store, {"cohort": {"drug": "methotrexate"}, "analysis": {"group_by": "none"}})
    df = r.results.to_polars()
    assert set(df["group"]) == {"overall"}
    keys = ["analysis", "group", "variable", "level", "stat"]
    assert df.select(keys).is_duplicated().sum() == 0


# Case 2: without a study, every patient on the most-given drug (methotrexate, 11 doses)
def test_case2_default_study(store: Path):
    r = analyze(store)
    assert r.datasets["adsl"]["patient_id"].to_list() == ["P1", "P2", "P3"]
    assert r.study.source == "default study (most-given drug)"
    assert r.provenance.study_sha256 == ""


# Case 3: bad study files and stores give clear errors, not tracebacks
def test_case3_errors(store: Path, tmp_path: Path):
    with pytest.raises(StudyFileError, match="no administration in the store is of this drug"):
        analyze(store, {"cohort": {"drug": "natalizumab"}})
    with pytest.raises(StudyFileError, match="no patient meets the cohort criteria"):
        analyze(store, {"cohort": {"drug": "methotrexate", "phenotypes": ["CIS"]}})
    with pytest.raises(StudyFileError, match=r"unknown key 'cohort\.drugs'"):
        analyze(store, {"cohort": {"drugs": "methotrexate"}})
    with pytest.raises(StoreError, match="no store here"):
        analyze(tmp_path / "missing.duckdb")


# Case 4: progress is reported step by step
def test_case4_progress(store: Path):
    seen = []
    analyze(store, progress=lambda i, n, what: seen.append((i, n, what)))
    assert [s[0] for s in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][0] == seen[-1][1]


# Case 5: the command writes results.csv/.parquet with the promised columns
def test_case5_cli(store: Path, tmp_path: Path):
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "analyze",
            "--db",
            str(store),
            "--study",
            str(store.parent / "study.toml"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert header == ["analysis", "group", "variable", "level", "stat", "value", "label", "method"]
    df = read_results(out)
    assert df.filter(
        (pl.col("analysis") == "edss_change")
        & (pl.col("stat") == "n")
        & (pl.col("group") == "overall")
    )["value"].to_list() == [3.0]
    assert "Cohort and attrition" in res.output
    assert "Safety per group" in res.output
    assert "EDSS per group" in res.output


# Case 6: --export DIR writes the datasets, the attrition table and the methods paragraph
def test_case6_cli_export(store: Path, tmp_path: Path):
    out, exp = tmp_path / "out", tmp_path / "exp"
    res = CliRunner().invoke(
        app, ["analyze", "--db", str(store), "--out", str(out), "--export", str(exp), "--quiet"]
    )
    assert res.exit_code == 0, res.output
    for name in DATASET_NAMES:
        assert (exp / f"{name}.parquet").exists(), name
    assert (exp / "attrition.csv").exists()
    assert "Kaplan-Meier" in (exp / "methods.txt").read_text()
    settings = json.loads((exp / "settings.json").read_text())
    assert settings["in_force"]["drug"] == "methotrexate"
    assert settings["source"] == "default study (most-given drug)"
    prov = json.loads((exp / "provenance.json").read_text())
    assert {"store", "files", "study_source", "study_sha256", "versions", "run_at"} <= set(prov)
    assert settings["outcomes"]["conf_days"] == 84
    assert {f["table_name"] for f in prov["files"]} >= {"patients", "visits"}


# Case 7: the command turns a bad study file into a message and exit status 1
def test_case7_cli_bad_study(store: Path, tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[cohort]\nmin_doses = 3\n")
    res = CliRunner().invoke(
        app, ["analyze", "--db", str(store), "--study", str(bad), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 1
    assert "unknown key 'cohort.min_doses'" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o" / "results.csv").exists()


# Case 8: a store with only patients and administrations still gives a full, honest table
def test_case8_minimal_store(tmp_path: Path):
    charts = tmp_path / "charts"
    charts.mkdir()
    for name in ("patients.csv", "administrations.csv"):
        (charts / name).write_text(CHARTS[name].strip() + "\n")
    db = tmp_path / "store.duckdb"
    import_folder(charts, db)
    r = analyze(db, {"cohort": {"drug": "methotrexate"}})
    res = r.results
    assert res.get("cohort", "N") == 3
    assert res.get("edss_change", "n") == 0
    assert res.get("edss_change", "p_value") is None
    rows = res.to_polars().filter(pl.col("analysis") == "edss_change")
    assert rows["method"][0].startswith("not computed: no patient has both")
    assert res.get("time_to_cdw", "n") == 0
    assert res.get("edss_slope", "slope") is None
    assert r.datasets["advs"].height == 0
    assert r.datasets["adtte"].height == 0
