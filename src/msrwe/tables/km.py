"""Kaplan-Meier rows of the long results table, one writer for every time-to-event analysis.

Every Kaplan-Meier of a study (time to confirmed worsening, relapse-free survival, milestones,
persistence) writes its rows here, so they all follow one rule (issue 9 item 11): level ``""``
holds ``n``, ``events``, ``median``, ``median_ci_low``, ``median_ci_high``; level ``"<t>"``
holds ``n_at_risk``, ``events``, ``survival``, ``ci_low``, ``ci_high`` at each time. A value
that is not reported says why in the ``method`` of its own row:

- ``survival`` (and its interval) where fewer than ``min_at_risk`` patients remain at risk:
  missing, ``not reported: fewer than <m> at risk; ...``;
- ``ci_low``/``ci_high`` where no event has happened yet (the interval would be the degenerate
  ``1.000 (1.000-1.000)``): missing, ``not estimable: no events; ...``;
- ``median`` (and its bounds) when missing: ``median no events``, ``median not reached`` or
  ``median not estimable: fewer than <m> at risk``, then the method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from msrwe.stats import KaplanMeierResult
from msrwe.tables.results import ResultsTable

__all__ = ["add_km_result", "km_method"]


def km_method(km: KaplanMeierResult, note: str = "") -> str:
    """The ``method`` text of a curve: the estimator and the truncation rule in force.

    Examples
    --------
    >>> from msrwe.stats import kaplan_meier
    >>> print(km_method(kaplan_meier([1.0, 2.0], [1, 0], min_at_risk=10), "delayed entry"))
    ... # doctest: +NORMALIZE_WHITESPACE
    delayed entry; Kaplan-Meier (lifelines), Greenwood log(-log) interval; estimates stop where
    fewer than 10 patients remain at risk
    """
    parts = [note, km.method, km.truncation_text]
    return "; ".join(p for p in parts if p)


def add_km_result(
    results: ResultsTable,
    km: KaplanMeierResult,
    *,
    analysis: str,
    group: str,
    variable: str,
    label: str,
    at_label: Callable[[float], str],
    method_note: str = "",
    summary_extra: Mapping[str, float | int | None] | None = None,
    time_extra: Callable[[dict], Mapping[str, float | int | None]] | None = None,
    summary_analysis: str | None = None,
) -> None:
    """Add the rows of one Kaplan-Meier estimate (see the module text for what they hold).

    Parameters
    ----------
    results
        The table to add to.
    km
        The estimate (:func:`msrwe.stats.kaplan_meier`, read at the reporting times, with the
        study's ``min_at_risk``).
    analysis, group, variable
        Keys of the rows.
    label, at_label
        Label of the summary rows; label of the rows at time ``t``.
    method_note
        Text put before the method (e.g. the event definition).
    summary_extra
        More stats of the summary level (e.g. ``already_reached``).
    time_extra
        More stats of each time row, from the table row (e.g. ``cum_incidence_pct``).
    summary_analysis
        The ``analysis`` of the level ``""`` rows when they go elsewhere (default
        ``analysis``).

    Examples
    --------
    >>> from msrwe.stats import kaplan_meier
    >>> r = ResultsTable()
    >>> km = kaplan_meier([1.0, 2.0, 3.0], [0, 0, 0], at=[1, 3], min_at_risk=2)
    >>> add_km_result(r, km, analysis="x", group="overall", variable="v", label="t",
    ...               at_label=lambda t: f"{t:g} years")
    >>> df = r.to_polars()
    >>> for row in df.filter(df["value"].is_null()).iter_rows(named=True):
    ...     print(row["level"] or '""', row["stat"], "|", row["method"].split(";")[0])
    "" median | median no events
    "" median_ci_low | median no events
    "" median_ci_high | median no events
    1 ci_low | not estimable: no events
    1 ci_high | not estimable: no events
    3 survival | not reported: fewer than 2 at risk
    3 ci_low | not reported: fewer than 2 at risk
    3 ci_high | not reported: fewer than 2 at risk
    """
    method = km_method(km, method_note)
    median_note = km.median_note
    summary: dict[str, float | int | None] = {
        "n": km.n, "events": km.n_events, "median": km.median,
        "median_ci_low": km.median_ci_low, "median_ci_high": km.median_ci_high,
        **(summary_extra or {}),
    }
    for stat, value in summary.items():
        missing = value is None or value != value  # NaN
        why = ""
        if stat.startswith("median") and missing:
            why = f"median {median_note}; " if median_note else ""
        results.add(summary_analysis or analysis, group, variable, "", stat, value,
                    label=label, method=why + method)
    for row in km.table.iter_rows(named=True):
        t = row["time"]
        note = row["note"]
        stats: dict[str, float | int | None] = {
            "n_at_risk": row["n_at_risk"], "events": row["events"],
            "survival": row["survival"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
            **(time_extra(row) if time_extra else {}),
        }
        for stat, value in stats.items():
            why = ""
            if value is None and note.startswith("fewer than"):
                why = f"not reported: {note}; "
            elif value is None and note == "no events":
                why = "not estimable: no events; "
            results.add(analysis, group, variable, f"{t:g}", stat, value,
                        label=at_label(t), method=why + method)
