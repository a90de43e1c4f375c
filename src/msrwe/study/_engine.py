"""The one place where the analysis calls the outcome engine."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import polars as pl

from msrwe.derive._columns import strictly_sorted
from msrwe.derive._frames import looked_up
from msrwe.derive.outcomes.engine import run_engine as _run_options
from msrwe.derive.outcomes.options import OutcomeOptions

__all__ = ["EVENT_COLUMNS", "engine_visits", "run_engine", "shared_engine_visits"]

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
    visits = engine_visits(adsl, advs, col)
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


def engine_visits(adsl: pl.DataFrame, advs: pl.DataFrame, col: str) -> pl.DataFrame:
    """The assessments the engine searches: on treatment, ``col`` known, from the baseline on.

    ``patient_id``, ``date``, ``col`` sorted by patient and date. Inside
    :func:`shared_engine_visits` the answer for the same ``advs`` (the same object), column and
    baselines (equal ``patient_id``, ``base_<col>_date``) is the one given before.
    """
    base_date = f"base_{col}_date"
    memo = _SHARED.get()
    bases = adsl.select("patient_id", base_date)
    if memo is not None:
        for seen_advs, seen_col, seen_bases, answer in memo:
            if seen_advs is advs and seen_col == col and seen_bases.equals(bases):
                return answer
    base = looked_up(bases, "patient_id", [base_date], advs.get_column("patient_id"))
    if base is not None:
        # each assessment looks up its patient's baseline date: only the kept rows of the three
        # columns are written (the rows and order of the join below, without joining a million
        # patients' assessments)
        keep = advs.select(pl.col("on_treatment") & pl.col(col).is_not_null()
                           & (pl.col("date") >= pl.lit(base[base_date]))).to_series()
        visits = advs.select("patient_id", "date", col).filter(keep)
    else:
        visits = (  # lazy: only the three columns are read, not a copy of every advs column
            advs.lazy()
            .filter(pl.col("on_treatment") & pl.col(col).is_not_null())
            .join(bases.lazy(), on="patient_id", how="inner", maintain_order="left")
            .filter(pl.col("date") >= pl.col(base_date))
            .select("patient_id", "date", col)
            .collect()
        )
    # advs comes in patient and date order: rows strictly in that order (no tie) are already
    # what the sort gives, and checking is one pass where a sort of text ids is n log n
    if not strictly_sorted(visits, "patient_id", "date"):
        visits = visits.sort("patient_id", "date")
    if memo is not None:
        memo.append((advs, col, bases, visits))
        del memo[:-_SHARED_SIZE]
    return visits


#: The engine inputs :func:`engine_visits` remembers inside :func:`shared_engine_visits`.
_SHARED: ContextVar[list[tuple[pl.DataFrame, str, pl.DataFrame, pl.DataFrame]] | None] = \
    ContextVar("msrwe_shared_engine_visits", default=None)
_SHARED_SIZE = 3


@contextmanager
def shared_engine_visits() -> Iterator[None]:
    """Within this block, the engine input of the same visits and measure is built once.

    The efficacy analysis, the improvement/PIRA analyses and the endpoint datasets each run the
    engine on the same measure's assessments (with other options); inside the block those
    assessments are selected and sorted once (the last three measures are remembered).
    Outside it nothing is kept.
    """
    token = _SHARED.set([])
    try:
        yield
    finally:
        _SHARED.reset(token)
