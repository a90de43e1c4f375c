"""Compiled per-patient sums of the REML log-likelihood of :mod:`msrwe.stats._lmm`.

Each evaluation of the likelihood and its gradient needs, over all patients, a handful of sums of
closed-form 2x2 (or 1x1) expressions in the per-patient sums ``n``, ``sum t``, ``sum t^2``,
``sum y``, ``sum t y`` and ``sum y^2``. Written as numpy array arithmetic this takes about 60
temporary arrays of length P per evaluation; here each of the two passes is one loop over the
patients with the same expressions, term by term, and no temporary (numba, compiled once and
cached on disk). Pass 1 gives what the log-likelihood needs; pass 2, given the fixed effects and
``H^-1``, the sums of the gradient in ``Psi``.

The kernels use numba's ``error_model="numpy"``: a float division by zero gives inf/nan as in
numpy instead of raising. numba's default checks every divisor, and that branch keeps LLVM from
vectorising the loops; without it each pass runs on 4-8 patients per instruction (about 5-8x
faster at 100,000 patients). Element-wise IEEE arithmetic gives the same bits vectorised or not,
and no division by zero occurs here anyway (``1 + psi n >= 1``; ``det(I + S Psi) >= 1`` for a
positive semi-definite ``Psi``).

Imported by :mod:`msrwe.stats._lmm` on first use, so ``import msrwe`` does not load numba.
"""

from __future__ import annotations

from numba import njit

__all__ = ["fill1", "fill2"]


@njit(cache=True, nogil=True, error_model="numpy")
def _q1_terms(n, s01, s11, c0, c1, ps):  # pragma: no cover - compiled
    f = 1.0 / (1.0 + ps * n)
    k = ps * f
    return n * f, s01 * f, s11 - k * s01 * s01, c0 * f, c1 - k * s01 * c0, k


@njit(cache=True, nogil=True, error_model="numpy")
def _q2_terms(n, s01, s11, c0, c1, p00, p01, p11):  # pragma: no cover - compiled
    a00, a01 = 1.0 + n * p00 + s01 * p01, n * p01 + s01 * p11
    a10, a11 = s01 * p00 + s11 * p01, 1.0 + s01 * p01 + s11 * p11
    det = a00 * a11 - a01 * a10
    i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
    k00 = p00 * i00 + p01 * i10
    k01 = 0.5 * ((p00 * i01 + p01 * i11) + (p01 * i00 + p11 * i10))
    k11 = p01 * i01 + p11 * i11
    sk00, sk01 = n * k00 + s01 * k01, n * k01 + s01 * k11
    sk10, sk11 = s01 * k00 + s11 * k01, s01 * k01 + s11 * k11
    w00 = n - (sk00 * n + sk01 * s01)
    w01 = s01 - (sk00 * s01 + sk01 * s11)
    w11 = s11 - (sk10 * s01 + sk11 * s11)
    g0 = c0 - (sk00 * c0 + sk01 * c1)
    g1 = c1 - (sk10 * c0 + sk11 * c1)
    return w00, w01, w11, g0, g1, det, k00, k01, k11


@njit(cache=True, nogil=True, error_model="numpy")
def fill1(n, s01, s11, c0, c1, yy, q, p00, p01, p11, out):  # pragma: no cover - compiled
    """Per patient: ``X'V^-1X`` (rows 0-2), ``X'V^-1y`` (3-4), ``y'V^-1y`` (5) into ``out``.

    Row 6 gets what ``log|V|`` is the logarithm of, less one for q = 1 (``psi n``, for
    ``log1p``), the determinant of ``A`` for q = 2; numpy takes the logarithm, so the result is
    its to the last bit. ``q`` is 1 (random intercept, ``p00`` its variance ratio) or 2.
    """
    if q == 1:
        _fill1_q1(n, s01, s11, c0, c1, yy, p00, out)
    else:
        _fill1_q2(n, s01, s11, c0, c1, yy, p00, p01, p11, out)


@njit(cache=True, nogil=True, error_model="numpy")
def _fill1_q1(n, s01, s11, c0, c1, yy, ps, out):  # pragma: no cover - compiled
    for i in range(n.size):
        w00, w01, w11, g0, g1, k = _q1_terms(n[i], s01[i], s11[i], c0[i], c1[i], ps)
        out[0, i] = w00
        out[1, i] = w01
        out[2, i] = w11
        out[3, i] = g0
        out[4, i] = g1
        out[5, i] = yy[i] - k * c0[i] * c0[i]
        out[6, i] = ps * n[i]


@njit(cache=True, nogil=True, error_model="numpy")
def _fill1_q2(n, s01, s11, c0, c1, yy, p00, p01, p11, out):  # pragma: no cover - compiled
    for i in range(n.size):
        w00, w01, w11, g0, g1, det, k00, k01, k11 = _q2_terms(
            n[i], s01[i], s11[i], c0[i], c1[i], p00, p01, p11)
        out[0, i] = w00
        out[1, i] = w01
        out[2, i] = w11
        out[3, i] = g0
        out[4, i] = g1
        out[5, i] = yy[i] - (k00 * c0[i] * c0[i] + 2.0 * k01 * c0[i] * c1[i]
                             + k11 * c1[i] * c1[i])
        out[6, i] = det


@njit(cache=True, nogil=True, error_model="numpy")
def fill2(terms, q, b0, b1, h00, h01, h11, out):  # pragma: no cover - compiled
    """Per patient, the terms of the gradient in ``Psi`` at ``b`` and ``H^-1`` (h00, h01, h11).

    ``terms`` is what :func:`fill1` wrote for the same ``Psi`` (``w`` and ``g``; for q = 1 the
    ``B`` of the gradient is ``(w00, w01)`` and ``Z'V^-1y`` is ``g0``). q = 1: ``a``, ``u^2`` and
    ``B H^-1 B'`` (rows 0-2). q = 2: ``u u'`` (00, 01, 11; rows 0-2) and ``W H^-1 W`` (00, 01,
    11; rows 3-5).
    """
    h01x2 = 2.0 * h01
    m = terms.shape[1]
    if q == 1:
        for i in range(m):
            bz0, bz1, zvy = terms[0, i], terms[1, i], terms[3, i]
            u = zvy - bz0 * b0 - bz1 * b1
            out[0, i] = bz0
            out[1, i] = u * u
            out[2, i] = h00 * bz0 * bz0 + h01x2 * bz0 * bz1 + h11 * bz1 * bz1
        return
    for i in range(m):
        w00, w01, w11, g0, g1 = terms[0, i], terms[1, i], terms[2, i], terms[3, i], terms[4, i]
        u0 = g0 - w00 * b0 - w01 * b1
        u1 = g1 - w01 * b0 - w11 * b1
        out[0, i] = u0 * u0
        out[1, i] = u0 * u1
        out[2, i] = u1 * u1
        q00, q01 = w00 * h00 + w01 * h01, w00 * h01 + w01 * h11
        q10, q11 = w01 * h00 + w11 * h01, w01 * h01 + w11 * h11
        out[3, i] = q00 * w00 + q01 * w01
        out[4, i] = q00 * w01 + q01 * w11
        out[5, i] = q10 * w01 + q11 * w11

