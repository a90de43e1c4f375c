"""``import_folder`` streams each checked batch of a large file into the staged store.

Issue 14: the memory of an import is bounded by a batch, not by a table. Each batch's typed rows
that passed their rules are written to the staged copy of the store as soon as the batch is
checked (by a writer thread, beside the checks of the next batch); the rules over several rows
(repeated rows and keys, a patient's cumulative dose) read back the few rows they need. The
store must be exactly the one the former way gave (every table validated whole in memory, then
one ``write_import``), and a failure part way through a table leaves the store as it was.

Numbered cases (admiral style), then a hypothesis test over random charts and batch sizes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_import_properties import _csv, _patients_csv, messy_visit, valid_visit
from test_import_staged import _former_import, _same_stores

import msrwe.io._cross as cross
import msrwe.io._read as reader
import msrwe.store._write as writer
from msrwe.errors import StoreError
from msrwe.io import import_folder
from msrwe.store import read_table

VISIT_COLUMNS = ["patient_id", "date", "edss", "fs_pyramidal", "scheduled"]


def _tiny_batches(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    monkeypatch.setattr(reader, "BATCH_BYTES", 0)
    monkeypatch.setattr(reader, "BATCH_ROWS", rows)


def _streamed_and_former(folder: Path, tmp: Path, monkeypatch, rows: int) -> Path:
    """Import ``folder`` streamed in batches of ``rows`` and the former way; same stores."""
    ours, former = tmp / "ours.duckdb", tmp / "former.duckdb"
    with monkeypatch.context() as m:
        _tiny_batches(m, rows)
        m.setattr(cross, "SLICE_ROWS", 2)  # the rules across tables on slices of 2 rows
        import_folder(folder, ours)
    _former_import(folder, former)
    _same_stores(ours, former)
    return ours


def _visits(folder: Path, rows: list[list[str]]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "patients.csv").write_text(_patients_csv())
    (folder / "visits.csv").write_text(_csv(VISIT_COLUMNS, rows))


# case 1: batches of 4 rows cut every patient's visits in two; an exact repeat and a repeated key
# with other values lie in other batches than their first row; a visit whose `scheduled` is blank
# (stored as the default, true) and its repeat written "true" are not the same row as written
CASE1 = [
    ["P1", "2015-01-01", "6.0", "2", "true"],   # row 2
    ["P1", "2015-06-01", "6.5", "2", "true"],   # row 3
    ["P1", "2016-01-01", "6.5", "3", ""],       # row 4: scheduled left to its default
    ["P2", "2015-01-01", "4.0", "1", "false"],  # row 5
    ["P2", "2015-06-01", "4.5", "1", "true"],   # row 6 (second batch from here)
    ["P1", "2015-01-01", "6.0", "2", "true"],   # row 7: repeats row 2 exactly
    ["P2", "2015-06-01", "5.0", "1", "true"],   # row 8: key of row 6, other values
    ["P1", "2016-01-01", "6.5", "3", "true"],   # row 9: row 4 with scheduled written
    ["P2", "2016-01-01", "5.0", "2", "true"],   # row 10 (third batch)
]


def test_case1_repeats_across_batch_edges_inside_a_patient(tmp_path, monkeypatch):
    _visits(tmp_path / "c", CASE1)
    db = _streamed_and_former(tmp_path / "c", tmp_path, monkeypatch, rows=4)
    q = read_table(db, "quarantine").filter(read_table(db, "quarantine")["table_name"] == "visits")
    got = sorted(zip(q["row_number"].to_list(), q["rule"].to_list(), strict=True))
    assert got == [(4, "duplicate_key"), (6, "duplicate_key"), (7, "duplicate_row"),
                   (8, "duplicate_key"), (9, "duplicate_key")]
    visits = read_table(db, "visits")
    assert visits.height == 4  # rows 2, 3, 5, 10
    assert visits["scheduled"].to_list() == [True, True, False, True]


def test_case2_a_bad_row_in_the_last_batch(tmp_path, monkeypatch):
    rows = [["P1", f"2015-01-{d:02d}", "6.0", "2", "true"] for d in range(1, 10)]
    rows.append(["P2", "2015-03-01", "0.5", "1", "true"])  # row 11, alone in the last batch
    _visits(tmp_path / "c", rows)
    db = _streamed_and_former(tmp_path / "c", tmp_path, monkeypatch, rows=3)
    q = read_table(db, "quarantine")
    assert q.select("table_name", "file", "row_number", "column_name", "value", "rule").rows() == [
        ("visits", "visits.csv", 11, "edss", "0.5", "edss_half_step")]
    assert "EDSS 0.5 is not a valid score" in q["message"][0]
    assert read_table(db, "visits").height == 9


def test_case3_a_failure_mid_table_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    _visits(tmp_path / "c", [["P1", f"2015-01-{d:02d}", "6.0", "2", "true"] for d in range(1, 20)])
    db = tmp_path / "s.duckdb"
    import_folder(tmp_path / "c", db)
    before = db.read_bytes()
    _visits(tmp_path / "c", [["P2", f"2016-01-{d:02d}", "3.0", "1", "true"] for d in range(1, 20)])
    calls = []
    real = writer._arrow

    def broken(frame):  # the third batch of visits reaches DuckDB as a table it cannot insert
        calls.append(frame.height)
        return pa.table({"x": [1]}) if len(calls) == 3 else real(frame)

    with monkeypatch.context() as m:
        _tiny_batches(m, 5)
        m.setattr(writer, "_arrow", broken)
        with pytest.raises(StoreError, match=r"could not be written.*the store is unchanged"):
            import_folder(tmp_path / "c", db)
    assert len(calls) >= 3
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "s.duckdb"]
    assert read_table(db, "visits")["patient_id"].unique().to_list() == ["P1"]


def test_case4_a_file_found_unbatched_late_is_read_whole(tmp_path, monkeypatch):
    # batches 1-2 were streamed when batch 3 has a row cut short (too few cells): the
    # whole-file reader reads it again, names the row and replaces what was streamed
    rows = [["P1", f"2015-01-{d:02d}", "6.0", "2", "true"] for d in range(1, 8)]
    rows.append(["P1", "2015-02-01", "6.0"])  # row 9: two cells short
    _visits(tmp_path / "c", rows)
    db = _streamed_and_former(tmp_path / "c", tmp_path, monkeypatch, rows=3)
    assert read_table(db, "visits").height == 7
    q = read_table(db, "quarantine")
    assert q.select("row_number", "rule").rows() == [(9, "short_row")]


def test_case4b_empty_last_cells_are_streamed(tmp_path, monkeypatch):
    # rows whose last cell is empty but whose every separator is written are not rows cut
    # short: the file streams (no whole read) and stores what the former import stored
    import msrwe.io._import as importer

    rows = [["P1", f"2015-01-{d:02d}", "6.0", "2", "" if d % 2 else "true"] for d in range(1, 9)]
    _visits(tmp_path / "c", rows)
    reads = []
    real = importer.read_raw

    def spy(path, name, sheet, **kw):
        reads.append((name, kw.get("batched", False)))
        return real(path, name, sheet, **kw)

    monkeypatch.setattr(importer, "read_raw", spy)
    db = _streamed_and_former(tmp_path / "c", tmp_path, monkeypatch, rows=3)
    # ours (in batches) then the former import's: never again whole after an Unbatched
    assert [r for r in reads if r[0] == "visits"] == [("visits", True)] * 2
    assert read_table(db, "visits")["scheduled"].to_list() == [True] * 8  # the default


def test_case5_typed_parquet_streamed(tmp_path, monkeypatch):
    import polars as pl

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "patients.csv").write_text(_patients_csv())
    pl.DataFrame({
        "patient_id": ["P1", "P1", "P2", "P1", "P2", "P9", "P2"],
        "date": pl.Series(["2015-01-01", "2015-02-01", "2015-01-01", "2015-01-01",
                           "2015-03-01", "2015-03-01", "1850-01-01"]).str.to_date(),
        "edss": [6.0, 6.5, 0.5, 6.0, 4.0, 3.0, 2.0],
    }).write_parquet(folder / "visits.parquet")
    db = _streamed_and_former(folder, tmp_path, monkeypatch, rows=2)
    rules = sorted(read_table(db, "quarantine")["rule"].to_list())
    assert rules == ["duplicate_row", "edss_half_step", "implausible_date", "unknown_patient"]


@settings(max_examples=12, deadline=None)  # two imports each; test_batched has more
@given(st.lists(st.one_of(messy_visit, valid_visit), max_size=25), st.integers(1, 7))
def test_streamed_import_stores_what_the_whole_import_stores(rows, size):
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        folder = Path(tmp) / "c"
        folder.mkdir()
        (folder / "patients.csv").write_text(_patients_csv())
        (folder / "visits.csv").write_bytes(
            _csv(["patient_id", "date", "edss", "fs_pyramidal"], rows).encode()
        )
        _streamed_and_former(folder, Path(tmp), monkeypatch, size)


@pytest.mark.parametrize(("command", "given"), [("import", True), ("analyze", False)])
def test_the_import_command_asks_polars_to_give_memory_back(command, given):
    # set before Polars is loaded, for `msrwe import` only; a user's own setting would win
    code = (f"import sys; sys.argv = ['msrwe', '{command}']; import msrwe.cli.main, os; "
            "print(os.environ['_RJEM_MALLOC_CONF'])")
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.strip()
    assert out.endswith("muzzy_decay_ms:0,oversize_threshold:17179869184") == given


_line = st.one_of(
    st.just(""), st.just("7"), st.just("1,x,"), st.just("2,y,3"), st.just(" 4 ,z , 5"),
    st.just("é,ü,ß"), st.just(",,"), st.just("  "), st.just("8,"), st.just(" \t"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_line, max_size=30), st.sampled_from(["\n", "\r\n"]), st.booleans(),
       st.booleans(), st.integers(1, 7), st.sampled_from([1, 7, 64, 1 << 20]))
def test_line_batches_read_as_the_whole_file(lines, end, bom, last_end, rows, block):
    # a text file without quotes is cut at line ends and read piece by piece (never ahead of
    # its use): blank lines, empty last cells, CRLF, a byte-order mark, no final line end; a
    # short row (which the whole-file reader reports) stops the batches
    import polars as pl

    import msrwe.io._text as text

    body = end.join(["a,b,c", *lines]) + (end if last_end else "")
    options = {"separator": ",", "infer_schema": False, "raise_if_empty": True,
               "truncate_ragged_lines": False, "quote_char": None}
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as m:
        path = Path(tmp) / "x.csv"
        path.write_bytes((("\ufeff" if bom else "") + body).encode())
        whole = pl.read_csv(path, **options)
        m.setattr(text, "_BLOCK", block)
        if text._short_rows(path, whole, ",", quotes=False).height:
            # a row cut short is named only by the whole-file reader: the batches refuse
            with pytest.raises(text.ShortRow):
                list(text._line_batches(path, options, rows))
            return
        parts = list(text._line_batches(path, options, rows))
        assert all(p.height for p in parts)
        got = pl.concat(parts) if parts else whole.head(0)
        assert got.equals(whole)
