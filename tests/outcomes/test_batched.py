"""The engine over Arrow batches (msrwe.derive.outcomes.batched): same events as one call.

Numbered cases, then a property: however the stacked table is cut into batches, the events are
those of one detect_events call over all rows.
"""

import datetime as dt

import duckdb
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

import msrwe
from msrwe.derive.outcomes.batched import (
    KIND_COLUMN,
    detect_events_batched,
    detect_events_store,
    stack_visits_relapses,
)
from msrwe.errors import InputError, OptionError

OPTS = {"outcome": "edss", "event": "multiple", "baseline": "roving", "RAW_PIRA": True}
D0 = dt.date(2020, 1, 1)


def _visits(rows):
    return pl.DataFrame(
        {"patient_id": [r[0] for r in rows],
         "date": [D0 + dt.timedelta(days=r[1]) for r in rows],
         "edss": [r[2] for r in rows]},
        schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64},
    )


def _run(stacked, size, **opts):
    parts = list(detect_events_batched(stacked.to_arrow().to_batches(max_chunksize=size), **opts))
    if not parts:
        return None
    return pl.from_arrow(parts).sort("patient_id", "nevent")


@pytest.fixture(scope="module")
def demo():
    return msrwe.make_cohort(83, seed=2019)


# Case 1: a patient cut by every batch boundary (batches of one row) keeps its event.
def test_case1_patient_cut_by_boundaries():
    v = _visits([("A", 0, 3.0), ("A", 90, 4.0), ("A", 180, 4.0), ("B", 0, 2.0), ("B", 90, 2.0)])
    out = _run(stack_visits_relapses(v, None), 1, **OPTS)
    assert out.select("patient_id", "event_type", "bl_value", "value").rows() == [
        ("A", "CDW", 3.0, 4.0)
    ]


# Case 2: a relapse 20 days before onset travels with its patient's visits: the event is RAW.
def test_case2_relapse_rows_travel_with_the_patient():
    v = _visits([("A", 0, 3.0), ("A", 90, 4.0), ("A", 180, 4.0)])
    r = pl.DataFrame({"patient_id": ["A"], "onset_date": [D0 + dt.timedelta(days=70)]})
    stacked = stack_visits_relapses(v, r)
    assert stacked[KIND_COLUMN].to_list() == ["visit", "relapse", "visit", "visit"]
    out = _run(stacked, 2, **OPTS)
    ref = msrwe.detect_events(v, r, **OPTS).events
    assert out["cdw_type"].to_list() == ref["cdw_type"].to_list() == ["RAW"]


# Case 3: input not sorted by patient is refused, not silently split.
def test_case3_unsorted_input_is_refused():
    v = _visits([("B", 0, 3.0), ("A", 0, 4.0), ("B", 90, 4.0)])
    stacked = v.with_columns(pl.lit("visit").alias(KIND_COLUMN)).select(
        "patient_id", "date", KIND_COLUMN, "edss")
    with pytest.raises(InputError, match="not sorted by patient_id"):
        _run(stacked, 10, **OPTS)


# Case 4: options that depend on the whole table are refused in batched runs.
@pytest.mark.parametrize("opt", [{"impute_last_visit": 0.5}, {"return_unconfirmed": True}])
def test_case4_whole_table_options_refused(opt):
    v = _visits([("A", 0, 3.0)])
    with pytest.raises(OptionError):
        _run(stack_visits_relapses(v, None), 10, **OPTS, **opt)


# Case 5: no visits at all yields no batches.
def test_case5_empty():
    v = _visits([])
    assert _run(stack_visits_relapses(v, None), 10, **OPTS) is None


@given(size=st.integers(min_value=1, max_value=400))
def test_any_cut_gives_the_events_of_one_call(demo, size):
    ref = msrwe.detect_events(demo["visits"], demo["relapses"], **OPTS).events.sort(
        "patient_id", "nevent")
    stacked = stack_visits_relapses(demo["visits"], demo["relapses"])
    assert _run(stacked, size, **OPTS).equals(ref)


def test_store_scan_in_batches_equals_one_call(demo, tmp_path, monkeypatch):
    import msrwe.derive.outcomes.batched as batched

    seen = []  # the scan's connection draws no progress bar into what `msrwe outcomes` prints
    real = batched.quiet

    def spy(con):
        seen.append(real(con).execute("select current_setting('enable_progress_bar')").fetchone())
        return con

    monkeypatch.setattr(batched, "quiet", spy)
    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.register("v", demo["visits"].to_arrow())
    con.register("r", demo["relapses"].to_arrow())
    con.execute("create table visits as select * from v")
    con.execute("create table relapses as select * from r")
    con.close()
    ref = msrwe.detect_events(demo["visits"], demo["relapses"], **OPTS).events.sort(
        "patient_id", "nevent")
    out = detect_events_store(db, batch_rows=97, **{k: v for k, v in OPTS.items()
                                                    if k != "outcome"})
    assert out.sort("patient_id", "nevent").equals(ref)
    assert seen == [(False,)]
    t25 = detect_events_store(db, outcome="t25fw", batch_rows=500)
    assert t25.sort("patient_id", "nevent").equals(
        msrwe.detect_events(demo["visits"], demo["relapses"], outcome="t25fw").events.sort(
            "patient_id", "nevent"))
