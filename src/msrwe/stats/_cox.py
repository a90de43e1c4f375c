"""Cox proportional-hazards model with weights, cluster-robust SEs and the Schoenfeld PH test.

The fit is lifelines' ``CoxPHFitter`` (Efron's method for tied event times, as
``survival::coxph`` by default), its Newton steps evaluated by the vectorised
:func:`msrwe.stats._efron.efron_values` instead of lifelines' loop over rows. With
``robust=True`` the covariance is the sandwich
(Lin-Wei) estimator, summed within clusters when ``cluster`` is given: the matched set for
matching without replacement, the patient for weighting or matching with replacement, as the
MSBase/CORe recipe and Simoneau et al. (Mult Scler 2022;28:1467) ask
(``../shared/reference/comparative-effectiveness.md`` section 2.1 and 2.4). Checked against
``survival::coxph(..., weights=, cluster=)`` in ``tests/results/compare``.

The robust covariance and the Schoenfeld residuals are computed here with vectorised
risk-set sums (lifelines loops over patients in Python, minutes for 100,000 rows). Risk-set
means are the plain (Breslow) ones, as lifelines' own sandwich: without tied event times the
robust SEs equal R's exactly, with ties they differ by well under 1% (R uses Efron's weights
there too).

The proportional-hazards check is the score test of ``survival::cox.zph`` (survival >= 3.0,
``transform = "km"``) for adding ``x * g(t)`` to the model, per term and global; without tied
event times it equals R's to 1e-5, with ties it is within a few percent (Efron in R).
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
    import pandas as pd
    from scipy import stats
else:
    pd = lazy_module("pandas")
    stats = lazy_module("scipy.stats")

__all__ = ["CoxResult", "cox_hr"]

_TERMS_SCHEMA = {
    "term": pl.String,
    "hr": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "se_log_hr": pl.Float64,
    "z": pl.Float64,
    "p_value": pl.Float64,
}


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model, read for the first (group) term.

    Attributes
    ----------
    terms
        One row per model term: ``term``, ``hr``, ``ci_low``, ``ci_high``, ``se_log_hr``, ``z``,
        ``p_value``. Group terms are named ``"<group>=<level>"`` (comparator vs reference).
    hr, ci_low, ci_high, se_log_hr, p_value
        Those of the first group term.
    ph_p_value
        Global Schoenfeld-residual test of proportional hazards (None when it cannot be
        computed, e.g. with fewer than 2 events).
    ph_terms
        ``term``, ``statistic`` (chi-square, 1 df), ``p_value`` per term.
    n, events
        Rows and events used.
    robust
        True when the SEs are the sandwich (clustered when a cluster was given).
    method
        One sentence for the methods paragraph.
    """

    terms: pl.DataFrame
    hr: float
    ci_low: float
    ci_high: float
    se_log_hr: float
    p_value: float
    ph_p_value: float | None
    ph_terms: pl.DataFrame
    n: int
    events: int
    robust: bool
    method: str


def cox_hr(
    df: pl.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    reference: str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    cluster: str | None = None,
    robust: bool = True,
    alpha: float = 0.05,
) -> CoxResult:
    """Hazard ratio of each group against the reference from a (weighted) Cox model.

    Parameters
    ----------
    df
        One row per patient (or per patient and matched set).
    time, event
        Follow-up (> 0) and 1 = event / 0 = censored.
    group
        Column of group (arm) labels; one term per non-reference level.
    reference
        The reference level (default: the first in sorted order of the labels as text).
    covariates
        Further adjustment columns: numeric as they are, text columns as dummies.
    weights
        Column of case weights (IPTW or matching weights), > 0 (rows with weight 0 are dropped).
    cluster
        Column identifying clusters for the robust SE (matched set, or patient).
    robust
        Sandwich SE (default). Forced on when ``cluster`` or ``weights`` is given.
    alpha
        1 - confidence level of the intervals.

    Returns
    -------
    CoxResult

    Raises
    ------
    InputError
        A missing column or value, negative or zero times, events other than 0/1, a single
        group, no events, or a model that cannot be fitted (e.g. a group without events).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({
    ...     "t": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5],
    ...     "e": [1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0],
    ...     "arm": ["mtx"] * 6 + ["rtx"] * 6})
    >>> res = cox_hr(df, time="t", event="e", group="arm", reference="mtx")
    >>> res.terms["term"].to_list(), round(res.hr, 3)
    (['arm=rtx'], 0.461)
    """
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    from msrwe.stats._efron import FastCoxPHFitter

    func = "cox_hr"
    level = 1 - check_alpha(alpha, func)
    extra = [time, event] + ([weights] if weights else []) + ([cluster] if cluster else [])
    if weights is not None:
        df = _positive_weights(df, weights, func)
    design = build_design(
        df, group=group, reference=reference, covariates=covariates, func=func, extra=extra
    )
    t = numeric_column(df, time, func)
    e = numeric_column(df, event, func)
    bad = np.flatnonzero(~(t > 0))
    if bad.size:
        raise InputError(f"{func}: every '{time}' must be > 0; row {int(bad[0])} has {t[bad[0]]}.")
    bad = np.flatnonzero(~np.isin(e, (0.0, 1.0)))
    if bad.size:
        raise InputError(
            f"{func}: '{event}' must be 0 (censored) or 1 (event); row {int(bad[0])} has "
            f"{e[bad[0]]}."
        )
    w = np.ones(len(t)) if weights is None else numeric_column(df, weights, func)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise InputError(f"{func}: weights in '{weights}' must be finite numbers >= 0.")
    keep = w > 0
    if not e[keep].any():
        raise InputError(f"{func}: there is no event, so no hazard ratio can be estimated.")
    for k in range(design.n_group):
        in_level = design.x[:, k] == 1
        if not (keep & in_level).any():
            raise InputError(
                f"{func}: group {design.terms[k].split('=', 1)[1]!r} has no patient with a "
                "weight above 0."
            )
    names = [f"x{i}" for i in range(len(design.terms))]
    pdf = pd.DataFrame(design.x[keep], columns=names)
    pdf["_t"] = t[keep]
    pdf["_e"] = e[keep]
    pdf["_w"] = w[keep]
    robust = bool(robust or cluster is not None or weights is not None)
    if cluster is not None:
        pdf["_c"] = cluster_codes(df, cluster, func)[keep]

    def fit() -> FastCoxPHFitter:
        cph = FastCoxPHFitter(alpha=1 - level)
        with warnings.catch_warnings():
            # lifelines' notes (non-integer weights, ...) are not for the user; a failure to
            # converge is, and the caller turns it into an error
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", ConvergenceWarning)
            cph.fit(
                pdf[[*names, "_t", "_e", "_w"]],
                duration_col="_t",
                event_col="_e",
                weights_col="_w",
                fit_options={"precision": 1e-12},
            )
        return cph

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            main = fit()
    except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError) as exc:
        raise InputError(
            f"{func}: the Cox model cannot be fitted ({str(exc).splitlines()[0]}). This happens "
            "when a group or a covariate level has no events or perfectly predicts them."
        ) from exc
    beta = main.params_.to_numpy()
    var_model = main.variance_matrix_.to_numpy(dtype=float)
    xa = pdf[names].to_numpy(dtype=float)
    ta, ea, wa = (pdf[c].to_numpy(dtype=float) for c in ("_t", "_e", "_w"))
    if robust:
        groups = pdf["_c"].to_numpy() if cluster is not None else np.arange(len(pdf))
        cov = _sandwich(xa, ta, ea, wa, groups, beta, var_model)
    else:
        cov = var_model
    se = np.sqrt(np.diag(cov))
    z = beta / se
    zc = stats.norm.ppf(1 - (1 - level) / 2)
    terms = pl.DataFrame(
        {
            "term": design.terms,
            "hr": np.exp(beta),
            "ci_low": np.exp(beta - zc * se),
            "ci_high": np.exp(beta + zc * se),
            "se_log_hr": se,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
        },
        schema=_TERMS_SCHEMA,
    )
    ph_terms, ph_p = _schoenfeld_test(xa, ta, ea, wa, beta, design.terms)
    first = terms.row(0, named=True)
    ties = "Efron ties"
    se_text = (
        f"robust sandwich SE clustered on '{cluster}'"
        if cluster
        else ("robust sandwich SE" if robust else "model-based SE")
    )
    method = (
        f"Cox proportional-hazards model (lifelines, {ties}"
        + (", weighted" if weights else "")
        + (f", adjusted for {', '.join(covariates)}" if covariates else "")
        + f") with {se_text}; proportional hazards checked with the Schoenfeld-residual score "
        "test (as survival::cox.zph, Kaplan-Meier time transform)."
    )
    return CoxResult(
        terms=terms,
        hr=first["hr"],
        ci_low=first["ci_low"],
        ci_high=first["ci_high"],
        se_log_hr=first["se_log_hr"],
        p_value=first["p_value"],
        ph_p_value=ph_p,
        ph_terms=ph_terms,
        n=int(keep.sum()),
        events=int(e[keep].sum()),
        robust=robust,
        method=method,
    )


def _sandwich(
    x: np.ndarray,
    t: np.ndarray,
    e: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    beta: np.ndarray,
    var_model: np.ndarray,
) -> np.ndarray:
    """Robust (Lin-Wei) covariance from score residuals summed within clusters, vectorised.

    Score residual of patient i (Breslow form of the risk-set means):
    ``d_i (x_i - xbar(t_i)) - exp(eta_i) sum_{event times s <= t_i} dN(s) / S0(s) (x_i -
    xbar(s))`` with weighted risk-set sums ``S0``, ``S1`` and ``xbar = S1 / S0``. The
    covariance is ``V (sum_c U_c U_c') V`` with ``U_c`` the weighted residuals summed over
    cluster c and ``V`` the model-based covariance, as ``survival::coxph(..., cluster=)``.
    """
    order = np.argsort(t, kind="stable")
    ts, es, ws, xs = t[order], e[order], w[order], x[order]
    risk = ws * np.exp(xs @ beta)
    # risk-set sums at each patient's time: everyone with time >= t
    s0_all = np.cumsum(risk[::-1])[::-1]
    s1_all = np.cumsum((risk[:, None] * xs)[::-1], axis=0)[::-1]
    first = np.searchsorted(ts, ts, side="left")  # first patient at the same time
    s0 = s0_all[first]
    xbar = s1_all[first] / s0[:, None]
    # hazard increments per event: weighted events at a time / S0 at that time
    dh = es * ws / s0
    cum_h = np.cumsum(dh)
    cum_hx = np.cumsum(dh[:, None] * xbar, axis=0)
    last = np.searchsorted(ts, ts, side="right") - 1  # include all ties at t_i
    h_i, hx_i = cum_h[last], cum_hx[last]
    eta_exp = np.exp(xs @ beta)
    resid = es[:, None] * (xs - xbar) - eta_exp[:, None] * (xs * h_i[:, None] - hx_i)
    scores = resid * ws[:, None]
    g = groups[order]
    _, codes = np.unique(g, return_inverse=True)
    summed = np.zeros((int(codes.max()) + 1, x.shape[1]))
    np.add.at(summed, codes, scores)
    return var_model @ (summed.T @ summed) @ var_model


def _schoenfeld_test(
    x: np.ndarray,
    t: np.ndarray,
    e: np.ndarray,
    w: np.ndarray,
    beta: np.ndarray,
    terms: list[str],
) -> tuple[pl.DataFrame, float | None]:
    """Proportional-hazards score test of ``survival::cox.zph`` (survival >= 3.0), vectorised.

    The model is extended by ``x * g(t)`` with ``g(t) = 1 - KM(t-)`` (the left-continuous,
    unweighted Kaplan-Meier, R's ``transform = "km"``) and the score test for the new
    coefficients is computed at the fitted ``beta``: ``U_g = sum_events w g (x - xbar)`` and the
    Schur complement ``S = I_gg - I_gb I_bb^-1 I_bg`` of the information, whose blocks are the
    risk-set covariances summed over events with the factors 1, g and g^2. Per term
    ``U_gj^2 / S_jj`` (1 df), global ``U_g' S^-1 U_g`` (p df). Risk-set means are the plain
    (Breslow) ones, so with tied event times the numbers differ a little from R's (Efron).
    """
    empty = pl.DataFrame(schema={"term": pl.String, "statistic": pl.Float64, "p_value": pl.Float64})
    if int(e.sum()) < 2:
        return empty, None
    order = np.argsort(t, kind="stable")
    ts, es, ws, xs = t[order], e[order], w[order], x[order]
    risk = ws * np.exp(xs @ beta)
    s0_all = np.cumsum(risk[::-1])[::-1]
    s1_all = np.cumsum((risk[:, None] * xs)[::-1], axis=0)[::-1]
    first = np.searchsorted(ts, ts, side="left")
    last = np.searchsorted(ts, ts, side="right") - 1
    s0 = s0_all[first]
    xbar = s1_all[first] / s0[:, None]
    # g = 1 - KM(t-), unweighted, at every row's time
    uniq, start = np.unique(ts, return_index=True)
    at_risk = len(ts) - start
    deaths = np.add.reduceat(es, start)
    surv = np.concatenate([[1.0], np.cumprod(1 - deaths / at_risk)])
    g = 1 - surv[np.searchsorted(uniq, ts)]
    ev = es == 1
    dn = ws * es

    def info(c: np.ndarray) -> np.ndarray:
        # sum over events of c_j * (risk-set covariance at t_j), without an n x p x p array
        ccum = np.cumsum(np.where(ev, c / s0, 0.0))[last]
        xe = xbar[ev]
        return (xs * (risk * ccum)[:, None]).T @ xs - (xe * c[ev][:, None]).T @ xe

    i_bb, i_bg, i_gg = info(dn), info(dn * g), info(dn * g * g)
    u = ((ws * g)[:, None] * (xs - xbar))[ev].sum(axis=0)
    try:
        schur = i_gg - i_bg.T @ np.linalg.solve(i_bb, i_bg)
        per_term = u**2 / np.diag(schur)
        global_stat = float(u @ np.linalg.solve(schur, u))
    except np.linalg.LinAlgError:
        return empty, None
    if not np.all(np.isfinite(per_term)) or not np.isfinite(global_stat):
        return empty, None
    table = pl.DataFrame(
        {
            "term": terms,
            "statistic": per_term,
            "p_value": stats.chi2.sf(per_term, 1),
        },
        schema={"term": pl.String, "statistic": pl.Float64, "p_value": pl.Float64},
    )
    return table, float(stats.chi2.sf(global_stat, len(terms)))
