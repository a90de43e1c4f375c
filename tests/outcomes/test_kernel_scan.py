"""The bounded event scan equals the former one, array for array, on long series with relapses.

``_kernel_reference.scan_patients`` is the kernel as it was before its forward scans were bounded
by the confirmation window and its relapse look-ups became binary searches (kept verbatim). Both
run on the same prepared arrays, with every option that changes the scan; their event and
unconfirmed-change records must be equal element for element (NaN in the same places).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msrwe.derive.outcomes.kernel import event_buffers, scan_patients
from msrwe.derive.outcomes.options import make_options
from msrwe.derive.outcomes.prepare import codes, prepare

from ._kernel_reference import scan_patients as reference_scan

GRID = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0]
GAPS = [0, 7, 14, 30, 60, 84, 90, 120, 180, 365]


@st.composite
def cohorts(draw):
    """Up to 4 patients, series of up to 120 visits, up to 40 relapses each (many on visit days)."""
    vrows, rrows = [], []
    for p in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 120))
        day = draw(st.integers(-50, 50))
        k = draw(st.integers(0, len(GRID) - 1))
        walk = draw(st.booleans())
        for _ in range(n):
            day += draw(st.sampled_from(GAPS))
            if walk:  # a random walk gives long runs of sustained change
                k = min(max(k + draw(st.sampled_from([-2, -1, 0, 0, 1, 1, 2])), 0), len(GRID) - 1)
            else:
                k = draw(st.integers(0, len(GRID) - 1))
            vrows.append((f"p{p}", day, GRID[k], draw(st.booleans())))
        days = [r[1] for r in vrows if r[0] == f"p{p}"]
        for _ in range(draw(st.integers(0, 40))):  # often on a visit day: the edge of each search
            rrows.append((f"p{p}", draw(st.one_of(st.integers(-400, day + 100),
                                                  st.sampled_from(days)))))
    visits = pl.DataFrame(vrows, schema={"patient_id": pl.String, "date": pl.Int64,
                                         "edss": pl.Float64, "ok": pl.Boolean}, orient="row")
    rel = pl.DataFrame(rrows, schema={"patient_id": pl.String, "onset_date": pl.Int64},
                       orient="row")
    return visits, rel


OPTIONS = st.fixed_dictionaries({
    "event": st.sampled_from(["multiple", "first", "firstCDW", "firstCDI", "firstPIRA",
                              "firstRAW"]),
    "baseline": st.sampled_from(["fixed", "roving", "roving_impr", "roving_wors"]),
    "RAW_PIRA": st.booleans(),
    "proceed_from": st.sampled_from(["firstconf", "event"]),
    "check_intermediate": st.booleans(),
    "relapse_rebl": st.booleans(),
    "sub_threshold_rebl": st.sampled_from(["none", "event", "improvement", "worsening"]),
    "skip_local_extrema": st.sampled_from(["none", "strict", "all"]),
    "bl_geq": st.booleans(),
    "conf_days": st.sampled_from([84, [84, 168], 168, [30, 90, 365]]),
    "conf_tol_days": st.sampled_from([(7, 730.5), (7, 30), (14, math.inf), (0, 0)]),
    "require_sust_days": st.sampled_from([0, 90, 365, math.inf]),
    "relapse_to_bl": st.sampled_from([30, (30, 30), 0]),
    "relapse_to_event": st.sampled_from([0, 30, (30, 30)]),
    "relapse_to_conf": st.sampled_from([30, 0, (60, 30)]),
    "relapse_assoc": st.sampled_from([90, (90, 30), 0]),
    "relapse_indep": st.sampled_from([
        None,
        {"prec": (0, 0), "event": (90, 30), "conf": (90, 30), "prec_type": "baseline"},
        {"prec": (90, 30), "event": (None, 30), "conf": (90, None), "prec_type": "last"},
        {"prec": (30, None), "event": (90, 30), "conf": (None, None),
         "prec_type": "last_delta"},
    ]),
    "impute_last_visit": st.sampled_from([0, 1, 400]),
    "worsening": st.sampled_from(["increase", "decrease"]),
    "return_unconfirmed": st.booleans(),
}, optional={"validconf_col": st.just("ok")})


def _scan(kernel, prep, opts, impu, fix_direction):
    iopt, fopt, win = codes(opts, fix_direction=fix_direction)
    npat = len(prep.off) - 1
    # the live scan writes into tables made by numpy; the former one made its own
    out = event_buffers(iopt, npat, len(prep.day)) if kernel is scan_patients else ()
    ev_i, ev_f, n_ev, un_i, un_f, n_un = kernel(
        0, npat, prep.off, prep.day, prep.value, prep.delta, prep.validconf, prep.roff,
        prep.rday, impu, iopt, fopt, win, *out)
    return ev_i[:n_ev], ev_f[:n_ev], un_i[:n_un], un_f[:n_un]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=cohorts(), kw=OPTIONS, fix_direction=st.booleans(), seed=st.integers(0, 3))
def test_the_bounded_scan_equals_the_former_scan(data, kw, fix_direction, seed):
    visits, rel = data
    if kw["relapse_indep"] is None:
        del kw["relapse_indep"]
    opts = make_options(outcome="edss", **kw)
    prep = prepare(visits, rel, opts)
    npat = len(prep.off) - 1
    impu = np.random.default_rng(seed).random(npat)  # some patients imputed, some not
    got = _scan(scan_patients, prep, opts, impu, fix_direction)
    want = _scan(reference_scan, prep, opts, impu, fix_direction)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
