"""The one place where the analysis calls the outcome engine (``detect_events``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from msrwe.derive.outcomes.thresholds import ThresholdPolicy
from msrwe.study.config import Study

if TYPE_CHECKING:
    from msrwe.study.efficacy import Measure

__all__ = ["engine_options", "run_engine"]

#: Columns of an empty events table (when there is nothing to search).
EVENT_COLUMNS = {"patient_id": pl.String, "event_type": pl.String, "date": pl.Date}


def engine_options(study: Study, measure: Measure, policy: ThresholdPolicy) -> dict[str, Any]:
    """The keyword arguments of ``detect_events`` for a measure, from ``[outcomes]``."""
    o = study.outcomes
    return {
        "outcome": measure.outcome,
        "value_col": measure.column,
        "delta_fun": policy,
        "event": o.event,
        "baseline": o.baseline,
        "conf_days": o.conf_days,
        "conf_tol_days": o.conf_tol_days,
        "check_intermediate": o.check_intermediate,
        "relapse_to_bl": o.relapse_to_bl,
        "relapse_to_event": o.relapse_to_event,
        "relapse_to_conf": o.relapse_to_conf,
        "relapse_assoc": o.relapse_assoc,
        "require_sust_days": o.require_sust_days,
        "RAW_PIRA": o.raw_pira,
    }


def _default_detect() -> Callable[..., Any] | None:
    try:
        from msrwe.derive.outcomes import detect_events
    except ImportError:
        return None
    return detect_events


def run_engine(
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    relapses: pl.DataFrame,
    measure: Measure,
    policy: ThresholdPolicy,
    study: Study,
    *,
    detect: Callable[..., Any] | None = None,
) -> tuple[pl.DataFrame | None, str]:
    """Find confirmed worsening on treatment, from each patient's baseline assessment on.

    Only assessments from the baseline date (``base_<column>_date``) to the end of the
    on-treatment window are given to the engine, so its fixed baseline is the study's baseline.

    Returns
    -------
    tuple[polars.DataFrame | None, str]
        The engine's events (``None`` when no engine is available) and its description.
    """
    detect = detect or _default_detect()
    if detect is None:
        return None, "the outcome engine (msrwe.derive.outcomes.detect_events) is not available"
    col, base_date = measure.column, f"base_{measure.column}_date"
    visits = (
        advs.filter(pl.col("on_treatment") & pl.col(col).is_not_null())
        .join(adsl.select("patient_id", base_date), on="patient_id", how="inner")
        .filter(pl.col("date") >= pl.col(base_date))
        .select("patient_id", "date", col)
        .sort("patient_id", "date")
    )
    rel = relapses.select("patient_id", "onset_date").join(
        adsl.select("patient_id"), on="patient_id", how="semi"
    )
    if visits.height == 0:
        return pl.DataFrame(schema=EVENT_COLUMNS), "no assessment to search for events"
    # The engine warns about the data (e.g. implausible timed-test values); those notes belong
    # in the methods text, not on the console as Python warnings.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = detect(visits, rel, **engine_options(study, measure, policy))
    events = res.events
    describe = getattr(res, "describe", None)
    text = str(describe()) if callable(describe) else ""
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
    if notes:
        text = (text + " " if text else "") + "Data notes: " + " ".join(notes)
    return events, text
