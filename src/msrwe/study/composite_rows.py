"""Composite disability endpoints in a study: EDSS-Plus and measures joined by ``+``.

:func:`add_composite` runs :func:`msrwe.derive.outcomes.composite.detect_composite` on the
cohort's on-treatment visits, each component from its own baseline (``base_<column>_date``, as
``time_to_cdw`` uses for the measure alone), and adds the ``composite_cdw`` and
``composite_components`` rows (clinical-methods 4.2).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from msrwe.derive.outcomes.composite import CompositeDefinition, detect_composite
from msrwe.derive.outcomes.options import DEFAULTS, make_options
from msrwe.derive.tte import ADTTE_SCHEMA, confirmation_rule, derive_adtte
from msrwe.study._event_rows import add_first_event_km, add_share, group_parts
from msrwe.tables.results import ResultsTable

__all__ = ["COMPONENT_COLUMNS", "add_composite", "composite_visits"]

#: Per component outcome: the ``advs`` value columns and the column whose baseline it starts from.
COMPONENT_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "edss": (("edss",), "edss"),
    "t25fw": (("t25fw_s",), "t25fw_s"),
    "nhpt": (("nhpt_dominant_s", "nhpt_nondominant_s"), "nhpt_s"),
    "sdmt": (("sdmt",), "sdmt"),
}
_ANY = "_composite"


def composite_visits(
    adsl: pl.DataFrame, advs: pl.DataFrame, outcomes: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """On-treatment visits with each component from its own baseline; the measured components.

    Returns the visits (``patient_id``, ``date``, ``on_treatment``, the components' columns, set
    missing before that component's baseline date, and ``_composite``: 1 where any is present),
    ``adsl`` with ``base__composite_date`` (the earliest component baseline) and the outcomes
    kept (those with a value and a baseline date column).

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> adsl = pl.DataFrame({"patient_id": ["a"], "base_edss_date": [d(2020, 2, 1)],
    ...                      "base_t25fw_s_date": [d(2020, 1, 1)]})
    >>> advs = pl.DataFrame({"patient_id": ["a", "a"], "date": [d(2020, 1, 1), d(2020, 2, 1)],
    ...                      "on_treatment": [True, True], "edss": [3.0, 3.5],
    ...                      "t25fw_s": [8.0, 9.0]})
    >>> v, a, kept = composite_visits(adsl, advs, ["edss", "t25fw"])
    >>> v["edss"].to_list(), kept, a["base__composite_date"].to_list()
    ([None, 3.5], ['edss', 't25fw'], [datetime.date(2020, 1, 1)])
    """
    kept = [o for o in outcomes
            if f"base_{COMPONENT_COLUMNS[o][1]}_date" in adsl.columns
            and all(c in advs.columns for c in COMPONENT_COLUMNS[o][0])
            and any(advs[c].drop_nulls().len() for c in COMPONENT_COLUMNS[o][0])]
    bases = [f"base_{COMPONENT_COLUMNS[o][1]}_date" for o in kept]
    cols = [c for o in kept for c in COMPONENT_COLUMNS[o][0]]
    v = advs.select("patient_id", "date", "on_treatment", *dict.fromkeys(cols)).filter(
        pl.col("on_treatment")).join(
        adsl.select("patient_id", *dict.fromkeys(bases)), on="patient_id", how="inner")
    for o in kept:
        base = pl.col(f"base_{COMPONENT_COLUMNS[o][1]}_date")
        v = v.with_columns(
            pl.when(base.is_not_null() & (pl.col("date") >= base)).then(pl.col(c))
            .otherwise(None).alias(c)
            for c in COMPONENT_COLUMNS[o][0]
        )
    present = pl.any_horizontal([pl.col(c).is_not_null() for c in cols]) if cols else pl.lit(False)
    v = v.with_columns(pl.when(present).then(1.0).otherwise(None).alias(_ANY)).select(
        "patient_id", "date", "on_treatment", *cols, _ANY)
    first = pl.min_horizontal(*bases) if bases else pl.lit(None, dtype=pl.Date)
    return v, adsl.with_columns(first.alias(f"base_{_ANY}_date")), kept


def add_composite(
    results: ResultsTable,
    *,
    analysis: str,
    km_analysis: str,
    share_analysis: str,
    components_analysis: str,
    key: str,
    definition: CompositeDefinition,
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    relapses: pl.DataFrame,
    engine_options: Mapping[str, Any],
    years: Sequence[float],
    ci_level: float = 0.95,
    censor_at: str = "confirmable",
    min_at_risk: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """Add one composite's rows per group; return its ``adtte``, events and methods note.

    Every row has ``variable`` = ``key``. ``analysis``: level ``""`` with ``n``, ``events`` and
    the Kaplan-Meier ``median`` with its interval; ``km_analysis``: levels ``"<t>"`` with the
    Kaplan-Meier estimates at ``years``; ``share_analysis``: level ``worsening`` with ``N``,
    ``n``, ``pct``, ``ci_low``, ``ci_high`` (Clopper-Pearson), beside the single measures;
    ``components_analysis``: per component label (``edss``, ``t25fw``, ``edss+t25fw``...) the
    ``events`` it drove and ``events_pct``. A component without any assessment is left out, and
    the note says so. A patient without an event is censored as ``censor_at`` says
    (:func:`msrwe.derive.tte.derive_adtte`, with the composite's confirmation period), and the
    Kaplan-Meier estimates stop where fewer than ``min_at_risk`` patients remain at risk.
    """
    wanted = [c.outcome for c in definition.components]
    visits, adsl_c, kept = composite_visits(adsl, advs, wanted)
    missing = [c.name for c in definition.components if c.outcome not in kept]
    label = f"first confirmed worsening on {definition.name}"
    if not kept:
        results.add(analysis, "overall", key, "", "n", None, label=label,
                    method="not computed: no component of the composite was assessed")
        empty = pl.DataFrame(schema=ADTTE_SCHEMA)
        return empty, pl.DataFrame(), "no component assessed"
    if missing:
        definition = definition.replace(
            components=tuple(c for c in definition.components if c.outcome in kept))
    rel = relapses.select("patient_id", "onset_date").join(
        adsl.select("patient_id"), on="patient_id", how="semi")
    cols = [c for o in kept for c in COMPONENT_COLUMNS[o][0]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = detect_composite(visits.select("patient_id", "date", *cols)
                               .filter(pl.any_horizontal(pl.col(cols).is_not_null())),
                               rel, definition=definition, **engine_options)
    note = res.describe()
    if missing:
        note = (f"Left out for lack of any assessment: {', '.join(missing)}. ") + note
    data = sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)})
    if data:
        note += " Data notes: " + " ".join(data)
    events = res.events
    known = {k: v for k, v in {**engine_options, **definition.options}.items() if k in DEFAULTS}
    adtte = derive_adtte(adsl_c, visits, events, value=_ANY, param=f"CDW_{key.upper()}",
                         censor_at=censor_at, relapses=rel,
                         **confirmation_rule(make_options(**known)))
    add_first_event_km(results, analysis=km_analysis, summary_analysis=analysis, adtte=adtte,
                       adsl=adsl, variable=key, label=label + " (years)", years=years,
                       ci_level=ci_level, min_at_risk=min_at_risk)
    add_share(results, analysis=share_analysis, adtte=adtte, adsl=adsl, variable=key,
              level="worsening", label=f"confirmed {definition.name} worsening",
              ci_level=ci_level)
    first = adtte.filter(pl.col("event")).select("patient_id", "event_date")
    driven = events.join(first, left_on=["patient_id", "date"],
                         right_on=["patient_id", "event_date"], how="semi")
    for group, sub in group_parts(adsl):
        mine = driven.join(sub.select("patient_id"), on="patient_id", how="semi")
        for comp, count in sorted(mine.group_by("component").len().iter_rows()):
            results.add_stats(components_analysis, group, key, str(comp),
                              {"events": count, "events_pct": 100.0 * count / mine.height},
                              label=f"{definition.name}: driven by {comp}",
                              method="first composite events")
    return adtte, events, note
