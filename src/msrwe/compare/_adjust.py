"""Propensity score, matching, weighting and balance for one pairwise comparison.

The steps of comparative-effectiveness.md 2.1 and 2.4 for one comparator arm vs the reference:
a logistic propensity model (statsmodels; an optional L2 penalty), nearest-neighbour matching on
the logit of the score with a caliper in SD of the logit (sorted search, never an n x n distance
matrix), or weights (stabilised IPTW for the ATE, ATT weights, overlap weights, truncation), and
standardised mean differences as cobalt defines them (the denominator is the pooled SD of the
unadjusted sample, sqrt((s1^2 + s0^2) / 2), for both before and after). Bad designs raise a
:class:`~msrwe.errors.StudyFileError` a clinician can act on: perfect separation, no overlap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.errors import StudyFileError

__all__ = [
    "Propensity",
    "balance_table",
    "effective_sample_size",
    "fit_propensity",
    "match_units",
    "weight_units",
]


@dataclass(frozen=True)
class Propensity:
    """A fitted propensity model: the score per unit and its description."""

    ps: np.ndarray
    coefficients: dict[str, float]
    method: str


def _separated(x: np.ndarray, t: np.ndarray) -> bool:
    lo1, hi1 = x[t == 1].min(), x[t == 1].max()
    lo0, hi0 = x[t == 0].min(), x[t == 0].max()
    return bool(hi0 < lo1 or hi1 < lo0 or (hi0 <= lo1 and lo0 < hi0) or (hi1 <= lo0 and lo1 < hi1))


def fit_propensity(
    x: np.ndarray, treat: np.ndarray, names: list[str], *, penalty: float = 0.0, label: str = ""
) -> Propensity:
    """Logistic regression of the comparator arm (1) vs the reference (0) on the covariates.

    Raises
    ------
    StudyFileError
        When one covariate alone separates the arms, or the model separates them perfectly.
    """
    import statsmodels.api as sm

    t = treat.astype(float)
    for j, name in enumerate(names):
        if _separated(x[:, j], treat):
            raise StudyFileError(
                f"{label}: the covariate '{name}' separates the arms completely (every patient "
                "of one arm lies above every patient of the other), so the propensity model "
                "cannot be fitted and the arms are not comparable on it. Restrict eligibility "
                "(e.g. compare.edss_min/edss_max or compare.phenotypes) or drop the covariate."
            )
    xc = sm.add_constant(x, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            if penalty > 0:
                model = sm.GLM(t, xc, family=sm.families.Binomial())
                fit = model.fit_regularized(alpha=penalty / len(t), L1_wt=0.0)
                params = np.asarray(fit.params)
                how = f"logistic regression with an L2 penalty ({penalty:g})"
            else:
                fit = sm.Logit(t, xc).fit(disp=0, maxiter=200)
                params = np.asarray(fit.params)
                how = "logistic regression (maximum likelihood)"
        except Exception as exc:
            if "separation" in str(exc).lower() or "singular" in str(exc).lower() or isinstance(
                exc, np.linalg.LinAlgError | RuntimeWarning
            ) or "overflow" in str(exc).lower():
                raise StudyFileError(
                    f"{label}: the propensity model separates the arms perfectly (or nearly): the "
                    f"covariates ({', '.join(names)}) predict the arm exactly, so there is no "
                    "patient comparable across arms. Restrict eligibility or use fewer "
                    "covariates, or set compare.penalty (an L2 penalty)."
                ) from None
            raise
    lin = xc @ params
    ps = 1.0 / (1.0 + np.exp(-lin))
    if ps.min() < 1e-10 or ps.max() > 1 - 1e-10:
        raise StudyFileError(
            f"{label}: the propensity model separates the arms perfectly: the covariates "
            f"({', '.join(names)}) predict the arm exactly for some patients. Restrict "
            "eligibility, use fewer covariates, or set compare.penalty (an L2 penalty)."
        )
    coefs = dict(zip(["(intercept)", *names], map(float, params), strict=True))
    return Propensity(ps=ps, coefficients=coefs, method=how)


def check_overlap(ps: np.ndarray, treat: np.ndarray, label: str) -> None:
    """Refuse a comparison whose score distributions do not overlap at all."""
    t1, t0 = ps[treat == 1], ps[treat == 0]
    if t1.min() > t0.max() or t0.min() > t1.max():
        raise StudyFileError(
            f"{label}: the propensity scores of the two arms do not overlap at all (comparator "
            f"{t1.min():.3f}-{t1.max():.3f}, reference {t0.min():.3f}-{t0.max():.3f}), so no "
            "patient of one arm resembles any patient of the other. The arms are not comparable "
            "in these data; restrict eligibility to patients who could have had either drug."
        )


def match_units(
    logit: np.ndarray, treat: np.ndarray, *, caliper: float, ratio: int, replace: bool
) -> pl.DataFrame:
    """Greedy nearest-neighbour matching on the logit of the score, largest score first.

    Each treated unit (``treat == 1``) takes up to ``ratio`` controls, nearest first, within
    ``caliper`` SD of the logit (the SD of all units' logits). Controls are found by a sorted
    search (O(n log n)); without replacement a used control is skipped through linked "next
    free" pointers.

    Returns
    -------
    polars.DataFrame
        One row per use of a unit: ``row`` (position in the input), ``set_id`` (the treated
        unit's position), ``weight`` (1 for the treated; 1/k for each of the k controls of a
        set). Treated units without any control are left out.

    Examples
    --------
    >>> m = match_units(np.array([0.0, 0.1, 2.0, 0.05]), np.array([1, 0, 1, 0]),
    ...                 caliper=0.2, ratio=1, replace=False)
    >>> m.sort("row").rows()
    [(0, 0, 1.0), (3, 0, 1.0)]
    """
    width = caliper * float(np.std(logit, ddof=1))
    ctrl = np.flatnonzero(treat == 0)
    order = np.argsort(logit[ctrl], kind="stable")
    cpos = ctrl[order]
    cval = logit[cpos]
    m = len(cval)
    # left[i] / right[i]: a position at or beyond i (towards the left / right) that may be free;
    # used positions point past themselves, with path compression, so the search stays short.
    left = np.arange(m)
    right = np.arange(m)
    free = np.ones(m, dtype=bool)

    def find_left(i: int) -> int:
        path = []
        while i >= 0 and not free[i]:
            path.append(i)
            i = left[i] - 1 if left[i] == i else left[i]
        for p in path:
            left[p] = i
        return i

    def find_right(i: int) -> int:
        path = []
        while i < m and not free[i]:
            path.append(i)
            i = right[i] + 1 if right[i] == i else right[i]
        for p in path:
            right[p] = i
        return i

    treated = np.flatnonzero(treat == 1)
    treated = treated[np.argsort(-logit[treated], kind="stable")]
    rows: list[tuple[int, int, float]] = []
    for tpos in treated:
        v = logit[tpos]
        k = int(np.searchsorted(cval, v))
        picks: list[int] = []
        if replace:
            lo, hi = k - 1, k
            while len(picks) < ratio:
                dl = v - cval[lo] if lo >= 0 else np.inf
                dr = cval[hi] - v if hi < m else np.inf
                if min(dl, dr) > width:
                    break
                if dl <= dr:
                    picks.append(lo)
                    lo -= 1
                else:
                    picks.append(hi)
                    hi += 1
        else:
            for _ in range(ratio):
                lo, hi = find_left(k - 1), find_right(k)
                dl = v - cval[lo] if lo >= 0 else np.inf
                dr = cval[hi] - v if hi < m else np.inf
                if min(dl, dr) > width:
                    break
                pick = lo if dl <= dr else hi
                free[pick] = False
                picks.append(pick)
        if not picks:
            continue
        rows.append((int(tpos), int(tpos), 1.0))
        rows.extend((int(cpos[p]), int(tpos), 1.0 / len(picks)) for p in picks)
    return pl.DataFrame(rows, schema={"row": pl.Int64, "set_id": pl.Int64,
                                      "weight": pl.Float64}, orient="row")


def weight_units(
    ps: np.ndarray, treat: np.ndarray, *, estimand: str,
    truncate_percentiles: tuple[float, float] | None, max_weight: float | None,
) -> np.ndarray:
    """Stabilised IPTW (ATE), ATT or overlap (ATO) weights, then truncation.

    Examples
    --------
    >>> weight_units(np.array([0.5, 0.25]), np.array([1, 0]), estimand="att",
    ...              truncate_percentiles=None, max_weight=None).tolist()
    [1.0, 0.3333333333333333]
    """
    t = treat == 1
    if estimand == "ate":
        p1 = t.mean()
        w = np.where(t, p1 / ps, (1 - p1) / (1 - ps))
    elif estimand == "att":
        w = np.where(t, 1.0, ps / (1 - ps))
    else:
        w = np.where(t, 1 - ps, ps)
    if truncate_percentiles is not None:
        lo, hi = np.percentile(w, truncate_percentiles)
        w = np.clip(w, lo, hi)
    if max_weight is not None:
        w = np.minimum(w, max_weight)
    return w


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar(x: np.ndarray, w: np.ndarray) -> float:
    m = _wmean(x, w)
    sw = np.sum(w)
    denom = sw - np.sum(w**2) / sw
    return float(np.sum(w * (x - m) ** 2) / denom) if denom > 0 else float("nan")


def balance_table(
    x: np.ndarray, names: list[str], treat: np.ndarray, w_before: np.ndarray,
    w_after: np.ndarray,
) -> pl.DataFrame:
    """SMD and variance ratio per covariate before and after adjustment (cobalt's definitions).

    The SMD's denominator is the pooled SD of the unadjusted sample, sqrt((s1^2 + s0^2) / 2),
    for both before and after (cobalt's default ``s.d.denom = "pooled"``); for a 0/1 covariate
    the variances are p(1 - p). Variance ratios (comparator / reference) are given for
    continuous covariates only.
    """
    rows = []
    t = treat == 1
    for j, name in enumerate(names):
        v = x[:, j].astype(float)
        binary = bool(np.isin(v, (0.0, 1.0)).all())
        if binary:
            p1, p0 = v[t].mean(), v[~t].mean()
            sd = np.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2)
        else:
            sd = np.sqrt((np.var(v[t], ddof=1) + np.var(v[~t], ddof=1)) / 2)
        out: dict[str, object] = {"covariate": name, "binary": binary}
        for tag, w in (("before", w_before), ("after", w_after)):
            keep1, keep0 = t & (w > 0), ~t & (w > 0)
            m1, m0 = _wmean(v[keep1], w[keep1]), _wmean(v[keep0], w[keep0])
            out[f"mean1_{tag}"], out[f"mean0_{tag}"] = m1, m0
            out[f"smd_{tag}"] = (m1 - m0) / sd if sd > 0 else 0.0
            out[f"vr_{tag}"] = None if binary else (
                _wvar(v[keep1], w[keep1]) / _wvar(v[keep0], w[keep0])
            )
        rows.append(out)
    return pl.DataFrame(rows)
