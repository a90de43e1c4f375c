"""Did disability change on treatment: the efficacy analyses of a study.

Three questions, each per group and overall, each into the results table:

- ``edss_change`` (and ``nhpt_change``, ``t25fw_change`` where measured): baseline and last
  on-treatment score (:mod:`msrwe.derive.baseline`), median change, patients improved, stable and
  worsened under the outcome engine's threshold policy, and the paired Wilcoxon signed-rank test
  with its zero handling and whether p is exact (clinical-methods 8).
- ``edss_slope``: the annual EDSS slope from a linear mixed model with a random intercept and
  slope per patient (clinical-methods 8).
- ``time_to_cdw`` (and ``time_to_cdw_nhpt``, ``time_to_cdw_t25fw``): time from the first dose to
  the onset of the first confirmed disability worsening found by the outcome engine
  (:func:`msrwe.derive.outcomes.detect_events`), with Kaplan-Meier estimates and numbers at risk
  at yearly times; patients without an event are censored at their last on-treatment assessment
  that could have served as a confirmation (clinical-methods 8; ``[analysis] censor_at``), and
  estimates stop where fewer than ``[analysis] km_min_at_risk`` patients remain at risk.

A statistic that cannot be computed (too few patients, no follow-up) is written as a missing value
whose ``method`` says why; nothing here raises for a small cohort.

The measures and the declared outputs are in :mod:`msrwe.study._efficacy_outputs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from msrwe._threads import map_in_order
from msrwe.analysis.base import (
    Analysis,
    Column,
    Context,
    KeyFact,
    SummarySpec,
    reading,
)
from msrwe.derive._frames import each_once, join_by_runs, look_up
from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment
from msrwe.derive.relapses import filter_confirmed_relapses
from msrwe.derive.tte import ADTTE_SCHEMA, confirmation_rule
from msrwe.derive.tte import derive_adtte as _derive_adtte
from msrwe.stats import kaplan_meier, mixed_slope, wilcoxon_paired
from msrwe.study._efficacy_outputs import (
    CHANGE_STATS,
    EDSS_SLOPE,
    EFFICACY_OUTPUTS,
    MEASURES,
    TTE_STATS,
    Measure,
    measure_policy,
)
from msrwe.study._engine import EVENT_COLUMNS, Engine, run_engine
from msrwe.study.config import Study
from msrwe.study.methods import efficacy_methods, engine_methods
from msrwe.tables.formatting import plural
from msrwe.tables.km import add_km_result
from msrwe.tables.results import ResultsTable

__all__ = [
    "CHANGE_STATS",
    "EDSS_SLOPE",
    "EFFICACY_OUTPUTS",
    "MEASURES",
    "TTE_STATS",
    "Efficacy",
    "EfficacyOutput",
    "Measure",
    "add_change",
    "add_efficacy",
    "add_slope",
    "add_time_to_event",
    "change_stats",
    "measure_policy",
]

_DAYS_PER_YEAR = 365.25


def _groups(adsl: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    names = sorted(str(g) for g in adsl["group"].unique().to_list())
    parts = [(g, adsl.filter(pl.col("group") == g)) for g in names if g != "overall"]
    return [*parts, ("overall", adsl)]


def _floats(values: Sequence[float | None] | pl.Series | np.ndarray) -> np.ndarray:
    """Values as a float array, missing (None or null) as NaN, without a loop over patients."""
    if isinstance(values, pl.Series):
        return values.cast(pl.Float64).to_numpy()
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values.astype(np.float64)
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


def change_stats(
    baseline: Sequence[float | None] | pl.Series | np.ndarray,
    last: Sequence[float | None] | pl.Series | np.ndarray,
    policy: Callable[[Any], Any],
    *,
    zero_method: str = "wilcox",
    p_method: str = "auto",
) -> tuple[dict[str, float | None], str]:
    """Summary of paired baseline and last values: medians, improved/stable/worsened, Wilcoxon.

    A change counts as worsened when ``last - baseline >= policy(baseline)``, improved when
    ``baseline - last >= policy(baseline)``, else stable (the same threshold both ways, as msprog).

    Parameters
    ----------
    baseline, last
        Paired values (sequences, Polars Series or arrays); pairs with a missing side are left
        out.
    policy
        Threshold policy: the minimal meaningful change from a baseline value.
    zero_method, p_method
        Passed to :func:`msrwe.stats.wilcoxon_paired`.

    Returns
    -------
    tuple[dict, str]
        The stats (``n``, ``baseline_median``, ``last_median``, ``change_median`` and their
        ``_q1``/``_q3``, ``improved``, ``stable``, ``worsened`` and their ``_pct``, ``statistic``,
        ``p_value``, ``n_zero``, ``exact``) and the method text.

    Examples
    --------
    The check of clinical-methods section 8:

    >>> from msrwe.derive.outcomes.thresholds import EDSS_MSPROG
    >>> b = [6.0, 6.5, 6.0, 7.0, 6.5, 5.5, 6.0, 6.5]
    >>> f = [6.0, 6.5, 6.5, 7.0, 6.0, 6.0, 6.5, 6.5]
    >>> s, m = change_stats(b, f, EDSS_MSPROG)
    >>> s["statistic"], s["p_value"], s["improved"], s["stable"], s["worsened"]
    (2.5, 0.625, 1, 4, 3)
    >>> m
    'Wilcoxon signed-rank, zero_method=wilcox, exact p'
    """
    b, f = _floats(baseline), _floats(last)
    keep = np.isfinite(b) & np.isfinite(f)
    b, f = b[keep], f[keep]
    n = len(b)
    out: dict[str, float | None] = {"n": n}
    if n == 0:
        for k in ("baseline_median", "baseline_q1", "baseline_q3", "last_median", "last_q1",
                  "last_q3", "change_median", "change_q1", "change_q3",
                  "improved", "stable", "worsened", "improved_pct", "stable_pct", "worsened_pct",
                  "statistic", "p_value"):
            out[k] = 0 if k in ("improved", "stable", "worsened") else None
        return out, "not computed: no patient has both a baseline and an on-treatment value"
    change = np.round(f - b, 9)
    delta = np.asarray(policy(b), dtype=np.float64)
    worse = change >= delta - 1e-9
    better = -change >= delta - 1e-9
    out.update({
        "baseline_median": float(np.median(b)),
        "baseline_q1": float(np.quantile(b, 0.25)),
        "baseline_q3": float(np.quantile(b, 0.75)),
        "last_median": float(np.median(f)),
        "last_q1": float(np.quantile(f, 0.25)),
        "last_q3": float(np.quantile(f, 0.75)),
        "change_median": float(np.median(change)),
        "change_q1": float(np.quantile(change, 0.25)),
        "change_q3": float(np.quantile(change, 0.75)),
        "improved": int(better.sum()),
        "stable": int(n - better.sum() - worse.sum()),
        "worsened": int(worse.sum()),
    })
    for k in ("improved", "stable", "worsened"):
        out[f"{k}_pct"] = 100.0 * float(out[k] or 0) / n
    w = wilcoxon_paired(b, f, zero_method=zero_method, method=p_method)
    out.update({
        "statistic": w.statistic,
        "p_value": w.p_value,
        "n_zero": w.n_zero,
        "exact": float(w.exact),
    })
    method = w.method
    if n - w.n_zero == 0:
        method += " (every difference is zero: p = 1)"
    return out, method


def add_change(
    results: ResultsTable,
    adsl: pl.DataFrame,
    measure: Measure,
    study: Study,
) -> None:
    """Add the ``<measure>_change`` rows, per group and overall, from ``base_*``/``last_*``.

    ``adsl`` needs ``group``, ``base_<column>`` and ``last_<column>``.
    """
    policy = measure_policy(measure, study)
    base, last = f"base_{measure.column}", f"last_{measure.column}"
    for group, sub in _groups(adsl):
        stats, method = change_stats(
            sub[base],
            sub[last],
            policy,
            zero_method=study.analysis.zero_method,
            p_method=study.analysis.p_method,
        )
        full = f"{method}; improved/worsened: change of at least {policy}"
        results.add_stats(
            measure.change_analysis, group, measure.key, "", stats, label=measure.label,
            method=full,
        )


def add_slope(
    results: ResultsTable,
    advs: pl.DataFrame,
    adsl: pl.DataFrame,
    study: Study,
) -> None:
    """Add ``edss_slope``: annual EDSS change from a linear mixed model, per group and overall.

    Uses the on-treatment EDSS assessments from the baseline assessment on (``advs`` rows with
    ``on_treatment`` and ``date >= base_edss_date``), time in years since the first dose.
    """
    df = (  # five columns, not a copy of every advs column (the same rows, in the same order)
        # a left look-up and one filter: the rows of the inner join (a patient without a row
        # in adsl has no baseline date, and the filter drops it), copied once, not twice
        join_by_runs(advs.select("patient_id", "date", "edss", "days", "on_treatment"),
                     adsl.select("patient_id", "base_edss_date"), "patient_id", "left")
        .filter(
            pl.col("on_treatment")
            & pl.col("edss").is_not_null()
            & (pl.col("date") >= pl.col("base_edss_date"))
        )
        .with_columns((pl.col("days") / _DAYS_PER_YEAR).alias("years"))
    )
    groups = _groups(adsl)
    labels: list[pl.Series] = []
    if adsl.schema["group"] == pl.String and each_once(adsl["patient_id"]):
        # each row's group looked up once per run of the patient's rows, then one filter per
        # group: the rows (in order) of the semi join below
        labels = look_up(df.get_column("patient_id"), adsl["patient_id"],
                         [adsl["group"], pl.repeat(True, adsl.height, eager=True)])

    def fit(item: tuple[int, tuple[str, pl.DataFrame]]) -> tuple[dict[str, Any], Any]:
        i, (_, sub) = item
        if not labels:
            part = df.join(sub.select("patient_id"), on="patient_id", how="semi")
        elif i < len(groups) - 1:
            part = df.filter((labels[0] == group_names[i]).fill_null(False))
        else:  # overall: every patient of adsl
            part = df.filter(labels[1].fill_null(False))
        base = {"n": part["patient_id"].n_unique(), "n_obs": part.height}
        if base["n"] < 2 or base["n_obs"] < 3:
            return base, None
        return base, mixed_slope(
            part.select("patient_id", "years", "edss"),
            "edss", "years", "patient_id", level=study.analysis.level,
        )

    group_names = [g for g, _ in groups]
    # the groups' fits are independent: two at a time (msrwe._threads), everyone's (the
    # largest, last) started first; the rows in group order
    fits = map_in_order(fit, list(enumerate(groups))[::-1])[::-1]
    for group, (base, res) in zip(group_names, fits, strict=True):
        if res is None:
            results.add_stats(
                EDSS_SLOPE.name, group, "edss", "",
                {**base, "slope": None, "ci_low": None, "ci_high": None},
                label="EDSS points per year",
                method="not computed: a mixed model needs at least 2 patients and 3 assessments",
            )
            continue
        results.add_stats(
            EDSS_SLOPE.name, group, "edss", "",
            {**base, "slope": res.slope, "ci_low": res.ci_low, "ci_high": res.ci_high},
            label="EDSS points per year",
            method=res.method,
        )


def add_time_to_event(
    results: ResultsTable,
    adtte: pl.DataFrame,
    adsl: pl.DataFrame,
    measure: Measure,
    study: Study,
) -> None:
    """Add ``time_to_cdw*`` rows: Kaplan-Meier at ``analysis.km_years``, per group and overall.

    Level ``""`` holds ``n``, ``events``, ``median`` and ``median_ci_low``/``median_ci_high``
    (years; missing when not reached); level
    ``"<t>"`` (years since the first dose, e.g. ``"1"``) holds ``n_at_risk``, ``events``
    (cumulative), ``survival``, ``ci_low``, ``ci_high`` (event-free probability, 0-1) and
    ``cum_incidence_pct`` (100 x (1 - survival)).
    """
    years = list(study.analysis.km_years)
    for group, sub in _groups(adsl):
        part = adtte.join(sub.select("patient_id"), on="patient_id", how="semi")
        n, ev = part.height, int(part["event"].sum())
        label = f"time to first confirmed {measure.label} worsening (years)"
        if n == 0:
            results.add_stats(
                measure.tte_analysis, group, measure.key, "",
                {"n": n, "events": ev, "median": None}, label=label,
                method="not computed: no patient with a baseline and a later assessment",
            )
            continue
        km = kaplan_meier(
            part["time_years"].to_numpy(), part["event"].cast(pl.Int64).to_numpy(), at=years,
            level=study.analysis.level, min_at_risk=study.analysis.km_min_at_risk,
        )
        add_km_result(
            results, km, analysis=measure.tte_analysis, group=group, variable=measure.key,
            label=label, at_label=lambda t: f"{plural(t, 'year')} after the first dose",
            time_extra=lambda row: {"cum_incidence_pct": None if row["survival"] is None
                                    else 100.0 * (1.0 - row["survival"])},
        )


def _measured(advs: pl.DataFrame, column: str) -> bool:
    return column in advs.columns and advs[column].drop_nulls().len() > 0


@dataclass(frozen=True)
class EfficacyOutput:
    """Datasets made by :func:`add_efficacy` and the outcome engine's own descriptions.

    Attributes
    ----------
    adsl
        The cohort with ``base_*``/``last_*`` of every measure analysed.
    adtte
        One row per patient and time-to-event ``param``.
    adevents
        The outcome engine's events, with ``param``.
    engine
        ``describe()`` of each engine run, by measure key.
    """

    adsl: pl.DataFrame
    adtte: pl.DataFrame
    adevents: pl.DataFrame
    engine: dict[str, str]


def add_efficacy(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    relapses: pl.DataFrame,
    study: Study,
    detect: Engine | None = None,
) -> EfficacyOutput:
    """Run every efficacy analysis and add its rows to ``results``.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (one row per patient) with ``group``, ``first_dose``, ``last_dose``,
        ``base_edss``/``last_edss`` and their dates.
    advs
        Visits of the cohort's patients with ``days`` (since the first dose), ``on_treatment``,
        and the measures ``edss``, ``nhpt_s``, ``t25fw_s``.
    relapses
        The relapses of the cohort's patients (``patient_id``, ``onset_date``).
    study
        The settings in force.
    detect
        The outcome engine, called as ``detect(visits, relapses, options)`` (default
        :func:`msrwe.derive.outcomes.engine.run_engine`).

    Returns
    -------
    EfficacyOutput
        ``adsl`` (with ``base_*``/``last_*`` of every measure), ``adtte``, ``adevents`` and the
        engine's descriptions.
    """
    win, lag = study.analysis.baseline_window_days, study.analysis.on_treatment_days
    tte_parts: list[pl.DataFrame] = []
    ev_parts: list[pl.DataFrame] = []
    engine: dict[str, str] = {}
    for m in MEASURES:
        if m.key != "edss" and not _measured(advs, m.column):
            continue
        if f"base_{m.column}" not in adsl.columns:
            adsl = derive_vars_baseline(adsl, advs, value=m.column, window_days=win)
            adsl = derive_vars_last_on_treatment(adsl, advs, value=m.column, lag_days=lag)
        add_change(results, adsl, m, study)
        if m.key == "edss":
            add_slope(results, advs, adsl, study)
        options = study.outcomes.options.replace(
            outcome=m.outcome, value_col=m.column, delta_fun=measure_policy(m, study)
        )
        events, note = run_engine(adsl, advs, relapses, options, detect=detect)
        engine[m.key] = note
        adtte = _derive_adtte(adsl, advs, events, value=m.column, param=m.param,
                              censor_at=study.analysis.censor_at, relapses=relapses,
                              **confirmation_rule(options))
        add_time_to_event(results, adtte, adsl, m, study)
        tte_parts.append(adtte)
        if events.height:
            ev_parts.append(events.with_columns(pl.lit(m.param).alias("param")))
    adtte_all = (
        pl.concat(tte_parts, how="diagonal_relaxed") if tte_parts
        else pl.DataFrame(schema=ADTTE_SCHEMA)
    )
    adevents = (
        pl.concat(ev_parts, how="diagonal_relaxed")
        if ev_parts
        else pl.DataFrame(schema={**EVENT_COLUMNS, "param": pl.String})
    )
    return EfficacyOutput(adsl=adsl, adtte=adtte_all, adevents=adevents, engine=engine)


_EDSS = MEASURES[0]


class Efficacy(Analysis):
    """Change from baseline, the EDSS slope and time to confirmed worsening, per measure."""

    name = "efficacy"
    reads = reading(relapses=None)
    title = "Disability outcomes"
    doc = (
        "Rows of `msrwe.study.efficacy.Efficacy`, per group and `overall`: EDSS always, the "
        "9-hole peg test (two-hand harmonic mean, seconds) and the timed 25-foot walk (seconds) "
        "where measured. Datasets: `adtte` (one row per patient and time-to-event `param`), "
        "`adevents` (the outcome engine's events) and `adrel` (the cohort's charted relapses); "
        "`adsl` gains `base_*`/`last_*` of each measure."
    )
    outputs = EFFICACY_OUTPUTS
    section = ("efficacy", "Disability outcomes")
    figures = ("km", "trajectories")
    facts = (
        KeyFact("cdw-events", "patients with confirmed EDSS worsening", _EDSS.tte_analysis,
                "events", _EDSS.key),
    )
    summary = (
        SummarySpec(
            "EDSS per group",
            (
                Column("n", _EDSS.change_analysis, ("n",), "edss", fmt="int"),
                Column("baseline->last", _EDSS.change_analysis,
                       ("baseline_median", "last_median"), "edss", fmt="edss"),
                Column("impr/stab/wors", _EDSS.change_analysis,
                       ("improved", "stable", "worsened"), "edss", fmt="slash"),
                Column("p", _EDSS.change_analysis, ("p_value",), "edss", fmt="p"),
                Column("slope/yr", EDSS_SLOPE.name, ("slope",), "edss", digits=2),
                Column("CDW", _EDSS.tte_analysis, ("events",), "edss", "", fmt="int"),
            ),
            caption="median at baseline and last on treatment; improved/stable/worsened; "
            "Wilcoxon signed-rank p; mixed-model slope per year; patients with confirmed "
            "worsening",
        ),
    )

    def runs_engine(self, context: Context) -> bool:
        """Yes: it searches each measure with the outcome engine."""
        return True

    def censors_at_confirmable(self, context: Context) -> bool:
        """Yes: its times to event end at the last confirmable assessment."""
        return True

    def run(self, context: Context, results: ResultsTable) -> None:
        """Efficacy rows; ``adtte``, ``adevents``; ``base_*``/``last_*`` columns of adsl."""
        relapses = context.table("relapses")
        if relapses is None:
            relapses = pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
        eff = add_efficacy(
            results, adsl=context.adsl, advs=context.datasets["advs"],
            relapses=filter_confirmed_relapses(relapses), study=context.study,
        )
        context.datasets.update({
            "adsl": eff.adsl, "adtte": eff.adtte, "adevents": eff.adevents,
            # the cohort's charted relapses, for the report's swimmer plot
            "adrel": relapses.join(context.adsl.select("patient_id"), on="patient_id",
                                   how="semi"),
        })
        context.notes[self.name] = eff.engine

    def methods(self, context: Context) -> list[str]:
        """Baseline, change, slope and worsening; the outcome engine's own description."""
        return [*efficacy_methods(context.study), *engine_methods(context.notes.get(self.name))]


def __getattr__(name: str) -> object:
    if name == "derive_adtte":
        import warnings

        warnings.warn(
            "msrwe.study.efficacy.derive_adtte(adsl, advs, events, measure) moved to "
            "msrwe.derive.tte.derive_adtte(adsl, advs, events, value=..., param=...)",
            DeprecationWarning, stacklevel=2,
        )

        def derive_adtte_compat(
            adsl: pl.DataFrame, advs: pl.DataFrame, events: pl.DataFrame, measure: Measure
        ) -> pl.DataFrame:
            return _derive_adtte(adsl, advs, events, value=measure.column, param=measure.param)

        return derive_adtte_compat
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
