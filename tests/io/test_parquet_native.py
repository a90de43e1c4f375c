"""Parquet columns are validated in their own types, with the same outcome as through their text.

Until issue 14 every Parquet column was cast to text and parsed again. Now a column whose type
fits its contract column (a Float64 EDSS, an Int64 FS grade, a Date, a Boolean) is taken as it
is; the others are still cast to text. These tests compare the two paths on the same files: the
former one is forced by reading the files as text (``read_raw(..., native=False)``), and every
imported row, quarantine row (file, row, column, value, rule, message), warning and count must be
the same.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import msrwe.io._import as importer
from msrwe.errors import ImportRefused
from msrwe.io import import_folder, read_chart_folder
from msrwe.io._read import read_raw
from msrwe.store import read_table
from msrwe.synth import make_cohort_and_manifest


def _as_text(path, table=None, sheet=None, *, native=False, batched=False):
    return read_raw(path, table, sheet)  # the former path: every cell cast to text


def _both(folder: Path, monkeypatch):
    """(native result, former result) of ``read_chart_folder``; ``None`` for a refusal."""
    out = []
    for reader in (importer.read_raw, _as_text):
        with monkeypatch.context() as m:
            m.setattr(importer, "read_raw", reader)
            try:
                out.append(read_chart_folder(folder))
            except ImportRefused as exc:
                out.append(str(exc))
    return out


def _same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a.summary == b.summary
    assert a.quarantine.equals(b.quarantine, null_equal=True)
    assert a.warnings.equals(b.warnings, null_equal=True)
    for name, frame in b.tables.items():
        assert a.tables[name].schema == frame.schema, name
        assert a.tables[name].equals(frame, null_equal=True), name
        assert a.checked[name].date_text.equals(b.checked[name].date_text, null_equal=True)
    assert a.kept_for_rechecks().keys() == b.kept_for_rechecks().keys()
    for name, frame in b.kept_for_rechecks().items():
        assert a.kept_for_rechecks()[name].equals(frame, null_equal=True), name


def _typed_where_clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Each text column as a date, a whole number, a number or yes/no where every cell is one."""
    out = {}
    for name in frame.columns:
        s = frame[name]
        for attempt in (
            lambda s: s.str.to_date("%Y-%m-%d", strict=True),
            lambda s: s.cast(pl.Int64, strict=True),
            lambda s: s.cast(pl.Float64, strict=True),
            lambda s: s.replace_strict({"true": True, "false": False}, return_dtype=pl.Boolean),
        ):
            try:
                s = attempt(frame[name])
                break
            except (pl.exceptions.PolarsError, ValueError):
                continue
        out[name] = s
    return pl.DataFrame(out)


@pytest.mark.parametrize("seed", [3, 11])
def test_dirty_synthetic_charts_as_typed_parquet(tmp_path, monkeypatch, seed):
    # the planted errors (msrwe synth --dirty, listed in its manifest) in typed Parquet columns:
    # a 6.25 EDSS in a Float64 column, a date after death in a Date column, duplicated visits
    tables, manifest = make_cohort_and_manifest(300, seed=seed, dirty=True)
    native_cols = 0
    for name, frame in tables.items():
        text = frame.with_columns(pl.all().cast(pl.String))
        typed = _typed_where_clean(text)
        native_cols += sum(dtype != pl.String for dtype in typed.dtypes)
        typed.write_parquet(tmp_path / f"{name}.parquet")
    assert native_cols > 20  # the test is about typed columns
    new, old = _both(tmp_path, monkeypatch)
    _same(new, old)
    assert new.quarantine.height >= 0.5 * manifest.height  # the errors are found


ids = st.sampled_from(["P1", "P2", "P3", " P1", None])
dates = st.one_of(
    st.none(),
    st.dates(dt.date(1850, 1, 1), dt.date(2110, 12, 31)),
    st.sampled_from([dt.date(1, 1, 1), dt.date(99, 5, 5), dt.date(9999, 12, 31)]),
)
edss = st.one_of(
    st.none(),
    st.sampled_from([0.0, 0.5, 1.0, 6.5, 7.25, 10.0, 10.5, 11.0, -1.0, -0.0, 1e300,
                     math.nan, math.inf, -math.inf]),
    st.floats(allow_nan=True, allow_infinity=True),
)
grades = st.one_of(st.none(), st.integers(-3, 9), st.integers(-(2**40), 2**40))
times = st.one_of(st.none(), st.floats(-5, 1000, allow_nan=False), st.just(777.0))
flags = st.one_of(st.none(), st.booleans())

visit = st.tuples(ids, dates, edss, grades, times, flags, grades)
patient = st.tuples(ids, dates, dates, dates, st.sampled_from(["SPMS", "PPMS", "RRMS", None]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(patient, min_size=1, max_size=6),
    st.lists(visit, max_size=25),
    st.sampled_from([pl.Int64, pl.Int32, pl.UInt8, pl.Float64]),
    st.booleans(),
)
def test_typed_parquet_quarantines_as_its_text(pats, visits, grade_type, float32_times):
    # random typed cells, valid and not (NaN, infinity, out of range, dates of year 1 or 9999,
    # blank IDs, repeated rows): the same rows imported and quarantined, the same messages
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        pl.DataFrame(
            pats,
            schema={"patient_id": pl.String, "birth_date": pl.Date, "death_date": pl.Date,
                    "ms_onset_date": pl.Date, "phenotype": pl.String},
            orient="row",
        ).write_parquet(folder / "patients.parquet")
        frame = pl.DataFrame(
            visits,
            schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64,
                    "fs_pyramidal": pl.Int64, "t25fw_s": pl.Float64, "scheduled": pl.Boolean,
                    "site_code": pl.Int64},
            orient="row",
        )
        frame = frame.with_columns(pl.col("fs_pyramidal").cast(grade_type, strict=False))
        if float32_times:  # a 32-bit float is read through its text, as before
            frame = frame.with_columns(pl.col("t25fw_s").cast(pl.Float32))
        frame.write_parquet(folder / "visits.parquet")
        new, old = _both(folder, monkeypatch)
        _same(new, old)


def test_import_folder_stores_the_same(tmp_path, monkeypatch):
    # the whole import (store, quarantine, links, log) is the same through both paths
    folder = tmp_path / "charts"
    folder.mkdir()
    pl.DataFrame({"patient_id": ["A1", "A2"], "birth_date": [dt.date(1960, 1, 1), None],
                  "death_date": [dt.date(2016, 1, 1), None]}).write_parquet(
        folder / "patients.parquet")
    pl.DataFrame({
        "patient_id": ["A1", "A1", "A2", "B9", "A2", "A2"],
        "date": [dt.date(2015, 1, 1), dt.date(2017, 1, 1), dt.date(2015, 1, 1),
                 dt.date(2015, 1, 1), dt.date(2015, 6, 1), dt.date(2015, 6, 1)],
        "edss": [6.0, 6.5, 0.5, 2.0, math.nan, math.nan],
        "fs_visual": [2, 7, 1, 1, 1, 1],
    }).write_parquet(folder / "visits.parquet")
    stores = {}
    for label, reader in (("native", importer.read_raw), ("text", _as_text)):
        with monkeypatch.context() as m:
            m.setattr(importer, "read_raw", reader)
            stores[label] = db = tmp_path / f"{label}.duckdb"
            import_folder(folder, db)
    for table in ("patients", "visits", "quarantine", "import_warnings"):
        a, b = read_table(stores["native"], table), read_table(stores["text"], table)
        assert a.equals(b, null_equal=True), table
    q = read_table(stores["native"], "quarantine")
    assert q.select("row_number", "column_name", "value", "rule").rows() == [
        (3, "fs_visual", "7", "out_of_range"),  # its date after A1's death is not looked at
        (4, "edss", "0.5", "edss_half_step"),
        (5, "patient_id", "B9", "unknown_patient"),
        (6, "edss", "NaN", "not_a_number"),
        (7, "edss", "NaN", "not_a_number"),
    ]


def test_a_parquet_date_is_its_iso_text_on_every_day_not_compared():
    # _date_text does not compare a Parquet date column's cells with their ISO form on these
    # days (from year -768 to 4707): cast to text, each is that form
    from msrwe.io._validate import _SAME_ISO_DAYS

    days = pl.int_range(*_SAME_ISO_DAYS, dtype=pl.Int32, eager=True).cast(pl.Date)
    differ = pl.DataFrame({"d": days}).select(
        (pl.col("d").cast(pl.String) != pl.col("d").dt.to_string("%Y-%m-%d")).sum())
    assert differ.item() == 0


@pytest.mark.parametrize("days", [[0, None, 16_000], [None, None], [2_000_000, 1], [-1_000_001]])
def test_parquet_dates_as_written_as_when_compared(days):
    # with the date column native or not, the same rows and text (days beyond are compared)
    from msrwe.io._frames import ROW
    from msrwe.io._rules import typed_name
    from msrwe.io._validate import _date_text

    d = pl.Series(days, dtype=pl.Int32).cast(pl.Date)
    checked = pl.DataFrame({"date": d, typed_name("date"): d,
                            ROW: pl.int_range(2, len(days) + 2, eager=True)})
    native = _date_text(checked, ["date"], frozenset({"date"}))
    assert native.equals(_date_text(checked, ["date"]))
    assert native.schema == _date_text(checked, ["date"]).schema
