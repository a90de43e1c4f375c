"""The one-pass ``prepare`` and the direct assembly equal the former ones; kernel thresholds too.

``_prepare_reference.prepare`` is ``prepare`` as it was before it became one pass (kept verbatim):
both run on the same tables, in every shape a chart takes (patients contiguous or interleaved,
visits out of date order, two rows on one date, missing values, string or integer identifiers,
dates or day numbers, relapses of patients without visits, a ``subjects`` filter), and every array
they hand the kernel must be equal. Then a named threshold policy computed inside the kernel
(``threshold_code``) must give the same events as the same policy evaluated into a per-visit array,
and the tables assembled column by column must equal those ``_assemble_reference`` built through
Arrow tables, schema included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msrwe.derive.outcomes import assemble
from msrwe.derive.outcomes.api import run_prepared
from msrwe.derive.outcomes.kernel import event_buffers, scan_patients
from msrwe.derive.outcomes.options import make_options
from msrwe.derive.outcomes.prepare import codes, prepare
from msrwe.derive.outcomes.thresholds import POLICIES, kernel_code

from . import _assemble_reference as reference_assemble
from ._prepare_reference import prepare as reference_prepare

GRID = [0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0, 6.5, 7.0]
D0 = dt.date(2015, 1, 1)


@st.composite
def tables(draw):
    """Visits and relapses in any row order, with duplicates, nulls and foreign patients."""
    npat = draw(st.integers(1, 6))
    rows = []
    for p in range(npat):
        day = draw(st.integers(-30, 30))
        for _ in range(draw(st.integers(1, 12))):
            day += draw(st.sampled_from([0, 0, 30, 90, 120, 200]))  # 0: two rows on a date
            rows.append([p, day, draw(st.sampled_from([*GRID, None])),
                         draw(st.sampled_from([3.0, 5.5, None])), draw(st.booleans())])
    layout = draw(st.sampled_from(["contiguous", "shuffled", "reversed"]))
    if layout == "shuffled":
        rows = draw(st.permutations(rows))
    elif layout == "reversed":
        rows = rows[::-1]
    if draw(st.booleans()) and rows:
        rows[draw(st.integers(0, len(rows) - 1))][0] = None  # a row without a patient
    int_ids = draw(st.booleans())
    as_dates = draw(st.booleans())

    def pid(p):
        return None if p is None else (p * 7 if int_ids else f"P{p:02d}")

    def when(d):
        return D0 + dt.timedelta(days=d) if as_dates else d

    visits = pl.DataFrame(
        {"patient_id": [pid(r[0]) for r in rows], "date": [when(r[1]) for r in rows],
         "edss": [r[2] for r in rows], "ref": [r[3] for r in rows], "ok": [r[4] for r in rows]},
        schema={"patient_id": pl.Int64 if int_ids else pl.String,
                "date": pl.Date if as_dates else pl.Int64, "edss": pl.Float64,
                "ref": pl.Float64, "ok": pl.Boolean},
    )
    rel = [(pid(draw(st.integers(0, npat + 1))), when(draw(st.integers(-100, 1500))))
           for _ in range(draw(st.integers(0, 10)))]
    if rel and draw(st.booleans()):
        rel[0] = (rel[0][0], None)
    relapses = pl.DataFrame(
        {"patient_id": [r[0] for r in rel], "onset_date": [r[1] for r in rel]},
        schema={"patient_id": pl.Int64 if int_ids else pl.String,
                "onset_date": pl.Date if as_dates else pl.Int64},
    )
    return visits, (relapses if draw(st.booleans()) else None), npat, int_ids


def _same(got, want):
    assert got.patients.equals(want.patients)
    assert got.date_dtype == want.date_dtype
    for name in ("off", "day", "value", "delta", "validconf", "roff", "rday"):
        g, w = getattr(got, name), getattr(want, name)
        assert g.dtype == w.dtype, name
        np.testing.assert_array_equal(g, w, err_msg=name)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), policy=st.sampled_from(["msprog", "trial", "lorscheider", "fn"]),
       use_ref=st.booleans(), use_ok=st.booleans(), subjects=st.booleans())
def test_prepare_equals_the_former_prepare(data, policy, use_ref, use_ok, subjects):
    visits, relapses, npat, int_ids = data
    kw = {"delta_fun": (lambda b: 0.5 + b / 10) if policy == "fn" else policy}
    if use_ref:
        kw["valuedelta_col"] = "ref"
    if use_ok:
        kw["validconf_col"] = "ok"
    if subjects:
        kw["subjects"] = [p * 7 if int_ids else f"P{p:02d}" for p in range(0, npat, 2)]
    opts = make_options(outcome="edss", **kw)
    _same(prepare(visits, relapses, opts), reference_prepare(visits, relapses, opts))


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_kernel_thresholds_equal_the_policy_arrays(name):
    rng = np.random.default_rng(5)
    n, npat = 4000, 200
    outcome = "edss" if name in ("msprog", "trial", "lorscheider") else "custom"
    grid = np.array(GRID) if outcome == "edss" else np.arange(20.0, 80.0, 0.5)
    visits = pl.DataFrame({
        "patient_id": np.repeat(np.arange(npat), n // npat),
        "date": np.tile(np.arange(n // npat) * 91, npat),
        "v": grid[rng.integers(0, len(grid), n)],
    })
    kw = {"value_col": "v"} | ({"worsening": "decrease"} if outcome == "custom" else {})
    opts = make_options(outcome=outcome, delta_fun=name, event="multiple", baseline="roving",
                        **kw)
    prep = prepare(visits, None, opts)
    assert prep.threshold_code == kernel_code(POLICIES[name]) >= 0
    in_kernel = run_prepared(prep, opts)
    as_array = run_prepared(replace(prep, threshold_code=-1), opts)
    assert in_kernel.events.height > 0
    assert in_kernel.events.equals(as_array.events)
    assert in_kernel.summary.equals(as_array.summary)


def test_a_threshold_function_is_evaluated_once_into_an_array():
    visits = pl.DataFrame({"patient_id": ["A"] * 3, "date": [0, 90, 180], "edss": [3.0, 4, 4]})
    prep = prepare(visits, None, make_options(delta_fun=lambda b: 1.0))
    assert prep.threshold_code == -1
    assert prep.kernel_delta is prep.delta
    assert prep.delta.tolist() == [1.0, 1.0, 1.0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), rawpira=st.booleans(), conf=st.sampled_from([84, [84, 168]]),
       event=st.sampled_from(["multiple", "firstCDW", "first"]))
def test_assembly_equals_the_former_arrow_assembly(data, rawpira, conf, event):
    visits, relapses, _, _ = data
    opts = make_options(outcome="edss", RAW_PIRA=rawpira, conf_days=conf, event=event,
                        baseline="roving", return_unconfirmed=True)
    prep = prepare(visits, relapses, opts)
    iopt, fopt, win = codes(opts, threshold_code=prep.threshold_code)
    npat = len(prep.off) - 1
    ev_i, ev_f, n_ev, un_i, un_f, n_un = scan_patients(
        0, npat, prep.off, prep.day, prep.value, prep.kernel_delta, prep.validconf, prep.roff,
        prep.rday, np.zeros(npat), iopt, fopt, win, *event_buffers(iopt, npat, len(prep.day)))
    ev_i, ev_f, un_i, un_f = ev_i[:n_ev], ev_f[:n_ev], un_i[:n_un], un_f[:n_un]
    for new, old in ((assemble.build_events(prep, ev_i, ev_f, opts),
                      reference_assemble.build_events(prep, ev_i, ev_f, opts)),
                     (assemble.build_summary(prep, ev_i, opts),
                      reference_assemble.build_summary(prep, ev_i, opts)),
                     (assemble.build_unconfirmed(prep, un_i, un_f),
                      reference_assemble.build_unconfirmed(prep, un_i, un_f))):
        assert new.schema == old.schema
        assert new.equals(old)


@settings(max_examples=100, deadline=None)
@given(pos=st.lists(st.one_of(st.none(), st.integers(0, 2**31 - 1)), max_size=40),
       start=st.integers(0, 9), chunked=st.booleans())
def test_positions_read_from_buffers_equal_arrows_fill_null(pos, start, chunked):
    # the look-up result as Arrow hands it: nulls, a slice offset, possibly in chunks
    import pyarrow as pa
    import pyarrow.compute as pc

    from msrwe.derive.outcomes.prepare import _positions

    arr = pa.array([None] * start + pos, type=pa.int32()).slice(start)
    given_ = pa.chunked_array([arr.slice(0, len(pos) // 2), arr.slice(len(pos) // 2)],
                              type=pa.int32()) if chunked else arr
    want = np.asarray(pc.fill_null(arr, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    got = _positions(given_)
    assert got.dtype == np.int64
    assert got.tolist() == want.tolist()


# NaN in the outcome is refused with the count, whether the column also has nulls or not
@pytest.mark.parametrize("edss", [[2.0, float("nan"), 3.0, float("nan")],
                                  [2.0, float("nan"), None, float("nan")]])
def test_nan_in_the_outcome_is_refused_with_its_count(edss):
    from msrwe.errors import InputError

    v = pl.DataFrame({"patient_id": ["A"] * 4, "date": [0, 90, 180, 270], "edss": edss})
    with pytest.raises(InputError, match=r"column 'edss' holds NaN \(not a number\) in 2 rows"):
        prepare(v, None, make_options())
