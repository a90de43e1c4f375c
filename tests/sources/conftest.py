"""What every source's round trip checks: the store equals the direct CSV import's, and so does
the results table ``msrwe analyze`` writes from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.schema import CONTRACT
from msrwe.store import read_table


def sort_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame's rows in a fixed order (by every column), to compare tables as sets of rows."""
    return frame.sort(frame.columns, nulls_last=True)


@pytest.fixture(scope="session", name="sort_rows")
def sort_rows_fixture() -> Callable[[pl.DataFrame], pl.DataFrame]:
    """:func:`sort_rows`, for the tests."""
    return sort_rows


@pytest.fixture(scope="session")
def assert_same_store() -> Callable[..., None]:
    """``check(direct, via, every_table=True)``: each contract table of ``via`` equals ``direct``'s
    (with ``every_table``, each holds rows), and ``via`` quarantined nothing."""

    def check(direct: Path, via: Path, *, every_table: bool = True) -> None:
        for name in CONTRACT.names:
            a, b = read_table(direct, name), read_table(via, name)
            if every_table:
                assert a.height > 0, name
            else:
                assert b.height > 0 or a.height == 0, name
            assert_frame_equal(sort_rows(b), sort_rows(a), check_column_order=True)
        assert read_table(via, "quarantine").height == 0

    return check


@pytest.fixture(scope="session")
def results_csv() -> Callable[[Path, Path], str]:
    """``run(db, out)``: ``msrwe analyze --db db --out out``, and the results.csv it wrote."""

    def run(db: Path, out: Path) -> str:
        res = CliRunner().invoke(app, ["analyze", "--db", str(db), "--out", str(out), "--quiet"])
        assert res.exit_code == 0, res.output
        return (out / "results.csv").read_text()

    return run
