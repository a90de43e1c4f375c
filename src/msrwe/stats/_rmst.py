"""Restricted mean survival time (RMST) and the difference between two groups.

The RMST up to ``tau`` is the area under the (weighted) Kaplan-Meier curve from 0 to ``tau``:
the mean event-free time over the first ``tau`` years. Its variance is the Greenwood-type sum
``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` over event times ``t_j <= tau``, with ``A_j`` the area
under the curve from ``t_j`` to ``tau`` (as ``survival::survfit``'s ``rmean`` and survRM2
compute it); with weights, ``d_j`` and ``n_j`` are weighted sums. It is reported when the
hazards are not proportional (Royston and Parmar, BMC Med Res Methodol 2013;13:152;
``../shared/reference/comparative-effectiveness.md`` section 2.4). The difference of two
independent groups has the variance the sum of theirs; a normal interval and test follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from msrwe._lazy import lazy_module
from msrwe.errors import InputError, OptionError
from msrwe.stats._checks import as_float_array, check_alpha, check_nonneg

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = ["rmst", "rmst_difference"]


def _clean(time: Any, event: Any, weights: Any, func: str) -> tuple[np.ndarray, ...]:
    t = as_float_array(time, "time", func)
    e = as_float_array(event, "event", func)
    w = np.ones(len(t)) if weights is None else as_float_array(weights, "weights", func)
    if not len(t) == len(e) == len(w):
        raise InputError(
            f"{func}: 'time', 'event' and 'weights' need one entry per patient; got "
            f"{len(t)}, {len(e)} and {len(w)}."
        )
    if len(t) == 0:
        raise InputError(f"{func}: there is no patient.")
    bad = np.flatnonzero(~np.isfinite(t) | (t < 0))
    if bad.size:
        raise InputError(
            f"{func}: every time must be a number >= 0; entry {int(bad[0])} is {t[bad[0]]}."
        )
    bad = np.flatnonzero(~np.isin(e, (0.0, 1.0)))
    if bad.size:
        raise InputError(f"{func}: every event must be 0 or 1; entry {int(bad[0])} is {e[bad[0]]}.")
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise InputError(f"{func}: weights must be finite numbers >= 0.")
    keep = w > 0
    return t[keep], e[keep], w[keep]


def rmst(time: Any, event: Any, *, tau: float, weights: Any = None) -> tuple[float, float]:
    """Restricted mean survival time up to ``tau`` and its standard error.

    Parameters
    ----------
    time, event
        Follow-up (>= 0) and 1 = event / 0 = censored, one entry per patient.
    tau
        The horizon (> 0, in the unit of ``time``); it must not exceed the longest follow-up.
    weights
        Case weights (IPTW or matching weights) for a weighted Kaplan-Meier curve.

    Returns
    -------
    tuple of float
        The RMST and its standard error.

    Raises
    ------
    InputError
        Bad times, events or weights, or ``tau`` beyond the longest follow-up.

    Examples
    --------
    >>> est, se = rmst([1.0, 2.0, 3.0, 4.0], [1, 0, 1, 0], tau=3.5)
    >>> round(est, 4)  # 1 + 0.75 * 2 + 0.375 * 0.5
    2.6875
    """
    func = "rmst"
    tau = check_nonneg(tau, "tau", func, strict=True)
    t, e, w = _clean(time, event, weights, func)
    if tau > t.max():
        raise InputError(
            f"{func}: tau ({tau:g}) is beyond the longest follow-up ({t.max():g}); the curve is "
            "not known there. Choose a shorter horizon."
        )
    times = np.unique(t[(e == 1) & (t <= tau)])
    if times.size == 0:
        return tau, 0.0
    order = np.argsort(t)
    ts, es, ws = t[order], e[order], w[order]
    # weighted numbers at risk (time >= t_j) and weighted events at t_j
    cum_w_from = np.cumsum(ws[::-1])[::-1]
    first = np.searchsorted(ts, times, side="left")
    n_risk = cum_w_from[first]
    d = np.array([ws[(ts == x) & (es == 1)].sum() for x in times])
    surv = np.cumprod(1 - d / n_risk)
    # area: S = 1 on [0, t_1), S_j on [t_j, t_{j+1}), up to tau
    edges = np.append(times, tau)
    widths = np.diff(edges)
    est = float(times[0] + np.sum(surv * widths))
    area_after = np.cumsum((surv * widths)[::-1])[::-1]  # A_j = area from t_j to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_risk > d, area_after**2 * d / (n_risk * (n_risk - d)), 0.0)
    return est, float(np.sqrt(np.sum(terms)))


def rmst_difference(
    df: pl.DataFrame,
    *,
    time: str,
    event: str,
    group: str,
    reference: str,
    tau: float,
    weights: str | None = None,
    comparator: str | None = None,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Difference in RMST (comparator minus reference) up to ``tau``, with a normal interval.

    Parameters
    ----------
    df
        One row per patient.
    time, event, group
        Column names: follow-up, 0/1 event, group label.
    reference
        The reference group's label (compared as text).
    tau
        The horizon; it must not exceed the longest follow-up of either group.
    weights
        Optional column of case weights.
    comparator
        The other group; needed only when ``group`` has more than two levels.
    alpha
        1 - confidence level.

    Returns
    -------
    dict
        ``diff``, ``se``, ``ci_low``, ``ci_high``, ``p_value``, ``rmst_reference``,
        ``rmst_comparator``, ``se_reference``, ``se_comparator``, ``tau``, ``comparator``.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"t": [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 5.0],
    ...                    "e": [1, 0, 1, 0, 0, 1, 0, 0], "arm": ["a"] * 4 + ["b"] * 4})
    >>> res = rmst_difference(df, time="t", event="e", group="arm", reference="a", tau=3.5)
    >>> round(res["diff"], 4)  # (3 + 0.5 * 2/3) - 2.6875
    0.6458
    """
    func = "rmst_difference"
    level = 1 - check_alpha(alpha, func)
    for c in [time, event, group] + ([weights] if weights else []):
        if c not in df.columns:
            raise InputError(f"{func}: the table has no column '{c}'.")
    labels = df[group].cast(pl.String)
    levels = sorted(labels.drop_nulls().unique().to_list())
    reference = str(reference)
    if reference not in levels:
        raise OptionError(
            f"The 'reference' parameter of {func} must be one of {levels}. Got {reference!r}.",
            option="reference",
            rule=f"one of {levels}",
        )
    others = [lv for lv in levels if lv != reference]
    if comparator is None:
        if len(others) != 1:
            raise OptionError(
                f"{func}: '{group}' has {len(levels)} groups; name the 'comparator' "
                f"(one of {others}).",
                option="comparator",
                rule=f"one of {others}",
            )
        comparator = others[0]
    comparator = str(comparator)
    if comparator not in others:
        raise OptionError(
            f"The 'comparator' parameter of {func} must be one of {others}. Got {comparator!r}.",
            option="comparator",
            rule=f"one of {others}",
        )
    out = {}
    for name, lv in (("reference", reference), ("comparator", comparator)):
        sub = df.filter(labels == lv)
        out[name] = rmst(
            sub[time], sub[event], tau=tau, weights=None if weights is None else sub[weights]
        )
    diff = out["comparator"][0] - out["reference"][0]
    se = float(np.hypot(out["comparator"][1], out["reference"][1]))
    zc = stats.norm.ppf(1 - (1 - level) / 2)
    p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else float("nan")
    return {
        "diff": diff,
        "se": se,
        "ci_low": diff - zc * se,
        "ci_high": diff + zc * se,
        "p_value": p,
        "rmst_reference": out["reference"][0],
        "rmst_comparator": out["comparator"][0],
        "se_reference": out["reference"][1],
        "se_comparator": out["comparator"][1],
        "tau": float(tau),
        "comparator": comparator,
    }
