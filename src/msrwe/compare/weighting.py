"""Propensity-score weights: stabilised IPTW (ATE), ATT weights, overlap weights; truncation; ESS.

* ATE, stabilised: ``P / PS`` in the comparator arm and ``(1 - P) / (1 - PS)`` in the reference
  arm, ``P`` the comparator arm's share (Xu et al., Value Health 2010);
* ATT: 1 in the comparator arm and ``PS / (1 - PS)`` in the reference arm;
* overlap (ATO): ``1 - PS`` and ``PS`` (Li, Morgan and Zaslavsky, JASA 2018).

Truncation caps the weights at chosen percentiles of their distribution (e.g. 1st and 99th),
or at a maximum weight (OHDSI CohortMethod's ``createTruncateIptwArgs(maxWeight = 10)``).
The effective sample size is Kish's ``(sum w)^2 / sum w^2`` per arm
(``../shared/reference/comparative-effectiveness.md`` section 2.2 and 2.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msrwe.errors import InputError, OptionError

__all__ = ["ESTIMANDS", "PsWeights", "effective_sample_size", "ps_weights"]

ESTIMANDS = ("ate", "att", "ato")


@dataclass(frozen=True)
class PsWeights:
    """Weights per patient and their summary.

    Attributes
    ----------
    weights
        One weight per patient (input order), after truncation.
    estimand
        ``"ate"``, ``"att"`` or ``"ato"``.
    n_truncated
        Patients whose weight was capped.
    ess_treated, ess_control
        Kish's effective sample size in the comparator (1) and reference (0) arm.
    max_weight
        The largest weight after truncation.
    method
        One sentence for the methods paragraph.
    """

    weights: np.ndarray
    estimand: str
    n_truncated: int
    ess_treated: float
    ess_control: float
    max_weight: float
    method: str


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 for no weight).

    Examples
    --------
    >>> import numpy as np
    >>> effective_sample_size(np.ones(10)), effective_sample_size(np.array([1.0, 3.0]))
    (10.0, 1.6)
    """
    w = np.asarray(weights, dtype=float)
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0


def ps_weights(
    ps: np.ndarray,
    treat: np.ndarray,
    *,
    estimand: str = "ate",
    truncate_percentiles: tuple[float, float] | None = None,
    max_weight: float | None = None,
) -> PsWeights:
    """Propensity-score weights for the chosen estimand, optionally truncated.

    Parameters
    ----------
    ps
        Propensity score per patient (probability of the comparator arm), strictly in (0, 1).
    treat
        1 = comparator arm, 0 = reference arm.
    estimand
        ``"ate"`` (stabilised IPTW), ``"att"`` or ``"ato"`` (overlap weights).
    truncate_percentiles
        ``(low, high)`` percentiles (0-100) of all weights at which to cap them.
    max_weight
        A cap on every weight (applied after the percentile truncation).

    Returns
    -------
    PsWeights

    Examples
    --------
    >>> import numpy as np
    >>> w = ps_weights(np.array([0.5, 0.25, 0.8, 0.2]), np.array([1, 0, 1, 0]))
    >>> w.weights.round(4).tolist()  # P = 0.5: 0.5/0.5, 0.5/0.75, 0.5/0.8, 0.5/0.8
    [1.0, 0.6667, 0.625, 0.625]
    >>> ps_weights(np.array([0.5, 0.25]), np.array([1, 0]), estimand="att").weights.tolist()
    [1.0, 0.3333333333333333]
    """
    if estimand not in ESTIMANDS:
        raise OptionError(
            f"The 'estimand' parameter of ps_weights must be one of {{'ate', 'att', 'ato'}}. "
            f"Got {estimand!r} instead.",
            option="estimand",
            rule="one of {'ate', 'att', 'ato'}",
        )
    p = np.asarray(ps, dtype=float)
    t = np.asarray(treat)
    if p.shape != t.shape:
        raise InputError("ps_weights: 'ps' and 'treat' need one entry per patient.")
    if not np.all((p > 0) & (p < 1)):
        raise InputError("ps_weights: every propensity score must lie strictly between 0 and 1.")
    if not np.isin(t, (0, 1)).all() or t.min() == t.max():
        raise InputError("ps_weights: 'treat' must be 0 or 1, with patients in both arms.")
    tr = t == 1
    if estimand == "ate":
        share = float(tr.mean())
        w = np.where(tr, share / p, (1 - share) / (1 - p))
    elif estimand == "att":
        w = np.where(tr, 1.0, p / (1 - p))
    else:
        w = np.where(tr, 1 - p, p)
    before = w.copy()
    if truncate_percentiles is not None:
        lo, hi = truncate_percentiles
        if not 0 <= lo < hi <= 100:
            raise OptionError(
                "The 'truncate_percentiles' parameter of ps_weights must be (low, high) with "
                f"0 <= low < high <= 100. Got {truncate_percentiles!r} instead.",
                option="truncate_percentiles",
                rule="(low, high) with 0 <= low < high <= 100",
            )
        qlo, qhi = np.percentile(w, [lo, hi])
        w = np.clip(w, qlo, qhi)
    if max_weight is not None:
        bad = isinstance(max_weight, bool) or not isinstance(max_weight, int | float)
        if bad or max_weight <= 0:
            raise OptionError(
                f"The 'max_weight' parameter of ps_weights must be a number > 0. Got "
                f"{max_weight!r} instead.",
                option="max_weight",
                rule="a number > 0",
            )
        w = np.minimum(w, float(max_weight))
    name = {
        "ate": "stabilised inverse probability of treatment weights (ATE)",
        "att": "weights for the average treatment effect in the treated (ATT)",
        "ato": "overlap weights (ATO)",
    }[estimand]
    trunc = []
    if truncate_percentiles is not None:
        trunc.append(f"truncated at the {truncate_percentiles[0]:g}th and "
                     f"{truncate_percentiles[1]:g}th percentiles")
    if max_weight is not None:
        trunc.append(f"capped at {max_weight:g}")
    method = "Propensity-score " + name + (", " + " and ".join(trunc) if trunc else "") + "."
    return PsWeights(
        weights=w,
        estimand=estimand,
        n_truncated=int(np.sum(w != before)),
        ess_treated=effective_sample_size(w[tr]),
        ess_control=effective_sample_size(w[~tr]),
        max_weight=float(w.max()),
        method=method,
    )
