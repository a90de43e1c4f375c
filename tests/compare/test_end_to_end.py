"""End to end on the synthetic comparison arms: synth -> import -> msrwe compare -> results.csv.

The synthetic cohort has confounding by indication (sicker patients more often get a
non-reference arm, and they worsen sooner) and a true hazard ratio of 0.7 for every
non-reference arm, so the naive estimate must be biased upwards and the adjusted one nearer 0.7.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.compare import CompareDesign
from msrwe.compare.run import run_comparison
from msrwe.report.comparison import comparison_html
from msrwe.study import Study
from msrwe.synth import make_cohort
from msrwe.tables.results import RESULT_COLUMNS

ARMS = ("methotrexate", "rituximab", "cladribine")
STUDY = """
[study]
title = "Methotrexate, rituximab or cladribine"
[compare]
arms = ["methotrexate", "rituximab", "cladribine"]
reference = "methotrexate"
method = "matching"
caliper = 0.2
ratio = 1
replace = false
censoring = "pairwise"
follow_up = "itt"
outcomes = ["edss"]
"""
runner = CliRunner()


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return make_cohort(900, seed=2019, arms=list(ARMS))


@pytest.fixture(scope="module")
def weighted(tables):
    design = CompareDesign(arms=ARMS, method="weighting", censoring="arm")
    return run_comparison(tables, Study(), design)


def stat(df: pl.DataFrame, analysis: str, s: str, **where: str) -> float:
    d = df.filter(pl.col("analysis") == analysis, pl.col("stat") == s)
    for k, v in where.items():
        d = d.filter(pl.col(k) == v)
    assert d.height == 1, (analysis, s, where, d)
    return d["value"].item()


def test_01_naive_biased_adjusted_near_truth(weighted) -> None:
    df = weighted.results.to_polars()
    for comp in ("rituximab", "cladribine"):
        naive = stat(df, "compare_effect", "hr_naive", group=comp, variable="edss")
        hr = stat(df, "compare_effect", "hr", group=comp, variable="edss")
        lo = stat(df, "compare_effect", "hr_ci_low", group=comp, variable="edss")
        hi = stat(df, "compare_effect", "hr_ci_high", group=comp, variable="edss")
        assert naive > 1.0  # confounding by indication: the sicker arm looks worse
        assert abs(math.log(hr / 0.7)) < abs(math.log(naive / 0.7))
        assert lo <= 0.7 <= hi
        # balance improved on the confounders
        for cov in ("edss", "prior_dmts"):
            before = stat(df, "compare_balance", "smd_before", group=comp, variable=cov)
            after = stat(df, "compare_balance", "smd_after", group=comp, variable=cov)
            assert abs(after) < abs(before)
            assert abs(after) < 0.1


def test_02_vocabulary_of_the_issue(weighted) -> None:
    df = weighted.results.to_polars()
    eff = set(df.filter(pl.col("analysis") == "compare_effect")["stat"])
    assert eff == {"hr", "hr_ci_low", "hr_ci_high", "p_value", "hr_naive", "hr_naive_ci_low",
                   "hr_naive_ci_high", "e_value", "e_value_ci", "ph_p_value", "rmst_diff"}
    bal = set(df.filter(pl.col("analysis") == "compare_balance", pl.col("group") ==
                        "rituximab")["stat"])
    assert {"smd_before", "smd_after", "vr_before", "vr_after", "mean_rituximab_before",
            "mean_rituximab_after", "mean_methotrexate_before",
            "mean_methotrexate_after"} == bal
    arr = df.filter(pl.col("analysis") == "compare_arr")
    assert set(arr.filter(pl.col("group") == "rituximab")["stat"]) == {
        "arr", "arr_ci_low", "arr_ci_high"}
    assert {"rate_ratio", "rate_ratio_ci_low", "rate_ratio_ci_high"} <= set(
        arr.filter(pl.col("group") == "overall")["stat"])
    coh = df.filter(pl.col("analysis") == "compare_cohort")
    assert {"n_eligible", "ess", "person_years", "events"} <= set(coh["stat"])
    assert set(coh["group"]) == set(ARMS)


def test_03_report_section(weighted) -> None:
    html = comparison_html(weighted)
    for text in ("Comparative effectiveness", "The emulated target trial", "Love plot",
                 "Propensity-score overlap", "Adjusted Kaplan-Meier", "numbers at risk",
                 "Naive and adjusted effects", "E-value", "Methods of the comparison"):
        assert text in html, text


def test_04_cli_compare_writes_results_csv(tmp_path: Path) -> None:
    charts, db, out = tmp_path / "charts", tmp_path / "s.duckdb", tmp_path / "out"
    r = runner.invoke(app, ["synth", "--out", str(charts), "--arms", ",".join(ARMS),
                            "--patients", "600"])
    assert r.exit_code == 0, r.output
    note = (charts / "SYNTHETIC_DATA.txt").read_text()
    assert "True hazard ratio of confirmed EDSS worsening" in note
    assert "0.7" in note
    r = runner.invoke(app, ["import", str(charts), "--db", str(db)])
    assert r.exit_code == 0, r.output
    study = tmp_path / "study.toml"
    study.write_text(STUDY)
    r = runner.invoke(app, ["compare", "--db", str(db), "--study", str(study), "--out",
                            str(out)])
    assert r.exit_code == 0, r.output
    df = pl.read_csv(out / "results.csv")
    assert tuple(df.columns) == RESULT_COLUMNS
    assert set(df["analysis"]) >= {"compare_cohort", "compare_balance", "compare_effect",
                                   "compare_arr"}
    assert not list(out.glob(".*.tmp"))  # no temporary file left behind
    eff = df.filter(pl.col("analysis") == "compare_effect", pl.col("stat") == "hr")
    assert sorted(eff["group"].to_list()) == ["cladribine", "rituximab"]


def test_05_cli_errors_are_messages(tmp_path: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text('[study]\ntitle = "x"\n')
    r = runner.invoke(app, ["compare", "--db", str(tmp_path / "none.duckdb"), "--study",
                            str(study), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "no [compare] section" in r.output
    study.write_text('[compare]\narms = ["a", "b"]\nratio = 0\n')
    r = runner.invoke(app, ["compare", "--study", str(study), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "compare.ratio must be at least 1" in r.output
    assert "Traceback" not in r.output


def test_06_default_synth_unchanged_by_arms_option() -> None:
    # the default cohort does not go through the arms generator
    a = make_cohort(30, seed=1)
    assert a["administrations"]["drug"].unique().sort().to_list() in (
        ["methotrexate"], ["methotrexate", "rituximab"])


def test_07_matching_variants_run(tables) -> None:
    design = CompareDesign(arms=ARMS[:2], ratio=2, replace=True, caliper=0.1,
                           adjust_residual=True, residual_smd=0.05, follow_up="on_treatment",
                           censoring="pairwise")
    res = run_comparison(tables, Study(), design)
    df = res.results.to_polars()
    eff = df.filter(pl.col("analysis") == "compare_effect", pl.col("stat") == "hr")
    assert eff.height == 1
    method = eff["method"].item()
    assert "clustered on 'patient_id'" in method  # with replacement: cluster on the patient
    assert "Adjusted for" in method
    coh = df.filter(pl.col("analysis") == "compare_cohort", pl.col("stat") == "n_matched")
    assert coh.height == 2
    assert "with replacement" in res.methods


def test_08_analyze_and_report_run_the_declared_comparison(tmp_path: Path) -> None:
    from msrwe.pipeline import analyze

    charts, db = tmp_path / "charts", tmp_path / "s.duckdb"
    assert runner.invoke(app, ["synth", "--out", str(charts), "--arms", "methotrexate,rituximab",
                               "--patients", "400"]).exit_code == 0
    assert runner.invoke(app, ["import", str(charts), "--db", str(db)]).exit_code == 0
    study = tmp_path / "study.toml"
    study.write_text('[study]\ntitle = "t"\n[compare]\narms = ["methotrexate", "rituximab"]\n')
    result = analyze(db, study)
    assert "compare" in [a.name for a in result.analyses]
    df = result.results.to_polars()
    assert df.filter(pl.col("analysis") == "compare_effect").height == 11
    assert {"adcmp", "adcmpps", "adcmptte"} <= set(result.datasets)
    assert any("target trial" in m for m in result.methods.split("\n\n"))
    # without [compare] the analysis is off
    plain = tmp_path / "plain.toml"
    plain.write_text('[study]\ntitle = "t"\n')
    assert "compare" not in [a.name for a in analyze(db, plain).analyses]
    out = tmp_path / "report.html"
    r = runner.invoke(app, ["report", "--db", str(db), "--study", str(study), "--out", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    for text in ("Comparative effectiveness", "The emulated target trial", "Love plot",
                 "Propensity-score overlap", "Adjusted Kaplan-Meier", "Naive and adjusted"):
        assert text in html, text
