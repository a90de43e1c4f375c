"""Exact REML fit of a linear mixed model with one time covariate, from per-patient sums.

The model is ``y_ij = b0 + b1 t_ij + u_i0 + u_i1 t_ij + e_ij`` (or ``u_i1 = 0``), with
``u_i ~ N(0, sigma^2 Psi)`` and ``e_ij ~ N(0, sigma^2)``. With ``X_i = [1, t_ij]`` and ``Z_i``
equal to ``X_i`` (random slope) or its first column (random intercept), the restricted (REML)
log-likelihood, its gradient and the covariance of the fixed effects depend on the data only
through ``n_i``, ``X_i'X_i``, ``X_i'y_i`` and ``y_i'y_i`` per patient:

* ``V_i = sigma^2 (I + Z_i Psi Z_i')``; with ``Psi = L L'`` and ``M_i = I + L' Z_i'Z_i L``,
  ``(I + Z_i Psi Z_i')^{-1} = I - Z_i L M_i^{-1} L' Z_i'`` (Sherman-Morrison-Woodbury) and
  ``log|I + Z_i Psi Z_i'| = log|M_i|`` (matrix determinant lemma), so every per-patient
  quantity is a 2x2 (or 1x1) matrix expression in the sums, evaluated for all patients at once
  with closed-form 2x2 inverses and determinants;
* the fixed effects ``beta`` (generalised least squares) and ``sigma^2`` are profiled out
  analytically, leaving 3 (or 1) variance parameters, optimised in the log-Cholesky
  parameterisation of ``Psi`` with L-BFGS-B and the analytic gradient, from several starts.

Nothing is approximated: the objective is the REML log-likelihood that statsmodels' ``MixedLM``
maximises (same constant), evaluated in ``O(patients)`` vectorised arithmetic instead of a Python
loop over patients. Time is centred and scaled internally (an exact reparameterisation of the
model); the results are transformed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from msrwe._lazy import lazy_module

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import optimize
else:
    optimize = lazy_module("scipy.optimize")

__all__ = ["BOUNDARY_LLF", "LmmFit", "SuffStats", "fit_lmm", "sufficient_stats"]

#: Bounds of the log-diagonal of the Cholesky factor of Psi (relative to sigma^2, standardised
#: time): exp(2 * -12) ~ 4e-11 is a variance ratio of zero for every practical purpose.
_LOG_LOW, _LOG_HIGH = -12.0, 10.0

#: A variance component is on the boundary (zero) when setting it to zero lowers the REML
#: log-likelihood by no more than this (a likelihood-ratio statistic of 2e-6).
BOUNDARY_LLF = 1e-6


@dataclass(frozen=True)
class SuffStats:
    """Per-patient sums of a long data set, with time centred and scaled and y centred.

    Attributes
    ----------
    n
        Measurements per patient, shape ``(P,)``.
    xx
        ``X_i'X_i`` with ``X_i = [1, t]``, shape ``(P, 2, 2)``.
    xy
        ``X_i'y_i``, shape ``(P, 2)``.
    yy
        ``y_i'y_i``, shape ``(P,)``.
    t_shift, t_scale, y_shift
        The standardisation: ``t = (time - t_shift) / t_scale``, ``y = value - y_shift``.
    """

    n: np.ndarray
    xx: np.ndarray
    xy: np.ndarray
    yy: np.ndarray
    t_shift: float
    t_scale: float
    y_shift: float

    @property
    def n_obs(self) -> int:
        """Total number of measurements."""
        return int(self.n.sum())


def sufficient_stats(codes: np.ndarray, time: np.ndarray, y: np.ndarray) -> SuffStats:
    """Per-patient sums from patient codes ``0..P-1``, times and values (finite, same length).

    Parameters
    ----------
    codes
        Integer patient code of each row, every code from 0 to ``P - 1`` present.
    time, y
        Time and value of each row.

    Returns
    -------
    SuffStats
        The sums, with time standardised (mean 0, SD 1) and y centred.

    Examples
    --------
    >>> import numpy as np
    >>> s = sufficient_stats(np.array([0, 0, 1]), np.array([0.0, 1.0, 2.0]), np.ones(3))
    >>> s.n.tolist(), s.n_obs
    ([2.0, 1.0], 3)
    """
    codes = np.asarray(codes, dtype=np.int64)
    t_shift = float(np.mean(time))
    t_scale = float(np.std(time)) or 1.0
    y_shift = float(np.mean(y))
    t = (np.asarray(time, dtype=float) - t_shift) / t_scale
    v = np.asarray(y, dtype=float) - y_shift
    size = int(codes.max()) + 1

    def total(w: np.ndarray | None) -> np.ndarray:
        return np.bincount(codes, weights=w, minlength=size).astype(float)

    n, st, stt = total(None), total(t), total(t * t)
    xx = np.empty((size, 2, 2))
    xx[:, 0, 0], xx[:, 0, 1], xx[:, 1, 0], xx[:, 1, 1] = n, st, st, stt
    xy = np.column_stack([total(v), total(t * v)])
    return SuffStats(n, xx, xy, total(v * v), t_shift, t_scale, y_shift)


@dataclass(frozen=True)
class LmmFit:
    """A REML fit on the original scale of time and y.

    Attributes
    ----------
    beta
        Fixed intercept and slope.
    cov_beta
        Their covariance ``sigma^2 (sum_i X_i' (I + Z_i Psi Z_i')^{-1} X_i)^{-1}``.
    cov_re
        Random-effects covariance ``sigma^2 Psi`` (1x1 or 2x2).
    scale
        Residual variance ``sigma^2``.
    llf
        REML log-likelihood (the value statsmodels' ``MixedLM(reml=True)`` reports).
    converged
        Whether the optimiser ended at a stationary point (small projected gradient).
    singular
        Whether ``Psi`` is estimated as singular (a variance at zero, or intercept and slope
        perfectly correlated): setting a diagonal element of its Cholesky factor to zero lowers
        the REML log-likelihood by at most :data:`BOUNDARY_LLF`, so the maximum is on the
        boundary of the parameter space.
    """

    beta: np.ndarray
    cov_beta: np.ndarray
    cov_re: np.ndarray
    scale: float
    llf: float
    converged: bool
    singular: bool


def _chol(theta: np.ndarray, q: int) -> np.ndarray:
    if q == 1:
        return np.array([[np.exp(theta[0])]])
    return np.array([[np.exp(theta[0]), 0.0], [theta[1], np.exp(theta[2])]])


def _sym_sandwich(
    w: tuple[np.ndarray, np.ndarray, np.ndarray], h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W H W`` for a stack of symmetric 2x2 ``W = (w00, w01, w11)`` and one symmetric ``H``."""
    w00, w01, w11 = w
    p00, p01 = w00 * h[0, 0] + w01 * h[0, 1], w00 * h[0, 1] + w01 * h[1, 1]
    p10, p11 = w01 * h[0, 0] + w11 * h[0, 1], w01 * h[0, 1] + w11 * h[1, 1]
    return p00 * w00 + p01 * w01, p00 * w01 + p01 * w11, p10 * w01 + p11 * w11


class _Reml:
    """The profiled REML log-likelihood and its gradient in the log-Cholesky parameters.

    Every per-patient quantity is written out component by component (closed-form 2x2
    algebra on arrays of length P), which is several times faster than stacked matrix products.
    """

    def __init__(self, ss: SuffStats, q: int) -> None:
        self.ss, self.q = ss, q
        self.df = ss.n_obs - 2
        self.const = 0.5 * self.df * (np.log(self.df) - np.log(2 * np.pi) - 1.0)
        self.n, self.s01, self.s11 = ss.xx[:, 0, 0], ss.xx[:, 0, 1], ss.xx[:, 1, 1]
        self.c0, self.c1 = ss.xy[:, 0], ss.xy[:, 1]
        # contiguous float64 copies for the compiled kernel
        self.n, self.s01, self.s11, self.c0, self.c1 = (
            np.ascontiguousarray(x, dtype=np.float64)
            for x in (self.n, self.s01, self.s11, self.c0, self.c1))
        self.yy = np.ascontiguousarray(ss.yy, dtype=np.float64)
        self._memo: dict[bytes, tuple[float, np.ndarray]] = {}
        self._scratch = np.empty((7, self.n.size))
        self._scratch2 = np.empty((6, self.n.size))

    def _patients(self, psi: np.ndarray) -> dict[str, Any]:
        """Per-patient pieces of the likelihood at ``Psi``, as arrays of length P.

        The numpy statement of what the compiled kernel (:mod:`msrwe.stats._lmm_kernel`) sums;
        the tests check the kernel against it.

        ``X'V^-1X`` (w), ``X'V^-1y`` (g), ``y'V^-1y``, ``log|V|``, and for the gradient
        ``Z'V^-1Z`` (a), ``Z'V^-1X`` (b) and ``Z'V^-1y`` (zvy); ``V`` here excludes sigma^2.
        With ``A = I + S Psi`` (``S = Z'Z``): ``K = Psi A^-1`` (symmetric), ``V^-1 = I - Z K Z'``
        and ``log|V| = log|A|``.
        """
        n, s01, s11, c0, c1 = self.n, self.s01, self.s11, self.c0, self.c1
        if self.q == 1:
            ps = psi[0, 0]
            f = 1.0 / (1.0 + ps * n)  # 1 - k n with k = psi / (1 + psi n)
            k = ps * f
            w = (n * f, s01 * f, s11 - k * s01 * s01)
            g = (c0 * f, c1 - k * s01 * c0)
            yvy = self.ss.yy - k * c0 * c0
            return {"w": w, "g": g, "yvy": yvy, "logdet": np.log1p(ps * n),
                    "a": n * f, "b": (n * f, s01 * f), "zvy": c0 * f}
        p00, p01, p11 = psi[0, 0], psi[0, 1], psi[1, 1]
        a00, a01 = 1.0 + n * p00 + s01 * p01, n * p01 + s01 * p11
        a10, a11 = s01 * p00 + s11 * p01, 1.0 + s01 * p01 + s11 * p11
        det = a00 * a11 - a01 * a10
        i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
        k00 = p00 * i00 + p01 * i10
        k01 = 0.5 * ((p00 * i01 + p01 * i11) + (p01 * i00 + p11 * i10))
        k11 = p01 * i01 + p11 * i11
        # SK = S K
        sk00, sk01 = n * k00 + s01 * k01, n * k01 + s01 * k11
        sk10, sk11 = s01 * k00 + s11 * k01, s01 * k01 + s11 * k11
        w = (n - (sk00 * n + sk01 * s01), s01 - (sk00 * s01 + sk01 * s11),
             s11 - (sk10 * s01 + sk11 * s11))
        g = (c0 - (sk00 * c0 + sk01 * c1), c1 - (sk10 * c0 + sk11 * c1))
        yvy = self.ss.yy - (k00 * c0 * c0 + 2.0 * k01 * c0 * c1 + k11 * c1 * c1)
        with np.errstate(invalid="ignore"):
            logdet = np.log(det)
        return {"w": w, "g": g, "yvy": yvy, "logdet": logdet, "a": w, "b": w, "zvy": g}

    def _sums(self, psi: np.ndarray) -> tuple[np.ndarray, bool]:
        """The sums of the per-patient ``w``, ``g``, ``yvy``, ``logdet``, and all finite.

        The 7 sums are those of :meth:`_patients`' arrays, and the flag says whether every
        ``logdet`` is finite. The per-patient terms come from one compiled loop
        (:func:`msrwe.stats._lmm_kernel.fill1`, the same expressions in the same order); numpy
        sums them and takes the logarithm, so the sums are those of the numpy statement to the
        last bit.
        """
        from msrwe.stats._lmm_kernel import fill1

        p01, p11 = (psi[0, 1], psi[1, 1]) if self.q == 2 else (0.0, 0.0)
        out = self._scratch
        fill1(self.n, self.s01, self.s11, self.c0, self.c1, self.yy, self.q,
              float(psi[0, 0]), float(p01), float(p11), out)
        with np.errstate(invalid="ignore", divide="ignore"):
            logdet = np.log1p(out[6]) if self.q == 1 else np.log(out[6])
        sums = np.empty(7)
        # one reduction over the rows: each row is summed as its own .sum() sums it (pairwise)
        out[:6].sum(axis=1, out=sums[:6])
        sums[6] = logdet.sum()
        # every log finite <=> their sum finite (|log| < 750 per patient: no overflow)
        return sums, bool(np.isfinite(sums[6]))

    def parts(self, psi: np.ndarray, beta: np.ndarray | None = None) -> dict[str, Any]:
        """Everything at ``Psi``; ``beta`` defaults to the GLS estimate (profiled)."""
        sums, finite = self._sums(psi)
        w00, w01, w11, g0, g1, yvy, logdet = (float(x) for x in sums)
        h = np.array([[w00, w01], [w01, w11]])
        xvy = np.array([g0, g1])
        det_h = w00 * w11 - w01 * w01
        h_inv = np.array([[w11, -w01], [-w01, w00]]) / det_h
        gls = h_inv @ xvy
        b = gls if beta is None else beta
        qf = float(yvy - 2.0 * xvy @ b + b @ h @ b)
        ok = det_h > 0 and w00 > 0 and qf > 0 and finite
        llf = (
            -0.5 * logdet - 0.5 * self.df * np.log(qf) - 0.5 * np.log(det_h) + self.const
        ) if ok else -np.inf
        return {"w_sum": (w00, w01, w11), "psi": psi, "h": h, "h_inv": h_inv, "xvy": xvy,
                "gls": gls, "beta": b, "qf": qf, "llf": llf}

    def grad_psi(
        self, psi: np.ndarray, beta: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """REML log-likelihood (sigma^2 profiled) and its gradient in ``beta`` and ``Psi``.

        The gradient ``G`` in ``Psi`` is the symmetric matrix with ``dl = tr(G dPsi)``.

        With ``dV_i = Z_i dPsi Z_i'``: ``d log|V_i| = tr(Z'V^-1Z dPsi)``, ``d qf = -u'dPsi u``
        with ``u = Z'V^-1(y - X beta)``, and ``d log|H| = -tr(B H^-1 B' dPsi)`` with
        ``B = Z'V^-1X``, summed over patients (pass 2 of the compiled kernel).
        """
        from msrwe.stats._lmm_kernel import fill2

        q = self.q
        p = self.parts(psi, beta)
        if not np.isfinite(p["llf"]):
            return -np.inf, np.zeros(2), np.zeros((q, q))
        (b0, b1), qf, h_inv = p["beta"], p["qf"], p["h_inv"]
        fac = 0.5 * self.df / qf
        out = self._scratch2
        # the per-patient w and g at this Psi are still in the scratch rows parts() filled
        fill2(self._scratch, q, float(b0), float(b1), float(h_inv[0, 0]), float(h_inv[0, 1]),
              float(h_inv[1, 1]), out)
        s = out[:3 if q == 1 else 6].sum(axis=1).tolist()
        if q == 1:
            gpsi = np.array([[-0.5 * s[0] + fac * s[1] + 0.5 * s[2]]])
        else:
            w00, w01, w11 = p["w_sum"]
            g00 = -0.5 * w00 + fac * s[0] + 0.5 * s[3]
            g01 = -0.5 * w01 + fac * s[1] + 0.5 * s[4]
            g11 = -0.5 * w11 + fac * s[2] + 0.5 * s[5]
            gpsi = np.array([[g00, g01], [g01, g11]])
        dbeta = (self.df / qf) * (p["xvy"] - p["h"] @ p["beta"])
        return float(p["llf"]), dbeta, gpsi

    def grad_full(
        self, theta: np.ndarray, beta: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """REML log-likelihood and its gradient in ``beta`` and the log-Cholesky ``theta``."""
        L = _chol(theta, self.q)
        llf, dbeta, gpsi = self.grad_psi(L @ L.T, beta)
        grad_l = 2.0 * gpsi @ L  # Psi = L L'
        if self.q == 1:
            dtheta = np.array([grad_l[0, 0] * L[0, 0]])
        else:
            dtheta = np.array([grad_l[0, 0] * L[0, 0], grad_l[1, 0], grad_l[1, 1] * L[1, 1]])
        return llf, dbeta, dtheta

    def value_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Minus the profiled REML log-likelihood per measurement, and its gradient.

        Remembered per ``theta`` (the optimiser, the Newton polish and the convergence check
        ask for the same points again).
        """
        key = np.asarray(theta, dtype=float).tobytes()
        hit = self._memo.get(key)
        if hit is not None:
            return hit[0], hit[1].copy()
        llf, _, dtheta = self.grad_full(theta)
        if not np.isfinite(llf):
            out = (np.inf, np.zeros_like(theta))
        else:
            n = self.ss.n_obs
            out = (-llf / n, -dtheta / n)
        self._memo[key] = (out[0], out[1].copy())
        return out

    def observed_cov_beta(self, psi: np.ndarray, beta: np.ndarray) -> np.ndarray | None:
        """Fixed-effect block of the inverse observed information in ``beta`` and ``Psi``.

        This is how statsmodels' ``MixedLM`` computes ``bse``: the Hessian of the REML
        log-likelihood (sigma^2 profiled) in the fixed effects and the distinct elements of
        ``Psi`` together, cross terms included (at an interior maximum the block does not depend
        on how ``Psi`` is parameterised; at a zero variance it is statsmodels' choice). The
        Hessian is taken by central differences of the analytic gradient. None when it is not
        negative definite.
        """
        rows, cols = np.tril_indices(self.q)
        z0 = np.concatenate([beta, psi[rows, cols]])
        scale = np.concatenate([np.maximum(np.abs(beta), 1.0),
                                np.full(rows.size, max(float(np.max(np.abs(psi))), 1e-3))])
        k = z0.size
        hess = np.empty((k, k))

        def grad(z: np.ndarray) -> np.ndarray:
            m = np.zeros((self.q, self.q))
            m[rows, cols] = z[2:]
            m[cols, rows] = z[2:]
            _, gb, gp = self.grad_psi(m, z[:2])
            mult = np.where(rows == cols, 1.0, 2.0)  # d/dPsi_01 counts both off-diagonals
            return np.concatenate([gb, mult * gp[rows, cols]])

        for j in range(k):
            step = 1e-5 * scale[j]
            up, down = z0.copy(), z0.copy()
            up[j] += step
            down[j] -= step
            hess[:, j] = (grad(up) - grad(down)) / (2 * step)
        hess = 0.5 * (hess + hess.T)
        if not np.all(np.isfinite(hess)) or np.any(np.linalg.eigvalsh(-hess) <= 0):
            return None
        return np.linalg.inv(-hess)[:2, :2]


def _bounds(q: int) -> list[tuple[float | None, float | None]]:
    if q == 1:
        return [(_LOG_LOW, _LOG_HIGH)]
    return [(_LOG_LOW, _LOG_HIGH), (None, None), (_LOG_LOW, _LOG_HIGH)]


def _projected_grad(theta: np.ndarray, grad: np.ndarray, q: int) -> float:
    out = grad.copy()
    for j, (lo, hi) in enumerate(_bounds(q)):
        if lo is not None and theta[j] <= lo + 1e-9 and grad[j] > 0:
            out[j] = 0.0
        if hi is not None and theta[j] >= hi - 1e-9 and grad[j] < 0:
            out[j] = 0.0
    return float(np.max(np.abs(out)))


def _polish(reml: _Reml, theta: np.ndarray, q: int) -> tuple[np.ndarray, float]:
    """Projected Newton steps from the L-BFGS-B end point, with backtracking.

    L-BFGS-B can stop early on a flat or badly scaled likelihood (e.g. a random-intercept
    variance thousands of times the residual variance); a few Newton steps with the Hessian from
    central differences of the analytic gradient bring the optimum to machine precision.
    """
    lo = np.array([b[0] if b[0] is not None else -np.inf for b in _bounds(q)])
    hi = np.array([b[1] if b[1] is not None else np.inf for b in _bounds(q)])
    fun, grad = reml.value_grad(theta)
    for _ in range(30):
        if not np.isfinite(fun):
            break
        hess = np.empty((q * (q + 1) // 2,) * 2)
        for j in range(hess.shape[0]):
            step = 1e-6 * max(1.0, abs(theta[j]))
            up, down = theta.copy(), theta.copy()
            up[j] += step
            down[j] -= step
            hess[:, j] = (reml.value_grad(up)[1] - reml.value_grad(down)[1]) / (2 * step)
        hess = 0.5 * (hess + hess.T)
        free = ~(((theta <= lo + 1e-9) & (grad > 0)) | ((theta >= hi - 1e-9) & (grad < 0)))
        direction = np.zeros_like(theta)
        if not free.any():
            break
        sub = hess[np.ix_(free, free)]
        if np.all(np.isfinite(sub)) and np.all(np.linalg.eigvalsh(sub) > 0):
            direction[free] = -np.linalg.solve(sub, grad[free])
        else:
            direction[free] = -grad[free]
        t, improved = 1.0, False
        for _ in range(40):
            trial = np.clip(theta + t * direction, lo, hi)
            if np.array_equal(trial, theta):
                break  # the step no longer moves theta: no smaller step can improve
            f_trial, g_trial = reml.value_grad(trial)
            if f_trial < fun:
                improved = True
                break
            t /= 2
        if not improved:
            break
        small = np.max(np.abs(trial - theta)) < 1e-12
        theta, fun, grad = trial, f_trial, g_trial
        if small:
            break
    return theta, fun


def fit_lmm(
    ss: SuffStats,
    random_slope: bool,
    *,
    observed: bool = True,
    starts: list[np.ndarray] | None = None,
) -> LmmFit:
    """Maximise the REML log-likelihood of the random-slope or random-intercept model.

    Parameters
    ----------
    ss
        Per-patient sums from :func:`sufficient_stats`.
    random_slope
        Random intercept and slope (3 variance parameters) or random intercept only (1).
    observed
        Covariance of the fixed effects from the observed information of the fixed effects and
        variance parameters together (statsmodels' ``bse``; the default), or the model-based
        ``sigma^2 (sum_i X_i' (I + Z_i Psi Z_i')^{-1} X_i)^{-1}`` (lme4's and SAS's ``vcov``;
        also used when the observed information is not negative definite).
    starts
        Starting points in the log-Cholesky parameters of ``Psi`` for standardised time; the
        best L-BFGS-B end point is polished by Newton steps. By default a small grid.

    Returns
    -------
    LmmFit
        Estimates on the original scale.

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.repeat(np.arange(3), 3)
    >>> t = np.tile([0.0, 1.0, 2.0], 3)
    >>> y = np.array([4.0, 4.5, 5.0, 6.0, 6.0, 6.5, 3.0, 3.5, 4.0])
    >>> f = fit_lmm(sufficient_stats(codes, t, y), random_slope=False)
    >>> round(float(f.beta[1]), 4), f.converged
    (0.4167, True)
    """
    q = 2 if random_slope else 1
    reml = _Reml(ss, q)
    if starts is None:
        starts = (
            [np.array([v]) for v in (0.0, -3.0)]
            if q == 1
            else [np.array([0.0, 0.0, v]) for v in (-1.0, -4.0)] + [np.array([1.0, 0.0, 0.0])]
        )
    ends = [
        optimize.minimize(
            reml.value_grad, np.asarray(x0, dtype=float), jac=True, method="L-BFGS-B",
            bounds=_bounds(q), options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-8},
        )
        for x0 in starts
    ]
    polished = []
    for end in ends:
        theta, fun = _polish(reml, end.x, q)
        grad_max = _projected_grad(theta, reml.value_grad(theta)[1], q)
        ok = bool(np.isfinite(fun)) and grad_max < 1e-6
        polished.append((not ok, fun, theta))
    bad, _, theta = min(polished, key=lambda e: (e[0], e[1]))
    converged = not bad
    L = _chol(theta, q)
    psi = L @ L.T
    p = reml.parts(psi)
    scale = p["qf"] / reml.df
    # back to the original time and y: [1, t_std] = [1, t] @ T
    s, m = ss.t_scale, ss.t_shift
    T = np.array([[1.0, -m / s], [0.0, 1.0 / s]])
    beta = T @ p["gls"] + np.array([ss.y_shift, 0.0])
    cov_std = reml.observed_cov_beta(psi, p["gls"]) if observed else None
    cov_beta = T @ (scale * p["h_inv"] if cov_std is None else cov_std) @ T.T
    cov_re = scale * (T @ psi @ T.T if q == 2 else psi)
    llf = float(p["llf"]) - float(np.log(s))
    singular = False
    for j in {0, theta.size - 1}:  # log-diagonal of L: a zero makes Psi singular
        edge = theta.copy()
        edge[j] = _LOG_LOW
        singular |= bool(p["llf"] - reml.grad_full(edge)[0] <= BOUNDARY_LLF)
    return LmmFit(beta, cov_beta, cov_re, float(scale), llf, converged, singular)
