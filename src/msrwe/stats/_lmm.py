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

import numpy as np
from scipy.optimize import minimize

__all__ = ["LmmFit", "SuffStats", "fit_lmm", "sufficient_stats"]

#: Bounds of the log-diagonal of the Cholesky factor of Psi (relative to sigma^2, standardised
#: time): exp(2 * -12) ~ 4e-11 is a variance ratio of zero for every practical purpose.
_LOG_LOW, _LOG_HIGH = -12.0, 10.0


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
        perfectly correlated): the maximum is on the boundary of the parameter space.
    """

    beta: np.ndarray
    cov_beta: np.ndarray
    cov_re: np.ndarray
    scale: float
    llf: float
    converged: bool
    singular: bool


def _inv_logdet(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse and log-determinant of a stack of symmetric positive definite 1x1 or 2x2."""
    if m.shape[-1] == 1:
        return 1.0 / m, np.log(m[:, 0, 0])
    a, b, d = m[:, 0, 0], m[:, 0, 1], m[:, 1, 1]
    det = a * d - b * b
    inv = np.empty_like(m)
    inv[:, 0, 0], inv[:, 1, 1] = d / det, a / det
    inv[:, 0, 1] = inv[:, 1, 0] = -b / det
    return inv, np.log(det)


def _chol(theta: np.ndarray, q: int) -> np.ndarray:
    if q == 1:
        return np.array([[np.exp(theta[0])]])
    return np.array([[np.exp(theta[0]), 0.0], [theta[1], np.exp(theta[2])]])


class _Reml:
    """The profiled REML log-likelihood and its gradient in the log-Cholesky parameters."""

    def __init__(self, ss: SuffStats, q: int) -> None:
        self.ss, self.q = ss, q
        self.df = ss.n_obs - 2
        self.const = 0.5 * self.df * (np.log(self.df) - np.log(2 * np.pi) - 1.0)
        self.zz = ss.xx[:, :q, :q]
        self.zx = ss.xx[:, :q, :]
        self.zy = ss.xy[:, :q]

    def parts(self, L: np.ndarray, beta: np.ndarray | None = None) -> dict:
        """Everything at ``Psi = L L'``; ``beta`` defaults to the GLS estimate (profiled)."""
        ss = self.ss
        m = np.eye(self.q) + L.T @ self.zz @ L
        m_inv, logdet_m = _inv_logdet(m)
        k = L @ m_inv @ L.T  # (Psi^{-1} + Z'Z)^{-1} when Psi is invertible
        k_zy = np.einsum("pij,pj->pi", k, self.zy)
        w = ss.xx - np.swapaxes(self.zx, 1, 2) @ k @ self.zx  # X' V^-1 X per patient
        g = ss.xy - np.einsum("pji,pj->pi", self.zx, k_zy)  # X' V^-1 y
        yvy = ss.yy - np.einsum("pi,pi->p", self.zy, k_zy)
        h = w.sum(axis=0)
        xvy = g.sum(axis=0)
        h_inv = np.linalg.inv(h)
        gls = h_inv @ xvy
        b = gls if beta is None else beta
        qf = float(yvy.sum() - 2.0 * xvy @ b + b @ h @ b)
        sign, logdet_h = np.linalg.slogdet(h)
        ok = sign > 0 and qf > 0
        llf = (
            -0.5 * float(logdet_m.sum()) - 0.5 * self.df * np.log(qf) - 0.5 * logdet_h
            + self.const
        ) if ok else -np.inf
        return {"k": k, "k_zy": k_zy, "h": h, "h_inv": h_inv, "xvy": xvy, "gls": gls,
                "beta": b, "qf": qf, "llf": llf}

    def grad_full(
        self, theta: np.ndarray, beta: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """REML log-likelihood (sigma^2 profiled) and its gradient in ``beta`` and ``theta``."""
        q, L = self.q, _chol(theta, self.q)
        p = self.parts(L, beta)
        if not np.isfinite(p["llf"]):
            return -np.inf, np.zeros(2), np.zeros_like(theta)
        b_vec, qf = p["beta"], p["qf"]
        zz_k = self.zz @ p["k"]
        a = self.zz - zz_k @ self.zz  # Z' V^-1 Z
        b = self.zx - zz_k @ self.zx  # Z' V^-1 X
        zvy = self.zy - np.einsum("pij,pj->pi", self.zz, p["k_zy"])
        u = zvy - b @ b_vec  # Z' V^-1 (y - X beta)
        bhb = np.einsum("pij,jk,plk->il", b, p["h_inv"], b)
        grad_psi = -0.5 * a.sum(axis=0) + (0.5 * self.df / qf) * (u.T @ u) + 0.5 * bhb
        grad_l = 2.0 * grad_psi @ L
        if q == 1:
            dtheta = np.array([grad_l[0, 0] * L[0, 0]])
        else:
            dtheta = np.array([grad_l[0, 0] * L[0, 0], grad_l[1, 0], grad_l[1, 1] * L[1, 1]])
        dbeta = (self.df / qf) * (p["xvy"] - p["h"] @ b_vec)
        return float(p["llf"]), dbeta, dtheta

    def value_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Minus the profiled REML log-likelihood per measurement, and its gradient."""
        llf, _, dtheta = self.grad_full(theta)
        if not np.isfinite(llf):
            return np.inf, np.zeros_like(theta)
        n = self.ss.n_obs
        return -llf / n, -dtheta / n

    def observed_cov_beta(self, theta: np.ndarray, beta: np.ndarray) -> np.ndarray | None:
        """Fixed-effect block of the inverse observed information in ``(beta, theta)``.

        This is how statsmodels' ``MixedLM`` computes ``bse`` (the full Hessian, including the
        cross terms between fixed effects and variance parameters); the block does not depend on
        how the variance parameters are parameterised. The Hessian is taken by central
        differences of the analytic gradient. None when it is not negative definite.
        """
        z0 = np.concatenate([beta, theta])
        k = z0.size
        hess = np.empty((k, k))
        for j in range(k):
            step = 1e-5 * max(1.0, abs(z0[j]))
            cols = []
            for sgn in (1.0, -1.0):
                z = z0.copy()
                z[j] += sgn * step
                _, gb, gt = self.grad_full(z[2:], z[:2])
                cols.append(np.concatenate([gb, gt]))
            hess[:, j] = (cols[0] - cols[1]) / (2 * step)
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
        best end point is kept. By default a small grid.

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
            [np.array([v]) for v in (0.0, -2.0, 2.0)]
            if q == 1
            else [np.array([0.0, 0.0, v]) for v in (-1.0, -4.0)] + [np.array([1.0, 0.0, 0.0])]
        )
    ends = [
        minimize(
            reml.value_grad, np.asarray(x0, dtype=float), jac=True, method="L-BFGS-B",
            bounds=_bounds(q), options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-10},
        )
        for x0 in starts
    ]
    best = min(ends, key=lambda r: r.fun)
    theta = best.x
    _, grad = reml.value_grad(theta)
    converged = bool(np.isfinite(best.fun)) and _projected_grad(theta, grad, q) < 1e-6
    L = _chol(theta, q)
    p = reml.parts(L)
    scale = p["qf"] / reml.df
    # back to the original time and y: [1, t_std] = [1, t] @ T
    s, m = ss.t_scale, ss.t_shift
    T = np.array([[1.0, -m / s], [0.0, 1.0 / s]])
    beta = T @ p["gls"] + np.array([ss.y_shift, 0.0])
    cov_std = reml.observed_cov_beta(theta, p["gls"]) if observed else None
    cov_beta = T @ (scale * p["h_inv"] if cov_std is None else cov_std) @ T.T
    psi = L @ L.T
    cov_re = scale * (T @ psi @ T.T if q == 2 else psi)
    llf = float(p["llf"]) - np.log(s)
    singular = bool(np.any(theta[[0, -1]] <= _LOG_LOW + 1e-6))
    return LmmFit(beta, cov_beta, cov_re, float(scale), llf, converged, singular)
