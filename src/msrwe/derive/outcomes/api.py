"""``detect_events``: confirmed disability worsening and improvement, msprog-compatible.

This is the public entry point of the outcome engine and the single-series entry point other
derivations build on (composites, NHPT by hand, SPMS conversion): give it one outcome series per
patient and the relapses, get back a :class:`OutcomeResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msrwe.derive.outcomes.engine import OutcomeResult, run_engine, run_prepared
from msrwe.derive.outcomes.nhpt import NhptResult, detect_nhpt_events
from msrwe.derive.outcomes.options import DEFAULTS, make_options

if TYPE_CHECKING:
    from msrwe.derive.outcomes.msoutcomes import MSOutcomesResult

__all__ = ["OutcomeResult", "detect_events", "run_prepared"]


def detect_events(visits: Any, relapses: Any = None, *, outcome: str = "edss",
                  value_col: str | None = None, delta_fun: Any = None,
                  worsening: str | None = None, valuedelta_col: str | None = None,
                  event: str = "firstCDW", RAW_PIRA: bool = False, baseline: str = "fixed",
                  proceed_from: str = "firstconf", sub_threshold_rebl: str = "none",
                  bl_geq: bool = False, relapse_rebl: bool = False,
                  skip_local_extrema: str = "none", conf_days: Any = 84,
                  conf_tol_days: Any = (7, 730.5), validconf_col: str | None = None,
                  require_sust_days: float = 0, check_intermediate: bool = True,
                  relapse_to_bl: Any = 30, relapse_to_event: Any = 0, relapse_to_conf: Any = 30,
                  relapse_assoc: Any = 90, relapse_indep: Any = None,
                  impute_last_visit: float = 0, subjects: Any = None,
                  return_unconfirmed: bool = False, random_state: int | None = None,
                  profile: str = "msprog", mconf: float = 3 * 30.25,
                  tRelapse: float = 30, sustained: bool = True,
                  ) -> OutcomeResult | NhptResult | MSOutcomesResult:
    """Detect confirmed disability worsening (CDW) and improvement (CDI) events, with PIRA/RAW.

    Visits are scanned in date order per patient as in msprog (Montobbio et al., Mult Scler
    2024; clinical-methods.md 2 and 3). Options have msprog's names, meanings and defaults; where
    pymsprog 1.0.7 departs from R msprog, msrwe follows R (docs/outcomes.md lists the cases).

    Parameters
    ----------
    visits
        Polars or pandas table with ``patient_id``, ``date`` and the outcome column (``edss``,
        ``sdmt``, ``t25fw_s``, or ``value_col``). Dates may be dates, ISO strings or day numbers.
    relapses
        Table with ``patient_id`` and ``onset_date``, or None.
    outcome
        ``'edss'``, ``'sdmt'``, ``'t25fw'``, ``'nhpt'`` or ``'custom'`` (then give ``value_col``,
        ``delta_fun`` and ``worsening``). ``'nhpt'`` without ``value_col`` is handled by
        :func:`msrwe.derive.outcomes.nhpt.detect_nhpt_events`.
    value_col
        Column with the outcome values (default from the outcome).
    delta_fun
        Threshold policy: a name (``'msprog'``, ``'trial'``, ``'lorscheider'``, ``'pct20'``,
        ``'sdmt_msprog'``, ``'sdmt_4_or_10pct'``), a :class:`ThresholdPolicy`, or a function of
        the reference value. Default: msprog's rule for the outcome.
    worsening
        ``'increase'`` or ``'decrease'``; only for ``outcome='custom'``.
    valuedelta_col
        Column whose value at the reference visit sets the threshold (default: ``value_col``).
    event
        ``'firstCDW'``, ``'firstCDI'``, ``'first'``, ``'firstPIRA'``, ``'firstRAW'`` or
        ``'multiple'``.
    RAW_PIRA
        Classify worsening events as RAW, PIRA or undefined.
    baseline
        ``'fixed'``, ``'roving'``, ``'roving_impr'`` or ``'roving_wors'``.
    proceed_from
        ``'firstconf'`` or ``'event'``: where the search (and a roving baseline) resumes.
    sub_threshold_rebl
        ``'none'``, ``'event'``, ``'improvement'`` or ``'worsening'``: confirmed changes below
        the threshold that move a roving baseline.
    bl_geq
        With ``relapse_rebl``: the new reference is never lower than the previous one.
    relapse_rebl
        Re-baseline after every relapse.
    skip_local_extrema
        ``'none'``, ``'strict'`` or ``'all'``: local extrema that cannot be a new baseline.
    conf_days
        Confirmation period(s) in days (one value or several).
    conf_tol_days
        Tolerance ``(left, right)`` around each period (right may be ``inf``), one value, or a
        dict keyed by period.
    validconf_col
        Boolean column: visits usable as confirmation.
    require_sust_days
        Days over which the change must be sustained (``inf``: to the last visit).
    check_intermediate
        Whether all visits up to confirmation must also meet the threshold.
    relapse_to_bl, relapse_to_event, relapse_to_conf
        Minimum days from the last (and next) relapse for a baseline, onset or confirmation.
    relapse_assoc
        Maximum days from the last (and next) relapse for a worsening to be RAW.
    relapse_indep
        Relapse-free intervals for PIRA: ``{'prec': (p0, p1), 'event': (e0, e1),
        'conf': (c0, c1), 'prec_type': 'baseline' | 'last' | 'last_delta'}``.
    impute_last_visit
        Probability of counting an unconfirmed worsening at the last visit, or (if > 1) the
        follow-up in days within which it is always counted.
    subjects
        Patients to analyse (default all).
    return_unconfirmed
        Also return unconfirmed changes.
    random_state
        Seed for ``0 < impute_last_visit < 1`` (one draw per patient).
    profile
        ``'msprog'`` (default: everything above) or ``'msoutcomes'``: the MSBase definitions of
        the R package MSoutcomes 0.2.1 (:mod:`msrwe.derive.outcomes.msoutcomes`). That profile
        takes ``event`` (``'CDW'``, ``'CDI'``, ``'CDEseq'``, ``'PIRA'``), ``mconf``,
        ``tRelapse``, ``sustained``, ``value_col`` and ``subjects``; the other options must keep
        their defaults.
    mconf, tRelapse, sustained
        MSoutcomes' confirmation period (days, default 90.75), minimum days from a relapse
        (default 30) and whether events must be sustained to the last visit (default True);
        only with ``profile='msoutcomes'``.

    Returns
    -------
    OutcomeResult
        ``events``, ``summary``, ``unconfirmed``, ``options`` and ``describe()``
        (:class:`~msrwe.derive.outcomes.msoutcomes.MSOutcomesResult`, with the same fields,
        under ``profile='msoutcomes'``).

    Raises
    ------
    msrwe.errors.OptionError
        An option with a value it does not accept.
    msrwe.errors.InputError
        A table without the needed columns, or with values out of range.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> d0 = dt.date(2020, 1, 1)
    >>> visits = pl.DataFrame({
    ...     "patient_id": ["A"] * 4,
    ...     "date": [d0 + dt.timedelta(days=k) for k in (0, 90, 180, 270)],
    ...     "edss": [3.0, 4.0, 4.0, 4.5],
    ... })
    >>> res = detect_events(visits)
    >>> res.events.select("patient_id", "event_type", "date", "bl_value", "conf84_date").rows()
    [('A', 'CDW', datetime.date(2020, 3, 31), 3.0, datetime.date(2020, 6, 29))]
    >>> res.summary["CDW"].to_list()
    [1]
    """
    if profile != "msprog" or (mconf, tRelapse, sustained) != (3 * 30.25, 30, True):
        from msrwe.derive.outcomes.msoutcomes import run_profile

        given = {k: v for k, v in locals().items() if k not in ("visits", "relapses")}
        return run_profile(visits, relapses, given)
    opts = make_options(**{k: v for k, v in locals().items() if k in DEFAULTS})
    if opts.outcome == "nhpt" and opts.value_col is None:
        return detect_nhpt_events(visits, relapses, options=opts)
    return run_engine(visits, relapses, opts)
