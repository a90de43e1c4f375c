"""A large text file's number columns parsed by Polars' reader as it reads: the text path's outcome.

``check_batches`` reads the number and whole-number columns of a quote-free text file in their
types (``msrwe.io._batched._parsed_plan``) instead of as text parsed again afterwards. Each case
here checks the same file both ways, in batches of a few rows, and asks for the same typed rows,
quarantine rows (messages quoting the cells as written), warnings and dates as written.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import msrwe.io._batched as batched
import msrwe.io._read as reader
from msrwe.io._batched import check_batches
from msrwe.io._mapping import Mapping
from msrwe.io._read import read_raw
from msrwe.io._validate import make_plan
from msrwe.schema import CONTRACT

HEADER = ["patient_id", "date", "edss", "fs_pyramidal", "t25fw_s", "sdmt"]

# cells that Polars' reader and the text path may read differently: spaces, signs, exponents,
# words for infinity, whole numbers written with a point, numbers beyond 64 bits, empty-looking
_TRICKY = ["", " ", "  ", "6.5", " 6.5", "6.5 ", "+6.5", "-0", "-0.0", "1e1", "1E0", "inf",
           "-inf", "NaN", "infinity", ".5", "5.", "3", " 3", "3 ", "\t3", "+3", "-3", "007",
           "3.0", "2.50", "9223372036854775808", "99999999999999999999", "1e400", "x", "1_0",
           "0x1"]
# cells both read alike and valid, so that whole batches are parsed (and kept) as well
_FINE_NUMBER = ["6.5", " 6.5", "+6.5", "-0", "1E0", "5.", ".5", "", "2.50", "\t4"]
_FINE_WHOLE = ["3", " 3", "\t3", "+3", "-0", "003", "", "40"]
number = st.one_of(*[st.sampled_from(_FINE_NUMBER)] * 3, st.sampled_from(_TRICKY),
                   st.floats(0, 12, allow_nan=False).map(lambda f: f"{f:.{int(f) % 4}f}"))
whole = st.one_of(*[st.sampled_from(_FINE_WHOLE)] * 3, st.sampled_from(_TRICKY),
                  st.integers(-2, 200).map(str))
day = st.one_of(*[st.dates(min_value=date(1990, 1, 1), max_value=date(2020, 1, 1))
                  .map(lambda d: d.isoformat())] * 3, st.sampled_from(["", "2015-1-5", "x"]))
visit = st.tuples(st.sampled_from(["P1", "P2", " P3", "P1", ""]), day, number, whole, number,
                  whole)


def _checked(path: Path, *, parsed: bool):
    raw = read_raw(path, "visits", native=True, batched=True)
    assert raw.batches is not None
    assert raw.typed_batches
    plan = make_plan(raw, CONTRACT["visits"], Mapping().table("visits"))
    return check_batches(plan, raw if parsed else replace(raw, typed_batches=False))


def _same_both_ways(text: str, monkeypatch, rows: int) -> None:
    monkeypatch.setattr(reader, "BATCH_BYTES", 0)
    monkeypatch.setattr(reader, "BATCH_ROWS", rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "visits.csv"
        path.write_text(text)
        outcomes = []
        for parsed in (True, False):
            try:
                outcomes.append(_checked(path, parsed=parsed))
            except batched.Unbatched as exc:  # read whole instead: the same either way
                outcomes.append(type(exc).__name__)
    fast, plain = outcomes
    if isinstance(plain, str):
        assert fast == plain
        return
    assert not isinstance(fast, str)
    for part in ("frame", "failures", "warnings", "date_text"):
        a, b = getattr(fast, part), getattr(plain, part)
        assert a.schema == b.schema, part
        assert a.equals(b), part


@settings(max_examples=10, deadline=None)  # about 1 s; 400 examples passed once
@given(st.lists(visit, min_size=1, max_size=25), st.integers(1, 6))
def test_parsed_batches_give_the_text_path_outcome(rows, size):
    text = "\n".join(",".join(HEADER) if i < 0 else ",".join(r)
                     for i, r in [(-1, None), *enumerate(rows)]) + "\n"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same_both_ways(text, monkeypatch, size)


def test_case_01_valid_batches_are_parsed_and_a_broken_one_is_read_as_text(monkeypatch):
    # Case 1: rows 2-7 valid (parsed batches of 3 rows), row 8 breaks a rule: from its batch on
    # the file is read as text, and the message quotes the cell as written ('10.50')
    lines = [",".join(HEADER)] + [f"P1,2015-01-0{d},6.0,2,7.5,40" for d in range(1, 7)]
    lines += ["P1,2015-02-01,10.50,2,7.5,40", "P1,2015-02-02,6.0,2,7.5,40"]
    used = []
    original = batched.check_rows
    monkeypatch.setattr(batched, "check_rows", lambda plan, frame, *a: used.append(
        frame.schema["edss"]) or original(plan, frame, *a))
    _same_both_ways("\n".join(lines) + "\n", monkeypatch, 3)
    # parsed run: two parsed batches, the third parsed then read as text; then the text run
    assert used[:4] == [pl.Float64, pl.Float64, pl.Float64, pl.String]
    out = _checked_text(lines, monkeypatch)
    assert out.failures.select("row_number", "value", "rule").rows() == [
        (8, "10.50", "out_of_range")]


def _checked_text(lines: list[str], monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "visits.csv"
        path.write_text("\n".join(lines) + "\n")
        return _checked(path, parsed=True)


def test_case_02_a_whitespace_only_number_is_not_a_blank_row(monkeypatch):
    # Case 2: Polars' reader reads ' ' in a number column as empty, which would make row 3 a
    # blank row (skipped); the text path keeps it (patient_id missing): the batch is read as text
    lines = [",".join(HEADER), "P1,2015-01-01,6.0,2,7.5,40", ",,, ,,"]
    _same_both_ways("\n".join(lines) + "\n", monkeypatch, 5)
    out = _checked_text(lines, monkeypatch)
    assert "missing_required" in out.failures["rule"].to_list()
