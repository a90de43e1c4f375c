"""Outcomes of a comparison, from each unit's index date, by msrwe's outcome engine.

Each unit's assessments from its baseline assessment (the last one with a value in the baseline
window up to index) to the end of its follow-up go to the outcome engine
(:func:`msrwe.derive.outcomes.detect_events`, or :func:`~msrwe.derive.outcomes.detect_composite`
for EDSS-Plus) under the study's ``[outcomes]`` definitions, with a fixed baseline at index and
every event kept (``event = "multiple"``), so that the first confirmed worsening, the first
PIRA and the first confirmed improvement can all be read from one search. The onset date of the
first event is the event time; it is counted only when it falls within the unit's follow-up,
which pairwise censoring may shorten (:func:`time_to_event`).

Relapses (confirmed ones, :func:`msrwe.derive.relapses.filter_confirmed_relapses`) after index
and up to the end of follow-up give the counts and person-time of the annualised relapse rate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from msrwe.compare.design import OUTCOMES, CompareDesign
from msrwe.derive.relapses import filter_confirmed_relapses

if TYPE_CHECKING:  # the study package sits above this one: only its type is needed
    from msrwe.study.config import Study

__all__ = [
    "OutcomeDates",
    "censor_follow_up",
    "derive_outcome_dates",
    "relapse_counts",
    "time_to_event",
]

_DPY = 365.25
#: outcome -> (visit column(s) needed, the engine's outcome name)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "edss": ("edss",),
    "pira": ("edss",),
    "t25fw": ("t25fw_s",),
    "nhpt": ("nhpt_dominant_s", "nhpt_nondominant_s"),
    "edss_plus": ("edss", "t25fw_s", "nhpt_dominant_s", "nhpt_nondominant_s"),
}


@dataclass(frozen=True)
class OutcomeDates:
    """First event dates per unit and outcome.

    Attributes
    ----------
    events
        ``unit_id, outcome, worsening_date, improvement_date, has_baseline``; one row per unit
        and outcome (dates missing when no event was confirmed).
    methods
        The outcome engine's own description of the definitions in force, per outcome.
    """

    events: pl.DataFrame
    methods: dict[str, str]


def _options(study: Study, outcome: str) -> dict[str, object]:
    o = study.outcomes.options
    opts: dict[str, object] = {
        "event": "multiple",
        "baseline": "fixed",
        "conf_days": o.conf_days,
        "conf_tol_days": o.conf_tol_days,
        "check_intermediate": o.check_intermediate,
        "relapse_to_bl": o.relapse_to_bl,
        "relapse_to_event": o.relapse_to_event,
        "relapse_to_conf": o.relapse_to_conf,
        "relapse_assoc": o.relapse_assoc,
        "require_sust_days": o.require_sust_days,
    }
    if outcome == "pira":
        opts["RAW_PIRA"] = True
    if outcome in ("edss", "pira"):
        opts["delta_fun"] = o.delta_fun
    return opts


def _unit_visits(
    units: pl.DataFrame, visits: pl.DataFrame, columns: tuple[str, ...], window: int
) -> pl.DataFrame:
    """Each unit's assessments of ``columns`` from its baseline assessment to its end date."""
    have = [c for c in columns if c in visits.columns]
    if not have:
        return pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date})
    any_value = pl.any_horizontal([pl.col(c).is_not_null() for c in have])
    j = units.select("unit_id", "patient_id", "index_date", "end_date").join(
        visits.select("patient_id", "date", *have).filter(any_value), on="patient_id",
        how="inner",
    )
    base = (
        j.filter(
            (pl.col("date") <= pl.col("index_date"))
            & (pl.col("date") >= pl.col("index_date") - pl.duration(days=window))
        )
        .group_by("unit_id").agg(base_date=pl.col("date").max())
    )
    j = j.join(base, on="unit_id", how="inner").filter(
        (pl.col("date") >= pl.col("base_date")) & (pl.col("date") <= pl.col("end_date"))
    )
    return j.select(pl.col("unit_id").alias("patient_id"), "date", *have).sort(
        "patient_id", "date"
    )


def derive_outcome_dates(
    units: pl.DataFrame,
    *,
    visits: pl.DataFrame | None,
    relapses: pl.DataFrame | None,
    study: Study,
    design: CompareDesign,
) -> OutcomeDates:
    """Find each unit's first confirmed worsening (and improvement) for every design outcome.

    Parameters
    ----------
    units
        ``CompareCohort.units`` (``unit_id, patient_id, index_date, end_date``).
    visits, relapses
        Chart tables (``None`` when not charted).
    study
        The study; its ``[outcomes]`` section sets the confirmation rules.
    design
        The comparison design (its ``outcomes`` and ``baseline_window_days``).

    Returns
    -------
    OutcomeDates
    """
    from msrwe.derive.outcomes import EDSS_PLUS, detect_composite, detect_events

    visits = visits if visits is not None else pl.DataFrame(
        schema={"patient_id": pl.String, "date": pl.Date}
    )
    rel = filter_confirmed_relapses(
        relapses if relapses is not None
        else pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
    )
    # relapses re-keyed by unit, so the engine sees each unit as a patient
    unit_rel = units.select("unit_id", "patient_id").join(
        rel.select("patient_id", "onset_date"), on="patient_id", how="inner"
    ).select(pl.col("unit_id").alias("patient_id"), "onset_date")
    frames: list[pl.DataFrame] = []
    methods: dict[str, str] = {}
    for outcome in design.outcomes:
        uv = _unit_visits(units, visits, _COLUMNS[outcome], design.baseline_window_days)
        has_base = set(uv["patient_id"].unique().to_list()) if uv.height else set()
        ev = pl.DataFrame(schema={"patient_id": pl.String, "event_type": pl.String,
                                  "date": pl.Date})
        if uv.height:
            opts = _options(study, outcome)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if outcome == "edss_plus":
                    definition = EDSS_PLUS
                    res = detect_composite(uv, unit_rel, definition=definition,
                                           **{k: v for k, v in opts.items()
                                              if k not in ("delta_fun", "conf_days")})
                    ev = res.events.with_columns(event_type=pl.lit("CDW"))
                    methods[outcome] = str(definition.describe()) if hasattr(
                        definition, "describe") else OUTCOMES[outcome]
                else:
                    engine = "edss" if outcome == "pira" else outcome
                    res = detect_events(uv, unit_rel, outcome=engine, **opts)
                    ev = res.events
                    methods[outcome] = res.describe()
            notes = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
            if notes:
                methods[outcome] += " Data notes: " + " ".join(notes)
        wors = ev.filter(pl.col("event_type") == "CDW")
        if outcome == "pira" and "cdw_type" in wors.columns:
            wors = wors.filter(pl.col("cdw_type") == "PIRA")
        first_w = wors.group_by("patient_id").agg(worsening_date=pl.col("date").min())
        first_i = ev.filter(pl.col("event_type") == "CDI").group_by("patient_id").agg(
            improvement_date=pl.col("date").min()
        )
        frames.append(
            units.select("unit_id")
            .join(first_w.rename({"patient_id": "unit_id"}), on="unit_id", how="left")
            .join(first_i.rename({"patient_id": "unit_id"}), on="unit_id", how="left")
            .with_columns(outcome=pl.lit(outcome),
                          has_baseline=pl.col("unit_id").is_in(list(has_base)))
            .select("unit_id", "outcome", "worsening_date", "improvement_date", "has_baseline")
        )
    events = pl.concat(frames) if frames else pl.DataFrame()
    return OutcomeDates(events=events, methods=methods)


def time_to_event(
    units: pl.DataFrame, dates: OutcomeDates, outcome: str, *, end: str = "end_date"
) -> pl.DataFrame:
    """Time (years) from index to the first worsening or the end of follow-up, per unit.

    Parameters
    ----------
    units
        Units with ``unit_id``, ``index_date`` and the end-of-follow-up column ``end``.
    dates
        :func:`derive_outcome_dates` output.
    outcome
        One of the design's outcomes.
    end
        Column holding each unit's end of follow-up (``end_date``, or a pairwise cut).

    Returns
    -------
    polars.DataFrame
        ``units`` restricted to units with a baseline for the outcome, with ``time`` (years),
        ``event`` (0/1) and ``improved`` (0/1: a confirmed improvement within follow-up).

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> u = pl.DataFrame({"unit_id": ["a", "b"], "index_date": [d(2020, 1, 1)] * 2,
    ...                   "end_date": [d(2022, 1, 1), d(2021, 1, 1)]})
    >>> ev = pl.DataFrame({"unit_id": ["a", "b"], "outcome": ["edss"] * 2,
    ...     "worsening_date": [d(2021, 1, 1), d(2021, 6, 1)], "improvement_date": [None, None],
    ...     "has_baseline": [True, True]}, schema_overrides={"improvement_date": pl.Date})
    >>> time_to_event(u, OutcomeDates(ev, {}), "edss").select("unit_id", "event").rows()
    [('a', 1), ('b', 0)]
    """
    ev = dates.events.filter(pl.col("outcome") == outcome)
    j = units.join(ev.drop("outcome"), on="unit_id", how="inner").filter(pl.col("has_baseline"))
    in_fu = pl.col("worsening_date").is_not_null() & (pl.col("worsening_date") <= pl.col(end))
    stop = pl.when(in_fu).then(pl.col("worsening_date")).otherwise(pl.col(end))
    return j.with_columns(
        time=(stop - pl.col("index_date")).dt.total_days() / _DPY,
        event=in_fu.cast(pl.Int64),
        improved=(pl.col("improvement_date").is_not_null()
                  & (pl.col("improvement_date") <= pl.col(end))).cast(pl.Int64),
    ).filter(pl.col("time") > 0)


def relapse_counts(
    units: pl.DataFrame, relapses: pl.DataFrame | None, *, end: str = "end_date"
) -> pl.DataFrame:
    """Confirmed relapses after index up to ``end`` and the person-years, per unit.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> u = pl.DataFrame({"unit_id": ["a#x"], "patient_id": ["a"], "index_date": [d(2020, 1, 1)],
    ...                   "end_date": [d(2022, 1, 1)]})
    >>> r = pl.DataFrame({"patient_id": ["a", "a", "a"],
    ...                   "onset_date": [d(2019, 6, 1), d(2020, 6, 1), d(2023, 1, 1)]})
    >>> relapse_counts(u, r).select("relapses", "person_years").rows()
    [(1, 2.001368925393566)]
    """
    rel = filter_confirmed_relapses(
        relapses if relapses is not None
        else pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
    )
    j = units.select("unit_id", "patient_id", "index_date", end).join(
        rel.select("patient_id", "onset_date"), on="patient_id", how="inner"
    ).filter((pl.col("onset_date") > pl.col("index_date")) & (pl.col("onset_date") <= pl.col(end)))
    n = j.group_by("unit_id").agg(relapses=pl.len().cast(pl.Int64))
    return units.join(n, on="unit_id", how="left", maintain_order="left").with_columns(
        pl.col("relapses").fill_null(0),
        person_years=(pl.col(end) - pl.col("index_date")).dt.total_days() / _DPY,
    ).filter(pl.col("person_years") > 0)





def censor_follow_up(used: pl.DataFrame, censoring: str) -> pl.DataFrame:
    """Add ``cut_date``: each unit's end of follow-up under the design's censoring.

    ``pairwise``: every member of a matched set (``set_id``) is followed up to the shortest
    ``end_date`` of the set (the CORe/MSBase recipe, comparative-effectiveness.md 2.1); a unit
    used in several sets (matching with replacement) has one cut per use. ``arm``: each unit to
    its own ``end_date``.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> u = pl.DataFrame({"unit_id": ["t", "c"], "set_id": ["1", "1"],
    ...                   "end_date": [d(2022, 1, 1), d(2021, 1, 1)]})
    >>> censor_follow_up(u, "pairwise")["cut_date"].to_list()
    [datetime.date(2021, 1, 1), datetime.date(2021, 1, 1)]
    >>> censor_follow_up(u, "arm")["cut_date"].to_list()
    [datetime.date(2022, 1, 1), datetime.date(2021, 1, 1)]
    """
    if censoring == "pairwise":
        return used.with_columns(cut_date=pl.col("end_date").min().over("set_id"))
    return used.with_columns(cut_date=pl.col("end_date"))
