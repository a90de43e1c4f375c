"""Effect estimates of a comparison: weighted Cox, negative binomial rates, E-values, RMST.

- Hazard ratio: Cox model (lifelines ``CoxPHFitter``, Efron ties) with the matching or IPT
  weights and a robust (sandwich) variance clustered on the matched set or the patient; the
  Schoenfeld-residual test of proportional hazards (lifelines ``proportional_hazard_test``,
  rank time transform) for the treatment term.
- Rate ratio: negative binomial (NB2) GLM with a log person-years offset; the dispersion from an
  unweighted NB2 fit, then the weighted GLM with a cluster-robust variance.
- E-value (VanderWeele and Ding 2017; comparative-effectiveness.md 2.3): for a hazard ratio of a
  common outcome the HR is first converted, RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)).
- Restricted mean survival time difference from weighted Kaplan-Meier curves.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["HazardRatio", "RateRatio", "cox_effect", "e_value", "nb_rate_ratio", "rmst_diff",
           "weighted_km"]


@dataclass(frozen=True)
class HazardRatio:
    """A Cox hazard ratio (comparator vs reference) with its robust CI and PH test."""

    hr: float
    ci_low: float
    ci_high: float
    p_value: float
    ph_p_value: float | None
    n: int
    events: int


def cox_effect(
    df: pl.DataFrame, *, covariates: list[str] = (), weights: str | None = None,  # type: ignore[assignment]
    cluster: str | None = None, alpha: float = 0.05,
) -> HazardRatio:
    """Cox model of ``time``/``event`` on ``treat`` (+ covariates), robust CI.

    Examples
    --------
    >>> d = pl.DataFrame({"time": [1.0, 2, 3, 4, 5, 6, 7, 8], "event": [1, 1, 0, 1, 1, 0, 1, 0],
    ...                   "treat": [1, 1, 1, 1, 0, 0, 0, 0]})
    >>> round(cox_effect(d).hr, 3) > 1
    True
    """
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    cols = ["time", "event", "treat", *covariates]
    extra = [c for c in (weights, cluster) if c is not None]
    pdf = df.select(*cols, *extra).to_pandas()
    cph = CoxPHFitter(alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph.fit(pdf, duration_col="time", event_col="event", weights_col=weights,
                cluster_col=cluster, robust=True)
    s = cph.summary.loc["treat"]
    ph: float | None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            test = proportional_hazard_test(cph, pdf, time_transform="rank")
        ph = float(test.summary.loc["treat", "p"])
    except Exception:  # noqa: BLE001 - lifelines raises various errors; report "not computed"
        ph = None
    from scipy.stats import norm

    z = norm.ppf(1 - alpha / 2)
    b, se = float(s["coef"]), float(s["se(coef)"])
    return HazardRatio(
        hr=math.exp(b), ci_low=math.exp(b - z * se), ci_high=math.exp(b + z * se),
        p_value=float(s["p"]), ph_p_value=ph, n=len(pdf), events=int(pdf["event"].sum()),
    )


@dataclass(frozen=True)
class RateRatio:
    """A negative binomial rate ratio (comparator vs reference) and the rate of each arm."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    rates: dict[int, tuple[float, float, float]]  # treat -> (rate, ci_low, ci_high)


def nb_rate_ratio(
    df: pl.DataFrame, *, covariates: list[str] = (), weights: str | None = None,  # type: ignore[assignment]
    cluster: str | None = None, alpha: float = 0.05,
) -> RateRatio:
    """NB2 GLM of ``relapses`` with offset log(``person_years``) on ``treat``; robust CI."""
    import statsmodels.api as sm
    from scipy.stats import norm

    y = df["relapses"].to_numpy().astype(float)
    off = np.log(df["person_years"].to_numpy())
    x = sm.add_constant(df.select("treat", *covariates).to_numpy().astype(float),
                        has_constant="add")
    w = df[weights].to_numpy() if weights else np.ones(len(y))
    z = norm.ppf(1 - alpha / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            nb = sm.NegativeBinomial(y, x, offset=off).fit(disp=0, maxiter=200)
            disp = float(np.clip(nb.params[-1], 1e-8, 1e3))
        except Exception:  # noqa: BLE001 - no dispersion estimable: fall back to ~Poisson
            disp = 1e-8
        glm = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=disp), offset=off,
                     var_weights=w)
        if cluster:
            groups = pl.Series(df[cluster]).rank("dense").to_numpy().astype(int)
            fit = glm.fit(cov_type="cluster", cov_kwds={"groups": groups})
        else:
            fit = glm.fit(cov_type="HC0")
    b, se = float(fit.params[1]), float(fit.bse[1])
    rates: dict[int, tuple[float, float, float]] = {}
    for arm in (0, 1):
        vec = np.zeros(len(fit.params))
        vec[0] = 1.0
        vec[1] = float(arm)
        if covariates:  # rates at the covariates' weighted means
            means = np.average(df.select(*covariates).to_numpy().astype(float), axis=0,
                               weights=w)
            vec[2:] = means
        lp = float(vec @ fit.params)
        lse = float(np.sqrt(vec @ fit.cov_params() @ vec))
        rates[arm] = (math.exp(lp), math.exp(lp - z * lse), math.exp(lp + z * lse))
    return RateRatio(math.exp(b), math.exp(b - z * se), math.exp(b + z * se),
                     float(2 * norm.sf(abs(b / se))) if se > 0 else float("nan"), rates)


def e_value(est: float, ci_low: float | None, ci_high: float | None, *,
            hr_common: bool = False) -> tuple[float, float | None]:
    """E-value of a ratio and of the CI limit closer to 1 (1 when the CI includes 1).

    Examples
    --------
    >>> [round(v, 2) for v in e_value(0.70, 0.5, 0.9, hr_common=True)]
    [1.88, 1.31]
    """
    def conv(v: float) -> float:
        if not hr_common:
            return v
        return (1 - 0.5 ** math.sqrt(v)) / (1 - 0.5 ** math.sqrt(1 / v))

    def ev(rr: float) -> float:
        rr = 1 / rr if rr < 1 else rr
        return rr + math.sqrt(rr * (rr - 1))

    point = ev(conv(est))
    if ci_low is None or ci_high is None:
        return point, None
    if ci_low <= 1 <= ci_high:
        return point, 1.0
    near = ci_high if est < 1 else ci_low
    return point, ev(conv(near))


def weighted_km(time: np.ndarray, event: np.ndarray, w: np.ndarray) -> pl.DataFrame:
    """Weighted Kaplan-Meier: ``time, surv, at_risk`` (unweighted number at risk) per event time."""
    order = np.argsort(time, kind="stable")
    t, e, ww = time[order], event[order], w[order]
    uniq = np.unique(t[e == 1])
    surv, rows = 1.0, [(0.0, 1.0, len(t))]
    for u in uniq:
        risk = t >= u
        d = float(np.sum(ww[(t == u) & (e == 1)]))
        r = float(np.sum(ww[risk]))
        if r > 0:
            surv *= 1 - d / r
        rows.append((float(u), surv, int(risk.sum())))
    return pl.DataFrame(rows, schema={"time": pl.Float64, "surv": pl.Float64,
                                      "at_risk": pl.Int64}, orient="row")


def _rmst(km: pl.DataFrame, tau: float) -> float:
    t = km["time"].to_numpy()
    s = km["surv"].to_numpy()
    keep = t < tau
    t, s = np.append(t[keep], tau), s[keep]
    return float(np.sum(np.diff(t) * s))


def rmst_diff(df: pl.DataFrame, tau: float, weights: str | None = None) -> float:
    """RMST (years) of the comparator minus the reference, up to ``tau`` years."""
    out = []
    for arm in (1, 0):
        d = df.filter(pl.col("treat") == arm)
        w = d[weights].to_numpy() if weights else np.ones(d.height)
        out.append(_rmst(weighted_km(d["time"].to_numpy(), d["event"].to_numpy(), w), tau))
    return out[0] - out[1]
