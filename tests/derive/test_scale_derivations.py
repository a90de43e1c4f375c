"""local_severity by binary search equals the element-wise definition (issue 14, item 1)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.derive.severity import local_severity

EDSS = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 6.0, 6.5, 10.0]


def _brute(edss, at, ref_e, ref_x, band):
    """The definition, one score at a time (what local_severity computed before)."""
    re_ = np.array([np.nan if v is None else v for v in ref_e], dtype=float)
    rx = np.array([np.nan if v is None else v for v in ref_x], dtype=float)
    ok = np.isfinite(re_) & np.isfinite(rx) & (re_ < 10)
    re_, rx = re_[ok], rx[ok]
    out = []
    for e, x in zip(edss, at, strict=True):
        if e is None or x is None or not (math.isfinite(e) and math.isfinite(x)) or e >= 10:
            out.append(None)
            continue
        near = re_[np.abs(rx - x) <= band]
        if near.size == 0:
            out.append(None)
            continue
        out.append((float(np.sum(near < e)) + (float(np.sum(near == e)) + 1) / 2)
                   / (near.size + 1) * 10)
    return out


_x = st.one_of(st.none(), st.integers(0, 12).map(float),
               st.integers(0, 4000).map(lambda d: d / 365.25))


@settings(max_examples=200, deadline=None)
@given(ref=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(EDSS)), _x), max_size=40),
       q=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(EDSS)), _x), max_size=15),
       band=st.sampled_from([2.0, 0.5, 1.0 / 3]))
def test_binary_search_equals_definition(ref, q, band):
    ref_e, ref_x = [r[0] for r in ref], [r[1] for r in ref]
    edss, at = [r[0] for r in q], [r[1] for r in q]
    assert (local_severity(edss, at, reference_edss=ref_e, reference_at=ref_x, band=band)
            == _brute(edss, at, ref_e, ref_x, band))


# Integer durations put many references exactly on the band's edges
def test_edges_and_duplicates():
    rng = np.random.default_rng(3)
    ref_x = rng.integers(0, 10, 500).astype(float).tolist()
    ref_e = rng.choice(EDSS, 500).tolist()
    at = [float(v) for v in range(-3, 14)] + [2.0000000000000004, 1.9999999999999998]
    edss = [4.0] * len(at)
    assert (local_severity(edss, at, reference_edss=ref_e, reference_at=ref_x)
            == _brute(edss, at, ref_e, ref_x, 2.0))


# The milestone scan's nearest-relapse search now lives in the compiled kernel
# (msrwe.derive._milestone_kernel); tests/derive/test_milestones_kernel.py checks it against
# the former per-patient loop, so its Python helper's own test went with it.
