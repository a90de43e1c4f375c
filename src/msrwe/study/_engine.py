"""The one place where the analysis calls the outcome engine."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import polars as pl

from msrwe.derive._columns import strictly_sorted
from msrwe.derive.outcomes.engine import run_engine as _run_options
from msrwe.derive.outcomes.options import OutcomeOptions

__all__ = ["EVENT_COLUMNS", "run_engine"]

#: Columns of an empty events table (when there is nothing to search).
EVENT_COLUMNS = {"patient_id": pl.String, "event_type": pl.String, "date": pl.Date}

#: The engine: ``(visits, relapses, options) -> result`` with ``events`` and ``describe()``.
Engine = Callable[[pl.DataFrame, pl.DataFrame, OutcomeOptions], Any]


def run_engine(
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    relapses: pl.DataFrame,
    options: OutcomeOptions,
    *,
    detect: Engine | None = None,
) -> tuple[pl.DataFrame, str]:
    """Find confirmed worsening on treatment, from each patient's baseline assessment on.

    Only assessments from the baseline date (``base_<column>_date``) to the end of the
    on-treatment window are given to the engine, so its fixed baseline is the study's baseline.

    Parameters
    ----------
    adsl, advs, relapses
        The cohort, its visits (with ``on_treatment``) and its relapses.
    options
        The engine options in force for the measure (``value_col`` is the ``advs`` column).
        Under ``profile = "msoutcomes"`` a measure other than EDSS uses the msprog profile
        (``firstCDW``), and the text says so.
    detect
        The engine (default :func:`msrwe.derive.outcomes.engine.run_engine`).

    Returns
    -------
    tuple[polars.DataFrame, str]
        The engine's events and its description.
    """
    detect = detect or _run_options
    note = ""
    if options.profile == "msoutcomes" and options.outcome != "edss":
        # MSoutcomes defines EDSS only: the other measures keep the msprog profile
        options = options.replace(profile="msprog", event="firstCDW", mconf=3 * 30.25,
                                  tRelapse=30, sustained=True)
        note = ("MSoutcomes defines EDSS outcomes only; this measure used the msprog "
                "profile. ")
    col = options.value_col
    if col is None:  # pragma: no cover - the study always names the column
        raise ValueError("run_engine needs options with value_col set")
    base_date = f"base_{col}_date"
    visits = (  # lazy: only the three columns are read, not a copy of every advs column
        advs.lazy()
        .filter(pl.col("on_treatment") & pl.col(col).is_not_null())
        .join(adsl.lazy().select("patient_id", base_date), on="patient_id", how="inner",
              maintain_order="left")
        .filter(pl.col("date") >= pl.col(base_date))
        .select("patient_id", "date", col)
        .collect()
    )
    # advs comes in patient and date order: rows strictly in that order (no tie) are already
    # what the sort gives, and checking is one pass where a sort of text ids is n log n
    if not strictly_sorted(visits, "patient_id", "date"):
        visits = visits.sort("patient_id", "date")
    rel = relapses.select("patient_id", "onset_date").join(
        adsl.select("patient_id"), on="patient_id", how="semi"
    )
    if visits.height == 0:
        return pl.DataFrame(schema=EVENT_COLUMNS), "no assessment to search for events"
    # The engine warns about the data (e.g. implausible timed-test values); those notes belong
    # in the methods text, not on the console as Python warnings.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = detect(visits, rel, options)
    text = note + str(res.describe())
    notes = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
    if notes:
        text = (text + " " if text else "") + "Data notes: " + " ".join(notes)
    return res.events, text
