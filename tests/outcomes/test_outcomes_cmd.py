"""The ``msrwe outcomes`` command on a small store."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app

D0 = dt.date(2020, 1, 1)


@pytest.fixture
def store(tmp_path):
    db = tmp_path / "s.duckdb"
    visits = pl.DataFrame({
        "patient_id": ["A"] * 4 + ["B"] * 3,
        "date": [D0 + dt.timedelta(days=d) for d in (0, 90, 180, 270, 0, 100, 200)],
        "edss": [3.0, 4.0, 4.0, 4.0, 5.5, 6.0, 6.0],
    })
    relapses = pl.DataFrame({"patient_id": ["A"], "onset_date": [D0 + dt.timedelta(days=80)]})
    con = duckdb.connect(str(db))
    con.register("v", visits.to_arrow())
    con.register("r", relapses.to_arrow())
    con.execute("create table visits as select * from v")
    con.execute("create table relapses as select * from r")
    con.close()
    return db


def test_outcomes_writes_csv_and_parquet(store, tmp_path):
    runner = CliRunner()
    out = tmp_path / "ev.csv"
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(out), "--raw-pira",
                              "--event", "multiple", "--baseline", "roving", "--describe"])
    assert res.exit_code == 0, res.output
    ev = pl.read_csv(out)
    assert ev.select("patient_id", "cdw_type").rows() == [("A", "RAW"), ("B", "PIRA")]
    assert "relapse-associated (RAW)" in res.output
    pq = tmp_path / "ev.parquet"
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(pq),
                              "--delta-fun", "trial", "--relapse-assoc", "90,7"])
    assert res.exit_code == 0, res.output
    assert pl.read_parquet(pq)["patient_id"].to_list() == ["A"]


def test_outcomes_bad_option_is_a_clean_error(store, tmp_path):
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store), "--baseline", "rolling",
                                   "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 1
    assert "The option --baseline must be one of" in res.output
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store), "--relapse-assoc", "x",
                                   "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 1
    assert "--relapse-assoc must be" in res.output


def test_outcomes_missing_store(tmp_path):
    res = CliRunner().invoke(app, ["outcomes", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 1
    assert "no store here" in res.output


def test_outcomes_nhpt_by_hand(tmp_path):
    db = tmp_path / "n.duckdb"
    visits = pl.DataFrame({
        "patient_id": ["A"] * 3,
        "date": [D0 + dt.timedelta(days=d) for d in (0, 100, 200)],
        "nhpt_dominant_s": [20.0, 25.0, 25.0],
        "nhpt_nondominant_s": [22.0, 22.0, 22.0],
    })
    con = duckdb.connect(str(db))
    con.register("v", visits.to_arrow())
    con.execute("create table visits as select * from v")
    con.close()
    out = tmp_path / "ev.csv"
    res = CliRunner().invoke(app, ["outcomes", "--db", str(db), "--outcome", "nhpt",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert pl.read_csv(out).height == 1


def test_outcomes_msoutcomes_profile(store, tmp_path):
    """--profile msoutcomes and its options come from the OutcomeOptions declaration."""
    out = tmp_path / "ev.csv"
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store), "--out", str(out),
                                   "--profile", "msoutcomes", "--event", "CDW", "--no-sustained",
                                   "--mconf", "90.75", "--describe"])
    assert res.exit_code == 0, res.output
    ev = pl.read_csv(out)
    # B: 5.5 -> 6.0 is not enough under MSoutcomes (+1.0 below 6.0); A worsens 3 -> 4
    assert ev["patient_id"].to_list() == ["A"]
    assert "MSoutcomes 0.2.1" in res.output
    assert "sustained = FALSE" in res.output
    res = CliRunner().invoke(app, ["outcomes", "--db", str(store), "--out", str(out),
                                   "--profile", "msoutcomes", "--baseline", "roving"])
    assert res.exit_code != 0
    assert "baseline" in res.output
