"""``milestone``: time to confirmed EDSS 4.0, 6.0 and 7.0 from the first dose and from onset.

Milestones follow R msprog's ``value_milestone`` (:mod:`msrwe.derive.milestones`, endpoints.md
8) with the study's confirmation settings. Two origins:

- ``first_dose``: the search runs on the visits from the baseline EDSS to the end of follow-up;
  time is from the baseline visit (msprog counts from the first visit it is given).
- ``onset``: the search runs on every charted visit; time is from the MS onset date to the
  milestone visit (censored at the last visit). Patients come under observation at their first
  charted visit, often years after onset, so the curve is a Kaplan-Meier with **delayed entry**
  (left truncation) at that visit; without it, the years before the first visit would count as
  time at risk seen event-free.

Patients whose milestone is their first visit searched (already at or above it at entry) are
counted in ``already_reached`` and left out of the Kaplan-Meier curve (their time is unknown).

Rows per group, variable ``edss_<X>_<origin>`` (e.g. ``edss_6_first_dose``): level ``""``
(``n``, ``events``, ``median``, ``median_ci_low``, ``median_ci_high``, ``already_reached``) and
level ``"<t>"`` (years: ``n_at_risk``, ``events``, ``survival``, ``ci_low``, ``ci_high``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.derive.milestones import derive_milestones
from msrwe.derive.relapse_rates import DAYS_PER_YEAR
from msrwe.endpoints._common import add_km_rows, per_group
from msrwe.tables.results import ResultsTable

__all__ = ["ONSET_YEARS", "add_milestones", "derive_admilestone"]

#: Years after onset at which the onset curves are read.
ONSET_YEARS: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0, 25.0)


def derive_admilestone(
    adsl: pl.DataFrame,
    *,
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None,
    milestones: Sequence[float] = (4.0, 6.0, 7.0),
    conf_days: int = 84,
    conf_tol_days: Sequence[float] = (7, 730.5),
    relapse_to_conf: float | Sequence[float] = 30,
    require_sust_days: float = 0,
) -> pl.DataFrame:
    """One row per patient, milestone and origin.

    Columns ``patient_id, milestone, origin, event, time_years, already_reached``,
    ``entry_years`` (0 from the first dose; the first charted visit's years since onset).
    ``visits`` holds every charted visit of the cohort (``patient_id``, ``date``, ``edss``);
    ``adsl`` gives ``base_edss_date``, ``end_date`` and ``ms_onset_date``.
    """
    parts = []
    on_tx = (
        visits.join(adsl.select("patient_id", "base_edss_date", "end_date"), on="patient_id")
        .filter((pl.col("date") >= pl.col("base_edss_date"))
                & (pl.col("date") <= pl.col("end_date")))
        .select("patient_id", "date", "edss")
    )
    onset = adsl.select("patient_id", "ms_onset_date") if "ms_onset_date" in adsl.columns \
        else None
    rtc = relapse_to_conf if isinstance(relapse_to_conf, int | float) else tuple(relapse_to_conf)
    opts = {"conf_days": conf_days, "conf_tol_days": tuple(conf_tol_days),
            "relapse_to_conf": rtc, "require_sust_days": require_sust_days}
    on_tx_res = derive_milestones(on_tx, milestones=milestones, relapses=relapses, **opts)
    if onset is not None:
        # the visits are prepared once for every milestone (derive_milestones)
        all_res = derive_milestones(visits.select("patient_id", "date", "edss"),
                                    milestones=milestones, relapses=relapses, **opts)
        first = visits.group_by("patient_id").agg(pl.col("date").min().alias("_first"))
    for i, m in enumerate(milestones):
        res = on_tx_res[i]
        parts.append(res.select(
            "patient_id", pl.lit(m).alias("milestone"), pl.lit("first_dose").alias("origin"),
            pl.col("observed").alias("event"), (pl.col("time2event") / DAYS_PER_YEAR)
            .alias("time_years"), (pl.col("observed") & (pl.col("time2event") == 0))
            .alias("already_reached"), pl.lit(0.0).alias("entry_years")))
        if onset is None:
            continue
        res = all_res[i]
        parts.append(
            res.join(onset, on="patient_id").join(first, on="patient_id")
            .filter(pl.col("ms_onset_date").is_not_null())
            .select("patient_id", pl.lit(m).alias("milestone"), pl.lit("onset").alias("origin"),
                    pl.col("observed").alias("event"),
                    ((pl.col("date") - pl.col("ms_onset_date")).dt.total_days().clip(lower_bound=0)
                     / DAYS_PER_YEAR).alias("time_years"),
                    (pl.col("observed") & (pl.col("date") == pl.col("_first")))
                    .alias("already_reached"),
                    ((pl.col("_first") - pl.col("ms_onset_date")).dt.total_days()
                     .clip(lower_bound=0) / DAYS_PER_YEAR).alias("entry_years")))
    if not parts:
        return pl.DataFrame(schema={"patient_id": pl.String, "milestone": pl.Float64,
                                    "origin": pl.String, "event": pl.Boolean,
                                    "time_years": pl.Float64, "already_reached": pl.Boolean,
                                    "entry_years": pl.Float64})
    return pl.concat(parts, how="vertical_relaxed")


def add_milestones(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    admilestone: pl.DataFrame,
    km_years: Sequence[float] = (1.0, 2.0, 3.0, 4.0, 5.0),
    level: float = 0.95,
    method: str = "",
    min_at_risk: int = 0,
) -> None:
    """Add the ``milestone`` rows (see the module docstring).

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``).
    admilestone
        From :func:`derive_admilestone`.
    km_years
        Years after the first dose at which the first-dose curves are read.
    level
        Confidence level.
    min_at_risk
        Kaplan-Meier estimates stop where fewer than this many patients remain at risk (the
        study's ``[analysis] km_min_at_risk``; 0 reports every time).
    method
        The confirmation rule in words (prefixed to the Kaplan-Meier method).
    """
    for (m, origin), part in admilestone.group_by("milestone", "origin", maintain_order=True):
        var = f"edss_{float(m):g}_{origin}"
        at = km_years if origin == "first_dose" else ONSET_YEARS
        for g, sub in per_group(adsl, part):
            early = int(sub["already_reached"].sum())
            km = sub.filter(~pl.col("already_reached"))
            add_km_rows(results, analysis="milestone", group=g, variable=var,
                        time=km["time_years"].to_numpy(),
                        event=km["event"].cast(pl.Int64).to_numpy(), at=at, level=level,
                        label=f"time to confirmed EDSS {float(m):g} from "
                              f"{'the first dose' if origin == 'first_dose' else 'MS onset'}"
                              " (years)",
                        at_label="{years} after " + ("the first dose" if origin ==
                                                         "first_dose" else "onset"),
                        method_note=method, min_at_risk=min_at_risk,
                        entry=km["entry_years"].to_numpy() if origin == "onset" else None)
            results.add("milestone", g, var, "", "already_reached", early,
                        label="at or above the milestone at the first visit searched",
                        method="counted apart, not in the Kaplan-Meier curve")
