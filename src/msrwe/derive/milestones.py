"""Disability milestones (EDSS 4.0, 6.0, 7.0): msprog's ``value_milestone``, as R msprog does it.

Reference/endpoints.md section 8. Per patient, visits are read in date order (on a day with two
visits the last row counts, as msprog):

1. the **candidate** is the first visit from the search start whose value is >= the milestone
   (and, with ``relapse_to_event``, not within that many days after/before a relapse);
2. **confirmation visits** lie ``conf_days - tol[0]`` to ``conf_days + tol[1]`` days after the
   candidate (84, -7/+730.5), are at least ``relapse_to_conf`` days after the last relapse (30)
   and are marked valid; the candidate is **confirmed** when every value from it to the first
   confirmation visit stays >= the milestone;
3. a confirmed candidate must also be **sustained** ``require_sust_days`` (0; ``inf`` = to the end
   of follow-up): the first later value below the milestone after the confirmation visit must be
   at least that many days after the candidate; if not, the search restarts after that visit;
4. an unconfirmed candidate restarts the search after the next value below the milestone (if there
   is none, only the last visit is tried again);
5. a candidate at the last visit is confirmed only with ``impute_last_visit`` (1, or a number of
   days > 1: only when the last visit is at most that long after the first).

The result is msprog's: ``date`` and ``value`` of the milestone, ``time2event`` = days from the
patient's **first visit** (not disease onset), ``observed``; a patient without the milestone gets
the last visit's date and the follow-up length (right-censored). As in msprog, relapses more than
``relapse_to_event[0]`` days before the first visit are ignored.

**One deliberate difference from R msprog:** R ignores ``relapse_to_event`` for increasing
outcomes such as the EDSS (an operator-precedence defect, endpoints.md 8); msrwe applies it, as
its documentation and pymsprog do. With the default (0) the two agree.

Examples
--------
Patient P1 of endpoints.md 8 (day 365 is not confirmed: day 450 falls back to 5.5):

>>> import datetime as dt
>>> day0 = dt.date(2020, 1, 1)
>>> v = pl.DataFrame({"patient_id": ["P1"] * 7,
...     "date": [day0 + dt.timedelta(days=x) for x in (0, 180, 365, 450, 540, 730, 900)],
...     "edss": [4.5, 5.5, 6.0, 5.5, 6.0, 6.5, 6.5]})
>>> derive_milestone(v, milestone=6.0).select("time2event", "observed").rows()
[(540.0, True)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from msrwe.derive._columns import require_columns, sort_unless_sorted
from msrwe.errors import OptionError

__all__ = ["derive_milestone", "derive_milestones"]


def _pair(name: str, v: float | Sequence[float]) -> tuple[float, float]:
    vals = (v, 0.0) if isinstance(v, int | float) else tuple(v)
    if len(vals) != 2 or any(isinstance(x, bool) or not isinstance(x, int | float) or x < 0
                             for x in vals):
        raise OptionError(f"derive_milestone: {name!r} must be a number of days >= 0 or a pair "
                          f"[before, after]; got {v!r}.")
    return float(vals[0]), float(vals[1])


def derive_milestone(
    visits: pl.DataFrame,
    *,
    milestone: float,
    relapses: pl.DataFrame | None = None,
    by: str = "patient_id",
    date: str = "date",
    value: str = "edss",
    validconf: str | None = None,
    conf_days: int = 84,
    conf_tol_days: float | Sequence[float] = (7, 730.5),
    require_sust_days: float = 0,
    relapse_to_event: float | Sequence[float] = 0,
    relapse_to_conf: float | Sequence[float] = 30,
    impute_last_visit: float = 0,
) -> pl.DataFrame:
    """Time to a confirmed value >= ``milestone`` per patient (msprog ``value_milestone``).

    Parameters
    ----------
    visits
        ``by``, ``date``, ``value`` (rows with an empty value are ignored) and optionally
        ``validconf`` (visits that may confirm).
    milestone
        The value to reach (e.g. 6.0).
    relapses
        ``by`` and ``onset_date``, or ``None``.
    by, date, value, validconf
        Column names.
    conf_days, conf_tol_days
        Confirmation interval and its tolerance ``[before, after]`` (a single number applies to
        both sides, as msprog).
    require_sust_days
        Days the milestone must be sustained (0: confirmation only; ``math.inf``: to the end).
    relapse_to_event, relapse_to_conf
        Days ``[after a relapse, before the next]`` within which a visit cannot be the candidate
        / a confirmation visit (a single number: after only).
    impute_last_visit
        0 (never), 1 (always) or days > 1 (when the last visit is at most that long after the
        first): confirm a candidate at the last visit.

    Returns
    -------
    polars.DataFrame
        One row per patient (in order of first appearance): ``by``, ``date``, ``value``,
        ``time2event`` (days from the first visit), ``observed``.
    """
    return derive_milestones(
        visits, milestones=(milestone,), relapses=relapses, by=by, date=date, value=value,
        validconf=validconf, conf_days=conf_days, conf_tol_days=conf_tol_days,
        require_sust_days=require_sust_days, relapse_to_event=relapse_to_event,
        relapse_to_conf=relapse_to_conf, impute_last_visit=impute_last_visit)[0]


def derive_milestones(
    visits: pl.DataFrame,
    *,
    milestones: Sequence[float],
    relapses: pl.DataFrame | None = None,
    by: str = "patient_id",
    date: str = "date",
    value: str = "edss",
    validconf: str | None = None,
    conf_days: int = 84,
    conf_tol_days: float | Sequence[float] = (7, 730.5),
    require_sust_days: float = 0,
    relapse_to_event: float | Sequence[float] = 0,
    relapse_to_conf: float | Sequence[float] = 30,
    impute_last_visit: float = 0,
) -> list[pl.DataFrame]:
    """:func:`derive_milestone` for several milestones of the same visits, in their order.

    The visits are sorted and the relapses placed once for all milestones (each milestone is
    then one pass of the compiled scan); parameters as :func:`derive_milestone`.

    Examples
    --------
    >>> import datetime as dt
    >>> v = pl.DataFrame({"patient_id": ["P1"] * 3, "edss": [3.0, 4.0, 6.0],
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 7, 1), dt.date(2021, 1, 1)]})
    >>> [r["observed"].item() for r in derive_milestones(v, milestones=[4.0, 6.0],
    ...                                                  impute_last_visit=1)]
    [True, True]
    """
    if isinstance(conf_days, bool) or not isinstance(conf_days, int) or conf_days < 1:
        raise OptionError(f"derive_milestone: 'conf_days' must be a whole number >= 1; "
                          f"got {conf_days!r}.")
    tol = ((float(conf_tol_days),) * 2 if isinstance(conf_tol_days, int | float)
           else _pair("conf_tol_days", conf_tol_days))
    rte = _pair("relapse_to_event", relapse_to_event)
    rtc = _pair("relapse_to_conf", relapse_to_conf)
    if isinstance(impute_last_visit, bool) or not isinstance(impute_last_visit, int | float) \
            or impute_last_visit < 0 or 0 < impute_last_visit < 1:
        raise OptionError("derive_milestone: 'impute_last_visit' must be 0, 1 or a number of "
                          f"days > 1 (msrwe does not impute at random); got {impute_last_visit!r}.")
    if isinstance(require_sust_days, bool) or not isinstance(require_sust_days, int | float) \
            or require_sust_days < 0:
        raise OptionError("derive_milestone: 'require_sust_days' must be a number of days >= 0 "
                          f"(or inf); got {require_sust_days!r}.")
    prepared = _prepare(visits, relapses, by=by, date=date, value=value, validconf=validconf,
                        relapse_before=rte[0])
    return [_scan(prepared, float(m), visits.schema[by], by=by, date=date, value=value,
                  conf_days=float(conf_days), tol=tol, rte=rte, rtc=rtc,
                  require_sust_days=float(require_sust_days), impute_last_visit=impute_last_visit)
            for m in milestones]


def _prepare(visits: pl.DataFrame, relapses: pl.DataFrame | None, *, by: str, date: str,
             value: str, validconf: str | None, relapse_before: float) -> dict[str, Any]:
    """The visits and relapses as the kernel reads them, the same for every milestone.

    Visits sorted, one per day, in days from the patient's first visit; relapses in days from
    it, per patient.
    """
    require_columns(visits, "visits", [by, date, value, *([validconf] if validconf else [])])
    cols = [by, date, value, *([validconf] if validconf else [])]
    v = visits.select(cols).filter(pl.col(value).is_not_null() & pl.col(date).is_not_null())
    if validconf:
        v = v.filter(pl.col(validconf).is_not_null())
    order = v.select(by).unique(maintain_order=True)
    # one visit per day, the last charted row: after the sort a day's rows are adjacent and
    # the last of them is the one whose next row is another day (a scan, not a hash unique)
    # (chart visits come in patient and date order: then the sort is skipped, same rows)
    v = sort_unless_sorted(v.with_row_index("_i"), [by, date, "_i"]).filter(
        pl.col(by).ne_missing(pl.col(by).shift(-1))
        | pl.col(date).ne_missing(pl.col(date).shift(-1))
        | (pl.int_range(pl.len()) == pl.len() - 1))
    # v is sorted by patient: each patient's rows are one run; codes number the runs
    code = v.select(pl.col(by).rle_id()).to_series().to_numpy().astype(np.int64)
    starts = (np.concatenate(([0], np.flatnonzero(code[1:] != code[:-1]) + 1, [len(code)]))
              if len(code) else np.zeros(1, dtype=np.int64))
    n_pat = len(starts) - 1
    day = v[date].cast(pl.Int32).to_numpy().astype(np.int64)
    first = day[starts[:-1]]
    t = day - first[code] if len(day) else day
    vals = v[value].cast(pl.Float64).to_numpy()
    ok = (v[validconf].cast(pl.Boolean).to_numpy() if validconf
          else np.ones(len(vals), dtype=np.bool_))
    rel_days = np.zeros(0)
    rel_starts = np.zeros(n_pat + 1, dtype=np.int64)
    if relapses is not None:
        require_columns(relapses, "relapses", [by, "onset_date"])
        pats = v.select(by).unique(maintain_order=True).with_columns(
            _code=pl.int_range(pl.len(), dtype=pl.Int64), _first=pl.Series(first))
        r = relapses.select(by, "onset_date").drop_nulls()
        if r.schema[by] == pats.schema[by]:
            r = r.join(pats, on=by, how="inner").with_columns(
                _d=pl.col("onset_date").cast(pl.Int32).cast(pl.Int64) - pl.col("_first")
            ).filter(pl.col("_d") >= -relapse_before).sort("_code", "_d")
            rel_days = r["_d"].cast(pl.Float64).to_numpy()
            rel_starts = np.searchsorted(r["_code"].to_numpy(), np.arange(n_pat + 1))
    return {"v": v, "order": order, "code": code, "starts": starts, "t": t, "vals": vals,
            "ok": ok, "rel_days": rel_days, "rel_starts": rel_starts}


def _scan(p: dict[str, Any], milestone: float, id_type: pl.DataType, *, by: str, date: str,
          value: str, conf_days: float, tol: tuple[float, float], rte: tuple[float, float],
          rtc: tuple[float, float], require_sust_days: float,
          impute_last_visit: float) -> pl.DataFrame:
    """One milestone on prepared visits: the kernel, then one row per patient."""
    impute = impute_last_visit > 0
    impute_max = math.inf if impute_last_visit <= 1 else float(impute_last_visit)
    v, order, starts, t, vals = p["v"], p["order"], p["starts"], p["t"], p["vals"]
    from msrwe.derive._milestone_kernel import milestone_scan
    from msrwe.derive.outcomes.compile_notice import compile_notice

    with compile_notice(milestone_scan):  # a first compile says so instead of a silent wait
        idx = milestone_scan(t, vals, p["ok"], starts.astype(np.int64), p["rel_days"],
                             p["rel_starts"].astype(np.int64), milestone, conf_days,
                             tol[0], tol[1], rte[0], rte[1], rtc[0], rtc[1],
                             require_sust_days, impute, impute_max)
    observed = idx >= 0
    at = np.where(observed, starts[:-1] + idx, starts[1:] - 1)
    res = pl.DataFrame({
        by: v[by].gather(starts[:-1]),
        date: v[date].gather(at),
        value: pl.Series(vals[at] if len(vals) else vals).set(pl.Series(~observed), None),
        "time2event": t[at].astype(np.float64) if len(t) else np.zeros(0),
        "observed": observed,
    })
    return order.join(res, on=by, how="left", maintain_order="left").cast(
        {by: id_type, date: pl.Date, value: pl.Float64, "time2event": pl.Float64,
         "observed": pl.Boolean})
