"""The engine's fast paths equal the plain ones (issue 14, item 2).

- The forward walk that finds relapses' patients among the visits' patients gives the positions a
  hash look-up gives, or gives up (then the hash answers).
- A cohort scanned and assembled in patient slices on several threads gives the tables of one
  scan on one thread.
The compiled assembly is checked against the former assembly in ``test_prepare.py``.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msrwe.derive.outcomes.engine import run_prepared
from msrwe.derive.outcomes.options import make_options
from msrwe.derive.outcomes.prepare import _index_in, _walk_in_order, prepare

from .test_prepare import tables


def _hashed(values: pl.Series, ids: pl.Series) -> list[int]:
    pos = pc.index_in(values.to_arrow(), value_set=ids.to_arrow())
    return [-1 if p is None else p for p in pos.to_pylist()]


@settings(max_examples=60, deadline=None)
@given(n_ids=st.integers(0, 30), picks=st.lists(st.integers(0, 40), max_size=30),
       in_order=st.booleans(), text=st.booleans(), sliced=st.booleans(), enum=st.booleans())
def test_walk_equals_the_hash_look_up(n_ids, picks, in_order, text, sliced, enum):
    ids = pl.Series(np.arange(n_ids, dtype=np.int64) * 3 + 1)
    # values outside the ids (picks >= n_ids) or out of order make the walk give up
    raw = sorted(picks) if in_order else picks
    values = pl.Series([p * 3 + 1 for p in raw], dtype=pl.Int64)
    if text:
        ids, values = ids.cast(pl.String) + "-x", values.cast(pl.String) + "-x"
    if sliced and len(values) > 1:  # an Arrow slice offset in the value buffers
        values = values.slice(1)
    want = _hashed(values, ids)
    walked = _walk_in_order(values, ids)
    if walked is not None:
        assert walked.tolist() == want
    distinct_ascending = len(set(raw)) == len(raw) and raw == sorted(raw)
    if all(w >= 0 for w in want) and distinct_ascending:
        assert walked is not None  # found in order: no hash needed
    assert _index_in(values, ids).tolist() == want
    if enum:  # one Enum on both sides (msrwe analyze's ids): its codes give the same positions
        labels = ids.cast(pl.String)
        kind = pl.Enum(sorted(set(labels.to_list()) | set(values.cast(pl.String).to_list())))
        assert _index_in(values.cast(pl.String).cast(kind), labels.cast(kind)).tolist() == want


def test_enum_ids_are_walked_by_their_codes(monkeypatch):
    """Ids held as one pl.Enum (msrwe analyze's) take the forward walk, not the join."""
    from msrwe.derive.outcomes import prepare as prep

    ids = pl.Series([f"P{i:07d}" for i in range(10)])
    kind = pl.Enum(ids.to_list())
    walked: list[pl.DataType] = []
    walk = prep._walk_in_order
    monkeypatch.setattr(prep, "_walk_in_order",
                        lambda v, i: walked.append(i.dtype) or walk(v, i))
    values = pl.Series(["P0000002", "P0000005"]).cast(kind)
    assert prep._index_in(values, ids.cast(kind)).tolist() == [2, 5]
    assert len(walked) == 1
    assert walked[0].is_integer()


def test_walk_of_empty_and_repeated_values():
    ids = pl.Series(["a", "b", "c"])
    assert _walk_in_order(pl.Series(["b", "b"]), ids) is None  # a patient twice: the hash
    assert _index_in(pl.Series(["b", "b"]), ids).tolist() == [1, 1]
    assert _walk_in_order(pl.Series([""]), pl.Series(["", "a"])).tolist() == [0]
    assert _index_in(pl.Series([], dtype=pl.String), ids).tolist() == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), threads=st.integers(2, 5), rawpira=st.booleans(),
       event=st.sampled_from(["multiple", "firstCDW"]), impute=st.sampled_from([0, 0.5]))
def test_slices_on_threads_equal_one_scan(data, threads, rawpira, event, impute):
    visits, relapses, _, _ = data
    opts = make_options(outcome="edss", RAW_PIRA=rawpira, event=event, baseline="roving",
                        return_unconfirmed=True, impute_last_visit=impute, random_state=7)
    prep = prepare(visits, relapses, opts)
    one = run_prepared(prep, opts, threads=1)
    many = run_prepared(prep, opts, threads=threads)
    for name in ("events", "summary", "unconfirmed"):
        got, want = getattr(many, name), getattr(one, name)
        assert got.schema == want.schema, name
        assert got.equals(want), name


def test_a_slice_is_the_slice_prepared_alone():
    visits = pl.DataFrame({"patient_id": ["a", "a", "b", "b", "b", "c"],
                           "date": [0, 90, 0, 90, 180, 0], "edss": [1.0, 2, 3, 4, 4, 5]})
    relapses = pl.DataFrame({"patient_id": ["b", "c"], "onset_date": [30, 10]})
    opts = make_options()
    whole = prepare(visits, relapses, opts).patient_slice(1, 3)
    alone = prepare(visits.filter(pl.col("patient_id") != "a"), relapses, opts)
    assert whole.patients.equals(alone.patients)
    for name in ("off", "day", "value", "base", "validconf", "roff", "rday"):
        np.testing.assert_array_equal(getattr(whole, name), getattr(alone, name), name)
    assert not whole.off.flags.writeable


def _keys_sorted(pos, bounds, rd, ok, npat):
    """The former placement: one (patient, day) key per kept row, sorted."""
    rp = np.repeat(pos, np.diff(bounds))
    keep = (rp >= 0) & (ok if len(ok) else True)
    order = np.lexsort((rd[keep], rp[keep]))
    roff = np.zeros(npat + 1, dtype=np.int64)
    np.cumsum(np.bincount(rp[keep], minlength=npat), out=roff[1:])
    return roff.tolist(), rd[keep][order].tolist()


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(st.tuples(st.integers(-1, 4), st.lists(st.integers(-50, 50), max_size=45)),
                     max_size=8),
       mask=st.booleans(), data=st.data())
def test_relapse_placement_equals_the_key_sort(runs, mask, data):
    from msrwe.derive.outcomes._relapse_jit import place_relapses

    pos = np.array([p for p, _ in runs], dtype=np.int64)
    bounds = np.r_[0, np.cumsum([len(d) for _, d in runs])].astype(np.int64)
    rd = np.array([x for _, d in runs for x in d], dtype=np.int32)
    ok = (np.array(data.draw(st.lists(st.booleans(), min_size=len(rd), max_size=len(rd))),
                   dtype=np.bool_) if mask else np.zeros(0, dtype=np.bool_))
    roff, rday = np.zeros(6, dtype=np.int64), np.empty(len(rd), dtype=np.int32)
    n = place_relapses(pos, bounds, rd, ok, roff, rday)
    assert (roff.tolist(), rday[:n].tolist()) == _keys_sorted(pos, bounds, rd, ok, 5)
