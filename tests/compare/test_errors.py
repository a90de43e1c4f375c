"""Bad designs get clear errors (or a warning), never a traceback."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from msrwe.compare import CompareDesign
from msrwe.compare.run import run_comparison
from msrwe.errors import InputError, StudyFileError
from msrwe.study import Study

d = dt.date


def chart(arms: list[str], edss: list[float], *, phenotype: str = "SPMS",
          seed: int = 1) -> dict[str, pl.DataFrame]:
    """One patient per entry: an arm, a baseline EDSS, visits every 6 months for 3 years."""
    rng = np.random.default_rng(seed)
    n = len(arms)
    ids = [f"p{i:03d}" for i in range(n)]
    start = [d(2015, 1, 1) + dt.timedelta(days=int(rng.integers(0, 1500))) for _ in range(n)]
    patients = pl.DataFrame({
        "patient_id": ids, "sex": rng.choice(["F", "M"], n).tolist(),
        "birth_date": [s - dt.timedelta(days=int(rng.integers(35, 65) * 365.25))
                       for s in start],
        "ms_onset_date": [s - dt.timedelta(days=int(rng.integers(3, 20) * 365.25))
                          for s in start],
        "phenotype": [phenotype] * n,
    })
    adm = pl.DataFrame({"patient_id": ids, "drug": arms, "date": start, "route": ["iv"] * n})
    vrows = []
    for i in range(n):
        worsen = int(rng.integers(1, 8))
        for k in range(7):
            vrows.append((ids[i], start[i] + dt.timedelta(days=182 * k),
                          edss[i] + (1.0 if k >= worsen else 0.0)))
    visits = pl.DataFrame(vrows, schema=["patient_id", "date", "edss"], orient="row")
    return {"patients": patients, "administrations": adm, "visits": visits}


def mixed(n: int, seed: int = 2) -> tuple[list[str], list[float]]:
    rng = np.random.default_rng(seed)
    edss = rng.choice([3.0, 4.0, 5.0, 6.0], n).tolist()
    arms = ["rtx" if rng.random() < 0.3 + 0.08 * (e - 3) else "mtx" for e in edss]
    return arms, edss


def test_01_arm_nobody_received() -> None:
    arms, edss = mixed(60)
    with pytest.raises(StudyFileError, match="no patient in the store received cladribine"):
        run_comparison(chart(arms, edss), Study(),
                       CompareDesign(arms=("mtx", "cladribine"), covariates=("edss",)))


def test_02_arm_with_no_eligible_patient() -> None:
    arms, edss = mixed(60)
    tables = chart(arms, edss)
    tables["patients"] = tables["patients"].with_columns(
        phenotype=pl.Series(["RRMS" if a == "rtx" else "SPMS" for a in arms]))
    with pytest.raises(StudyFileError, match="no patient on rtx is eligible"):
        run_comparison(tables, Study(),
                       CompareDesign(arms=("mtx", "rtx"), covariates=("edss",),
                                     phenotypes=["SPMS"]))


def test_03_fewer_than_10_per_arm_warns_and_still_analyses() -> None:
    arms, edss = mixed(60)
    keep = [i for i, a in enumerate(arms) if a == "mtx"] + [
        i for i, a in enumerate(arms) if a == "rtx"][:8]
    res = run_comparison(chart([arms[i] for i in keep], [edss[i] for i in keep]), Study(),
                         CompareDesign(arms=("mtx", "rtx"), covariates=("edss",), ratio=2,
                                       caliper=1.0))
    assert any("only 8 eligible patient(s) on rtx" in n for n in res.notes)
    rows = res.results.to_polars().filter(pl.col("variable") == "notes")
    assert any("only 8 eligible" in lab for lab in rows["label"])  # in results.csv as well
    eff = res.results.to_polars().filter(pl.col("analysis") == "compare_effect")
    assert eff.height > 0


def test_04_no_overlap_at_all() -> None:
    # the arms never share a score: all rtx patients are older than every mtx patient
    arms, edss = mixed(60)
    tables = chart(arms, edss)
    ages = [30 if a == "mtx" else 60 for a in arms]
    tables["patients"] = tables["patients"].with_columns(
        birth_date=pl.Series([d(2015, 1, 1) - dt.timedelta(days=int(a * 365.25))
                              for a in ages]))
    with pytest.raises(InputError, match=r"separates the arms|do not overlap"):
        run_comparison(tables, Study(),
                       CompareDesign(arms=("mtx", "rtx"), covariates=("age", "edss")))


def test_05_constant_covariate_named_explicitly() -> None:
    arms, edss = mixed(60)
    with pytest.raises(StudyFileError, match="'phenotype', but it is the same for every "
                                             "patient"):
        run_comparison(chart(arms, edss), Study(),
                       CompareDesign(arms=("mtx", "rtx"), covariates=("edss", "phenotype")))


def test_06_constant_default_covariate_is_left_out() -> None:
    arms, edss = mixed(60)
    res = run_comparison(chart(arms, edss), Study(), CompareDesign(arms=("mtx", "rtx")))
    covs = set(res.results.to_polars().filter(pl.col("analysis") == "compare_balance")
               ["variable"].to_list())
    assert "edss" in covs
    assert not any(c.startswith("phenotype") for c in covs)


def test_07_perfect_separation_by_a_combination() -> None:
    # neither covariate alone separates the arms, their sum does
    rng = np.random.default_rng(5)
    n = 60
    a = rng.integers(0, 5, n).astype(float)
    e = rng.choice([3.0, 4.0, 5.0, 6.0], n)
    arms = ["rtx" if a[i] + e[i] > 7.5 else "mtx" for i in range(n)]
    tables = chart(arms, e.tolist())
    tables["treatments"] = pl.DataFrame({
        "patient_id": [f"p{i:03d}" for i in range(n) for _ in range(int(a[i]))],
        "drug": [f"d{k}" for i in range(n) for k in range(int(a[i]))],
        "start_date": [d(2010, 1, 1)] * int(a.sum()),
        "stop_date": [d(2011, 1, 1)] * int(a.sum()),
    })
    with pytest.raises(InputError, match=r"separate the arms \(almost\) perfectly"):
        run_comparison(tables, Study(),
                       CompareDesign(arms=("mtx", "rtx"), covariates=("edss", "prior_dmts")))


def test_08_study_without_compare() -> None:
    with pytest.raises(StudyFileError, match="has no \\[compare\\] section"):
        run_comparison(chart(*mixed(20)), Study())
