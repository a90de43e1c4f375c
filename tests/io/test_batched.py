"""A large CSV file is checked batch by batch: the same outcome as checking it whole.

``msrwe import`` reads a CSV file of at least ``BATCH_BYTES`` in batches of about
``BATCH_ROWS`` rows (issue 14: bounded memory at registry scale). Here both are made tiny, so
that every file is read in batches of a few rows and repeated rows, repeated keys and a
patient's cumulative doses span batches; the result must equal the whole-file check in every
imported row, quarantine row, warning and count.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_import_properties import _csv, _patients_csv, messy_visit, valid_visit
from test_parquet_native import _same  # one comparison of two chart reads, shared

import msrwe.io._read as reader
from msrwe.errors import ImportRefused
from msrwe.io import read_chart_folder
from msrwe.synth import write_cohort


def _read(folder: Path, monkeypatch, *, batched: bool, rows: int = 3):
    with monkeypatch.context() as m:
        m.setattr(reader, "BATCH_BYTES", 0 if batched else 1 << 62)
        # a Parquet file is read in batches from BATCH_ROWS rows on: whole means whole there too
        m.setattr(reader, "BATCH_ROWS", rows if batched else 1 << 62)
        try:
            return read_chart_folder(folder)
        except ImportRefused as exc:
            return str(exc)


def _both(folder: Path, monkeypatch, rows: int = 3):
    whole = _read(folder, monkeypatch, batched=False)
    batched = _read(folder, monkeypatch, batched=True, rows=rows)
    _same(batched, whole)
    return batched


# batch edges at many places; the smallest batches (1-6 rows) are the hypothesis tests' below
@pytest.mark.parametrize(("seed", "rows"), [(5, 37), (8, 500)])
def test_dirty_synthetic_charts(tmp_path, monkeypatch, seed, rows):
    # msrwe synth --dirty: its planted errors (dirty_manifest.csv), duplicated visits, doses
    write_cohort(tmp_path, 300, seed=seed, dirty=True)
    result = _both(tmp_path, monkeypatch, rows)
    assert not isinstance(result, str)
    assert result.quarantine.height > 10


def test_batches_really_are_used(tmp_path, monkeypatch):
    # visits.csv without an empty last cell is read in batches; check_batches is called
    import msrwe.io._import as importer

    (tmp_path / "patients.csv").write_text(_patients_csv())
    rows = [["P1", f"2015-01-{d:02d}", "6.0", "2"] for d in range(1, 20)] * 2
    (tmp_path / "visits.csv").write_text(_csv(["patient_id", "date", "edss", "fs_pyramidal"],
                                              rows))
    calls = []
    original = importer.check_batches
    monkeypatch.setattr(importer, "check_batches",
                        lambda plan, raw: calls.append(plan.table.name) or original(plan, raw))
    result = _both(tmp_path, monkeypatch)
    assert "visits" in calls
    # the repeats of rows 2-20 in rows 21-39 span batches of 3 rows
    assert result.summary.quarantined_by_rule == {"duplicate_row": 19}


@settings(max_examples=65, deadline=None)
@given(st.lists(st.one_of(messy_visit, valid_visit), max_size=30), st.integers(1, 9))
def test_messy_visits_batched_as_whole(rows, size):
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        (folder / "patients.csv").write_text(_patients_csv())
        (folder / "visits.csv").write_bytes(
            _csv(["patient_id", "date", "edss", "fs_pyramidal"], rows).encode()
        )
        _both(folder, monkeypatch, size)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2", "P9", ""]),
            st.sampled_from(["2015-01-01", "2016-02-02", "2015-01-01 ", "x"]),
            st.sampled_from(["methotrexate", "Methotrexate", "mitoxantrone", "rituximab"]),
            st.sampled_from(["12.5", "12", "20", "1000", "140", ""]),
            st.sampled_from(["mg", "mg/m2", "g"]),
        ),
        max_size=25,
    ),
    st.integers(1, 6),
)
def test_administrations_batched_as_whole(rows, size):
    # repeated rows and a patient's cumulative dose (a warning over rows) across batches
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        (folder / "patients.csv").write_text(_patients_csv())
        text = _csv(["patient_id", "date", "drug", "dose", "dose_unit", "route"],
                    [[*r, "iv"] for r in rows])
        (folder / "administrations.csv").write_text(text)
        _both(folder, monkeypatch, size)


def test_a_file_polars_refuses_in_a_batch_is_read_whole(tmp_path, monkeypatch):
    # a stray quote late in the file: the whole-file reader's csv fallback reads it as Excel does
    (tmp_path / "patients.csv").write_text(_patients_csv())
    lines = ["patient_id,date,edss,note"] + [f"P1,2015-01-{d:02d},6.0,ok" for d in range(1, 9)]
    lines.append('P2,2015-02-01,6.0,said "fine" today')
    (tmp_path / "visits.csv").write_text("\n".join(lines) + "\n")
    result = _both(tmp_path, monkeypatch)
    assert not isinstance(result, str)
    assert result.tables["visits"]["note"].to_list()[-1] == 'said "fine" today'


def test_frames_of_batches_hold_no_text_copy(tmp_path, monkeypatch):
    # the typed table a batched check returns is the one the whole-file check returns
    (tmp_path / "patients.csv").write_text(_patients_csv())
    rows = [["P2", f"2016-03-{d:02d}", "3.5", "1"] for d in range(1, 29)]
    (tmp_path / "visits.csv").write_text(_csv(["patient_id", "date", "edss", "fs_pyramidal"],
                                              rows))
    result = _both(tmp_path, monkeypatch, 4)
    assert result.tables["visits"].height == 28
    assert result.tables["visits"].schema["edss"] == pl.Float64


def test_typed_parquet_in_batches(tmp_path, monkeypatch):
    # a Parquet file of BATCH_ROWS rows or more is checked batch by batch too, in its own types
    from test_parquet_native import _typed_where_clean

    from msrwe.synth import make_cohort_and_manifest

    tables, _ = make_cohort_and_manifest(100, seed=6, dirty=True)
    for name, frame in tables.items():
        typed = _typed_where_clean(frame.with_columns(pl.all().cast(pl.String)))
        typed.write_parquet(tmp_path / f"{name}.parquet")
    result = _both(tmp_path, monkeypatch, rows=97)
    assert not isinstance(result, str)
    assert result.quarantine.height > 10


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["P1", "P2", "P9", None]),
    st.sampled_from([None, __import__("datetime").date(2015, 1, 1),
                     __import__("datetime").date(1850, 1, 1)]),
    st.sampled_from([None, 0.5, 6.0, 6.0, 11.0, float("nan")]),
    st.sampled_from([None, 1, 2, 9]),
), max_size=25), st.integers(1, 6))
def test_typed_parquet_batched_as_whole(rows, size):
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        (folder / "patients.csv").write_text(_patients_csv())
        pl.DataFrame(rows, orient="row", schema={
            "patient_id": pl.String, "date": pl.Date, "edss": pl.Float64,
            "fs_pyramidal": pl.Int64}).write_parquet(folder / "visits.parquet")
        _both(folder, monkeypatch, size)


_cell = st.sampled_from(["", " ", "6.0", "0.5", "2", "x"])


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["P1", "P2", "P9", ""]), st.sampled_from(["2015-01-01", ""]),
                  _cell, _cell, st.integers(1, 4)),
        max_size=25,
    ),
    st.integers(1, 6),
)
def test_empty_last_cells_and_short_rows_batched_as_whole(rows, size):
    # empty last cells (streamed) among rows cut short (a whole read, which names them):
    # the same chart either way
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp)
        (folder / "patients.csv").write_text(_patients_csv())
        lines = ["patient_id,date,edss,fs_pyramidal"]
        lines += [",".join([p, d, e, f][:n]) for p, d, e, f, n in rows]
        (folder / "visits.csv").write_text("\n".join(lines) + "\n")
        _both(folder, monkeypatch, size)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**64 - 1)), max_size=60))
def test_repeated_hashes_by_sort_as_is_duplicated(values):
    # the key hashes that repeat, found by a sort: exactly Polars' is_duplicated
    from msrwe.io._batched import repeated

    frame = pl.DataFrame({"h": values}, schema={"h": pl.UInt64})
    fast = frame.select(repeated(frame["h"]).alias("x"))["x"]
    assert fast.to_list() == frame.select(pl.col("h").is_duplicated())["h"].to_list()
