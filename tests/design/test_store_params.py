"""The ``store`` source: parameters estimated from charts with msrwe's mixed model."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from msrwe.design import parse_design, store_params
from msrwe.design.config import Population, Schedule
from msrwe.design.model import simulate_cohort
from msrwe.design.params import published_params
from msrwe.design.store import lognormal_from_moments, params_from_tables
from msrwe.errors import InputError

DESIGN = parse_design("""\
[design]
title = "store"
[population]
phenotype = "SPMS"
edss = [3.0, 6.5]
source = "store"
[arms]
placebo = 1
active = 1
[schedule]
duration_weeks = 96
visit_every_weeks = 12
[[endpoints]]
name = "e"
outcome = "edss"
""")


def _charts(params, n=1500, seed=3):
    s = Schedule(duration_weeks=208, visit_every_weeks=12, relapse_visits=False)
    c = simulate_cohort(np.random.default_rng(seed), np.arange(n), np.array(["SPMS"] * n), {},
                        params, Population(), s, np.full(n, 208 * 7.0))
    d0 = dt.date(2015, 1, 1)
    ids = pl.col("patient_id").cast(pl.String)
    visits = c.visits.with_columns(ids, (pl.lit(d0) + pl.duration(days=pl.col("date")))
                                   .alias("date"))
    relapses = c.relapses.with_columns(ids, (pl.lit(d0) + pl.duration(days=pl.col(
        "onset_date"))).alias("onset_date"))
    patients = pl.DataFrame({"patient_id": [str(i) for i in range(n)], "phenotype": "SPMS"})
    return patients, visits, relapses


def test_lognormal_moments_round_trip():
    med, sd = lognormal_from_moments(0.2, 0.04)
    assert med * np.exp(sd**2 / 2) == pytest.approx(0.2)
    assert (np.exp(sd**2) - 1) * np.exp(2 * np.log(med) + sd**2) == pytest.approx(0.04)


def test_recovers_the_parameters_of_simulated_charts():
    truth = published_params().replace(**{"slope_median.t25fw": 0.10, "slope_sd.t25fw": 0.6,
                                          "noise_sd.t25fw": 0.08})
    patients, visits, relapses = _charts(truth)
    est = params_from_tables(patients, visits, relapses, DESIGN)
    assert est.source.startswith("store: 1500 SPMS patients")
    assert est.slope_median["t25fw"] == pytest.approx(0.10, rel=0.15)
    assert est.slope_sd["t25fw"] == pytest.approx(0.6, rel=0.25)
    assert est.noise_sd["t25fw"] == pytest.approx(0.08, rel=0.15)
    assert est.relapse_rate["SPMS"] == pytest.approx(truth.relapse_rate["SPMS"], rel=0.25)
    bl = est.edss_baseline["SPMS"]
    assert sum(bl.values()) == 1500
    assert all(3.0 <= k <= 6.5 for k in bl)
    assert est.t25fw_log_mean == pytest.approx(2.05 + 0.22 * (5.7 - 5), abs=0.15)


def test_no_patients_of_the_phenotype_is_an_error():
    patients = pl.DataFrame({"patient_id": ["a"], "phenotype": ["RRMS"]})
    visits = pl.DataFrame({"patient_id": ["a"], "date": [dt.date(2020, 1, 1)], "edss": [3.0]})
    with pytest.raises(InputError, match="no visits of SPMS"):
        params_from_tables(patients, visits, None, DESIGN)


@pytest.mark.slow
def test_store_params_from_a_real_store(tmp_path):
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    write_cohort(tmp_path / "charts", 120, seed=5, dirty=False)
    import_folder(tmp_path / "charts", tmp_path / "s.duckdb")
    d = DESIGN.with_changes(population=Population(("SPMS", "PPMS"), (3.0, 6.5), None, "store"))
    p = store_params(tmp_path / "s.duckdb", d)
    assert p.source.startswith("store:")
    assert all(np.isfinite(v) and v > 0 for v in p.slope_median.values())


def test_store_baseline_profiles_are_resampled_as_charted():
    patients, visits, relapses = _charts(published_params(), n=300)
    est = params_from_tables(patients, visits, relapses, DESIGN)
    prof = np.asarray(est.baseline_profiles["SPMS"])
    assert prof.shape == (300, 5)
    n = 400
    c = simulate_cohort(np.random.default_rng(1), np.arange(n), np.array(["SPMS"] * n), {}, est,
                        Population(), Schedule(), np.full(n, 672.0))
    base = c.visits.filter(pl.col("date") == 0)
    charted = {tuple(r) for r in prof[:, [0, 1]].round(1).tolist()}
    got = {tuple(r) for r in base.select("edss", "t25fw_s").rows()}
    assert got <= charted  # every simulated baseline is a charted patient's (EDSS, T25FW)
    assert len(got) > 100
