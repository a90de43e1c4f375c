"""Who qualifies: the cohort criteria of a study file and the attrition table.

:func:`build_cohort` applies the criteria of ``[cohort]`` one after the other, in a fixed order,
and counts how many patients each one removed:

1. received the study drug (by the route, when one is set);
2. at least ``min_administrations`` administrations;
3. phenotype among ``phenotypes``;
4. first dose within ``first_dose_from`` .. ``first_dose_to``;
5. baseline EDSS within ``baseline_edss_min`` .. ``baseline_edss_max``;
6. prior treatment failure (clinical-methods 7, see :mod:`msrwe.derive.prior_treatments`).

A criterion that is not set removes nobody and is still listed, so the attrition table always has
the same rows. When the store's import log knows the patients file, two steps come first, as a
paper's flow diagram starts: the patients charted (step -2, the rows of the patients file) and
the exclusions for chart errors (step -1, "imported without chart errors": the patient rows the
import quarantined are excluded); step 0 is every patient in the store. A drug that nobody
received, or a cohort that ends up empty, is a :class:`~msrwe.errors.StudyFileError` naming the
criterion, never an empty table.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> from msrwe.study.config import Study
>>> patients = pl.DataFrame({"patient_id": ["A1", "A2", "A3"],
...                          "phenotype": ["SPMS", "PPMS", "RRMS"]})
>>> d = dt.date
>>> adm = pl.DataFrame({"patient_id": ["A1", "A1", "A2", "A3"],
...     "date": [d(2015, 1, 1), d(2015, 3, 1), d(2015, 1, 1), d(2015, 1, 1)],
...     "drug": ["methotrexate"] * 4, "route": ["intrathecal"] * 4})
>>> study = Study.from_dict({"cohort": {"drug": "methotrexate",
...                                     "phenotypes": ["SPMS", "PPMS"]}})
>>> c = build_cohort(study, patients=patients, administrations=adm)
>>> c.adsl["patient_id"].to_list(), c.adsl["group"].to_list()
(['A1', 'A2'], ['SPMS', 'PPMS'])
>>> c.attrition.select("criterion", "excluded", "remaining").row(3)
('phenotype SPMS or PPMS', 1, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from msrwe.analysis.base import Analysis, Context, KeyFact, Output, Stat
from msrwe.derive._columns import require_columns, sort_unless_sorted
from msrwe.derive._frames import keep_rows
from msrwe.derive.baseline import derive_vars_baseline, derive_vars_last_on_treatment
from msrwe.derive.exposure import most_given_drug
from msrwe.derive.prior_treatments import derive_vars_prior_failure
from msrwe.errors import StudyFileError
from msrwe.study.config import Study
from msrwe.study.methods import cohort_methods
from msrwe.tables.groups import MISSING_GROUP
from msrwe.tables.results import ResultsTable
from msrwe.tables.table1 import TABLE1, compute_table1, lublin_table1

__all__ = [
    "ATTRITION",
    "ATTRITION_SCHEMA",
    "CHARTED",
    "CHART_ERRORS",
    "COHORT",
    "TABLE1_OUTPUT",
    "Cohort",
    "CohortCounts",
    "Table1",
    "build_cohort",
    "charted_steps",
    "most_given_drug",
    "study_doses",
]

COHORT = Output(
    "cohort", "Patients in the cohort",
    stats=(Stat("N", "patients in the cohort", "variable `patients`, level empty"),),
    display="",
)
ATTRITION = Output(
    "attrition", "Attrition",
    stats=(
        Stat("excluded", "patients this criterion removed"),
        Stat("remaining", "patients left after it"),
    ),
    doc=(
        "One pair of rows per criterion, in the order applied (`docs/analysis.md`), group "
        "`overall`, variable `criterion`, level the step number (`0` is every patient in the "
        "store); `label` is the criterion in words (e.g. `at least 18 administrations`). When "
        "the store's import log has the patients file, steps `-2` (patients charted: the rows "
        "of the patients file) and `-1` (imported without chart errors: `excluded` counts the "
        "patient rows quarantined at import) come first, so the flow starts at the charted "
        "patients."
    ),
    display="attrition",
    missing="The analysis reported no attrition steps.",
)
TABLE1_OUTPUT = Output(
    TABLE1, "Table 1. Characteristics at baseline",
    stats=(
        Stat("n, median, q1, q3, mean, sd, min, max", "continuous characteristics",
             "`variable` the characteristic, empty `level`"),
        Stat("N, n, pct", "categorical characteristics: patients with a value, in the "
             "category, and the percentage of `N`", "`level` the category"),
        Stat("N", "each group's size", "variable `patients`"),
        Stat("N, n, pct", "Lublin 2014 modifiers in year 1 of follow-up (when "
             "`lublin_activity` ran): patients (progressive patients for `lublin_progression`),"
             " in the level, and the percentage of `N`",
             "variables `lublin_activity` (levels `active`, `not_active`, `not_determined`) "
             "and `lublin_progression` (`with`, `without`, `not_determined`)"),
    ),
    doc=(
        "Baseline characteristics from `adsl` (`msrwe.tables.compute_table1`), per group and "
        "`overall`; with the `lublin_activity` analysis on, the Lublin 2014 activity and "
        "progression of year 1 of follow-up from `adlublin` (`msrwe.tables.lublin_table1`; a "
        "patient without a complete first year is `not_determined`)."
    ),
    display="table1",
)

#: Columns of the attrition table.
ATTRITION_SCHEMA: dict[str, pl.DataType] = {
    "step": pl.Int64(),
    "criterion": pl.String(),
    "excluded": pl.Int64(),
    "remaining": pl.Int64(),
}


@dataclass(frozen=True)
class Cohort:
    """The patients who qualify, one row each, and how the others were removed.

    Attributes
    ----------
    adsl
        One row per included patient: ``patient_id``, ``group``, the ``patients`` columns,
        ``first_dose``, ``last_dose``, ``n_doses``, ``base_edss`` (and its date),
        ``last_edss`` (and its date), ``prior_drugs``, ``prior_failed``, ``prior_failed_drugs``.
    screening
        The same columns for every patient of the store, with ``included`` and ``excluded_by``
        (the first criterion that removed the patient, null when included).
    attrition
        ``step, criterion, excluded, remaining`` (step 0 is every patient of the store; steps
        -2 and -1, when the import log has them, the patients charted and the chart errors).
    doses
        The study drug's administrations of the included patients.
    drug
        The study drug (resolved to the most-given drug when the study file names none).
    """

    adsl: pl.DataFrame
    screening: pl.DataFrame
    attrition: pl.DataFrame
    doses: pl.DataFrame
    drug: str


def _drug_summary(administrations: pl.DataFrame) -> str:
    counts = (
        administrations.filter(pl.col("drug").is_not_null())
        .group_by("drug")
        .len()
        .sort(["len", "drug"], descending=[True, False])
    )
    return ", ".join(f"{d} ({n} administrations)" for d, n in counts.iter_rows()) or "none"


def study_doses(administrations: pl.DataFrame, drug: str, route: str | None) -> pl.DataFrame:
    """The administrations of ``drug`` (by ``route`` when given), sorted by patient and date."""
    need = ["patient_id", "date", "drug"] + (["route"] if route else [])
    require_columns(administrations, "administrations", need)
    cond = _lower_is(administrations, "drug", drug)
    if route:
        cond = cond & _lower_is(administrations, "route", route)
    # the store keeps administrations in patient and date order: usually no sort needed; and
    # when every one is the study drug's (often), no copy either
    keep = administrations.select(cond.fill_null(False)).to_series()
    return sort_unless_sorted(keep_rows(administrations, keep), ["patient_id", "date"])


def _lower_is(df: pl.DataFrame, column: str, value: str) -> pl.Expr:
    """``column.str.to_lowercase() == value``, decided once per distinct spelling."""
    names = df.select(pl.col(column).unique().drop_nulls())
    spellings = names.filter(pl.col(column).cast(pl.String).str.to_lowercase() == value)[column]
    return pl.col(column).is_in(spellings)


def _empty_visits() -> pl.DataFrame:
    return pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64})


def _empty_treatments() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "patient_id": pl.String,
            "drug": pl.String,
            "start_date": pl.Date,
            "stop_date": pl.Date,
            "stop_reason": pl.String,
        }
    )


def _fmt(v: float) -> str:
    return f"{v:g}"


def build_cohort(
    study: Study,
    *,
    patients: pl.DataFrame,
    administrations: pl.DataFrame,
    visits: pl.DataFrame | None = None,
    treatments: pl.DataFrame | None = None,
    import_log: pl.DataFrame | None = None,
) -> Cohort:
    """Apply the study's cohort criteria and count what each removed.

    Parameters
    ----------
    study
        The study settings (``[cohort]`` and ``[analysis]`` are used).
    patients, administrations, visits, treatments
        Chart tables in the shape of the data contract; ``visits`` and ``treatments`` may be
        ``None`` when the store has none.
    import_log
        The store's import log; when it has the ``patients`` file, the attrition starts at the
        patients charted (step -2) and the chart-error exclusions (step -1).

    Returns
    -------
    Cohort
        The included patients, the screening of every patient, and the attrition table.

    Raises
    ------
    StudyFileError
        When nobody received the study drug, or when no patient is left.
    """
    crit = study.cohort
    visits = _empty_visits() if visits is None else visits
    if "edss" not in visits.columns:
        visits = visits.with_columns(pl.lit(None, dtype=pl.Float64).alias("edss"))
    treatments = _empty_treatments() if treatments is None else treatments
    drug = crit.drug or most_given_drug(administrations)
    doses = study_doses(administrations, drug, crit.route)
    if doses.height == 0 and not (
            administrations["drug"].cast(pl.String).str.to_lowercase() == drug).any():
        raise StudyFileError(
            f"{study.source}: cohort.drug = {drug!r}, but no administration in the store is of "
            f"this drug. Drugs in the store: {_drug_summary(administrations)}."
        )
    per_patient = doses.group_by("patient_id").agg(
        pl.col("date").min().alias("first_dose"),
        pl.col("date").max().alias("last_dose"),
        pl.len().cast(pl.Int64).alias("n_doses"),
    )
    group_col = study.analysis.group_column
    if group_col is not None and group_col not in patients.columns:
        raise StudyFileError(
            f"{study.source}: analysis.group_by = {group_col!r}, but patients has no such column."
        )
    scr = patients.join(per_patient, on="patient_id", how="left", maintain_order="left")
    scr = scr.with_columns(pl.col("n_doses").fill_null(0))
    if group_col is None:
        scr = scr.with_columns(pl.lit("overall").alias("group"))
    else:
        scr = scr.with_columns(
            pl.col(group_col).cast(pl.String).fill_null(MISSING_GROUP).alias("group")
        )
    scr = derive_vars_baseline(
        scr, visits, value="edss", window_days=study.analysis.baseline_window_days
    )
    scr = derive_vars_last_on_treatment(
        scr, visits, value="edss", lag_days=study.analysis.on_treatment_days
    )
    pt = crit.prior_treatment
    scr = derive_vars_prior_failure(
        scr,
        treatments,
        study_drug=drug,
        min_days=pt.min_days,
        reasons=pt.reasons,
        merge_gap_days=pt.merge_gap_days,
        count_study_drug=pt.count_study_drug,
    )

    route = f" by the {crit.route} route" if crit.route else ""
    steps: list[tuple[str, pl.Expr]] = [
        (f"received {drug}{route}", pl.col("n_doses") >= 1),
        (
            f"at least {crit.min_administrations} administration"
            f"{'s' if crit.min_administrations != 1 else ''}",
            pl.col("n_doses") >= crit.min_administrations,
        ),
    ]
    if crit.phenotypes:
        if "phenotype" not in scr.columns:
            raise StudyFileError(f"{study.source}: cohort.phenotypes is set, but patients has no "
                                 "column 'phenotype'.")
        steps.append((
            f"phenotype {' or '.join(crit.phenotypes)}",
            pl.col("phenotype").is_in(list(crit.phenotypes)),
        ))
    else:
        steps.append(("phenotype (any)", pl.lit(True)))
    d0, d1 = crit.first_dose_from, crit.first_dose_to
    if d0 or d1:
        cond = pl.lit(True)
        if d0:
            cond = cond & (pl.col("first_dose") >= d0)
        if d1:
            cond = cond & (pl.col("first_dose") <= d1)
        label = f"first dose {d0 or 'any'} to {d1 or 'any'}"
        steps.append((label, cond))
    else:
        steps.append(("first dose date (any)", pl.lit(True)))
    lo, hi = crit.baseline_edss_min, crit.baseline_edss_max
    if lo is not None or hi is not None:
        cond = pl.col("base_edss").is_not_null()
        if lo is not None:
            cond = cond & (pl.col("base_edss") >= lo)
        if hi is not None:
            cond = cond & (pl.col("base_edss") <= hi)
        label = (
            f"baseline EDSS {_fmt(lo) if lo is not None else '0'} to "
            f"{_fmt(hi) if hi is not None else '10'}"
        )
        steps.append((label, cond))
    else:
        steps.append(("baseline EDSS (any)", pl.lit(True)))
    if pt.active:
        steps.append((
            f"at least {pt.min_drugs} prior drugs failed (>= {pt.min_days} days, stopped for "
            f"{' or '.join(pt.reasons)})",
            pl.col("prior_failed") >= pt.min_drugs,
        ))
    else:
        steps.append(("prior treatment failure (not required)", pl.lit(True)))

    rows = [*charted_steps(import_log, scr.height), (0, "patients in the store", 0, scr.height)]
    scr = scr.with_columns(pl.lit(None, dtype=pl.String).alias("excluded_by"))
    remaining = scr.height
    for i, (label, cond) in enumerate(steps, start=1):
        fails = pl.col("excluded_by").is_null() & ~cond.fill_null(False)
        scr = scr.with_columns(
            pl.when(fails).then(pl.lit(label)).otherwise(pl.col("excluded_by")).alias("excluded_by")
        )
        now = int(scr["excluded_by"].is_null().sum())
        rows.append((i, label, remaining - now, now))
        remaining = now
    scr = scr.with_columns(pl.col("excluded_by").is_null().alias("included"))
    attrition = pl.DataFrame(rows, schema=ATTRITION_SCHEMA, orient="row")
    if remaining == 0:
        detail = "; ".join(f"{c}: -{e}" for st, c, e, _ in rows[1:] if e and st > 0)
        raise StudyFileError(
            f"{study.source}: no patient meets the cohort criteria ({detail}). "
            "Loosen the [cohort] settings."
        )
    front = ["patient_id", "group"]
    scr = scr.select(front + [c for c in scr.columns if c not in front])
    adsl = scr.filter(pl.col("included")).drop("included", "excluded_by")
    # the included patients' doses: the frame itself when every patient with a dose is included
    kept = doses.select(pl.col("patient_id").is_in(adsl["patient_id"])).to_series()
    return Cohort(
        adsl=adsl,
        screening=scr,
        attrition=attrition,
        doses=keep_rows(doses, kept),
        drug=drug,
    )


#: The attrition steps before the store, from the import log.
CHARTED = "patients charted (rows of the patients file)"
CHART_ERRORS = "imported without chart errors (the others quarantined at import)"


def charted_steps(
    import_log: pl.DataFrame | None, in_store: int
) -> list[tuple[int, str, int, int]]:
    """The attrition steps -2 (patients charted) and -1 (chart errors) from the import log.

    The patients charted are the rows read from the ``patients`` file(s); those not in the store
    were quarantined for chart errors. No step when the log has no patients file, or when it
    counts fewer rows than the store holds (a store written by other means).

    Examples
    --------
    >>> log = pl.DataFrame({"table_name": ["patients", "visits"], "rows_read": [83, 900]})
    >>> charted_steps(log, 82)  # doctest: +NORMALIZE_WHITESPACE
    [(-2, 'patients charted (rows of the patients file)', 0, 83),
     (-1, 'imported without chart errors (the others quarantined at import)', 1, 82)]
    >>> charted_steps(None, 82)
    []
    """
    if import_log is None or not {"table_name", "rows_read"} <= set(import_log.columns):
        return []
    read = import_log.filter(pl.col("table_name") == "patients").get_column("rows_read")
    if read.len() == 0 or read.null_count():
        return []
    charted = int(read.sum())
    if charted < in_store:
        return []
    return [(-2, CHARTED, 0, charted), (-1, CHART_ERRORS, charted - in_store, in_store)]


class CohortCounts(Analysis):
    """Patients per group and the attrition table as rows of the results table."""

    name = "cohort"
    title = "Cohort"
    outputs = (COHORT, ATTRITION)
    section = ("cohort", "Cohort")
    facts = (
        KeyFact("patients", "patients in the cohort", COHORT.name, "N", "patients",
                per_group=True),
    )

    def run(self, context: Context, results: ResultsTable) -> None:
        """``cohort`` (patients per group) and ``attrition`` rows."""
        adsl = context.cohort.adsl
        for g in context.in_force.groups:
            n = adsl.height if g == "overall" else int((adsl["group"] == g).sum())
            results.add(COHORT.name, g, "patients", "", "N", n, label="Patients in the cohort")
        for step, criterion, excluded, remaining in context.cohort.attrition.iter_rows():
            level = str(step)
            results.add(ATTRITION.name, "overall", "criterion", level, "excluded", excluded,
                        label=criterion)
            results.add(ATTRITION.name, "overall", "criterion", level, "remaining", remaining,
                        label=criterion)

    def methods(self, context: Context) -> list[str]:
        """Who was included, and how many."""
        return [cohort_methods(context.study, context.in_force.drug, context.cohort.adsl.height)]


class Table1(Analysis):
    """Table 1: the cohort's baseline characteristics, per group and overall."""

    name = "table1"
    title = "Table 1"
    outputs = (TABLE1_OUTPUT,)
    after = ("exposure", "efficacy", "lublin_activity")
    section = ("cohort", "Cohort")
    facts = (
        KeyFact("followup", "years of follow-up, median", TABLE1, "median", "followup_years",
                digits=1),
    )

    def run(self, context: Context, results: ResultsTable) -> None:
        """Table 1 rows from ``adsl`` as the other analyses left it.

        With the ``lublin_activity`` analysis on (it runs first and leaves ``adlublin``), the
        Lublin 2014 modifiers of year 1 of follow-up are added (:func:`lublin_table1`).
        """
        results.extend(compute_table1(context.adsl))
        adlublin = context.datasets.get("adlublin")
        lublin_on = context.study.analyses.get("lublin_activity", {}).get("enabled", True)
        if adlublin is not None and lublin_on:
            results.extend(lublin_table1(context.adsl, adlublin))
