"""Narrower integer reads (issue 14.1): exactly the stored values, or the stored type.

Numbered cases: a column whose values fit is read as Int8 with the same values (case 1), one
with a value out of range is read as stored (case 2), an all-null or empty column and a
non-integer column (case 3), ``as_stored`` restores the stored type and ``as_held`` the
analysis's (case 4), the analysis's chart tables hold the carried visit columns as Int8
(case 5), the administrations' drug, route and unit as categoricals with the same text (case 6);
and a hypothesis test against the plain read on random values.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from msrwe.pipeline.run import read_chart_tables
from msrwe.store import ANALYSIS_TYPES, Store, as_held, as_stored

INT8 = {"score": pl.Int8(), "text": pl.Int8()}


def _store(path: Path, values: list[int | None], text: list[str | None] | None = None) -> Path:
    db = path / "s.duckdb"
    db.unlink(missing_ok=True)
    frame = pl.DataFrame({"score": values, "text": text or ["x"] * len(values)},
                         schema={"score": pl.Int64, "text": pl.String})
    with duckdb.connect(str(db)) as con:
        con.register("frame", frame)
        con.execute("create table t as select * from frame")
    return db


def test_case1_values_that_fit_are_read_narrow(tmp_path: Path) -> None:
    db = _store(tmp_path, [0, 6, None, -128, 127])
    with Store(db) as store:
        df = store.read_columns("t", narrow=INT8)
        plain = store.read_columns("t")
    assert df.schema["score"] == pl.Int8
    assert df["score"].to_list() == [0, 6, None, -128, 127]
    assert_series_equal(df["score"].cast(pl.Int64), plain["score"])


def test_case2_a_value_out_of_range_keeps_the_stored_type(tmp_path: Path) -> None:
    db = _store(tmp_path, [0, 128])
    with Store(db) as store:
        df = store.read_columns("t", narrow=INT8)
    assert df.schema["score"] == pl.Int64
    assert df["score"].to_list() == [0, 128]


def test_case3_null_empty_and_text_columns(tmp_path: Path) -> None:
    db = _store(tmp_path, [None, None], ["a", None])
    with Store(db) as store:
        df = store.read_columns("t", narrow=INT8)
    assert df.schema == pl.Schema({"score": pl.Int8, "text": pl.String})  # text: not an integer
    assert df["score"].to_list() == [None, None]
    db = _store(tmp_path, [])
    with Store(db) as store:
        assert store.read_columns("t", narrow=INT8).schema["score"] == pl.Int8


def test_case4_as_stored_restores_the_stored_type() -> None:
    advs = pl.DataFrame({"fs_visual": [0, None, 6], "ambulation": [16, 0, 1], "sdmt": [1, 2, 3],
                         "fs_cerebral": [1, 2, 3]},
                        schema={"fs_visual": pl.Int8, "ambulation": pl.Int8, "sdmt": pl.Int8,
                                "fs_cerebral": pl.Int64})
    out = as_stored(advs)
    assert out.schema == pl.Schema({"fs_visual": pl.Int64, "ambulation": pl.Int64,
                                    "sdmt": pl.Int8, "fs_cerebral": pl.Int64})
    assert out["fs_visual"].to_list() == [0, None, 6]
    plain = pl.DataFrame({"edss": [1.0]})
    assert as_stored(plain) is plain
    # read back from a file (the bundle): the analysis's types again
    assert_frame_equal(as_held(out), advs.with_columns(pl.col("fs_cerebral").cast(pl.Int8)))
    wide = pl.DataFrame({"fs_visual": [0, 200]})
    assert as_held(wide).schema["fs_visual"] == pl.Int64


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("narrow")
    write_cohort(root / "charts", n_patients=40)
    import_folder(root / "charts", root / "s.duckdb")
    return root / "s.duckdb"


def test_case5_chart_tables_hold_carried_visit_columns_narrow(small_store: Path) -> None:
    tables = read_chart_tables(small_store)
    with Store(small_store) as store:
        plain = store.read("visits")
    visits = tables["visits"]
    assert visits is not None
    for column, dtype in ANALYSIS_TYPES["visits"].items():
        assert visits.schema[column] == dtype, column
    assert_frame_equal(as_stored(visits), plain)


def test_case6_administration_labels_are_read_as_categoricals(small_store: Path) -> None:
    from msrwe.store import read_tables

    # as analyze reads them; read_chart_tables (a data report) reads them as text
    adm = read_tables(small_store, ["administrations"], narrow=ANALYSIS_TYPES)["administrations"]
    with Store(small_store) as store:
        plain = store.read("administrations")
    assert adm is not None
    charts = read_chart_tables(small_store)["administrations"]
    assert charts is not None
    assert charts.schema["drug"] == pl.String
    for column in ANALYSIS_TYPES["administrations"]:
        assert isinstance(adm.schema[column], pl.Categorical), column
    assert_frame_equal(as_stored(adm), plain)  # the same text, in every row
    # a categorical of another column name, and text, are left as they are
    other = pl.DataFrame({"term": ["x"]}, schema={"term": pl.Categorical})
    assert as_stored(other) is other
    assert as_held(plain).schema["drug"] == pl.String  # files read back: text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), st.integers(-300, 300)), max_size=30))
def test_narrow_read_equals_the_plain_read(tmp_path: Path, values: list[int | None]) -> None:
    db = _store(tmp_path, values)
    with Store(db) as store:
        narrow = store.read_columns("t", narrow=INT8)
        plain = store.read_columns("t")
    fits = all(v is None or -128 <= v <= 127 for v in values)
    assert narrow.schema["score"] == (pl.Int8 if fits else pl.Int64)
    assert_frame_equal(narrow.with_columns(pl.col("score").cast(pl.Int64)), plain)
