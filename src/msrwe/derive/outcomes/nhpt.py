"""The 9-hole peg test (9HPT): which hand, and 777 s for "unable because of MS".

The chart holds one time per hand (``nhpt_dominant_s``, ``nhpt_nondominant_s``: seconds, the mean
of two trials). Two conventions turn them into confirmed worsening (clinical-methods.md §4.1):

``hands="either"`` (msprog's way; EDSS-Plus "9HPT (either hand)")
    The outcome engine runs on each hand separately; an event on either hand is an event. The
    ``hand`` column says which hand drove it (``"dominant+nondominant"`` when both hands worsen
    on the same date).
``hands="harmonic"`` (MSFC)
    The engine runs once on the two hands' harmonic mean ``2 / (1/d + 1/nd)``: hand means of
    23.0 and 29.0 s give 25.65 s. This is the time equivalent of the MSFC arm score (the mean of
    the reciprocals).

**777 s means the patient could not do the test because of MS** (MSFC manual). It is never
missing and always counts as worsening:

* on either hand, 777 is kept as the hand's time;
* in the harmonic mean, a hand at 777 makes the combined time 777 (unable to do the test with one
  hand is unable to do the test); plain reciprocal averaging would instead give 48.4 s for
  25 and 777 s, which can hide the loss of a hand;
* the threshold policy (20% of the reference by default) is capped so that a change from any
  time below 777 s to 777 s always meets it, whatever the policy says (a 20% threshold would not
  be met from a reference above 647.5 s).

A missing hand (empty cell, not 777) makes the harmonic mean missing for that visit.

Examples
--------
>>> round(harmonic_nhpt(23.0, 29.0), 2)
25.65
>>> harmonic_nhpt(25.0, 777.0)
777.0
>>> unable_guard(get_policy("msprog", "nhpt"))(700.0) < 77.0
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from msrwe.derive.outcomes.composite_merge import merge_events, patient_series
from msrwe.derive.outcomes.engine import OutcomeResult, run_engine
from msrwe.derive.outcomes.options import OutcomeOptions, make_options
from msrwe.derive.outcomes.spms_inputs import as_polars
from msrwe.derive.outcomes.thresholds import ThresholdPolicy, get_policy
from msrwe.errors import InputError, OptionError

__all__ = [
    "HANDS",
    "NHPT_COLUMNS",
    "UNABLE_S",
    "NhptResult",
    "derive_nhpt_harmonic",
    "detect_nhpt_events",
    "harmonic_nhpt",
    "resolve_nhpt_policy",
    "unable_guard",
]

#: The 9HPT time meaning "unable to perform because of MS" (MSFC manual; clinical-methods §4.1).
UNABLE_S = 777.0

#: The chart columns of the two hands (data contract, visits).
NHPT_COLUMNS: dict[str, str] = {
    "dominant": "nhpt_dominant_s",
    "nondominant": "nhpt_nondominant_s",
}

#: The accepted values of ``hands``.
HANDS: tuple[str, ...] = ("either", "harmonic")

_EPS = 1e-6
_FIRST_ONLY = ("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW")


def harmonic_nhpt(dominant: float, nondominant: float) -> float:
    """Return the harmonic mean of two hand times, or 777 when either hand is 777.

    Parameters
    ----------
    dominant, nondominant
        Hand times in seconds (mean of two trials), > 0; 777 means unable because of MS.

    Returns
    -------
    float
        ``2 / (1/dominant + 1/nondominant)``; 777.0 when either hand is 777; NaN when either is
        NaN.

    Examples
    --------
    >>> round(harmonic_nhpt(20.0, 20.0), 6)
    20.0
    """
    if dominant == UNABLE_S or nondominant == UNABLE_S:
        return UNABLE_S
    if math.isnan(dominant) or math.isnan(nondominant):
        return math.nan
    return 2.0 / (1.0 / dominant + 1.0 / nondominant)


def _harmonic_expr(dom: str, nondom: str) -> pl.Expr:
    d, n = pl.col(dom).cast(pl.Float64), pl.col(nondom).cast(pl.Float64)
    return (
        pl.when((d == UNABLE_S) | (n == UNABLE_S))
        .then(pl.lit(UNABLE_S))
        .otherwise(2.0 / (1.0 / d + 1.0 / n))
    )


def _check_hand_columns(visits: pl.DataFrame, cols: list[str], func: str) -> None:
    if not isinstance(visits, pl.DataFrame):
        raise InputError(
            f"{func}: 'visits' must be a polars DataFrame, got {type(visits).__name__}."
        )
    missing = [c for c in cols if c not in visits.columns]
    if missing:
        raise InputError(
            f"visits: column(s) {', '.join(repr(c) for c in missing)} missing; {func} needs the "
            "9-hole peg test time of each hand (data contract: nhpt_dominant_s, "
            "nhpt_nondominant_s)."
        )
    for col in cols:
        s = visits[col].cast(pl.Float64, strict=False)
        bad = (s.is_null() & visits[col].is_not_null()) | (s <= 0).fill_null(False)
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise InputError(
                f"visits: row {row + 1}, column '{col}': value {visits[col][row]!r} is not a "
                "9-hole peg test time (rule: seconds > 0; 777 means unable because of MS)."
            )


def derive_nhpt_harmonic(
    visits: pl.DataFrame, *, new_col: str = "nhpt_harmonic_s"
) -> pl.DataFrame:
    """Add the two hands' harmonic mean (777 when either hand is 777) as ``new_col``.

    Parameters
    ----------
    visits
        Chart visits with ``nhpt_dominant_s`` and ``nhpt_nondominant_s``.
    new_col
        Name of the new column.

    Returns
    -------
    polars.DataFrame
        ``visits`` with the new column; same rows, same order.

    Examples
    --------
    >>> v = pl.DataFrame({"nhpt_dominant_s": [23.0, 25.0, None],
    ...                   "nhpt_nondominant_s": [29.0, 777.0, 30.0]})
    >>> derive_nhpt_harmonic(v)["nhpt_harmonic_s"].round(2).to_list()
    [25.65, 777.0, None]
    """
    cols = list(NHPT_COLUMNS.values())
    _check_hand_columns(visits, cols, "derive_nhpt_harmonic")
    if new_col in visits.columns:
        raise InputError(
            f"visits: column '{new_col}' already exists; derive_nhpt_harmonic will not "
            "overwrite it. Choose another new_col."
        )
    return visits.with_columns(_harmonic_expr(*cols).alias(new_col))


def unable_guard(policy: ThresholdPolicy) -> ThresholdPolicy:
    """Cap a threshold policy so a change from below 777 s to 777 s always meets it.

    Parameters
    ----------
    policy
        The threshold policy for the 9HPT (20% of the reference by default).

    Returns
    -------
    ThresholdPolicy
        Same rule, with the minimal change from a reference ``b < 777`` at most ``777 - b``.

    Examples
    --------
    >>> g = unable_guard(get_policy("pct20", "nhpt"))
    >>> g(25.0), 700.0 + g(700.0) <= 777.0
    (5.0, True)
    >>> print(g)  # doctest: +ELLIPSIS
    pct20+777: 20% of the reference value; a change to 777 s, i.e. unable ... always counts
    """
    base = policy.func

    def guarded(b: np.ndarray) -> np.ndarray:
        d = np.asarray(base(b), dtype=np.float64)
        return np.where(b < UNABLE_S, np.minimum(d, UNABLE_S - b - _EPS), d)

    return ThresholdPolicy(
        f"{policy.name}+777",
        f"{policy.rule}; a change to 777 s, i.e. unable because of MS, from any lower time "
        "always counts",
        policy.source,
        guarded,
    )


def resolve_nhpt_policy(delta_fun: Any) -> ThresholdPolicy:
    """Turn the engine's ``delta_fun`` option into the guarded 9HPT threshold policy.

    Parameters
    ----------
    delta_fun
        ``None`` (msprog's 20%), a policy name, a :class:`ThresholdPolicy`, or a function of the
        reference value returning the minimal change.

    Returns
    -------
    ThresholdPolicy

    Examples
    --------
    >>> resolve_nhpt_policy(None).name
    'pct20+777'
    >>> resolve_nhpt_policy(lambda b: b * 0.15)(100.0)
    15.0
    """
    if delta_fun is None:
        policy = get_policy("msprog", "nhpt")
    elif isinstance(delta_fun, str):
        policy = get_policy(delta_fun, "nhpt")
    elif isinstance(delta_fun, ThresholdPolicy):
        policy = delta_fun
    elif callable(delta_fun):
        user: Callable[[float], float] = delta_fun
        policy = ThresholdPolicy(
            getattr(user, "__name__", "custom"),
            "a user-supplied function of the reference value",
            "user",
            np.vectorize(lambda b: float(user(float(b))), otypes=[np.float64]),
        )
    else:
        raise OptionError(
            "The 'delta_fun' parameter of detect_nhpt_events must be a threshold policy name or "
            f"a function. Got {delta_fun!r} instead."
        )
    if policy.name.endswith("+777"):
        return policy
    return unable_guard(policy)


@dataclass(frozen=True)
class NhptResult:
    """Confirmed 9-hole peg test events with the hand that drove each one.

    Attributes
    ----------
    events
        The engine's event columns plus ``hand`` (``"dominant"``, ``"nondominant"``,
        ``"dominant+nondominant"`` or ``"harmonic"``); ``nevent`` is renumbered per patient.
    summary
        One row per patient: ``patient_id``, ``n_events``, ``first_date``, ``first_hand``.
    hands
        ``"either"`` or ``"harmonic"``.
    threshold
        The guarded threshold policy in force.
    by_hand
        The engine's own results, by hand (or ``"harmonic"``).
    options, unconfirmed
        As on the engine's ``OutcomeResult`` (``unconfirmed`` gains a ``hand`` column).
    """

    events: pl.DataFrame
    summary: pl.DataFrame
    hands: str
    threshold: ThresholdPolicy
    by_hand: dict[str, OutcomeResult] = field(repr=False)

    @property
    def options(self) -> OutcomeOptions | None:
        """The engine's validated options (those of the first hand run), as on OutcomeResult."""
        first = next(iter(self.by_hand.values()), None)
        return None if first is None else first.options

    @property
    def unconfirmed(self) -> pl.DataFrame | None:
        """Unconfirmed changes of every hand run, with ``hand`` (``return_unconfirmed=True``)."""
        parts = [
            r.unconfirmed.with_columns(pl.lit(h).alias("hand"))
            for h, r in self.by_hand.items()
            if getattr(r, "unconfirmed", None) is not None
        ]
        return pl.concat(parts, how="diagonal_relaxed") if parts else None

    def describe(self) -> str:
        """Return the methods sentences for this 9HPT outcome (hand rule, 777, threshold, engine).

        Examples
        --------
        >>> r = NhptResult(pl.DataFrame(), pl.DataFrame(), "either",
        ...                resolve_nhpt_policy(None), {})
        >>> "an event on either hand counted" in r.describe()
        True
        """
        if self.hands == "either":
            how = (
                "9-hole peg test worsening was assessed on each hand separately (an event on "
                "either hand counted, as in msprog and EDSS-Plus)."
            )
        else:
            how = (
                "9-hole peg test worsening was assessed on the harmonic mean of the two hands' "
                "times, 2/(1/dominant + 1/non-dominant), the time equivalent of the MSFC arm "
                "score; a hand unable to do the test made the combined time 777 s."
            )
        unable = (
            " A time of 777 s (unable because of MS) was never treated as missing and a change "
            "to 777 s always counted as worsening."
        )
        rule = self.threshold.rule.split("; a change to 777 s")[0]
        thr = f" Minimal meaningful change: {rule}."
        engine = ""
        first = next(iter(self.by_hand.values()), None)
        if first is not None and hasattr(first, "describe"):
            engine = " " + str(first.describe())
        return how + unable + thr + engine


def _summary(events: pl.DataFrame, patients: pl.Series) -> pl.DataFrame:
    base = patients.cast(pl.String).alias("patient_id").to_frame()
    if events.height == 0:
        return base.with_columns(
            pl.lit(0, dtype=pl.Int64).alias("n_events"),
            pl.lit(None, dtype=pl.Date).alias("first_date"),
            pl.lit(None, dtype=pl.String).alias("first_hand"),
        )
    agg = (
        events.with_columns(pl.col("patient_id").cast(pl.String))
        .sort("date")
        .group_by("patient_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_events"),
            pl.col("date").first().alias("first_date"),
            pl.col("hand").first().alias("first_hand"),
        )
    )
    return base.join(agg, on="patient_id", how="left", maintain_order="left").with_columns(
        pl.col("n_events").fill_null(0)
    )


def detect_nhpt_events(
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None = None,
    *,
    hands: Literal["either", "harmonic"] = "either",
    options: OutcomeOptions | None = None,
    **engine_options: Any,
) -> NhptResult:
    """Detect confirmed 9-hole peg test events on either hand or on the two hands' harmonic mean.

    Parameters
    ----------
    visits
        Chart visits with ``patient_id``, ``date``, ``nhpt_dominant_s`` and
        ``nhpt_nondominant_s`` (777 = unable because of MS).
    relapses
        Chart relapses, or ``None``.
    hands
        ``"either"`` (default; msprog) or ``"harmonic"`` (MSFC).
    options
        Validated engine options (:class:`~msrwe.derive.outcomes.options.OutcomeOptions`), as
        :func:`msrwe.derive.outcomes.detect_events` forwards them; ``engine_options`` change them.
    **engine_options
        Any option of :func:`msrwe.derive.outcomes.detect_events` (msprog names), e.g.
        ``event="multiple"``, ``conf_days=168``, ``delta_fun="pct20"``. ``outcome`` and
        ``value_col`` are set here.

    Returns
    -------
    NhptResult
        Events with the ``hand`` that drove them, a per-patient summary and ``describe()``.

    Examples
    --------
    >>> import datetime as dt
    >>> v = pl.DataFrame({
    ...     "patient_id": ["a"] * 4,
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 6, 1), dt.date(2020, 12, 1),
    ...              dt.date(2021, 6, 1)],
    ...     "nhpt_dominant_s": [20.0, 20.0, 21.0, 20.0],
    ...     "nhpt_nondominant_s": [22.0, 777.0, 777.0, 777.0],
    ... })
    >>> r = detect_nhpt_events(v)
    >>> r.events.select("patient_id", "hand", "date").rows()
    [('a', 'nondominant', datetime.date(2020, 6, 1))]
    """
    if hands not in HANDS:
        raise OptionError(
            "The 'hands' parameter of detect_nhpt_events must be one of {'either', "
            f"'harmonic'}}. Got {hands!r} instead."
        )
    for reserved in ("outcome", "value_col"):
        if reserved in engine_options and not (
            reserved == "outcome" and engine_options[reserved] == "nhpt"
        ):
            raise OptionError(
                f"The '{reserved}' parameter cannot be given to detect_nhpt_events: it runs the "
                "engine on the 9-hole peg test columns itself. Got "
                f"{engine_options[reserved]!r}."
            )
    engine_options.pop("outcome", None)
    given_delta = engine_options.pop("delta_fun", None)
    if options is None:
        opts = make_options(outcome="nhpt", **engine_options)
    else:
        opts = options.replace(outcome="nhpt", **engine_options)
        if given_delta is None and options.outcome == "nhpt":
            given_delta = options.delta_fun  # already resolved for the 9-hole peg test
    policy = resolve_nhpt_policy(given_delta)
    if opts.subjects is not None:
        opts = opts.replace(subjects=[str(x) for x in opts.subjects])  # ids are text here
    cols = list(NHPT_COLUMNS.values())
    visits = as_polars(visits, "visits", "detect_nhpt_events")
    if relapses is not None:
        relapses = as_polars(relapses, "relapses", "detect_nhpt_events")
    _check_hand_columns(visits, cols, "detect_nhpt_events")
    if hands == "harmonic":
        tmp = "_nhpt_harmonic_s"
        work = visits.with_columns(_harmonic_expr(*cols).alias(tmp))
        runs = {"harmonic": (work, tmp)}
    else:
        runs = {hand: (visits, col) for hand, col in NHPT_COLUMNS.items()}
    by_hand: dict[str, OutcomeResult] = {}
    tables: dict[str, pl.DataFrame] = {}
    for label, (frame, col) in runs.items():
        res = run_engine(
            frame.filter(pl.col(col).is_not_null()),
            relapses,
            opts.replace(value_col=col, delta_fun=policy),
        )
        by_hand[label] = res
        tables[label] = res.events
    # Patients with at least one time to analyse, as the engine counts them for the other
    # outcomes: visits without 9-hole peg test times analyse nobody.
    measured = pl.concat([frame.filter(pl.col(col).is_not_null()).select("patient_id")
                          for frame, col in runs.values()])["patient_id"].cast(pl.String)
    patients = patient_series(visits, opts.subjects)
    patients = patients.filter(patients.is_in(measured.implode(), nulls_equal=True))
    first_only = opts.event in _FIRST_ONLY
    events = merge_events(tables, label_col="hand", first_only=first_only,
                          patient_order=patients)
    if hands == "either":
        events = events.with_columns(
            pl.col("hand").str.replace("nondominant+dominant", "dominant+nondominant",
                                       literal=True)
        )
    return NhptResult(events, _summary(events, patients), hands, policy, by_hand)
