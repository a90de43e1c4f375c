"""Splitting the demo cohort into 3 sites and pooling gives the single-site numbers."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import MsrweError
from msrwe.federated import pool_sites, pooled_km, read_package
from msrwe.synth import write_cohort

runner = CliRunner()


def _run(*args: str) -> None:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> tuple[Path, list[Path], Path]:
    tmp = tmp_path_factory.mktemp("fed")
    charts = tmp / "charts"
    write_cohort(charts)
    ids = pl.read_csv(charts / "patients.csv")["patient_id"].to_list()
    parts = [set(ids[i::3]) for i in range(3)]
    site_dirs = []
    for i, part in enumerate(parts):
        folder = tmp / f"charts{i}"
        folder.mkdir()
        for csv in charts.glob("*.csv"):
            frame = pl.read_csv(csv, infer_schema=False)
            frame.filter(pl.col("patient_id").is_in(sorted(part))).write_csv(folder / csv.name)
        _run("import", str(folder), "--db", str(tmp / f"s{i}.duckdb"))
        _run("analyze", "--db", str(tmp / f"s{i}.duckdb"), "--aggregate-only",
             "--site", f"site{i}", "--out", str(tmp / f"pkg{i}"))
        site_dirs.append(tmp / f"pkg{i}")
    _run("import", str(charts), "--db", str(tmp / "all.duckdb"))
    _run("analyze", "--db", str(tmp / "all.duckdb"), "--aggregate-only", "--out",
         str(tmp / "pkg_all"))
    return tmp, site_dirs, tmp / "pkg_all"


def test_case1_counts_person_time_and_rates_equal_single_site(sites):
    _, site_dirs, whole = sites
    pooled = pool_sites(site_dirs)
    _, single = read_package(whole)
    counts = single["counts.csv"].with_columns(pl.col("level").fill_null(""))
    assert counts.height > 0
    joined = counts.join(pooled.counts, on=["analysis", "group", "variable", "level", "stat"],
                         how="inner", suffix="_pooled")
    # every row all three sites wrote is pooled (AE terms seen at one site only are not)
    assert joined.height == pooled.counts.height > 300
    time_at_risk = pl.col("stat").is_in(["person_years", "exposure_years"]) & pl.col(
        "analysis").is_in(["hospitalization", "ae_incidence", "ae_serious", "ae_related",
                           "ae_infection"])
    exact = joined.filter(~time_at_risk)
    assert exact["value"].to_list() == pytest.approx(exact["value_pooled"].to_list(), rel=1e-9)
    assert exact.filter(pl.col("stat") == "person_years").height >= 3  # ARR, per group
    # safety time at risk ends at each store's last charted date (a site's data cutoff): the
    # three sites' cutoffs are a few days earlier than the whole cohort's
    cut = joined.filter(time_at_risk).with_columns(d=pl.col("value") - pl.col("value_pooled"))
    assert cut["d"].min() >= -1e-9
    assert cut["d"].max() < 0.1


def test_case2_pooled_rates_equal_results_of_single_site(sites):
    tmp, site_dirs, _ = sites
    _run("analyze", "--db", str(tmp / "all.duckdb"), "--out", str(tmp / "res_all"), "--quiet")
    results = pl.read_csv(tmp / "res_all" / "results.csv",
                          schema_overrides={"level": pl.String}).with_columns(
        pl.col("level").fill_null(""))
    rates = pool_sites(site_dirs).rates
    assert rates.height > 0
    checked = 0
    for row in rates.iter_rows(named=True):
        key = (pl.col("analysis") == row["analysis"]) & (pl.col("group") == row["group"]) & (
            pl.col("variable") == row["variable"]) & (pl.col("level") == row["level"])
        lo = "ci_low" if row["stat"] == "arr" else f"{row['stat']}_ci_low"
        hi = "ci_high" if row["stat"] == "arr" else f"{row['stat']}_ci_high"
        for stat, col in ((row["stat"], "value"), (lo, "ci_low"), (hi, "ci_high")):
            want = results.filter(key & (pl.col("stat") == stat))["value"]
            assert want.len() == 1, (row, stat)
            if want[0] is None:
                continue
            assert row[col] == pytest.approx(want[0], rel=1e-3, abs=1e-4), (row, stat)
            checked += 1
    assert checked > 20


def test_case3_km_from_pooled_steps_equals_single_site(sites):
    _, site_dirs, whole = sites
    pooled = pool_sites(site_dirs).km
    _, single = read_package(whole)
    direct = pooled_km(single["km.csv"], min_at_risk=10)  # the study's km_min_at_risk
    assert pooled.sort("param", "group", "time_days").equals(
        direct.sort("param", "group", "time_days"))


def test_case4_meta_analysis_and_report(sites):
    tmp, site_dirs, _ = sites
    _run("pool", *map(str, site_dirs), "--out", str(tmp / "pooled"))
    meta = pl.read_csv(tmp / "pooled" / "meta.csv")
    assert set(meta["method"]) == {"FE", "DL", "REML"}
    assert (meta["k"] == 3).all()
    page = (tmp / "pooled" / "report.html").read_text()
    assert "Content-Security-Policy" in page
    assert "Meta-analysis" in page


def test_case5_no_identifier_or_date_in_packages(sites):
    tmp, site_dirs, _ = sites
    ids = pl.read_csv(tmp / "charts" / "patients.csv")["patient_id"].to_list()
    for folder in site_dirs:
        for f in folder.iterdir():
            text = f.read_text()
            assert not any(i in text for i in ids), f
            assert "-01-" not in text or f.name == "manifest.json"


def test_case6_changed_file_is_refused(sites, tmp_path):
    _, site_dirs, _ = sites
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in site_dirs[0].iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "counts.csv").write_text((bad / "counts.csv").read_text() + "x,y,z,,N,1\n")
    with pytest.raises(MsrweError, match="SHA-256"):
        pool_sites([bad, site_dirs[1]])
    manifest = json.loads((bad / "manifest.json").read_text())
    assert manifest["format"].startswith("msrwe-site-package")


def test_case7_aggregate_only_refuses_export(tmp_path):
    res = runner.invoke(app, ["analyze", "--db", str(tmp_path / "x.duckdb"), "--aggregate-only",
                              "--export", str(tmp_path / "e"), "--out", str(tmp_path / "p")])
    assert res.exit_code != 0
    assert "--aggregate-only" in res.output
    assert not (tmp_path / "e").exists()


def test_case8_pool_never_writes_over_a_site_package(sites):
    _, site_dirs, _ = sites
    before = (site_dirs[0] / "manifest.json").read_bytes()
    res = runner.invoke(app, ["pool", *map(str, site_dirs), "--out", str(site_dirs[0])])
    assert res.exit_code != 0
    assert (site_dirs[0] / "manifest.json").read_bytes() == before


def test_case_km_min_at_risk_pooled_curve_stops_as_every_curve():
    # no estimate where fewer than km_min_at_risk patients are at risk; the counts stay
    steps = pl.DataFrame({"param": ["P"] * 3, "group": ["overall"] * 3,
                          "time_days": [10.0, 20.0, 30.0], "n_event": [1, 1, 1],
                          "n_censor": [8, 0, 0]})
    km = pooled_km(steps, min_at_risk=3)
    assert km["n_risk"].to_list() == [11, 2, 1]
    assert km["survival"].to_list()[1:] == [None, None]
    assert km["survival"][0] == pytest.approx(10 / 11)
    assert pooled_km(steps)["survival"].null_count() == 0


def test_case_km_min_at_risk_recorded_and_used(sites):
    _, site_dirs, _ = sites
    manifest, _ = read_package(site_dirs[0])
    assert manifest["km_min_at_risk"] == 10
    km = pool_sites(site_dirs).km
    assert km.filter(pl.col("n_risk") < 10)["survival"].null_count() == km.filter(
        pl.col("n_risk") < 10).height
