"""Plausibility of doses: a single dose far above the usual one, a lifetime dose beyond the label.

These rows are imported with a warning (``msrwe quarantine --warnings``), not quarantined: an
unusual dose can be real (a loading dose, an off-label regimen), and a data manager checks it
against the chart. Doses come from ``/work/shared/reference/clinical-methods.md`` section 6
(the labels and trials cited there).

Examples
--------
>>> import polars as pl
>>> from msrwe.io._frames import ROW
>>> rows = pl.DataFrame({ROW: [2, 3], "patient_id": ["A1", "A1"], "drug": ["rituximab"] * 2,
...                      "dose": [1000.0, 10000.0], "dose_unit": ["mg", "mg"],
...                      "bsa_m2": [None, None], "date": [None, None]})
>>> [f.collect()["rule"].to_list() for f in dose_warnings(rows, "administrations.csv")]
[['dose_above_usual']]
"""

from __future__ import annotations

import polars as pl

from msrwe.io._frames import ROW, problems

__all__ = ["FAR_ABOVE", "LIFETIME_LIMITS", "USUAL_DOSES", "dose_warnings"]

#: The usual largest single dose of each drug: (dose, unit, source).
USUAL_DOSES: dict[str, tuple[float, str, str]] = {
    "methotrexate": (25.0, "mg", "weekly oral dose up to 25 mg; intrathecal 12.5 mg (Stark 2019)"),
    "mitoxantrone": (12.0, "mg/m2", "US label: 12 mg/m2 every 3 months"),
    "rituximab": (1000.0, "mg", "OLYMPUS: 1000 mg infusions"),
    "ocrelizumab": (600.0, "mg", "label: 600 mg every 24 weeks"),
    "natalizumab": (300.0, "mg", "label: 300 mg every 4 weeks"),
    "cladribine": (20.0, "mg", "tablets: 10-20 mg a day (1.75 mg/kg per yearly course)"),
    "siponimod": (2.0, "mg", "EXPAND: 2 mg daily"),
}

#: How many times the usual dose counts as far above it.
FAR_ABOVE = 2.0

#: Lifetime cumulative limits by label: drug -> (limit, unit, source).
LIFETIME_LIMITS: dict[str, tuple[float, str, str]] = {
    "mitoxantrone": (140.0, "mg/m2", "US label: lifetime cumulative dose at most 140 mg/m2"),
}

_TO_MG = {"mg": 1.0, "g": 1000.0}


def _in_unit(unit: str) -> pl.Expr:
    """Each row's dose in ``unit`` (mg/m2 from mg and the body surface area), else null."""
    dose, given = pl.col("dose"), pl.col("dose_unit")
    if unit == "mg":
        expr = pl.when(given == "mg").then(dose).when(given == "g").then(dose * 1000.0)
    else:  # mg/m2
        per_m2 = pl.when(given == "mg/m2").then(dose)
        expr = per_m2.when(given.is_in(list(_TO_MG)) & (pl.col("bsa_m2") > 0)).then(
            dose * given.replace_strict(_TO_MG, default=None, return_dtype=pl.Float64)
            / pl.col("bsa_m2")
        )
    return expr.otherwise(None)


def dose_warnings(
    rows: pl.DataFrame, file: str, *, single: bool = True, lifetime: bool = True
) -> list[pl.LazyFrame]:
    """Warnings of the administrations in ``rows``.

    ``rows`` holds the typed columns ``patient_id``, ``date``, ``drug``, ``dose``,
    ``dose_unit``, ``bsa_m2`` and :data:`~msrwe.io._frames.ROW`. ``single``: the warnings of
    each dose alone (``dose_above_usual``, a rule of one row, which a file read in batches
    checks batch by batch); ``lifetime``: those of a patient's doses together
    (``cumulative_above_label``, which needs every row of the drugs of
    :data:`LIFETIME_LIMITS`).

    Returns
    -------
    list of polars.LazyFrame
        Problem rows (``dose_above_usual``, ``cumulative_above_label``), possibly none.
    """
    out: list[pl.LazyFrame] = []
    for drug, (usual, unit, source) in USUAL_DOSES.items() if single else ():
        mine = rows.filter(pl.col("drug") == drug).with_columns(_in_unit(unit).alias("__d"))
        high = mine.filter(pl.col("__d") > usual * FAR_ABOVE)
        if high.height:
            out.append(problems(
                high, table="administrations", file=file, column="dose",
                value=pl.format("{} {}", pl.col("dose"), pl.col("dose_unit")),
                rule="dose_above_usual",
                message=pl.format(
                    "a single {} dose of {} {} is more than {} times the usual {} {} ({}); "
                    "check the chart", pl.lit(drug), pl.col("dose"), pl.col("dose_unit"),
                    pl.lit(f"{FAR_ABOVE:g}"), pl.lit(f"{usual:g}"), pl.lit(unit), pl.lit(source),
                ),
            ))
    for drug, (limit, unit, source) in LIFETIME_LIMITS.items() if lifetime else ():
        mine = rows.filter(pl.col("drug") == drug).with_columns(_in_unit(unit).alias("__d"))
        if mine.height == 0:
            continue
        mine = mine.sort("patient_id", "date", ROW).with_columns(
            pl.col("__d").fill_null(0).cum_sum().over("patient_id").alias("__total")
        )
        over = mine.filter(pl.col("__total") > limit)
        if over.height:
            out.append(problems(
                over, table="administrations", file=file, column="dose",
                value=pl.format("{} {}", pl.col("dose"), pl.col("dose_unit")),
                rule="cumulative_above_label",
                message=pl.format(
                    "the cumulative {} dose reaches {} {} with this dose, beyond the label's "
                    "{} {} ({}); check the chart",
                    pl.lit(drug), pl.col("__total").round(1), pl.lit(unit), pl.lit(f"{limit:g}"),
                    pl.lit(unit), pl.lit(source),
                ),
            ))
    return out
