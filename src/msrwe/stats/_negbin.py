"""Negative binomial rate ratio with a log person-time offset and robust (clustered) SEs.

Annualised relapse rates are compared with a negative binomial (NB2) model of the relapse count
with ``log(person-years)`` as offset, as MS registry comparisons do
(``../shared/reference/comparative-effectiveness.md`` section 2.1 and 2.4). The model is fitted
by joint maximum likelihood of the coefficients and the dispersion (Newton steps on the exact
gradient and Hessian, vectorised over patients), the estimate that ``MASS::glm.nb`` reaches by
alternating; the former algorithm (statsmodels' GLM refitted along a scalar search of the
profile likelihood over the dispersion) remains as the fallback at the dispersion's bounds
and as the oracle of ``tests/stats/test_negbin_newton.py``. The robust covariance is the
sandwich with the dispersion held fixed, exactly as ``sandwich::sandwich`` (HC0) and
``sandwich::vcovCL`` (HC0 with the G/(G-1) cluster adjustment) compute it for a ``glm.nb``
fit; statsmodels' own robust covariance is not verified for weighted GLMs, so it is written
out here. Checked against MASS::glm.nb + sandwich in ``tests/results/compare``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from msrwe._lazy import lazy_module
from msrwe.errors import InputError
from msrwe.stats._checks import check_alpha
from msrwe.stats._frames import (
    build_design,
    cluster_codes,
    numeric_column,
)
from msrwe.stats._frames import (
    positive_weights as _positive_weights,
)

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import optimize, special, stats
else:
    optimize = lazy_module("scipy.optimize")
    special = lazy_module("scipy.special")
    stats = lazy_module("scipy.stats")

__all__ = ["RateRatioResult", "negbin_rate_ratio"]


@dataclass(frozen=True)
class RateRatioResult:
    """Rate ratios of a negative binomial model, read for the first group term.

    Attributes
    ----------
    terms
        ``term``, ``rate_ratio``, ``ci_low``, ``ci_high``, ``se_log_rr``, ``p_value`` per term
        (not the intercept). Group terms are ``"<group>=<level>"`` against the reference.
    rate_ratio, ci_low, ci_high, p_value
        Those of the first group term.
    rates
        Per level: ``level``, ``events`` and ``person_years`` (plain sums), ``rate`` (events per
        person-year) and ``ci_low``, ``ci_high`` from a negative binomial model with one rate
        per level (same weights and SEs), so "model-based".
    dispersion
        NB2 alpha (variance = mu + alpha mu^2); ``MASS::glm.nb`` reports theta = 1 / alpha.
    robust
        True when the SEs are the sandwich (clustered when a cluster was given).
    method
        One sentence for the methods paragraph.
    """

    terms: pl.DataFrame
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    rates: pl.DataFrame
    dispersion: float
    robust: bool
    method: str


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    cov: np.ndarray
    alpha: float


def _ml_statsmodels(
    y: np.ndarray,
    x: np.ndarray,
    offset: np.ndarray,
    w: np.ndarray,
) -> tuple[np.ndarray, float]:
    """The reference maximum-likelihood fit (statsmodels GLM and a bounded scalar search).

    Kept as the fallback of :func:`_ml_newton` (a dispersion at the search's bounds, or a
    Newton run that does not converge) and as its oracle in the tests.
    """
    # the modules themselves, not statsmodels.api (which loads time series, graphics, ...)
    from statsmodels.genmod.families import NegativeBinomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    def glm(alpha: float, start: np.ndarray | None = None) -> object:
        model = GLM(y, x, family=NegativeBinomial(alpha=alpha), offset=offset, freq_weights=w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.fit(start_params=start, tol=1e-12, maxiter=200)

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            start = glm(1.0).params  # type: ignore[attr-defined]
        except PerfectSeparationWarning as exc:  # pragma: no cover - depends on statsmodels
            raise InputError(f"negbin_rate_ratio: the model cannot be fitted ({exc}).") from exc

    def negll(log_alpha: float) -> float:
        res = glm(float(np.exp(log_alpha)), start)
        return -float(res.llf)  # type: ignore[attr-defined]

    opt = optimize.minimize_scalar(negll, bounds=(-15.0, 6.0), method="bounded",
                                   options={"xatol": 1e-10})
    alpha = float(np.exp(opt.x))
    res = glm(alpha, start)
    return np.asarray(res.params, dtype=float), alpha  # type: ignore[attr-defined]


#: Bounds of log(alpha) of the reference search; a maximum outside them goes to the reference.
_LOG_ALPHA_BOUNDS = (-15.0, 6.0)


class _Counts:
    """The distinct counts and their summed weights.

    Terms in the count alone (``lgamma``, digamma and trigamma of ``y + 1/alpha`` less those of
    ``1/alpha``) are evaluated once per distinct count, not once per patient, and for whole
    counts up to :attr:`SUMMED` as finite sums (``sum_{k<y} log(r + k)``, ``1/(r + k)``,
    ``-1/(r + k)^2``), which stay exact where the differences of the special functions cancel
    (a small dispersion, ``r = 1/alpha`` large).
    """

    SUMMED = 5000

    def __init__(self, y: np.ndarray, w: np.ndarray) -> None:
        self.values, inverse = np.unique(y, return_inverse=True)
        self.weight = np.bincount(inverse.ravel(), weights=w, minlength=len(self.values))
        self.const = float(np.dot(self.weight, special.gammaln(self.values + 1)))
        top = self.values[-1] if len(self.values) else 0.0
        self.summed = bool(top <= self.SUMMED and np.all(self.values == np.round(self.values)))

    def terms(self, r: float) -> tuple[float, float, float]:
        """Weighted sums of lgamma(y+r) - lgamma(r), psi(y+r) - psi(r) and psi' likewise."""
        yv, yw = self.values, self.weight
        if self.summed:
            k = np.arange(int(yv[-1]) if len(yv) else 0, dtype=float) + r
            at = yv.astype(np.int64)
            parts = []
            for term in (np.log(k), 1.0 / k, -1.0 / (k * k)):
                cum = np.concatenate(([0.0], np.cumsum(term)))
                parts.append(float(np.dot(yw, cum[at])))
            return parts[0], parts[1], parts[2]
        return (float(np.dot(yw, special.gammaln(yv + r) - special.gammaln(r))),
                float(np.dot(yw, special.digamma(yv + r) - special.digamma(r))),
                float(np.dot(yw, special.polygamma(1, yv + r) - special.polygamma(1, r))))


def _nb_loglik(y: np.ndarray, eta: np.ndarray, w: np.ndarray, log_alpha: float,
               counts: _Counts | None = None) -> float:
    """Weighted NB2 log-likelihood (statsmodels' ``NegativeBinomial`` family, scale 1)."""
    c = counts if counts is not None else _Counts(y, w)
    a = np.exp(log_alpha)
    r = 1.0 / a
    amu = a * np.exp(eta)
    per_count = c.terms(r)[0]
    return per_count - c.const + float(np.dot(w, y * np.log(amu) - (y + r) * np.log1p(amu)))


def _derivatives(
    y: np.ndarray, x: np.ndarray, eta: np.ndarray, w: np.ndarray, theta: float, counts: _Counts
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of the NB2 log-likelihood in (beta, log alpha)."""
    p = x.shape[1]
    a = np.exp(theta)
    r = 1.0 / a
    mu = np.exp(eta)
    amu1 = 1 + a * mu
    resid = y - mu
    d1 = w * resid / amu1
    _, dig, trig = counts.terms(r)
    big_l = float(np.dot(w, np.log(amu1))) - dig
    g = np.append(x.T @ d1, r * big_l + d1.sum())
    h = np.empty((p + 1, p + 1))
    h[:p, :p] = -((x.T * (w * mu * (1 + a * y) / amu1**2)) @ x)
    cross = -a * mu * d1 / amu1
    h[:p, p] = h[p, :p] = x.T @ cross
    h[p, p] = -r * big_l + float(np.dot(w, mu / amu1)) + r * r * trig + cross.sum()
    return g, h


def _ascend(
    y: np.ndarray, x: np.ndarray, offset: np.ndarray, w: np.ndarray, counts: _Counts,
    beta: np.ndarray, theta: float, *, fixed_theta: bool,
) -> tuple[np.ndarray, float, bool]:
    """Newton steps with step halving from (beta, theta); theta held when ``fixed_theta``.

    Returns the point and whether it converged (a step below 1e-11); stops early, unconverged,
    when theta leaves :data:`_LOG_ALPHA_BOUNDS` (less 2 below).
    """
    p = x.shape[1]
    eta = x @ beta + offset
    ll = _nb_loglik(y, eta, w, theta, counts)
    for _ in range(100):
        g, h = _derivatives(y, x, eta, w, theta, counts)
        try:
            if fixed_theta:
                step = np.append(-np.linalg.solve(h[:p, :p], g[:p]), 0.0)
            else:
                step = -np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return beta, theta, False
        if not np.all(np.isfinite(step)):
            return beta, theta, False
        # converged: a step below 1e-11, or (the likelihood is often very flat in log alpha, where
        # rounding in its gradient moves the step by ~1e-9) a step in beta below 1e-11 and a
        # predicted gain of the concave quadratic model below 1e-13 of the log-likelihood
        gain = 0.5 * float(g @ step)
        flat = h[p, p] < 0 and 0.0 <= gain < 1e-13 * max(1.0, abs(ll))
        if np.max(np.abs(step[:p])) < 1e-11 and (abs(step[p]) < 1e-11 or flat):
            return beta + step[:p], theta + float(step[p]), True
        t = 1.0
        while t > 1e-6:
            nb, nt = beta + t * step[:p], theta + t * float(step[p])
            neta = x @ nb + offset
            nll = _nb_loglik(y, neta, w, nt, counts) if abs(nt) < 50 else -np.inf
            if np.isfinite(nll) and nll >= ll - 1e-12 * abs(ll):
                break
            t /= 2
        else:
            return beta, theta, False
        beta, theta, ll, eta = nb, nt, nll, neta
        if not fixed_theta and not _LOG_ALPHA_BOUNDS[0] + 2 < theta < _LOG_ALPHA_BOUNDS[1]:
            return beta, theta, False
    return beta, theta, False


def _ml_newton(
    y: np.ndarray, x: np.ndarray, offset: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """Joint maximum likelihood of (beta, log alpha) by Newton's method, vectorised.

    The same maximum as :func:`_ml_statsmodels` (whose profile search over alpha refits a GLM
    some 40 times), reached in a handful of full-data steps: Fisher scoring for beta at
    alpha = 1 as the start, then Newton steps on the exact gradient and Hessian of the NB2
    log-likelihood in (beta, log alpha), halving a step that does not increase it; terms in the
    count alone are summed over the distinct counts.

    When the likelihood keeps rising towards a bound of :data:`_LOG_ALPHA_BOUNDS` (counts no
    more variable than Poisson: alpha -> 0), the dispersion is that bound and beta its maximum
    there, provided the profile score at the bound still points outwards. The reference search
    stops somewhere on that flat stretch instead (alpha ~ 1e-6 rather than exp(-15) ~ 3e-7), so
    there the two agree on beta to about alpha * mean count, not to the last digit.

    ``None`` when it does not converge (then the reference search decides).
    """
    counts = _Counts(y, w)
    # start: the overall rate, then Fisher scoring (IRLS) for beta at alpha = 1
    xtw = x.T * w
    try:
        beta = np.linalg.solve(xtw @ x, xtw @ np.full(len(y), np.log(
            max(float(np.dot(w, y)), 1e-3) / float(np.dot(w, np.exp(offset))))))
    except np.linalg.LinAlgError:
        return None
    for _ in range(25):
        eta_b = x @ beta
        mu = np.exp(eta_b + offset)
        ww = w * mu / (1 + mu)
        try:
            new = np.linalg.solve((x.T * ww) @ x, x.T @ (ww * eta_b + w * (y - mu) / (1 + mu)))
        except np.linalg.LinAlgError:
            return None
        done = np.max(np.abs(new - beta)) < 1e-4
        beta = new
        if done:
            break
    beta, theta, ok = _ascend(y, x, offset, w, counts, beta, 0.0, fixed_theta=False)
    if ok:
        if not _LOG_ALPHA_BOUNDS[0] < theta < _LOG_ALPHA_BOUNDS[1]:
            return None
        return beta, float(np.exp(theta))
    if not np.all(np.isfinite(beta)) or _LOG_ALPHA_BOUNDS[0] + 2 < theta < _LOG_ALPHA_BOUNDS[1]:
        return None
    low = theta <= _LOG_ALPHA_BOUNDS[0] + 2
    bound = _LOG_ALPHA_BOUNDS[0] if low else _LOG_ALPHA_BOUNDS[1]
    beta, _, ok = _ascend(y, x, offset, w, counts, beta, bound, fixed_theta=True)
    if not ok:
        return None
    g, _ = _derivatives(y, x, x @ beta + offset, w, bound, counts)
    if (g[-1] > 0) if low else (g[-1] < 0):
        return None  # the maximum lies inside the bounds after all
    return beta, float(np.exp(bound))


def _fit_nb(
    y: np.ndarray,
    x: np.ndarray,
    offset: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray | None,
    robust: bool,
) -> _Fit:
    fit = _ml_newton(y, np.asfortranarray(x), offset, w)
    beta, alpha = fit if fit is not None else _ml_statsmodels(y, x, offset, w)
    if not np.all(np.isfinite(beta)):
        raise InputError("negbin_rate_ratio: the model did not converge (a group without events?).")
    mu = np.exp(x @ beta + offset)
    work = w * mu / (1 + alpha * mu)
    info = x.T @ (x * work[:, None])
    try:
        bread = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise InputError(
            "negbin_rate_ratio: the model cannot be estimated (two covariates carry the same "
            "information, or a group has no person-time)."
        ) from exc
    if not robust:
        return _Fit(beta, bread, alpha)
    score = x * (w * (y - mu) / (1 + alpha * mu))[:, None]
    if clusters is None:
        meat = score.T @ score
    else:
        n_g = int(clusters.max()) + 1
        summed = np.zeros((n_g, x.shape[1]))
        np.add.at(summed, clusters, score)
        meat = summed.T @ summed * (n_g / (n_g - 1) if n_g > 1 else 1.0)
    return _Fit(beta, bread @ meat @ bread, alpha)


def negbin_rate_ratio(
    df: pl.DataFrame,
    *,
    count: str,
    person_years: str,
    group: str,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool = True,
    alpha: float = 0.05,
) -> RateRatioResult:
    """Rate ratio of each group against the reference from a negative binomial model.

    Parameters
    ----------
    df
        One row per patient: a count of events (relapses) and the person-years observed.
    count, person_years
        Columns of the event count (whole numbers >= 0) and person-time (> 0, e.g. years).
    group, reference
        Group column and its reference level (default: the first in sorted order).
    covariates
        Adjustment columns: numeric as they are, text columns as dummies.
    weights
        Column of case weights (IPTW or matching weights); rows with weight 0 are dropped.
    cluster
        Column of clusters (matched set or patient) for the clustered sandwich SE.
    robust
        Sandwich SE (default; HC0, or clustered with the G/(G-1) adjustment as vcovCL).
        Forced on with weights or a cluster.
    alpha
        1 - confidence level.

    Returns
    -------
    RateRatioResult

    Raises
    ------
    InputError
        Missing columns or values, negative or fractional counts, person-time <= 0, a single
        group, or no events at all.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"n": [0, 1, 2, 0, 3, 1, 0, 0, 1, 0, 2, 0],
    ...                    "py": [2.0, 1.5, 3.0, 1.0, 2.5, 2.0] * 2,
    ...                    "arm": ["mtx"] * 6 + ["rtx"] * 6})
    >>> res = negbin_rate_ratio(df, count="n", person_years="py", group="arm")
    >>> round(res.rate_ratio, 3), res.rates["events"].to_list()
    (0.429, [7, 3])
    """
    func = "negbin_rate_ratio"
    level = 1 - check_alpha(alpha, func)
    extra = [count, person_years] + ([weights] if weights else []) + ([cluster] if cluster else [])
    if weights is not None:
        df = _positive_weights(df, weights, func)
    design = build_design(
        df, group=group, reference=reference, covariates=covariates, func=func, extra=extra
    )
    y = numeric_column(df, count, func)
    py = numeric_column(df, person_years, func)
    bad = np.flatnonzero((y < 0) | (y != np.round(y)))
    if bad.size:
        raise InputError(
            f"{func}: '{count}' must be a whole number >= 0; row {int(bad[0])} has {y[bad[0]]}."
        )
    bad = np.flatnonzero(~(py > 0))
    if bad.size:
        raise InputError(
            f"{func}: '{person_years}' must be > 0; row {int(bad[0])} has {py[bad[0]]}."
        )
    w = np.ones(len(y)) if weights is None else numeric_column(df, weights, func)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise InputError(f"{func}: weights in '{weights}' must be finite numbers >= 0.")
    keep = w > 0
    if not (y[keep] > 0).any():
        raise InputError(f"{func}: there is no event, so no rate ratio can be estimated.")
    robust = bool(robust or cluster is not None or weights is not None)
    clusters = None
    if cluster is not None:
        clusters = cluster_codes(df.filter(pl.Series(keep)), cluster, func)
    x = np.column_stack([np.ones(int(keep.sum())), design.x[keep]])
    y, py, w = y[keep], py[keep], w[keep]
    offset = np.log(py)
    fit = _fit_nb(y, x, offset, w, clusters, robust)
    zc = stats.norm.ppf(1 - (1 - level) / 2)
    se = np.sqrt(np.diag(fit.cov))[1:]
    b = fit.beta[1:]
    z = b / se
    terms = pl.DataFrame(
        {
            "term": design.terms,
            "rate_ratio": np.exp(b),
            "ci_low": np.exp(b - zc * se),
            "ci_high": np.exp(b + zc * se),
            "se_log_rr": se,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
        }
    )
    # One rate per level: the same model with a dummy per level and no intercept.
    codes = design.group_codes[keep]
    cells = np.column_stack([(codes == i).astype(float) for i in range(len(design.levels))])
    cell_fit = _fit_nb(y, cells, offset, w, clusters, robust)
    cse = np.sqrt(np.diag(cell_fit.cov))
    rates = pl.DataFrame(
        {
            "level": design.levels,
            "events": [int(y[codes == i].sum()) for i in range(len(design.levels))],
            "person_years": [float(py[codes == i].sum()) for i in range(len(design.levels))],
            "rate": np.exp(cell_fit.beta),
            "ci_low": np.exp(cell_fit.beta - zc * cse),
            "ci_high": np.exp(cell_fit.beta + zc * cse),
        }
    )
    first = terms.row(0, named=True)
    se_text = (
        f"robust sandwich SE clustered on '{cluster}'"
        if cluster
        else ("robust sandwich SE (HC0)" if robust else "model-based SE")
    )
    method = (
        "Negative binomial (NB2) model of the event count with log person-years as offset"
        + (", weighted" if weights else "")
        + (f", adjusted for {', '.join(covariates)}" if covariates else "")
        + " (coefficients and dispersion by joint maximum likelihood, as MASS::glm.nb)"
        + f" with {se_text}."
    )
    return RateRatioResult(
        terms=terms,
        rate_ratio=first["rate_ratio"],
        ci_low=first["ci_low"],
        ci_high=first["ci_high"],
        p_value=first["p_value"],
        rates=rates,
        dispersion=fit.alpha,
        robust=robust,
        method=method,
    )
