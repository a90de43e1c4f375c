"""A large file in key order: repeated rows are not looked for by sorting hashes, same outcome.

``check_batches`` skips the sort of every row's key hash (``msrwe.io._batched.repeated``) when
each row's key (or patient and date) is after the row before's, since no two rows can then
repeat each other. Each case checks a file both ways, in batches of a few rows.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

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

VISITS = ["patient_id", "date", "edss"]
DOSES = ["patient_id", "date", "drug", "dose", "dose_unit"]


def _checked(path: Path, table: str, monkeypatch, *, skip: bool):
    with monkeypatch.context() as m:
        if not skip:
            m.setattr(batched, "_order_columns", lambda plan: [])
        raw = read_raw(path, table, native=True, batched=True)
        plan = make_plan(raw, CONTRACT[table], Mapping().table(table))
        try:
            return check_batches(plan, raw)
        except batched.Unbatched as exc:
            return type(exc).__name__


def _same(text: str, table: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(reader, "BATCH_BYTES", 0)
        monkeypatch.setattr(reader, "BATCH_ROWS", rows)
        path = Path(tmp) / f"{table}.csv"
        path.write_text(text)
        fast = _checked(path, table, monkeypatch, skip=True)
        plain = _checked(path, table, monkeypatch, skip=False)
    if isinstance(plain, str):
        assert fast == plain
        return
    assert not isinstance(fast, str)
    for part in ("frame", "failures", "warnings", "date_text"):
        assert getattr(fast, part).equals(getattr(plain, part)), part


# rows mostly in patient and date order: steps of 0 (a repeat), 1 or more days, a new patient
step = st.sampled_from([0, 1, 1, 2, 30, -1, None])


def _rows(steps: list[int | None]) -> list[tuple[str, str]]:
    patient, day, out = 1, date(2015, 1, 1), []
    for s in steps:
        if s is None:
            patient += 1
        else:
            day += timedelta(days=s)
        out.append((f"P{patient}", day.isoformat()))
    return out


@settings(max_examples=12, deadline=None)  # about 1 s
@given(st.lists(st.tuples(step, st.sampled_from(["6.0", "6.5", "x", ""])), min_size=1,
                max_size=20), st.integers(1, 5))
def test_visits_in_order_or_not_same_outcome(rows, size):
    keys = _rows([s for s, _ in rows])
    lines = [",".join(VISITS)] + [f"{p},{d},{e}" for (p, d), (_, e) in zip(keys, rows,
                                                                          strict=True)]
    _same("\n".join(lines) + "\n", "visits", size)


@settings(max_examples=12, deadline=None)  # about 1 s
@given(st.lists(st.tuples(step, st.sampled_from(["natalizumab", "ocrelizumab"]),
                          st.sampled_from(["300", "600"])), min_size=1, max_size=20),
       st.integers(1, 5))
def test_doses_in_order_or_not_same_outcome(rows, size):
    # administrations have no key: a repeated row is one with every value the same
    keys = _rows([s for s, *_ in rows])
    lines = [",".join(DOSES)] + [f"{p},{d},{drug},{dose},mg"
                                 for (p, d), (_, drug, dose) in zip(keys, rows, strict=True)]
    _same("\n".join(lines) + "\n", "administrations", size)


def test_case_01_a_repeat_across_batches_is_found(monkeypatch):
    # Case 1: rows in order but row 5 repeats row 4's key in the next batch: the sort is used
    lines = [",".join(VISITS), "P1,2015-01-01,6.0", "P1,2015-02-01,6.0", "P1,2015-03-01,6.0",
             "P1,2015-03-01,6.5", "P2,2015-01-01,6.0"]
    _same("\n".join(lines) + "\n", "visits", 3)
    with tempfile.TemporaryDirectory() as tmp:
        monkeypatch.setattr(reader, "BATCH_BYTES", 0)
        monkeypatch.setattr(reader, "BATCH_ROWS", 3)
        path = Path(tmp) / "visits.csv"
        path.write_text("\n".join(lines) + "\n")
        out = _checked(path, "visits", monkeypatch, skip=True)
    assert sorted(out.failures["rule"].to_list()) == ["duplicate_key", "duplicate_key"]


def test_case_02_in_order_the_hashes_are_not_sorted(monkeypatch, tmp_path):
    # Case 2: visits in patient and date order across three batches: no sort of the hashes
    lines = [",".join(VISITS)] + [f"P{p},2015-0{m}-01,6.0" for p in (1, 2) for m in (1, 2, 3, 4)]
    monkeypatch.setattr(reader, "BATCH_BYTES", 0)
    monkeypatch.setattr(reader, "BATCH_ROWS", 3)
    sorts = []
    monkeypatch.setattr(batched, "repeated", lambda h: sorts.append(h) or batched.pl.lit(False))
    path = tmp_path / "visits.csv"
    path.write_text("\n".join(lines) + "\n")
    out = _checked(path, "visits", monkeypatch, skip=True)
    assert out.frame.height == 8
    assert sorts == []
