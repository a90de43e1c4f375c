"""End to end: simulate a small design through the real engine; results, report and command."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.design import (
    design_results_table,
    parse_design,
    render_design_report,
    simulate,
    write_design_outputs,
)
from msrwe.design.multiplicity import reject
from msrwe.design.results import STATS
from msrwe.tables import read_results

SMALL = """\
[design]
title = "Small MTX design"
n_trials = 40
seed = 4
[population]
phenotype = ["SPMS", "PPMS"]
edss = [3.0, 6.5]
[arms]
placebo = 1
active = 1
[schedule]
duration_weeks = 96
visit_every_weeks = 12
dropout_per_year = 0.1
[effect]
hazard_ratio = 0.6
[[endpoints]]
name = "nhpt_20pct"
outcome = "nhpt"
conf_days = 84
[[endpoints]]
name = "edss_cdw12"
outcome = "edss"
conf_days = 84
[[endpoints]]
name = "edss_plus"
outcome = "edss_plus"
conf_days = 84
[analysis]
n_per_arm = [40, 80]
multiplicity = "fixed_sequence"
"""


@pytest.fixture(scope="module")
def result():
    return simulate(parse_design(SMALL, source="small.toml"))


def test_grid_and_plausible_numbers(result):
    assert [(g.endpoint, g.n_per_arm) for g in result.grid] == [
        (e, n) for n in (40, 80) for e in ("nhpt_20pct", "edss_cdw12", "edss_plus")]
    for g in result.grid:
        assert 0 <= g.power <= 1
        assert 0 <= g.type1_error <= 1
        assert g.power_adjusted <= g.power + 1e-12 or g.endpoint == "nhpt_20pct"
        assert g.active_rate < g.placebo_rate  # the treatment slows progression
        assert 0.05 < g.placebo_rate < 0.9
        assert g.n_control == g.n_treatment == g.n_per_arm
    # the composite has more events than its EDSS component; power rises with n
    p = {(g.endpoint, g.n_per_arm): g for g in result.grid}
    assert p["edss_plus", 80].events > p["edss_cdw12", 80].events
    assert p["edss_plus", 80].events == pytest.approx(2 * p["edss_plus", 40].events, rel=0.15)
    # fixed sequence: the first endpoint keeps its own power
    assert p["nhpt_20pct", 80].power_adjusted == p["nhpt_20pct", 80].power
    assert result.visit_rows > 40 * 160 * 8


def test_results_rows(result, tmp_path):
    t = design_results_table(result).to_polars()
    assert set(t["analysis"]) == {"design_power"}
    assert set(t["group"]) == {"overall"}
    assert set(t["stat"]) == set(STATS)
    assert t.filter(pl.col("stat") == "n_per_arm")["value"].to_list() == [
        40.0, 40.0, 40.0, 80.0, 80.0, 80.0]
    assert (t.filter(pl.col("stat") == "n_per_arm")["level"].cast(pl.Float64)
            == t.filter(pl.col("stat") == "n_per_arm")["value"]).all()
    csv, _html = write_design_outputs(result, tmp_path)
    back = read_results(csv)
    assert back.height == t.height
    assert not list(tmp_path.glob("*.tmp"))


def test_report_is_self_contained(result):
    html = render_design_report(result)
    assert "Content-Security-Policy" in html
    assert "default-src 'none'" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    for words in ("Statistical analysis plan", "Schoenfeld", "Why they differ", "IMPACT",
                  "ORATORIO", "59.5%", "fixed sequence", "randomised 1:1"):
        assert words in html, words
    assert html.count("data:image/svg+xml;base64,") == 2


def test_same_seed_same_result():
    d = parse_design(SMALL).with_changes(n_trials=5)
    a, b = simulate(d), simulate(d)
    assert [g.power for g in a.grid] == [g.power for g in b.grid]
    assert [g.events for g in a.grid] == [g.events for g in b.grid]


def test_dropout_counted_as_progression_adds_events():
    base = parse_design(SMALL.replace("dropout_per_year = 0.1", "dropout_per_year = 0.3"))
    prog = parse_design(SMALL.replace("dropout_per_year = 0.1", 'dropout_per_year = 0.3\n'
                                      'dropout_counts_as = "progression"'))
    a = simulate(base.with_changes(n_trials=10)).point("edss_cdw12", 80)
    b = simulate(prog.with_changes(n_trials=10)).point("edss_cdw12", 80)
    assert b.placebo_rate > a.placebo_rate + 0.1


def test_event_driven_trial_stops_at_target():
    d = parse_design(SMALL.replace("dropout_per_year = 0.1", 'dropout_per_year = 0.1\n'
                                   'accrual_weeks = 52\nfollow_up = "events"\n'
                                   'target_events = 30').replace("n_trials = 40",
                                                                 "n_trials = 10"))
    r = simulate(d)
    # the first endpoint drives the stop: at most the target events (ties at the cutoff aside)
    g = r.point("nhpt_20pct", 80)
    assert 25 <= g.events <= 31


def test_multiplicity_rules():
    rng = np.random.default_rng(0)
    p = rng.random((500, 3))
    none, seq, holm = (reject(p, 0.05, m) for m in ("none", "fixed_sequence", "holm"))
    assert (seq <= none).all()
    assert (holm <= none).all()
    assert (holm.any(axis=1) == (p.min(axis=1) <= 0.05 / 3)).all()


def test_cli_writes_both_files(tmp_path):
    f = tmp_path / "d.toml"
    f.write_text(SMALL.replace("n_trials = 40", "n_trials = 3"), encoding="utf-8")
    r = CliRunner().invoke(app, ["design", str(f), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "results.csv").exists()
    assert (tmp_path / "out" / "design.html").exists()


def test_cli_bad_design_is_a_message_not_a_traceback(tmp_path):
    f = tmp_path / "d.toml"
    f.write_text(SMALL.replace("visit_every_weeks = 12", "visit_every_weeks = 200"),
                 encoding="utf-8")
    r = CliRunner().invoke(app, ["design", str(f), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "longer than the trial" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out").exists()


def test_store_source_needs_db(tmp_path):
    f = tmp_path / "d.toml"
    f.write_text(SMALL.replace('edss = [3.0, 6.5]', 'edss = [3.0, 6.5]\nsource = "store"'),
                 encoding="utf-8")
    r = CliRunner().invoke(app, ["design", str(f), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1
    assert "--db" in r.output


@pytest.mark.slow
def test_type1_error_over_10000_null_trials():
    """Under the null (visit model, real engine), the log-rank test rejects 5% +/- 1%."""
    d = parse_design(SMALL.replace("hazard_ratio = 0.6", "hazard_ratio = 1.0")
                     .replace("n_trials = 40", "n_trials = 10000")
                     .replace("n_per_arm = [40, 80]", "n_per_arm = [50]"))
    d = d.with_changes(endpoints=d.endpoints[1:2])  # the 12-week EDSS endpoint: keeps it short
    r = simulate(d)
    assert [g.endpoint for g in r.grid] == ["edss_cdw12"]
    for g in r.grid:
        assert abs(g.power - 0.05) <= 0.01, (g.endpoint, g.power)
        assert abs(g.type1_error - 0.05) <= 0.01, (g.endpoint, g.type1_error)


def test_store_params_reads_the_store(tmp_path):
    # store_params on a real store (one Store handle): a missing table is named, and a store with
    # patients and visits gives parameters whose source says so
    from msrwe.design import store_params
    from msrwe.errors import InputError
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    d = parse_design(SMALL)
    empty = tmp_path / "empty.duckdb"
    import duckdb

    duckdb.connect(str(empty)).close()
    with pytest.raises(InputError, match="has no patients table"):
        store_params(empty, d)
    write_cohort(tmp_path / "charts", n_patients=60, seed=3)
    import_folder(tmp_path / "charts", tmp_path / "s.duckdb")
    params = store_params(tmp_path / "s.duckdb", d)
    assert params.source.startswith("store: ")


@pytest.mark.slow
def test_demo_design_runs_and_writes_its_files(tmp_path):
    from msrwe.design.demo import run_demo_design

    html = run_demo_design(tmp_path)
    assert html == tmp_path / "design.html"
    assert html.exists()
    t = read_results(tmp_path / "results.csv")
    assert set(t["variable"]) == {"edss_cdw24", "nhpt_20pct", "edss_plus"}
    assert (tmp_path / "design.toml").exists()
