"""Covariate balance: standardised mean differences and variance ratios, and their plots.

Definitions follow the R package cobalt (Greifer), the reference for balance tables:

* difference of the (weighted) means, comparator minus reference;
* divided by an SD taken from the *unadjusted* sample, the same before and after adjustment:
  the comparator arm's SD for the ATT (matching), ``sqrt((s1^2 + s0^2) / 2)`` ("pooled") for
  the ATE and overlap weights;
* a 0/1 covariate's variance is ``p (1 - p)``; a continuous one's the usual ``n - 1`` variance;
  ``binary = "raw"`` reports the plain difference in proportions for 0/1 covariates instead
  (cobalt's own default);
* variance ratio (continuous covariates only): weighted variance of the comparator arm over that
  of the reference arm, the weighted variance being
  ``sum w (x - m)^2 * sum w / ((sum w)^2 - sum w^2)``.

Balance is judged against |SMD| < 0.1 (and VR within 0.5 to 2); balance is never tested with
p-values (``../shared/reference/comparative-effectiveness.md`` section 2.4; Austin 2009;
Stuart 2010). The Love plot and the propensity-score overlap plot take these tables and return a
matplotlib Figure (vector-friendly: SVG output keeps text as text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from msrwe.errors import InputError, OptionError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "SMD_THRESHOLD",
    "VR_RANGE",
    "balance_table",
    "love_plot",
    "ps_overlap_plot",
]

SMD_THRESHOLD = 0.1
"""|SMD| below which a covariate counts as balanced."""
VR_RANGE = (0.5, 2.0)
"""Variance ratios within which a continuous covariate counts as balanced."""


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar(x: np.ndarray, w: np.ndarray) -> float:
    sw = float(np.sum(w))
    denom = sw**2 - float(np.sum(w**2))
    if denom <= 0:
        return float("nan")
    m = _wmean(x, w)
    return float(np.sum(w * (x - m) ** 2) * sw / denom)


def balance_table(
    x: np.ndarray,
    names: Sequence[str],
    treat: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    estimand: str = "ate",
    binary: str = "std",
) -> pl.DataFrame:
    """SMD and variance ratio of every covariate before and after adjustment.

    Parameters
    ----------
    x
        Covariates, one row per patient, one column per name.
    names
        Covariate names.
    treat
        1 = comparator arm, 0 = reference arm.
    weights
        Adjustment weights (matching weights, 0 for unmatched; or IPTW/overlap weights); None
        gives only the unadjusted numbers (the "after" columns equal the "before" ones).
    estimand
        ``"att"`` (SD of the comparator arm) or ``"ate"`` / ``"ato"`` (pooled SD).
    binary
        ``"std"`` (standardise 0/1 covariates too) or ``"raw"`` (difference in proportions).

    Returns
    -------
    polars.DataFrame
        ``covariate``, ``binary``, ``mean_treated_before``, ``mean_control_before``,
        ``mean_treated_after``, ``mean_control_after``, ``smd_before``, ``smd_after``,
        ``vr_before``, ``vr_after`` (null for 0/1 covariates), ``balanced`` (|SMD after| <
        0.1).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[50.0, 1], [60.0, 0], [40.0, 1], [45.0, 0]])
    >>> tab = balance_table(x, ["age", "female"], np.array([1, 1, 0, 0]), estimand="att")
    >>> tab.select("covariate", "smd_before").rows()  # (55 - 42.5) / sd(50, 60); (0.5 - 0.5) / 0.5
    [('age', 1.7677669529663687), ('female', 0.0)]
    """
    if estimand not in ("ate", "att", "ato"):
        raise OptionError(
            "The 'estimand' parameter of balance_table must be one of {'ate', 'att', 'ato'}. "
            f"Got {estimand!r} instead.",
            option="estimand",
            rule="one of {'ate', 'att', 'ato'}",
        )
    if binary not in ("std", "raw"):
        raise OptionError(
            f"The 'binary' parameter of balance_table must be one of {{'raw', 'std'}}. Got "
            f"{binary!r} instead.",
            option="binary",
            rule="one of {'raw', 'std'}",
        )
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    t = np.asarray(treat) == 1
    names = list(names)
    if x.shape != (len(t), len(names)):
        raise InputError(f"balance_table: covariates of shape {x.shape} for {len(t)} patients.")
    if t.all() or not t.any():
        raise InputError("balance_table: both arms need patients.")
    w = np.ones(len(t)) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != t.shape or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise InputError("balance_table: one finite weight >= 0 per patient is needed.")
    if not (w[t] > 0).any() or not (w[~t] > 0).any():
        raise InputError("balance_table: an arm has no patient with a weight above 0.")
    ones = np.ones(len(t))
    rows = []
    for j, name in enumerate(names):
        v = x[:, j]
        is_bin = bool(np.isin(v, (0.0, 1.0)).all())

        def var(sel: np.ndarray, v: np.ndarray = v, is_bin: bool = is_bin) -> float:
            if is_bin:
                p = float(v[sel].mean())
                return p * (1 - p)
            return float(np.var(v[sel], ddof=1)) if sel.sum() > 1 else float("nan")

        den = np.sqrt(var(t)) if estimand == "att" else np.sqrt((var(t) + var(~t)) / 2)
        if is_bin and binary == "raw":
            den = 1.0
        row: dict[str, object] = {"covariate": name, "binary": is_bin}
        for tag, ww in (("before", ones), ("after", w)):
            k1, k0 = t & (ww > 0), ~t & (ww > 0)
            m1, m0 = _wmean(v[k1], ww[k1]), _wmean(v[k0], ww[k0])
            row[f"mean_treated_{tag}"] = m1
            row[f"mean_control_{tag}"] = m0
            row[f"smd_{tag}"] = (m1 - m0) / den if den > 0 else 0.0
            row[f"vr_{tag}"] = None if is_bin else _wvar(v[k1], ww[k1]) / _wvar(v[k0], ww[k0])
        rows.append(row)
    out = pl.DataFrame(
        rows,
        schema={
            "covariate": pl.String,
            "binary": pl.Boolean,
            "mean_treated_before": pl.Float64,
            "mean_control_before": pl.Float64,
            "smd_before": pl.Float64,
            "vr_before": pl.Float64,
            "mean_treated_after": pl.Float64,
            "mean_control_after": pl.Float64,
            "smd_after": pl.Float64,
            "vr_after": pl.Float64,
        },
    )
    return out.select(
        "covariate", "binary", "mean_treated_before", "mean_control_before",
        "mean_treated_after", "mean_control_after", "smd_before", "smd_after", "vr_before",
        "vr_after",
    ).with_columns(balanced=pl.col("smd_after").abs() < SMD_THRESHOLD)


def love_plot(
    balance: pl.DataFrame, *, threshold: float = SMD_THRESHOLD, title: str | None = None
) -> Figure:
    """Love plot: |SMD| per covariate before (open) and after (filled) adjustment.

    Parameters
    ----------
    balance
        A :func:`balance_table` (columns ``covariate``, ``smd_before``, ``smd_after``).
    threshold
        The balance threshold drawn as a dashed line (0.1).
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import polars as pl
    >>> fig = love_plot(pl.DataFrame({"covariate": ["age", "edss"], "smd_before": [0.4, -0.3],
    ...                               "smd_after": [0.05, 0.02]}))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['edss', 'age']
    """
    from matplotlib.figure import Figure

    for c in ("covariate", "smd_before", "smd_after"):
        if c not in balance.columns:
            raise InputError(f"love_plot: the balance table has no column '{c}'.")
    tab = balance.with_columns(
        pl.col("smd_before").abs().alias("b"), pl.col("smd_after").abs().alias("a")
    ).sort("b")
    n = tab.height
    fig = Figure(figsize=(6.0, 1.2 + 0.32 * max(n, 1)))
    ax = fig.add_subplot()
    y = np.arange(n)
    ax.scatter(tab["b"].to_numpy(), y, facecolors="none", edgecolors="#444444",
               label="before adjustment", zorder=3)
    ax.scatter(tab["a"].to_numpy(), y, color="#1f5fa8", label="after adjustment", zorder=3)
    for yy, b, a in zip(y, tab["b"], tab["a"], strict=True):
        ax.plot([b, a], [yy, yy], color="#bbbbbb", linewidth=0.8, zorder=1)
    ax.axvline(threshold, color="#b22222", linestyle="--", linewidth=1,
               label=f"|SMD| = {threshold:g}")
    ax.set_yticks(y, tab["covariate"].to_list())
    ax.set_xlabel("absolute standardised mean difference")
    ax.set_xlim(left=0)
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def ps_overlap_plot(
    table: pl.DataFrame,
    *,
    column: str = "ps",
    labels: tuple[str, str] = ("reference", "comparator"),
    bins: int = 30,
    title: str | None = None,
) -> Figure:
    """Mirrored histograms of the propensity (or preference) score of the two arms.

    Parameters
    ----------
    table
        One row per patient with ``treat`` (0/1) and the score column (e.g.
        :meth:`~msrwe.compare.propensity.PropensityModel.table`).
    column
        ``"ps"`` or ``"preference"`` (the equipoise band 0.3-0.7 is shaded for the latter).
    labels
        Names of arm 0 and arm 1.
    bins
        Histogram bins on [0, 1].
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import polars as pl
    >>> fig = ps_overlap_plot(pl.DataFrame({"treat": [0, 0, 1, 1], "ps": [0.2, 0.4, 0.5, 0.7]}))
    >>> fig.axes[0].get_xlabel()
    'propensity score'
    """
    from matplotlib.figure import Figure

    for c in ("treat", column):
        if c not in table.columns:
            raise InputError(f"ps_overlap_plot: the table has no column '{c}'.")
    t = table["treat"].to_numpy() == 1
    s = table[column].to_numpy().astype(float)
    edges = np.linspace(0, 1, bins + 1)
    h1, _ = np.histogram(s[t], bins=edges)
    h0, _ = np.histogram(s[~t], bins=edges)
    fig = Figure(figsize=(6.0, 3.6))
    ax = fig.add_subplot()
    width = edges[1] - edges[0]
    ax.bar(edges[:-1], h1, width=width, align="edge", color="#1f5fa8", label=labels[1])
    ax.bar(edges[:-1], -h0, width=width, align="edge", color="#d08a2c", label=labels[0])
    if column == "preference":
        ax.axvspan(0.3, 0.7, color="#999999", alpha=0.15, label="equipoise 0.3-0.7")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlim(0, 1)
    ticks = ax.get_yticks()
    ax.set_yticks(ticks, [f"{abs(int(v))}" for v in ticks])
    ax.set_xlabel("preference score" if column == "preference" else "propensity score")
    ax.set_ylabel("patients")
    ax.legend(fontsize="small", frameon=False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
