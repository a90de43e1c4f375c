"""Table 1 rows (analysis ``table1``) computed from ``adsl`` into the results table.

The report prints only numbers of the results table. ``msrwe analyze`` adds Table 1 rows from the
per-patient dataset ``adsl`` with :func:`compute_table1`, so ``results.csv`` holds Table 1 too;
the report calls it only for an analysis result that lacks them.

Continuous variables get ``n, median, q1, q3, mean, sd, min, max`` (quartiles by linear
interpolation, R's type 7); categorical variables get one level per category with ``N`` (patients
with a value), ``n`` and ``pct`` (of ``N``). The row ``patients`` / stat ``N`` is each group's size.

Examples
--------
>>> adsl = pl.DataFrame({"patient_id": ["1", "2", "3"], "group": ["A", "A", "B"],
...                      "age": [40.0, 50.0, 60.0], "sex": ["F", "M", "F"]})
>>> r = compute_table1(adsl)
>>> r.get("table1", "median", group="A", variable="age")
45.0
>>> r.get("table1", "pct", group="overall", variable="sex", level="F")
66.66666666666667
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from msrwe.derive._columns import key_type
from msrwe.errors import InputError
from msrwe.tables.groups import group_ids
from msrwe.tables.results import ResultsTable

__all__ = [
    "CATEGORICAL_VARIABLES",
    "CONTINUOUS_VARIABLES",
    "GROUP_COLUMNS",
    "LUBLIN_VARIABLES",
    "TABLE1",
    "compute_table1",
    "lublin_table1",
]

#: The ``analysis`` value of Table 1 rows.
TABLE1 = "table1"

#: (variable, label, candidate columns of adsl): the first candidate present is used.
CONTINUOUS_VARIABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("age", "Age at baseline, years", ("age", "age_years", "age_at_baseline", "age_bl")),
    ("disease_duration", "Disease duration, years",
     ("disease_duration_years", "disease_duration", "ms_duration_years", "duration_years")),
    ("baseline_edss", "Baseline EDSS", ("baseline_edss", "edss_baseline", "edss_bl", "base_edss")),
    ("prior_treatments", "Prior disease-modifying treatments",
     ("n_prior_treatments", "prior_treatments", "n_prior_dmt", "n_prior_dmts")),
    ("doses", "Doses received", ("n_doses", "doses", "n_administrations")),
    ("followup_years", "Follow-up, years",
     ("followup_years", "follow_up_years", "fu_years", "followup_y")),
)
#: Categorical variables, as for :data:`CONTINUOUS_VARIABLES`.
CATEGORICAL_VARIABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("sex", "Sex", ("sex",)),
    ("phenotype", "Phenotype", ("phenotype",)),
)
#: Columns that can name each patient's group, in order of preference.
GROUP_COLUMNS: tuple[str, ...] = ("group", "trt_group", "arm")

_METHOD = "Median (Q1–Q3) by linear interpolation; n (% of patients with a value)"

#: The Lublin 2014 rows of Table 1: (variable, label, column of ``adlublin``, levels).
LUBLIN_VARIABLES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("lublin_activity", "Lublin 2014 activity, first year of follow-up", "activity",
     ("active", "not_active", "not_determined")),
    ("lublin_progression", "Lublin 2014 progression, first year (progressive courses)",
     "progression", ("with", "without", "not_determined")),
)
_LUBLIN_METHOD = (
    "n (% of patients): year 1 of follow-up from the first dose (reference/endpoints.md "
    "section 2); a patient without a complete first year is not determined; progression "
    "among PPMS and SPMS only"
)


def _first_present(df: pl.DataFrame, candidates: Sequence[str]) -> str | None:
    return next((c for c in candidates if c in df.columns), None)


def compute_table1(
    adsl: pl.DataFrame,
    *,
    group: str | None = None,
) -> ResultsTable:
    """Describe the cohort at baseline, per group and overall.

    Parameters
    ----------
    adsl
        One row per patient of the cohort. Variables are found by the candidate names in
        :data:`CONTINUOUS_VARIABLES` and :data:`CATEGORICAL_VARIABLES`; those absent are left out.
    group
        Column that names each patient's group; by default the first of :data:`GROUP_COLUMNS`
        present. Without one, only ``overall`` is described.

    Returns
    -------
    ResultsTable
        Rows of analysis ``table1``; the input is not changed.

    Raises
    ------
    InputError
        When ``adsl`` has no ``patient_id`` or ``group`` names an absent column.

    Examples
    --------
    >>> r = compute_table1(pl.DataFrame({"patient_id": ["1", "2"], "n_doses": [3, 5]}))
    >>> r.get("table1", "N", variable="patients"), r.get("table1", "mean", variable="doses")
    (2.0, 4.0)
    """
    if "patient_id" not in adsl.columns:
        raise InputError("adsl has no column 'patient_id'; Table 1 needs one row per patient.")
    if group is not None and group not in adsl.columns:
        raise InputError(f"adsl has no column '{group}' to group Table 1 by.")
    group = group or _first_present(adsl, GROUP_COLUMNS)
    ids = adsl["patient_id"].cast(key_type(adsl))
    parts = [(g, adsl.filter(ids.is_in(members))) for g, members in group_ids(adsl, group)]
    out = ResultsTable()
    for g, sub in parts:
        out.add(TABLE1, g, "patients", "", "N", sub.height, label="Patients",
                method=_METHOD)
        for var, label, candidates in CONTINUOUS_VARIABLES:
            col = _first_present(adsl, candidates)
            if col is None:
                continue
            values = sub.get_column(col).cast(pl.Float64, strict=False).drop_nulls().drop_nans()
            n = values.len()
            stats: dict[str, float | None] = {"n": n}
            if n:
                stats |= {
                    "median": values.median(),
                    "q1": values.quantile(0.25, interpolation="linear"),
                    "q3": values.quantile(0.75, interpolation="linear"),
                    "mean": values.mean(),
                    "sd": values.std() if n > 1 else None,
                    "min": values.min(),
                    "max": values.max(),
                }  # type: ignore[dict-item]
            out.add_stats(TABLE1, g, var, "", stats, label=label, method=_METHOD)
        for var, label, candidates in CATEGORICAL_VARIABLES:
            col = _first_present(adsl, candidates)
            if col is None:
                continue
            levels = sorted(
                str(v) for v in adsl.get_column(col).drop_nulls().unique().to_list()
            )
            values = sub.get_column(col).cast(pl.String).drop_nulls()
            total = values.len()
            counts = dict(values.value_counts().iter_rows())
            for lev in levels:
                k = counts.get(lev, 0)
                out.add_stats(
                    TABLE1, g, var, lev,
                    {"N": total, "n": k, "pct": 100.0 * k / total if total else None},
                    label=label, method=_METHOD,
                )
            missing = sub.height - total
            if missing:
                out.add_stats(TABLE1, g, var, "(missing)", {"n": missing}, label=label,
                              method=_METHOD)
    return out


def lublin_table1(
    adsl: pl.DataFrame,
    adlublin: pl.DataFrame,
    *,
    group: str | None = None,
) -> ResultsTable:
    """Table 1 rows of the Lublin 2014 course modifiers in the first year of follow-up.

    The *baseline year* of the modifiers is year 1 of follow-up (from the first dose to the day
    before its first anniversary), the first year ``adlublin`` assesses
    (:func:`msrwe.derive.lublin.derive_lublin_years`): the chart holds no scan comparison and no
    EDSS series before the first dose to assess the year before it. Variables (levels in
    :data:`LUBLIN_VARIABLES`): ``lublin_activity`` among every patient of the group, and
    ``lublin_progression`` among the group's progressive patients (a ``progression`` value in
    ``adlublin``, or PPMS/SPMS in ``adsl``'s ``phenotype``). A patient with no complete first
    year counts as ``not_determined``. Stats ``N``, ``n``, ``pct`` (of ``N``), as the other
    categorical rows of Table 1.

    Parameters
    ----------
    adsl
        One row per patient (``patient_id``, the group column, ``phenotype`` when known).
    adlublin
        Per patient-year: ``patient_id``, ``year``, ``activity``, ``progression``.
    group
        As in :func:`compute_table1`.

    Returns
    -------
    ResultsTable
        Rows of analysis ``table1``.

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["1", "2", "3"], "phenotype": ["SPMS"] * 3})
    >>> adl = pl.DataFrame({"patient_id": ["1", "1", "2"], "year": [1, 2, 1],
    ...                     "activity": ["active", "not_active", "not_determined"],
    ...                     "progression": ["with", "without", "without"]})
    >>> r = lublin_table1(adsl, adl)
    >>> r.get("table1", "n", variable="lublin_activity", level="not_determined")
    2.0
    >>> round(r.get("table1", "pct", variable="lublin_progression", level="with"), 2)
    33.33
    """
    for name, df, cols in (("adsl", adsl, ["patient_id"]),
                           ("adlublin", adlublin, ["patient_id", "year", "activity",
                                                   "progression"])):
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise InputError(f"{name} has no column {missing[0]!r}; the Lublin rows of "
                             "Table 1 need it.")
    if group is not None and group not in adsl.columns:
        raise InputError(f"adsl has no column '{group}' to group Table 1 by.")
    group = group or _first_present(adsl, GROUP_COLUMNS)
    first = adlublin.filter(pl.col("year") == 1).select(
        pl.col("patient_id").cast(pl.String), "activity", "progression"
    ).unique("patient_id", keep="first")
    base = adsl.with_columns(pl.col("patient_id").cast(pl.String)).join(
        first, on="patient_id", how="left")
    progressive = pl.col("progression").is_not_null()
    if "phenotype" in base.columns:
        progressive = progressive | pl.col("phenotype").cast(pl.String).is_in(["PPMS", "SPMS"])
    base = base.with_columns(
        pl.col("activity").fill_null("not_determined"),
        pl.when(progressive).then(pl.col("progression").fill_null("not_determined"))
        .otherwise(None).alias("progression"),
    )
    ids = base["patient_id"]
    out = ResultsTable()
    for g, members in group_ids(base, group):
        sub = base.filter(ids.is_in(members))
        for var, label, col, levels in LUBLIN_VARIABLES:
            values = sub.get_column(col).drop_nulls()
            total = values.len()
            if not total:
                continue
            counts = dict(values.value_counts().iter_rows())
            for lev in levels:
                k = counts.get(lev, 0)
                out.add_stats(TABLE1, g, var, lev, {"N": total, "n": k, "pct": 100.0 * k / total},
                              label=label, method=_LUBLIN_METHOD)
    return out
