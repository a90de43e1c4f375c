"""``persistence``: treatment gaps, persistence on the study drug, duration and history alerts.

Rows per group (definitions in :mod:`msrwe.derive.persistence`):

- variable ``dose_gaps`` (level ``""``): ``n_intervals``, ``n_gaps`` (a dose later than the
  regimen window allows), ``pct_gaps``, ``n_early``, ``patients_with_gap``;
- variable ``persistence`` (every stop) and ``persistence_<reason>`` (stops for that reason;
  other stops censor): Kaplan-Meier of the time from the start of each study-drug course in
  ``treatments`` to its stop, censored at the data cut (level ``""``: ``n``, ``events``,
  ``median``...; level ``"<t>"``: ``n_at_risk``, ``events``, ``survival``, ``ci_low``,
  ``ci_high``);
- variable ``history_alert`` (level = the alert id, label = the alert in words): ``patients``.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.endpoints._common import add_km_rows, per_group
from msrwe.tables.results import ResultsTable

__all__ = ["add_persistence"]


def add_persistence(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    addose: pl.DataFrame | None,
    window: tuple[int, int] | None,
    adpersist: pl.DataFrame | None,
    alerts: pl.DataFrame,
    km_years: Sequence[float] = (1.0, 2.0, 3.0, 4.0, 5.0),
    level: float = 0.95,
    min_at_risk: int = 0,
) -> None:
    """Add the ``persistence`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``).
    addose
        The study drug's doses with ``gap``/``early``
        (:func:`~msrwe.derive.persistence.derive_vars_gap`), or ``None`` without a window.
    window
        The regimen window in force (method text).
    adpersist
        Courses from :func:`~msrwe.derive.persistence.derive_persistence`, or ``None`` without a
        treatments table.
    alerts
        From :func:`~msrwe.derive.persistence.derive_history_alerts`.
    km_years
        Years at which the persistence curves are read.
    level
        Confidence level.
    min_at_risk
        Kaplan-Meier estimates stop where fewer than this many patients remain at risk (the
        study's ``[analysis] km_min_at_risk``; 0 reports every time).
    """
    if addose is not None and window is not None:
        # four columns of the doses, not a copy of every addose column per group
        doses = addose.select("patient_id", "interval_days", "gap", "early")
        for g, part in per_group(adsl, doses.filter(pl.col("interval_days").is_not_null())):
            n = part.height
            gaps = int(part["gap"].sum())
            results.add_stats(
                "persistence", g, "dose_gaps", "",
                {"n_intervals": n, "n_gaps": gaps, "pct_gaps": 100 * gaps / n if n else None,
                 "n_early": int(part["early"].sum()),
                 "patients_with_gap": part.filter(pl.col("gap"))["patient_id"].n_unique()},
                label="doses later than the regimen window allows",
                method=f"a gap is a dose more than {window[1]} days after the previous one "
                       f"(window {window[0]}-{window[1]} days); early: fewer than {window[0]}",
            )
    if adpersist is not None and adpersist.height:
        reasons = sorted(r for r in adpersist["stop_reason"].drop_nulls().unique().to_list())
        for g, part in per_group(adsl, adpersist):
            t = part["time_years"].to_numpy()
            add_km_rows(results, analysis="persistence", group=g, variable="persistence",
                        time=t, event=part["event"].cast(pl.Int64).to_numpy(), at=km_years,
                        level=level, label="time on the study drug's course (years)",
                        at_label="{years} after the course start",
                        method_note="courses of the study drug in treatments; stop = event, "
                                    "ongoing courses censored at the data cut",
                        min_at_risk=min_at_risk)
            for reason in reasons:
                words = reason.replace("_", " ")  # patient_choice: "patient choice"
                ev = (part["stop_reason"] == reason).fill_null(False).cast(pl.Int64).to_numpy()
                add_km_rows(results, analysis="persistence", group=g,
                            variable=f"persistence_{reason}", time=t, event=ev, at=km_years,
                            level=level, label=f"time to stopping for {words} (years)",
                            at_label="{years} after the course start",
                            method_note=f"stops for {words} are events; other stops and "
                                        "ongoing courses are censored (cause-specific)",
                            min_at_risk=min_at_risk)
    for g, part in per_group(adsl, alerts):
        for (lid, desc), sub in part.group_by("limit_id", "description", maintain_order=True):
            results.add("persistence", g, "history_alert", str(lid), "patients",
                        sub["patient_id"].n_unique(), label=str(desc),
                        method="whole administration history of the store, clinical-methods 7")
