"""Cox proportional-hazards model with weights, cluster-robust SEs and the Schoenfeld PH test.

The fit is lifelines' ``CoxPHFitter`` (Efron's method for tied event times, as
``survival::coxph`` by default). With ``robust=True`` the covariance is the sandwich
(Lin-Wei) estimator, summed within clusters when ``cluster`` is given: the matched set for
matching without replacement, the patient for weighting or matching with replacement, as the
MSBase/CORe recipe and Simoneau et al. (Mult Scler 2022;28:1467) ask
(``../shared/reference/comparative-effectiveness.md`` section 2.1 and 2.4). Checked against
``survival::coxph(..., weights=, cluster=)`` in ``tests/results/compare``.

The proportional-hazards check is the Grambsch-Therneau score test on Schoenfeld residuals
against the Kaplan-Meier transform of time, per term and global, computed from the model-based
(not the robust) variance as ``survival::cox.zph`` did before survival 3.0; survival >= 3.0
uses a refined score test, so p-values differ slightly from R's current ``cox.zph``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from scipy import stats

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
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

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

    def fit(use_robust: bool, with_cluster: bool) -> CoxPHFitter:
        cph = CoxPHFitter(alpha=1 - level)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cols = [*names, "_t", "_e", "_w"] + (["_c"] if with_cluster else [])
            cph.fit(
                pdf[cols],
                duration_col="_t",
                event_col="_e",
                weights_col="_w",
                cluster_col="_c" if with_cluster else None,
                robust=use_robust,
                fit_options={"precision": 1e-12},
            )
        return cph

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            main = fit(robust, cluster is not None)
    except (ConvergenceError, ConvergenceWarning, np.linalg.LinAlgError) as exc:
        raise InputError(
            f"{func}: the Cox model cannot be fitted ({str(exc).splitlines()[0]}). This happens "
            "when a group or a covariate level has no events or perfectly predicts them."
        ) from exc
    beta = main.params_.to_numpy()
    se = main.standard_errors_.to_numpy()
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
    naive = main if not robust else fit(False, False)
    ph_terms, ph_p = _schoenfeld_test(naive, pdf, design.terms)
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
        + f") with {se_text}; proportional hazards checked with the Schoenfeld-residual test "
        "(Kaplan-Meier time transform)."
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


def _schoenfeld_test(
    cph: object, pdf: pd.DataFrame, terms: list[str]
) -> tuple[pl.DataFrame, float | None]:
    """Grambsch-Therneau test with the KM transform (cox.zph before survival 3.0)."""
    from lifelines.statistics import TimeTransformers

    empty = pl.DataFrame(schema={"term": pl.String, "statistic": pl.Float64, "p_value": pl.Float64})
    events = cph.event_observed  # type: ignore[attr-defined]
    n_events = int(events.sum())
    if n_events < 2:
        return empty, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resid = cph.compute_residuals(pdf.drop(columns=["_c"], errors="ignore"), kind="schoenfeld")  # type: ignore[attr-defined]
    r = resid.loc[:, cph.params_.index].to_numpy(dtype=float)  # type: ignore[attr-defined]
    transform = TimeTransformers().get("km")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' note on non-integer weights
        km = transform(cph.durations, events, cph.weights)  # type: ignore[attr-defined]
    g = np.asarray(km[events.values], dtype=float)
    g = g - g.mean()
    ss = float(np.sum(g**2))
    if ss <= 0:
        return empty, None
    var = cph.variance_matrix_.to_numpy(dtype=float)  # type: ignore[attr-defined]
    u = g @ r
    scaled = u @ var
    per_term = n_events * scaled**2 / (np.diag(var) * ss)
    global_stat = float(n_events * (u @ var @ u) / ss)
    table = pl.DataFrame(
        {
            "term": terms,
            "statistic": per_term,
            "p_value": stats.chi2.sf(per_term, 1),
        },
        schema={"term": pl.String, "statistic": pl.Float64, "p_value": pl.Float64},
    )
    return table, float(stats.chi2.sf(global_stat, len(terms)))
