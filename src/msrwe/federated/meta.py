"""Inverse-variance meta-analysis of site estimates: fixed effect, DerSimonian-Laird and REML.

Used by ``msrwe pool`` for the statistics that cannot be pooled exactly (model estimates such as
a mixed-model slope or a hazard ratio on the log scale). Definitions follow metafor's ``rma()``
(Viechtbauer 2010, J Stat Softw 36(3)): fixed effect ``method="FE"``, DerSimonian-Laird
``method="DL"`` and restricted maximum likelihood ``method="REML"`` (Fisher scoring, tau^2 >= 0);
Cochran's Q with its chi-square p value on k - 1 degrees of freedom; I^2 = tau^2 / (tau^2 + s^2)
with s^2 the "typical" within-site variance (Higgins & Thompson 2002), which for DL equals
(Q - (k - 1)) / Q. The golden values in ``tests/results/pool/`` come from metafor.

Examples
--------
>>> m = meta_analysis([0.1, 0.3, 0.2], [0.01, 0.02, 0.015], method="FE")
>>> round(m.estimate, 4), m.k
(0.1769, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from msrwe.errors import MsrweError

__all__ = ["METHODS", "MetaResult", "meta_analysis"]

#: The estimators of :func:`meta_analysis`, as metafor names them.
METHODS: tuple[str, ...] = ("FE", "DL", "REML")


@dataclass(frozen=True)
class MetaResult:
    """One pooled estimate.

    Attributes
    ----------
    method
        ``"FE"``, ``"DL"`` or ``"REML"``.
    estimate, se, ci_low, ci_high, p
        Pooled estimate, its standard error, 95% Wald interval and two-sided p value.
    tau2
        Between-site variance (0 for FE).
    i2
        I^2 in percent.
    q, q_p
        Cochran's Q and its p value (chi-square, k - 1 df).
    k
        Number of sites.
    """

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    tau2: float
    i2: float
    q: float
    q_p: float
    k: int


def _reml_tau2(y: np.ndarray, v: np.ndarray, start: float, tol: float = 1e-10) -> float:
    """REML tau^2 by Fisher scoring (metafor's default algorithm), truncated at 0."""
    tau2 = max(start, 0.0)
    for _ in range(1000):
        w = 1.0 / (v + tau2)
        sw = w.sum()
        mu = (w * y).sum() / sw
        # P y and trace(P) for the REML score
        r = y - mu
        py = w * r
        trace_p = sw - (w * w).sum() / sw
        # P^2 trace: tr(P P) = sum w^2 - 2 sum w^3 / sw + (sum w^2)^2 / sw^2
        tr_pp = (w**2).sum() - 2 * (w**3).sum() / sw + ((w**2).sum() / sw) ** 2
        score = float((py * py).sum() - trace_p)
        new = tau2 + score / tr_pp
        new = max(new, 0.0)
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    raise MsrweError("The REML between-site variance did not converge in 1,000 iterations.")


def meta_analysis(
    estimates: Sequence[float], variances: Sequence[float], *, method: str = "REML"
) -> MetaResult:
    """Pool site estimates ``estimates`` with sampling variances ``variances``.

    Parameters
    ----------
    estimates
        One estimate per site (on the scale pooled, e.g. log hazard ratios).
    variances
        Their sampling variances (squared standard errors), all > 0.
    method
        ``"FE"`` (fixed effect), ``"DL"`` (DerSimonian-Laird) or ``"REML"``.

    Returns
    -------
    MetaResult

    Examples
    --------
    >>> r = meta_analysis([0.5, -0.1, 0.9, 0.2], [0.04, 0.03, 0.05, 0.02], method="DL")
    >>> r.method, r.k, r.tau2 > 0
    ('DL', 4, True)
    """
    if method not in METHODS:
        raise MsrweError(f"Meta-analysis method {method!r} is not one of {', '.join(METHODS)}.")
    y = np.asarray(estimates, dtype=float)
    v = np.asarray(variances, dtype=float)
    if y.shape != v.shape or y.size == 0:
        raise MsrweError("Meta-analysis needs one variance per estimate and at least one site.")
    if not (np.isfinite(y).all() and np.isfinite(v).all() and (v > 0).all()):
        raise MsrweError("Meta-analysis needs finite estimates and positive finite variances.")
    k = int(y.size)
    w = 1.0 / v
    sw = w.sum()
    mu_fe = float((w * y).sum() / sw)
    q = float((w * (y - mu_fe) ** 2).sum())
    df = k - 1
    q_p = float(sps.chi2.sf(q, df)) if df > 0 else math.nan
    c = sw - (w * w).sum() / sw
    if method == "FE":
        tau2 = 0.0
    else:
        dl = max((q - df) / c, 0.0) if df > 0 else 0.0
        tau2 = dl if method == "DL" or df == 0 else _reml_tau2(y, v, dl)
    ws = 1.0 / (v + tau2)
    est = float((ws * y).sum() / ws.sum())
    se = float(math.sqrt(1.0 / ws.sum()))
    z = sps.norm.ppf(0.975)
    p = float(2 * sps.norm.sf(abs(est / se)))
    if df <= 0:
        i2 = 0.0
    elif method == "FE":
        i2 = max(100.0 * (q - df) / q, 0.0) if q > 0 else 0.0
    else:
        s2 = df / c
        i2 = 100.0 * tau2 / (tau2 + s2)
    return MetaResult(
        method=method, estimate=est, se=se, ci_low=est - z * se, ci_high=est + z * se, p=p,
        tau2=float(tau2), i2=float(i2), q=q, q_p=q_p, k=k,
    )
