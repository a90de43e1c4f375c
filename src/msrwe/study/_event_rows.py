"""Rows of the disability-event tables: shares, first-event Kaplan-Meier, PIRA/RAW, SDMT.

Shares carry exact (Clopper-Pearson) intervals; on the SDMT worsening is a decrease.

Admiral style: every function takes the datasets and settings it needs as keyword arguments and
adds rows to a :class:`~msrwe.tables.results.ResultsTable`; none reads the whole study.
The analysis that calls them is :class:`msrwe.study.disability_events.DisabilityEvents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from msrwe.stats import clopper_pearson, kaplan_meier
from msrwe.tables.formatting import plural
from msrwe.tables.km import add_km_result
from msrwe.tables.results import ResultsTable

__all__ = [
    "PIRA_RAW_LEVELS",
    "add_first_event_km",
    "add_pira_raw",
    "add_share",
    "group_parts",
    "sdmt_change_stats",
]

#: Levels of the ``pira_raw`` rows: the engine's ``cdw_type`` labels, then every worsening.
PIRA_RAW_LEVELS: tuple[str, ...] = ("PIRA", "RAW", "undefined", "any")


def group_parts(adsl: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """``(group, patients)`` per group in sorted order, then ``overall`` (every patient).

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b", "c"], "group": ["SPMS", "PPMS", "SPMS"]})
    >>> [(g, d.height) for g, d in group_parts(adsl)]
    [('PPMS', 1), ('SPMS', 2), ('overall', 3)]
    """
    names = sorted(str(g) for g in adsl["group"].unique().to_list())
    parts = [(g, adsl.filter(pl.col("group") == g)) for g in names if g != "overall"]
    return [*parts, ("overall", adsl)]


def _share(n: int, total: int, level: float) -> dict[str, float | int | None]:
    stats: dict[str, float | int | None] = {"N": total, "n": n}
    if total:
        stats.update(clopper_pearson(n, total, level).as_percent())
    else:
        stats.update({"pct": None, "ci_low": None, "ci_high": None})
    return stats


def add_share(
    results: ResultsTable,
    *,
    analysis: str,
    adtte: pl.DataFrame,
    adsl: pl.DataFrame,
    variable: str,
    level: str,
    label: str,
    ci_level: float = 0.95,
) -> None:
    """Add ``N, n, pct, ci_low, ci_high`` per group: patients with the event among those followed.

    ``N`` counts the patients of ``adtte`` (a baseline and a later assessment), ``n`` those with
    ``event`` true; ``pct`` is ``100 n / N`` with its Clopper-Pearson exact interval
    (clinical-methods section 6).

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b", "c"], "group": ["X", "X", "Y"]})
    >>> adtte = pl.DataFrame({"patient_id": ["a", "b", "c"], "event": [True, False, False]})
    >>> r = ResultsTable()
    >>> add_share(r, analysis="confirmed_events", adtte=adtte, adsl=adsl, variable="edss",
    ...           level="improvement", label="confirmed EDSS improvement")
    >>> r.get("confirmed_events", "n", group="X", variable="edss", level="improvement")
    1.0
    >>> round(r.get("confirmed_events", "ci_high", group="overall", variable="edss",
    ...             level="improvement"), 2)
    90.57
    """
    method = "patients with the event / patients followed; Clopper-Pearson exact interval"
    for group, sub in group_parts(adsl):
        part = adtte.join(sub.select("patient_id"), on="patient_id", how="semi")
        n = int(part["event"].sum()) if part.height else 0
        results.add_stats(analysis, group, variable, level, _share(n, part.height, ci_level),
                          label=label, method=method)


def add_first_event_km(
    results: ResultsTable,
    *,
    analysis: str,
    adtte: pl.DataFrame,
    adsl: pl.DataFrame,
    variable: str,
    label: str,
    years: Sequence[float],
    ci_level: float = 0.95,
    summary_analysis: str | None = None,
    min_at_risk: int = 0,
) -> None:
    """Kaplan-Meier rows of a time to a first event, as ``time_to_cdw`` writes them.

    Level ``""`` holds ``n``, ``events``, ``median``, ``median_ci_low``, ``median_ci_high``
    (years; missing when not reached); level ``"<t>"`` (years since the first dose) holds
    ``n_at_risk``, ``events`` (cumulative), ``survival``, ``ci_low``, ``ci_high`` (probability
    of no event, 0-1) and ``cum_incidence_pct``. With ``summary_analysis`` the level ``""``
    rows go to that analysis instead. Estimates stop where fewer than ``min_at_risk`` patients
    remain at risk (the study's ``[analysis] km_min_at_risk``; :mod:`msrwe.tables.km`).

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "X"]})
    >>> adtte = pl.DataFrame({"patient_id": ["a", "b"], "event": [True, False],
    ...                       "time_years": [0.5, 2.0]})
    >>> r = ResultsTable()
    >>> add_first_event_km(r, analysis="time_to_cdi", adtte=adtte, adsl=adsl, variable="edss",
    ...                    label="time to first confirmed EDSS improvement (years)", years=[1])
    >>> r.get("time_to_cdi", "survival", group="overall", variable="edss", level="1")
    0.5
    """
    head = summary_analysis or analysis
    for group, sub in group_parts(adsl):
        part = adtte.join(sub.select("patient_id"), on="patient_id", how="semi")
        n = part.height
        if n == 0:
            results.add_stats(head, group, variable, "",
                              {"n": 0, "events": 0, "median": None}, label=label,
                              method="not computed: no patient with a baseline and a later "
                              "assessment")
            continue
        km = kaplan_meier(part["time_years"].to_numpy(),
                          part["event"].cast(pl.Int64).to_numpy(), at=list(years),
                          level=ci_level, min_at_risk=min_at_risk)
        add_km_result(
            results, km, analysis=analysis, summary_analysis=head, group=group,
            variable=variable, label=label,
            at_label=lambda t: f"{plural(t, 'year')} after the first dose",
            time_extra=lambda row: {"cum_incidence_pct": None if row["survival"] is None
                                    else 100.0 * (1.0 - row["survival"])},
        )


def add_pira_raw(
    results: ResultsTable,
    *,
    analysis: str,
    events: pl.DataFrame,
    followed: pl.DataFrame,
    adsl: pl.DataFrame,
    variable: str = "edss",
    ci_level: float = 0.95,
) -> None:
    """Add the PIRA/RAW breakdown of every confirmed worsening, per group.

    Parameters
    ----------
    results
        The table to add rows to.
    analysis
        The ``analysis`` value of the rows (``pira_raw``).
    events
        The engine's events under ``event = "multiple"`` and ``RAW_PIRA = true``
        (``patient_id``, ``event_type``, ``cdw_type``); only ``CDW`` rows count.
    followed
        Patients searched for events (``patient_id``): the denominator ``N``.
    adsl
        ``patient_id`` and ``group``.
    variable
        The ``variable`` of the rows (the measure, ``edss``).
    ci_level
        Confidence level of the intervals.

    Notes
    -----
    Per level (``PIRA``, ``RAW``, ``undefined``, ``any``): ``events`` (worsening events of that
    kind), ``events_pct`` (their share of every worsening event of the group), ``N``, ``n``
    (patients with at least one such event), ``pct``, ``ci_low``, ``ci_high`` (``n / N``,
    Clopper-Pearson).

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "X"]})
    >>> ev = pl.DataFrame({"patient_id": ["a", "a"], "event_type": ["CDW", "CDW"],
    ...                    "cdw_type": ["RAW", "PIRA"]})
    >>> r = ResultsTable()
    >>> add_pira_raw(r, analysis="pira_raw", events=ev, followed=adsl, adsl=adsl)
    >>> r.get("pira_raw", "events_pct", group="X", variable="edss", level="PIRA")
    50.0
    >>> r.get("pira_raw", "pct", group="X", variable="edss", level="any")
    50.0
    """
    cdw = (events.filter(pl.col("event_type") == "CDW") if events.height
           else pl.DataFrame(schema={"patient_id": pl.String, "cdw_type": pl.String}))
    if "cdw_type" not in cdw.columns:
        cdw = cdw.with_columns(pl.lit("undefined").alias("cdw_type"))
    cdw = cdw.with_columns(pl.col("cdw_type").fill_null("undefined"))
    method = ("events: confirmed worsening events of that kind (every event, event = multiple); "
              "patients: Clopper-Pearson exact interval")
    for group, sub in group_parts(adsl):
        ids = followed.join(sub.select("patient_id"), on="patient_id", how="semi")
        part = cdw.join(ids.select("patient_id"), on="patient_id", how="semi")
        total_events = part.height
        for level in PIRA_RAW_LEVELS:
            rows = part if level == "any" else part.filter(pl.col("cdw_type") == level)
            stats: dict[str, Any] = {
                "events": rows.height,
                "events_pct": (100.0 * rows.height / total_events) if total_events else None,
            }
            stats.update(_share(rows["patient_id"].n_unique(), ids.height, ci_level))
            results.add_stats(analysis, group, variable, level, stats,
                              label=f"{level} worsening" if level != "any" else
                              "any confirmed worsening", method=method)


def sdmt_change_stats(
    stats: dict[str, float | None],
) -> dict[str, float | None]:
    """Turn :func:`msrwe.study.efficacy.change_stats` output round for a lower-is-worse score.

    ``change_stats`` counts an increase of at least the threshold as worsened; on the SDMT a
    decrease is worsening (clinical-methods 4.1), so improved and worsened swap.

    Examples
    --------
    >>> sdmt_change_stats({"improved": 1, "worsened": 3, "improved_pct": 25.0,
    ...                    "worsened_pct": 75.0, "n": 4})["worsened"]
    1
    """
    out = dict(stats)
    for a, b in (("improved", "worsened"), ("improved_pct", "worsened_pct")):
        out[a], out[b] = stats.get(b), stats.get(a)
    return out
