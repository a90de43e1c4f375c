"""Greedy nearest-neighbour matching on the logit of the propensity score, as MatchIt does it.

This reproduces ``MatchIt::matchit(method = "nearest", distance = "glm", link =
"linear.logit")`` (MatchIt 4.x, the vector-distance code path):

* every patient is sorted by the distance (the logit of the score; ties kept in input order);
* the caliper is ``caliper * sd(distance)`` over all patients (``std.caliper = TRUE``);
* matching runs in ``ratio`` rounds: in round r every comparator-arm patient (the "treated",
  the focal arm of the ATT) takes its r-th control, in ``m_order`` (default ``"largest"``
  distance first without replacement, ``"data"`` order with replacement, as MatchIt);
* a patient's candidate on each side is the nearest control still available (not used, when
  matching without replacement; not already its own match); when that nearest one is outside
  the caliper the side offers nobody; of the two sides the closer wins, the lower side on a tie;
* weights: 1 for a matched treated patient; a control gets ``1/k`` for each matched set of k
  controls it belongs to, then the controls' weights are scaled to sum to the number of distinct
  matched controls (MatchIt's ``weights.matrix``); unmatched patients get 0.

Ratio > 1 with replacement gives each treated patient k *distinct* controls (MatchIt 4.5.1
repeats one control there, its issue #159, fixed later). The search uses the sorted controls and
"next free" pointers with path compression (a union-find), so matching n patients costs
O(n log n) and never builds an n x n distance matrix. Matched sets are the clusters of the
outcome models' robust SEs (``../shared/reference/comparative-effectiveness.md`` 2.1, 2.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.errors import InputError, OptionError

__all__ = ["MatchResult", "match_nearest", "weights_from_pairs"]


@dataclass(frozen=True)
class MatchResult:
    """The matched sets and weights.

    Attributes
    ----------
    pairs
        One row per (treated, control) match: ``treated`` and ``control`` (row positions in the
        input), ``slot`` (1 = first match), ``set_id`` (the matched set, numbered 1.. in the
        order of the treated rows).
    uses
        One row per use of a patient in a matched set: ``row``, ``set_id``, ``weight`` (1 for
        the treated, 1/k for each of the k controls) and ``matchit_weight`` (the same with the
        controls' uses scaled as MatchIt scales its weights, so that a patient's uses add up to
        ``weights``; use it to reproduce an R analysis with MatchIt's weights, which differ
        from 1/k with ratio > 1 or replacement). With replacement a control appears in several
        sets; pairwise censoring and clustered SEs work on this table.
    weights
        MatchIt's weight per input row (0 = unmatched).
    subclass
        Matched set per input row, -1 when unmatched or, with replacement, not defined (MatchIt
        gives no subclass then: cluster on the patient).
    caliper_width
        The caliper on the distance scale (NaN without a caliper).
    n_treated_matched, n_control_matched
        Distinct matched patients per arm.
    method
        One sentence for the methods paragraph.
    """

    pairs: pl.DataFrame
    uses: pl.DataFrame
    weights: np.ndarray
    subclass: np.ndarray
    caliper_width: float
    n_treated_matched: int
    n_control_matched: int
    method: str


class _FreeList:
    """Nearest still-free position to the left / right of a point, with path compression."""

    def __init__(self, m: int) -> None:
        self.left = np.arange(m)  # left[i] == i while i is free
        self.right = np.arange(m)
        self.m = m

    def take(self, i: int) -> None:
        self.left[i] = i - 1
        self.right[i] = i + 1

    def find_left(self, i: int) -> int:
        left = self.left
        root = i
        while root >= 0 and left[root] != root:
            root = left[root]
        while i >= 0 and left[i] != i and left[i] != root:  # compress
            nxt = left[i]
            left[i] = root
            i = nxt
        return root

    def find_right(self, i: int) -> int:
        right, m = self.right, self.m
        root = i
        while root < m and right[root] != root:
            root = right[root]
        while i < m and right[i] != i and right[i] != root:
            nxt = right[i]
            right[i] = root
            i = nxt
        return root


def _check(caliper: float | None, ratio: int, m_order: str | None) -> None:
    if caliper is not None and (
        isinstance(caliper, bool) or not isinstance(caliper, int | float) or not caliper > 0
    ):
        raise OptionError(
            f"The 'caliper' parameter of match_nearest must be a number > 0 or None. Got "
            f"{caliper!r} instead.",
            option="caliper",
            rule="a number > 0 or None",
        )
    if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 1:
        raise OptionError(
            f"The 'ratio' parameter of match_nearest must be a whole number >= 1. Got "
            f"{ratio!r} instead.",
            option="ratio",
            rule="a whole number >= 1",
        )
    if m_order not in (None, "largest", "smallest", "data"):
        raise OptionError(
            "The 'm_order' parameter of match_nearest must be one of {'largest', 'smallest', "
            f"'data'}} or None. Got {m_order!r} instead.",
            option="m_order",
            rule="one of {'largest', 'smallest', 'data'}",
        )


def match_nearest(
    distance: np.ndarray,
    treat: np.ndarray,
    *,
    caliper: float | None = 0.2,
    ratio: int = 1,
    replace: bool = False,
    m_order: str | None = None,
    std_caliper: bool = True,
) -> MatchResult:
    """Match each treated patient to up to ``ratio`` nearest controls on ``distance``.

    Parameters
    ----------
    distance
        The matching distance per patient: the logit of the propensity score.
    treat
        1 for the focal (comparator) arm, whose patients each get controls; 0 for the pool.
    caliper
        Maximum distance, in SD of ``distance`` when ``std_caliper`` (default 0.2 SD of the
        logit, as OHDSI CohortMethod and Austin 2011 recommend); None for no caliper.
    ratio
        Controls per treated patient (1:1 to 1:k); fewer when the caliper leaves fewer.
    replace
        Whether a control may serve several treated patients.
    m_order
        ``"largest"`` (default without replacement), ``"smallest"`` or ``"data"`` (default with
        replacement, where the order does not matter).
    std_caliper
        Whether ``caliper`` is in SD units of ``distance`` (MatchIt's default) or raw.

    Returns
    -------
    MatchResult

    Raises
    ------
    InputError
        Lengths differ, a distance is missing, an arm is empty, or nobody could be matched.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([0.0, 0.1, 2.0, 0.05, 1.0])
    >>> m = match_nearest(d, np.array([1, 0, 1, 0, 0]), caliper=None)
    >>> m.pairs.select("treated", "control").rows()  # largest first: row 2 takes row 4
    [(0, 3), (2, 4)]
    >>> m.weights.tolist()
    [1.0, 0.0, 1.0, 1.0, 1.0]
    """
    _check(caliper, ratio, m_order)
    d = np.asarray(distance, dtype=float)
    t = np.asarray(treat)
    if d.shape != t.shape or d.ndim != 1:
        raise InputError("match_nearest: 'distance' and 'treat' need one entry per patient.")
    if not np.all(np.isfinite(d)):
        raise InputError("match_nearest: every patient needs a (finite) propensity score.")
    if not np.isin(t, (0, 1)).all():
        raise InputError("match_nearest: 'treat' must be 0 (control pool) or 1 (focal arm).")
    t = t.astype(np.int64)
    n = len(d)
    treated = np.flatnonzero(t == 1)
    controls = np.flatnonzero(t == 0)
    if len(treated) == 0 or len(controls) == 0:
        raise InputError("match_nearest: both arms need patients to match.")
    width = np.inf
    if caliper is not None:
        width = float(caliper) * (float(np.std(d, ddof=1)) if std_caliper else 1.0)
    if m_order is None:
        m_order = "data" if replace else "largest"
    if m_order == "largest":
        order = treated[np.argsort(-d[treated], kind="stable")]
    elif m_order == "smallest":
        order = treated[np.argsort(d[treated], kind="stable")]
    else:
        order = treated
    # controls sorted by (distance, input row): the same ties order as MatchIt's sort.list
    c_sorted = controls[np.argsort(d[controls], kind="stable")]
    cval = d[c_sorted]
    m = len(c_sorted)
    # where each treated patient sits among the sorted controls (controls with an equal
    # distance and a lower input row count as "left", as in MatchIt's combined sort)
    lo_eq = np.searchsorted(cval, d[order], side="left")
    hi_eq = np.searchsorted(cval, d[order], side="right")
    split = lo_eq.copy()
    ties = np.flatnonzero(hi_eq > lo_eq)
    for i in ties:
        block = c_sorted[lo_eq[i] : hi_eq[i]]
        split[i] = lo_eq[i] + int(np.searchsorted(block, order[i]))
    matches: list[list[int]] = [[] for _ in range(len(order))]
    if replace:
        for i in range(len(order)):
            v, lo, hi = d[order[i]], split[i] - 1, split[i]
            got = matches[i]
            while len(got) < ratio:
                dl = v - cval[lo] if lo >= 0 else np.inf
                dr = cval[hi] - v if hi < m else np.inf
                ok_l, ok_r = lo >= 0 and dl <= width, hi < m and dr <= width
                if ok_l and (dl <= dr or not ok_r):
                    got.append(lo)
                    lo -= 1
                elif ok_r:
                    got.append(hi)
                    hi += 1
                else:
                    break
    else:
        free = _FreeList(m)
        n_free = m
        for _ in range(ratio):
            for i in range(len(order)):
                if n_free == 0:
                    break
                v = d[order[i]]
                lo = free.find_left(split[i] - 1) if split[i] > 0 else -1
                hi = free.find_right(split[i]) if split[i] < m else m
                dl = v - cval[lo] if lo >= 0 else np.inf
                dr = cval[hi] - v if hi < m else np.inf
                ok_l, ok_r = lo >= 0 and dl <= width, hi < m and dr <= width
                if ok_l and (dl <= dr or not ok_r):
                    pick = lo
                elif ok_r:
                    pick = hi
                else:
                    continue
                matches[i].append(pick)
                free.take(pick)
                n_free -= 1
    return _assemble(matches, order, c_sorted, n, t, width, caliper, ratio, replace, m_order,
                     std_caliper)


def _assemble(
    matches: list[list[int]],
    order: np.ndarray,
    c_sorted: np.ndarray,
    n: int,
    t: np.ndarray,
    width: float,
    caliper: float | None,
    ratio: int,
    replace: bool,
    m_order: str,
    std_caliper: bool,
) -> MatchResult:
    got = [(int(order[i]), [int(c_sorted[p]) for p in ms]) for i, ms in enumerate(matches) if ms]
    if not got:
        raise InputError(
            "match_nearest: no patient could be matched within the caliper; the arms do not "
            "overlap enough. Widen the caliper or restrict eligibility."
        )
    got.sort()
    set_ids = {tr: k + 1 for k, (tr, _) in enumerate(got)}
    tr_col, ct_col, slot_col, set_col = [], [], [], []
    for tr, cs in got:
        for s, c in enumerate(cs, start=1):
            tr_col.append(tr)
            ct_col.append(c)
            slot_col.append(s)
            set_col.append(set_ids[tr])
    pairs = pl.DataFrame(
        {"treated": tr_col, "control": ct_col, "slot": slot_col, "set_id": set_col},
        schema={"treated": pl.Int64, "control": pl.Int64, "slot": pl.Int64, "set_id": pl.Int64},
    )
    weights = weights_from_pairs(pairs, t)
    use_row, use_set, use_w = [], [], []
    for tr, cs in got:
        use_row.append(tr)
        use_set.append(set_ids[tr])
        use_w.append(1.0)
        for c in cs:
            use_row.append(c)
            use_set.append(set_ids[tr])
            use_w.append(1.0 / len(cs))
    n_ctrl = int(np.sum(weights[t == 0] > 0))
    use_w_arr = np.array(use_w)
    is_ctrl = t[np.array(use_row)] == 0
    scale = n_ctrl / use_w_arr[is_ctrl].sum()
    uses = pl.DataFrame(
        {
            "row": use_row,
            "set_id": use_set,
            "weight": use_w_arr,
            "matchit_weight": np.where(is_ctrl, use_w_arr * scale, use_w_arr),
        },
        schema={
            "row": pl.Int64,
            "set_id": pl.Int64,
            "weight": pl.Float64,
            "matchit_weight": pl.Float64,
        },
    )
    subclass = np.full(n, -1, dtype=np.int64)
    if not replace:
        subclass[np.array(use_row)] = np.array(use_set)
    cal = "no caliper" if caliper is None else (
        f"a caliper of {caliper:g} SD of the logit of the propensity score" if std_caliper
        else f"a caliper of {caliper:g} on the logit of the propensity score"
    )
    method = (
        f"Greedy nearest-neighbour matching 1:{ratio} on the logit of the propensity score "
        f"({m_order} score first), {cal}, {'with' if replace else 'without'} replacement; "
        "weights 1/k per use (as MatchIt)."
    )
    return MatchResult(
        pairs=pairs,
        uses=uses,
        weights=weights,
        subclass=subclass,
        caliper_width=float(width) if np.isfinite(width) else float("nan"),
        n_treated_matched=len(got),
        n_control_matched=n_ctrl,
        method=method,
    )


def weights_from_pairs(pairs: pl.DataFrame, treat: np.ndarray) -> np.ndarray:
    """MatchIt's matching weights from the matched pairs (``weights.matrix``).

    A matched treated patient gets 1; a control gets ``1/k`` for each matched set of ``k``
    controls it belongs to; the controls' weights are then scaled to sum to the number of
    distinct matched controls. Unmatched patients get 0.

    Parameters
    ----------
    pairs
        Columns ``treated`` and ``control`` (row positions), one row per match.
    treat
        The 0/1 arm indicator per row.

    Examples
    --------
    >>> import numpy as np, polars as pl
    >>> pairs = pl.DataFrame({"treated": [0, 0, 1], "control": [2, 3, 3]})
    >>> weights_from_pairs(pairs, np.array([1, 1, 0, 0, 0])).round(4).tolist()
    [1.0, 1.0, 0.5, 1.5, 0.0]
    """
    t = np.asarray(treat)
    weights = np.zeros(len(t))
    tr = pairs["treated"].to_numpy()
    ct = pairs["control"].to_numpy()
    if len(tr) == 0:
        return weights
    uniq, k = np.unique(tr, return_counts=True)
    weights[uniq] = 1.0
    per_set = dict(zip(uniq.tolist(), k.tolist(), strict=True))
    np.add.at(weights, ct, 1.0 / np.array([per_set[x] for x in tr.tolist()]))
    ctrl = t == 0
    n_ctrl = int(np.sum(weights[ctrl] > 0))
    weights[ctrl] *= n_ctrl / weights[ctrl].sum()
    return weights
