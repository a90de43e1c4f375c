"""QA: ``msrwe outcomes`` on stores that lack what an outcome needs.

Each case is a defect found by running the outcome commands as a biostatistician would; the
test fails without its fix.
"""

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.derive.outcomes import detect_events
from msrwe.derive.outcomes.nhpt import detect_nhpt_events

runner = CliRunner()
D0 = dt.date(2020, 1, 1)


def _visits() -> pl.DataFrame:
    # a: 9HPT on the dominant hand only; b: on the non-dominant hand only, once;
    # c: EDSS but no 9HPT at all
    return pl.DataFrame(
        {
            "patient_id": ["a", "a", "b", "c", "c"],
            "date": [D0, dt.date(2020, 6, 1), D0, D0, dt.date(2020, 6, 1)],
            "edss": [3.0, 3.0, 4.0, 5.0, 5.0],
            "nhpt_dominant_s": [20.0, 21.0, None, None, None],
            "nhpt_nondominant_s": [None, None, 30.0, None, None],
        }
    )


def test_case1_patients_without_a_peg_test_are_not_counted_as_analysed():
    # Case 1: the 9-hole peg test summary listed every patient with a visit (c too), so
    # "analysed" counted patients who never had the test; like the engine's EDSS summary, only
    # patients with at least one time are analysed
    res = detect_nhpt_events(_visits())
    assert res.summary["patient_id"].to_list() == ["a", "b"]
    assert detect_events(_visits(), outcome="nhpt").summary["patient_id"].to_list() == ["a", "b"]


def test_case2_harmonic_mean_needs_both_hands():
    # Case 2: the harmonic mean is missing unless both hands were timed: nobody is analysed here
    res = detect_nhpt_events(_visits(), hands="harmonic")
    assert res.summary.height == 0
    assert res.events.height == 0


def test_case3_outcome_nhpt_on_a_store_without_peg_tests_analyses_nobody(tmp_path: Path):
    # Case 3: `msrwe outcomes --outcome nhpt` on a store whose visits have no 9HPT times printed
    # "analysed 2" (every patient) as if the test had been analysed for them; it is now refused
    # before any work, naming the columns that hold no value
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,sex\nA1,F\nA2,M\n", encoding="utf-8")
    (folder / "visits.csv").write_text(
        "patient_id,date,edss\nA1,2015-01-01,3.0\nA1,2015-07-01,4.0\nA2,2015-01-01,6.0\n",
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    assert runner.invoke(app, ["import", str(folder), "--db", str(db)]).exit_code == 0
    res = runner.invoke(app, ["outcomes", "--db", str(db), "--outcome", "nhpt",
                              "--out", str(tmp_path / "ev.csv")])
    assert res.exit_code == 1, res.output
    assert "No visit in the store has a value for nhpt_dominant_s or nhpt_nondominant_s" in (
        res.output
    )
