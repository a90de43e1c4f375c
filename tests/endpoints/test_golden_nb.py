"""ARR and T2 lesion rate ratios on msrwe's derived demo counts against R's MASS::glm.nb.

tests/results/endpoints/counts.csv holds the counts msrwe derived (make_counts.py);
nb_counts.csv the R fit on them (make_golden_nb.R). The first test pins the derivation, the
second the model on those counts.
"""

from pathlib import Path

import polars as pl
import pytest

from msrwe.endpoints.arr import add_rate_ratio
from msrwe.tables.results import ResultsTable

HERE = Path(__file__).parents[1] / "results" / "endpoints"


def test_1_the_demo_counts_are_what_msrwe_derives(endpoint_demo):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_counts", HERE / "make_counts.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    now = mod.derived_counts(endpoint_demo.db, endpoint_demo.study)
    saved = pl.read_csv(HERE / "counts.csv")
    assert now.select("patient_id", "group", "n_relapses", "t2_count").equals(
        saved.select("patient_id", "group", "n_relapses", "t2_count"))
    for col in ("person_years", "t2_years"):
        assert now[col].to_list() == pytest.approx(saved[col].to_list(), abs=1e-9)
    tte = mod.demo_adtte(endpoint_demo.db, endpoint_demo.study)
    saved = pl.read_csv(HERE / "adtte_edss.csv")
    assert tte.select("patient_id", "group", "event").equals(
        saved.select("patient_id", "group", "event"))
    assert tte["time_years"].to_list() == pytest.approx(saved["time_years"].to_list(), abs=1e-9)


@pytest.mark.parametrize(("outcome", "count", "years"),
                         [("relapses", "n_relapses", "person_years"),
                          ("t2", "t2_count", "t2_years")])
def test_2_rate_ratio_matches_r_glm_nb_with_sandwich_se(outcome, count, years):
    golden = pl.read_csv(HERE / "nb_counts.csv").filter(pl.col("outcome") == outcome).row(
        0, named=True)
    r = ResultsTable()
    add_rate_ratio(r, pl.read_csv(HERE / "counts.csv"), analysis="x", count=count,
                   person_years=years, level=0.95)
    # relapses: R's theta runs to its iteration limit (no overdispersion: the Poisson limit),
    # so the estimates agree to the optimisers' tolerance only
    tol = 1e-3 if outcome == "relapses" else 1e-4
    assert r.get("x", "rate_ratio", group="SPMS") == pytest.approx(golden["rate_ratio"], rel=tol)
    assert r.get("x", "ci_low", group="SPMS") == pytest.approx(golden["ci_low_hc0"], rel=tol)
    assert r.get("x", "ci_high", group="SPMS") == pytest.approx(golden["ci_high_hc0"], rel=tol)


def test_3_cox_hazard_ratio_matches_r_survival_with_robust_se():
    from msrwe.endpoints.cox import add_cox

    golden = pl.read_csv(HERE / "cox_edss.csv").row(0, named=True)
    adtte = pl.read_csv(HERE / "adtte_edss.csv").with_columns(
        pl.col("event").cast(pl.Boolean), pl.lit("CDW_EDSS").alias("param"))
    r = ResultsTable()
    add_cox(r, adtte=adtte)
    assert r.get("cox", "n", group="SPMS", variable="CDW_EDSS") == golden["n"]
    assert r.get("cox", "events", group="SPMS", variable="CDW_EDSS") == golden["events"]
    for stat, col in (("hr", "hr"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                      ("p_value", "p_value")):
        assert r.get("cox", stat, group="SPMS", variable="CDW_EDSS") == pytest.approx(
            golden[col], rel=1e-3), stat
