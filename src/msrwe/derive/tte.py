"""Time to the first confirmed worsening, one row per patient (ADaM ``adtte`` style).

A patient without an event is censored at the last assessment that could have served as a
confirmation (clinical-methods 8: "censor at the last EDSS that could have served as a
confirmation"), the rule of :func:`derive_adtte` by default; see :func:`confirmable_visits`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from msrwe.derive._columns import strictly_sorted
from msrwe.derive._frames import join_by_runs, run_heads

if TYPE_CHECKING:
    from msrwe.derive.outcomes.options import OutcomeOptions

__all__ = ["ADTTE_SCHEMA", "CENSOR_RULES", "confirmable_visits", "confirmation_rule",
           "derive_adtte", "shared_confirmations"]

#: Where :func:`derive_adtte` censors a patient without an event.
CENSOR_RULES: tuple[str, ...] = ("confirmable", "last_assessment")

#: msprog's default confirmation window: 84 days, 7 days before to 730.5 after.
_DEFAULT_WINDOWS: tuple[tuple[float, float], ...] = ((77.0, 814.5),)

_DAYS_PER_YEAR = 365.25

#: Columns of ``adtte``.
ADTTE_SCHEMA: dict[str, pl.DataType] = {
    "patient_id": pl.String(), "group": pl.String(), "param": pl.String(),
    "origin_date": pl.Date(), "event": pl.Boolean(), "event_date": pl.Date(),
    "censor_date": pl.Date(), "time_days": pl.Float64(), "time_years": pl.Float64(),
}


def confirmation_rule(options: OutcomeOptions) -> dict[str, object]:
    """The confirmation windows and relapse distances of the outcome engine's options.

    Keyword arguments of :func:`derive_adtte` / :func:`confirmable_visits`: ``windows``, one
    ``(low, high)`` day range after an onset per confirmation period (``conf_days`` less / plus
    ``conf_tol_days``, as the engine reads them), and ``relapse_to_conf`` (days after the
    preceding / before the next relapse within which no visit confirms). Under the MSoutcomes
    profile: at least ``mconf`` days, and ``tRelapse`` days after a relapse.

    Examples
    --------
    >>> from msrwe.derive.outcomes.options import make_options
    >>> confirmation_rule(make_options(conf_days=168))
    {'windows': ((161.0, 898.5),), 'relapse_to_conf': (30.0, 0.0)}
    """
    if options.profile == "msoutcomes":
        return {"windows": ((float(options.mconf), float("inf")),),
                "relapse_to_conf": (float(options.tRelapse), 0.0)}
    windows = tuple((float(int(c) - lo), float(int(c) + hi))
                    for c, (lo, hi) in zip(options.conf_days, options.conf_tol_days, strict=True))
    rtc = options.relapse_to_conf
    return {"windows": windows, "relapse_to_conf": (float(rtc[0]), float(rtc[1]))}


def confirmable_visits(
    visits: pl.DataFrame,
    *,
    windows: Sequence[tuple[float, float]] = _DEFAULT_WINDOWS,
    relapses: pl.DataFrame | None = None,
    relapse_to_conf: tuple[float, float] = (30.0, 0.0),
) -> pl.DataFrame:
    """The assessments that could have served as a confirmation, one row each.

    An assessment (``patient_id``, ``date``, ``base_date``) could have confirmed a worsening
    when an earlier assessment after the baseline (a possible onset) lies ``low`` to ``high``
    days before it for one of the ``windows``, and it is not within ``relapse_to_conf[0]``
    days after the preceding relapse nor ``relapse_to_conf[1]`` days before the next one (the
    outcome engine's rules for a confirmation visit, clinical-methods 2.2). Whether the value
    there did confirm plays no part: it is the follow-up in which a worsening *could* have been
    confirmed.

    Parameters
    ----------
    visits
        ``patient_id``, ``date`` and ``base_date`` (the patient's baseline assessment), the
        assessments the outcome engine searched.
    windows
        ``(low, high)`` days after an onset, per confirmation period (:func:`confirmation_rule`).
    relapses
        ``patient_id``, ``onset_date`` (the relapses the engine was given); none: no relapse
        rule.
    relapse_to_conf
        Days after the preceding relapse / before the next within which no visit confirms.

    Returns
    -------
    polars.DataFrame
        ``patient_id``, ``date`` of each assessment that could have confirmed.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> v = pl.DataFrame({"patient_id": ["a"] * 4, "base_date": [d(2020, 1, 1)] * 4,
    ...                   "date": [d(2020, 1, 1), d(2020, 7, 1), d(2020, 8, 1), d(2020, 9, 1)]})
    >>> confirmable_visits(v)["date"].to_list()  # 1 Sep is 62 days after 1 Jul: too soon
    []
    >>> confirmable_visits(v, windows=[(30, 100)])["date"].to_list()
    [datetime.date(2020, 8, 1), datetime.date(2020, 9, 1)]
    """
    memo = _SHARED.get()
    if memo is None:
        return _confirmable(visits, windows, relapses, relapse_to_conf)
    rule = (tuple((float(lo), float(hi)) for lo, hi in windows),
            (float(relapse_to_conf[0]), float(relapse_to_conf[1])))
    rel = _relapse_key(relapses, visits)
    for seen_rule, seen_visits, seen_rel, answer in memo:
        if seen_rule == rule and _same(seen_rel, rel) and seen_visits.equals(visits):
            return answer
    answer = _confirmable(visits, windows, relapses, relapse_to_conf)
    memo.append((rule, visits, rel, answer))
    del memo[:-_SHARED_SIZE]
    return answer


#: The questions :func:`confirmable_visits` remembers inside :func:`shared_confirmations`.
_SHARED: ContextVar[list[tuple[object, pl.DataFrame, pl.DataFrame | None, pl.DataFrame]] | None] \
    = ContextVar("msrwe_shared_confirmations", default=None)
_SHARED_SIZE = 4


@contextmanager
def shared_confirmations() -> Iterator[None]:
    """Within this block, :func:`confirmable_visits` answers a repeated question from memory.

    An analysis asks for the confirmable assessments of the same visits under the same rule
    several times (worsening and improvement of a measure, the PIRA/RAW table, a composite of
    one measure); inside the block the answer to a question asked before (the same rule, equal
    visits and equal relapses of those patients) is the one computed then, so every result is
    unchanged. Outside it nothing is kept. The last four questions are remembered.

    Examples
    --------
    >>> import datetime as dt
    >>> v = pl.DataFrame({"patient_id": ["a"] * 3, "base_date": [dt.date(2020, 1, 1)] * 3,
    ...                   "date": [dt.date(2020, 1, 1), dt.date(2020, 2, 1),
    ...                            dt.date(2020, 6, 1)]})
    >>> with shared_confirmations():
    ...     first = confirmable_visits(v)
    ...     first is confirmable_visits(v)
    True
    >>> confirmable_visits(v) is first
    False
    """
    token = _SHARED.set([])
    try:
        yield
    finally:
        _SHARED.reset(token)


def _relapse_key(relapses: pl.DataFrame | None, visits: pl.DataFrame) -> pl.DataFrame | None:
    """The relapses the rule can see: distinct dated onsets of the visits' patients, sorted."""
    if relapses is None:
        return None
    return (relapses.select("patient_id", pl.col("onset_date").cast(pl.Date))
            .drop_nulls().unique()
            # each patient once per run of its visits (the set is the same as of unique())
            .filter(pl.col("patient_id").is_in(run_heads(visits["patient_id"]).implode()))
            .sort("patient_id", "onset_date"))


def _same(a: pl.DataFrame | None, b: pl.DataFrame | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.equals(b)


def _confirmable(
    visits: pl.DataFrame,
    windows: Sequence[tuple[float, float]],
    relapses: pl.DataFrame | None,
    relapse_to_conf: tuple[float, float],
) -> pl.DataFrame:
    # One sort by patient and date; every "latest onset before" / "nearest relapse" look-up is
    # then a binary search on one integer key per row (patient rank, day), a per-patient as-of
    # join without re-sorting the visits for each window.
    v = visits.select("patient_id", pl.col("date").cast(pl.Date),
                      pl.col("base_date").cast(pl.Date))
    if not strictly_sorted(v, "patient_id", "date"):  # else distinct and in order already
        v = v.unique().sort("patient_id", "date")
    code = (pl.col("patient_id").ne_missing(pl.col("patient_id").shift(1))
            .fill_null(True).cum_sum().cast(pl.Int64))
    v = v.with_columns(code.alias("_p"))
    pid = v["_p"].to_numpy()
    first = np.ones(len(pid), dtype=bool)  # each patient's first row (rows are sorted)
    first[1:] = pid[1:] != pid[:-1]
    day = v["date"].to_physical().to_numpy(allow_copy=True)
    has_day = v["date"].is_not_null().to_numpy()
    is_onset = ((pl.col("date") > pl.col("base_date")).fill_null(False))
    onset_mask = v.select(is_onset).to_series().to_numpy()
    day_i = np.where(has_day, day, 0).astype(np.int64) if v.height else np.zeros(0, np.int64)
    on_p, on_day = pid[onset_mask], day_i[onset_mask]
    on_key = _key(on_p, on_day)
    ok = np.zeros(v.height, dtype=bool)
    for low, high in windows:
        # the latest possible onset at least `low` (whole) days before each assessment
        reach = day_i - max(math.ceil(low), 1)
        found, onset = _asof(on_key, on_p, on_day, pid, reach, backward=True)
        gap = day_i - onset
        ok |= found & has_day & (gap >= low) & (gap <= high)
    if relapses is not None and relapses.height and (relapse_to_conf[0] > 0
                                                     or relapse_to_conf[1] > 0):
        r = (relapses.select("patient_id", pl.col("onset_date").cast(pl.Date).alias("_rel"))
             .drop_nulls().unique()
             .join(v.filter(pl.Series(first)).select("patient_id", "_p"), on="patient_id",
                   how="inner")
             .sort("_p", "_rel"))
        r_p = r["_p"].to_numpy()
        r_day = r["_rel"].to_physical().to_numpy(allow_copy=True).astype(np.int64)
        r_key = _key(r_p, r_day)
        before_found, before = _asof(r_key, r_p, r_day, pid, day_i, backward=True)
        after_found, after = _asof(r_key, r_p, r_day, pid, day_i, backward=False)
        ok &= (~before_found | (day_i - before >= relapse_to_conf[0]))
        ok &= (~after_found | (after - day_i >= relapse_to_conf[1]))
    return v.filter(pl.Series(ok)).select("patient_id", "date")


_DAY_OFFSET = 1 << 31


def _key(patient: np.ndarray, day: np.ndarray) -> np.ndarray:
    """One sortable integer per (patient rank, day): rank in the high bits, day in the low."""
    return (patient.astype(np.int64) << 32) + (day.astype(np.int64) + _DAY_OFFSET)


def _asof(
    right_key: np.ndarray,
    right_patient: np.ndarray,
    right_day: np.ndarray,
    patient: np.ndarray,
    day: np.ndarray,
    *,
    backward: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the patient's last right day <= ``day`` (backward) or first >= ``day``.

    ``right_key`` is sorted (:func:`_key` of ``right_patient``, ``right_day``). Returns whether
    one was found and its day (0 where none).
    """
    n = len(patient)
    if not len(right_key) or not n:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64)
    target = _key(patient, day)
    if backward:
        idx = np.searchsorted(right_key, target, side="right") - 1
    else:
        idx = np.searchsorted(right_key, target, side="left")
    inside = (idx >= 0) & (idx < len(right_key))
    safe = np.clip(idx, 0, len(right_key) - 1)
    found = inside & (right_patient[safe] == patient)
    return found, np.where(found, right_day[safe], 0)


def derive_adtte(
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    events: pl.DataFrame,
    *,
    value: str,
    param: str,
    event_type: str = "CDW",
    censor_at: str = "confirmable",
    windows: Sequence[tuple[float, float]] = _DEFAULT_WINDOWS,
    relapses: pl.DataFrame | None = None,
    relapse_to_conf: tuple[float, float] = (30.0, 0.0),
) -> pl.DataFrame:
    """One row per patient with a baseline and follow-up: time to the first confirmed event.

    Parameters
    ----------
    adsl
        ``patient_id``, ``group``, ``first_dose``, ``base_<value>_date``.
    advs
        Visits with ``patient_id``, ``date``, ``on_treatment`` and the ``value`` column.
    events
        The outcome engine's events (``patient_id``, ``event_type``, ``date``).
    value
        The measure's column of ``advs`` (``edss``, ``nhpt_s``, ``t25fw_s``).
    param
        ``param`` of the rows (e.g. ``CDW_EDSS``).
    event_type
        The events counted (``CDW``, confirmed disability worsening).
    censor_at
        ``"confirmable"`` (default): a patient without an event is censored at the last
        on-treatment assessment that could have served as a confirmation
        (:func:`confirmable_visits` with ``windows``, ``relapses`` and ``relapse_to_conf``, the
        outcome engine's rules: :func:`confirmation_rule`); with none, at time 0 (the patient
        could not have had a confirmed event). ``"last_assessment"``: at the last on-treatment
        assessment after the baseline (the former rule).
    windows, relapses, relapse_to_conf
        The confirmation rule for ``censor_at="confirmable"`` (default: msprog's 84 days, 7
        before to 730.5 after, no relapse).

    Returns
    -------
    polars.DataFrame
        ``patient_id, group, param, origin_date, event, event_date, censor_date, time_days,
        time_years``, one row per patient with an on-treatment assessment after the baseline:
        ``event`` is true at the onset of the first event, otherwise the patient is censored
        as ``censor_at`` says.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> adsl = pl.DataFrame({"patient_id": ["a"], "group": ["SPMS"],
    ...                      "first_dose": [d(2020, 1, 1)], "base_edss_date": [d(2020, 1, 1)]})
    >>> advs = pl.DataFrame({"patient_id": ["a", "a"], "date": [d(2020, 1, 1), d(2021, 1, 1)],
    ...                      "on_treatment": [True, True], "edss": [6.0, 6.0]})
    >>> ev = pl.DataFrame({"patient_id": [], "event_type": [], "date": []},
    ...                   schema={"patient_id": pl.String, "event_type": pl.String,
    ...                           "date": pl.Date})
    >>> derive_adtte(adsl, advs, ev, value="edss", param="CDW_EDSS",
    ...              censor_at="last_assessment").select("event", "time_days").row(0)
    (False, 366.0)
    >>> # one assessment after the baseline: no earlier onset it could confirm, censored at 0
    >>> derive_adtte(adsl, advs, ev, value="edss", param="CDW_EDSS").select(
    ...     "event", "time_days").row(0)
    (False, 0.0)
    """
    if censor_at not in CENSOR_RULES:
        raise ValueError(f"derive_adtte: censor_at must be one of {', '.join(CENSOR_RULES)}; "
                         f"got {censor_at!r}")
    if adsl.is_empty():
        return pl.DataFrame(schema=ADTTE_SCHEMA)
    col, base_date = value, f"base_{value}_date"
    rows = advs.select("patient_id", "date").filter(  # two columns, not a copy of advs
        advs.select(pl.col("on_treatment") & pl.col(col).is_not_null()).to_series())
    # in the visits' order, so that the same visits ask :func:`confirmable_visits` the same
    # question (:func:`shared_confirmations`)
    # (a left look-up and one filter: the inner join's rows, copied once; a patient without a
    # baseline date is dropped by the filter)
    searched = join_by_runs(rows, adsl.select("patient_id", base_date), "patient_id", "left") \
        .filter(pl.col("date") >= pl.col(base_date))
    last_seen = (
        searched.filter(pl.col("date") > pl.col(base_date))
        .group_by("patient_id")
        .agg(pl.col("date").max().alias("censor_date"))
    )
    if censor_at == "confirmable":
        conf = confirmable_visits(
            searched.select("patient_id", "date", pl.col(base_date).alias("base_date")),
            windows=windows, relapses=relapses, relapse_to_conf=relapse_to_conf,
        ).group_by("patient_id").agg(pl.col("date").max().alias("_conf"))
        last_seen = (
            last_seen.join(conf, on="patient_id", how="left")
            .join(adsl.select("patient_id", "first_dose"), on="patient_id", how="left")
            .select("patient_id", pl.coalesce("_conf", "first_dose").alias("censor_date"))
        )
    first_event = (
        events.filter(pl.col("event_type") == event_type)
        .group_by("patient_id")
        .agg(pl.col("date").min().alias("event_date"))
    )
    out = (
        adsl.select("patient_id", "group", pl.col("first_dose").alias("origin_date"))
        .join(last_seen, on="patient_id", how="inner")
        .join(first_event, on="patient_id", how="left")
        .with_columns(
            pl.lit(param).alias("param"),
            pl.col("event_date").is_not_null().alias("event"),
        )
        .with_columns(
            (pl.coalesce("event_date", "censor_date") - pl.col("origin_date"))
            .dt.total_days()
            .clip(lower_bound=0)
            .cast(pl.Float64)
            .alias("time_days")
        )
        .with_columns((pl.col("time_days") / _DAYS_PER_YEAR).alias("time_years"))
    )
    return out.select(
        "patient_id", "group", "param", "origin_date", "event", "event_date", "censor_date",
        "time_days", "time_years",
    ).sort("patient_id")
