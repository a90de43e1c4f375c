"""The compiled REML sums (msrwe.stats._lmm_kernel) against their numpy statement, to the bit.

``_Reml._patients`` states each per-patient term in numpy; the fit sums the kernel's terms with
numpy. The sums, the log-likelihood, its gradient and whole fits must be the same floats as the
numpy statement gives (the demo goldens compare mixed-model rows to 1e-9, and a REML optimum is
only determined to about 1e-8, so anything short of the same bits could move them).
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from msrwe.stats._lmm import _chol, _Reml, fit_lmm, sufficient_stats


class _NumpyReml(_Reml):
    """The likelihood evaluated from the numpy statement ``_patients`` (the reference)."""

    def _sums(self, psi: np.ndarray) -> tuple[np.ndarray, bool]:
        pp = self._patients(psi)
        sums = np.array([x.sum() for x in (*pp["w"], *pp["g"], pp["yvy"], pp["logdet"])])
        return sums, bool(np.all(np.isfinite(pp["logdet"])))

    def grad_psi(self, psi, beta=None):
        q = self.q
        p = self.parts(psi, beta)
        if not np.isfinite(p["llf"]):
            return -np.inf, np.zeros(2), np.zeros((q, q))
        pp = self._patients(psi)
        (b0, b1), qf, h = p["beta"], p["qf"], p["h_inv"]
        fac = 0.5 * self.df / qf
        if q == 1:
            bz0, bz1 = pp["b"]
            u = pp["zvy"] - bz0 * b0 - bz1 * b1
            bhb = h[0, 0] * bz0 * bz0 + 2.0 * h[0, 1] * bz0 * bz1 + h[1, 1] * bz1 * bz1
            gpsi = np.array([[-0.5 * pp["a"].sum() + fac * (u * u).sum() + 0.5 * bhb.sum()]])
        else:
            w00, w01, w11 = pp["w"]
            u0 = pp["g"][0] - w00 * b0 - w01 * b1
            u1 = pp["g"][1] - w01 * b0 - w11 * b1
            p00, p01 = w00 * h[0, 0] + w01 * h[0, 1], w00 * h[0, 1] + w01 * h[1, 1]
            p10, p11 = w01 * h[0, 0] + w11 * h[0, 1], w01 * h[0, 1] + w11 * h[1, 1]
            whw = [(p00 * w00 + p01 * w01).sum(), (p00 * w01 + p01 * w11).sum(),
                   (p10 * w01 + p11 * w11).sum()]
            g00 = -0.5 * w00.sum() + fac * (u0 * u0).sum() + 0.5 * whw[0]
            g01 = -0.5 * w01.sum() + fac * (u0 * u1).sum() + 0.5 * whw[1]
            g11 = -0.5 * w11.sum() + fac * (u1 * u1).sum() + 0.5 * whw[2]
            gpsi = np.array([[g00, g01], [g01, g11]])
        dbeta = (self.df / qf) * (p["xvy"] - p["h"] @ p["beta"])
        return float(p["llf"]), dbeta, gpsi


def _cohort(seed: int, n_pat: int, max_visits: int):
    rng = np.random.default_rng(seed)
    k = rng.integers(1, max_visits + 1, n_pat)
    codes = np.repeat(np.arange(n_pat), k)
    t = rng.uniform(0, 6, codes.size)
    u0, u1 = rng.normal(0, 1.0, n_pat), rng.normal(0, 0.1, n_pat)
    y = 4 + u0[codes] + (0.1 + u1[codes]) * t + rng.normal(0, 0.3, codes.size)
    return sufficient_stats(codes, t, y)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_pat=st.integers(2, 60), max_visits=st.integers(1, 8),
       q=st.sampled_from([1, 2]), theta=st.lists(st.floats(-6, 3), min_size=3, max_size=3))
def test_sums_and_gradient_are_the_numpy_statement(seed, n_pat, max_visits, q, theta):
    ss = _cohort(seed, n_pat, max_visits)
    assume(ss.n_obs >= 4)  # mixed_slope needs 3 measurements
    th = np.array(theta[:1] if q == 1 else theta)
    fast, ref = _Reml(ss, q), _NumpyReml(ss, q)
    L = _chol(th, q)
    psi = L @ L.T
    s_fast, ok_fast = fast._sums(psi)
    s_ref, ok_ref = ref._sums(psi)
    assert ok_fast == ok_ref
    assert s_fast.tobytes() == s_ref.tobytes()
    a, b = fast.grad_full(th), ref.grad_full(th)
    assert a[0] == b[0] or (np.isinf(a[0]) and np.isinf(b[0]))
    assert a[1].tobytes() == b[1].tobytes()
    assert a[2].tobytes() == b[2].tobytes()


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_pat=st.integers(60, 3_000),
       q=st.sampled_from([1, 2]), theta=st.lists(st.floats(-6, 3), min_size=3, max_size=3))
def test_vectorised_kernel_is_the_numpy_statement_on_long_arrays(seed, n_pat, q, theta):
    # error_model="numpy" lets LLVM run the loops on several patients per instruction, with a
    # scalar remainder: lengths from 60 to 3,000 cover the vector body and every remainder
    ss = _cohort(seed, n_pat, 5)
    th = np.array(theta[:1] if q == 1 else theta)
    L = _chol(th, q)
    psi = L @ L.T
    s_fast, ok_fast = _Reml(ss, q)._sums(psi)
    s_ref, ok_ref = _NumpyReml(ss, q)._sums(psi)
    assert ok_fast == ok_ref
    assert s_fast.tobytes() == s_ref.tobytes()
    a, b = _Reml(ss, q).grad_full(th), _NumpyReml(ss, q).grad_full(th)
    assert a[0] == b[0] or (np.isinf(a[0]) and np.isinf(b[0]))
    assert a[1].tobytes() == b[1].tobytes()
    assert a[2].tobytes() == b[2].tobytes()


def test_remembered_points_are_copies():
    ss = _cohort(3, 20, 5)
    reml = _Reml(ss, 2)
    th = np.array([0.1, 0.2, -1.0])
    f1, g1 = reml.value_grad(th)
    g1[:] = 99.0  # a caller (the optimiser) may write into what it got
    f2, g2 = reml.value_grad(th)
    assert f1 == f2
    assert not np.any(g2 == 99.0)


def test_whole_fits_are_those_of_the_numpy_statement(monkeypatch):
    import msrwe.stats._lmm as lmm

    for seed, n_pat in ((1, 30), (2, 200), (5, 800)):
        ss = _cohort(seed, n_pat, 6)
        for slope in (False, True):
            fast = fit_lmm(ss, slope)
            with monkeypatch.context() as m:
                m.setattr(lmm, "_Reml", _NumpyReml)
                ref = lmm.fit_lmm(ss, slope)
            for x, y in zip(
                (fast.beta, fast.cov_beta, fast.cov_re, fast.scale, fast.llf),
                (ref.beta, ref.cov_beta, ref.cov_re, ref.scale, ref.llf), strict=True,
            ):
                assert np.asarray(x).tobytes() == np.asarray(y).tobytes()
            assert (fast.converged, fast.singular) == (ref.converged, ref.singular)
