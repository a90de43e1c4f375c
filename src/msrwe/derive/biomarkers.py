"""Serum neurofilament light (sNfL) and GFAP samples: units, age limits, z-scores, relapses.

Reference/endpoints.md section 5. Per sample, :func:`derive_vars_biomarker_samples` adds:

- ``marker`` normalised (``snfl``: nfl, snfl, nf-l, nfl_serum, neurofilament; ``sgfap``: gfap,
  sgfap) and ``value_pg_ml``: the value in pg/mL (``pg/mL`` and ``ng/L`` are the same unit;
  ``ng/mL`` is multiplied by 1000). An empty unit is taken as pg/mL (the contract's unit) and
  flagged in ``unit_assumed``; any other unit is refused with the row and value.
- ``age`` at the sample (years, decimal) and ``uln``: the **age-specific upper limit** of sNfL
  for the age in completed years, the 97.5th
  percentile of healthy adults by decade (Bornhorst 2022, Simoa, plasma, n = 1100: 20s 8.4,
  30s 11.4, 40s 15.4, 50s 20.8, 60s 28.0, 70s 37.9, 80+ 51.2 pg/mL; endpoints.md 5.1 [A]); no
  limit below age 20 and none for GFAP (the reference gives no age table), so ``above_uln`` is
  then empty. These limits come from plasma; serum runs slightly higher (endpoints.md 5.1).
- ``z_score`` and ``percentile``: **no public copy of the Benkert 2022 model exists**
  (endpoints.md 5.2), so msrwe bundles none. It takes, in this order: the chart's own
  ``z_score`` / ``percentile`` columns (computed elsewhere, e.g. by the authors' web app;
  ``z_source = "chart"``); else a reference table the user supplies (``z_source =
  "reference"``, format in :func:`read_biomarker_reference`); else nothing (empty, and the
  analysis reports raw values against the age limits instead and says so).
- ``relapse_proximal``: the sample lies from ``before_days`` (30) before to ``after_days`` (90)
  after a relapse onset, or up to ``after_days`` after a scan with a Gd-enhancing lesion
  (endpoints.md 5.3 [D]); such samples are left out of baselines and remission summaries.

Examples
--------
>>> import datetime as dt
>>> d = dt.date
>>> b = pl.DataFrame({"patient_id": ["a", "a"], "date": [d(2020, 1, 1), d(2020, 3, 1)],
...                   "marker": ["NfL", "snfl"], "value": [0.012, 9.0], "unit": ["ng/mL", None]})
>>> pts = pl.DataFrame({"patient_id": ["a"], "birth_date": [d(1975, 6, 1)]})
>>> rel = pl.DataFrame({"patient_id": ["a"], "onset_date": [d(2020, 1, 31)]})
>>> out = derive_vars_biomarker_samples(b, patients=pts, relapses=rel)
>>> out.select("marker", "value_pg_ml", "uln", "above_uln", "relapse_proximal").rows()
[('snfl', 12.0, 15.4, False, True), ('snfl', 9.0, 15.4, False, True)]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from msrwe._lazy import lazy_module
from msrwe.derive._columns import require_columns
from msrwe.derive._extras import extra_as_float
from msrwe.derive.relapse_rates import DAYS_PER_YEAR
from msrwe.errors import InputError, OptionError

if TYPE_CHECKING:  # loaded on first use: commands that compute no statistics never import it
    from scipy import stats
else:
    stats = lazy_module("scipy.stats")

__all__ = [
    "MARKER_ALIASES",
    "SNFL_ULN_BY_DECADE",
    "derive_vars_biomarker_samples",
    "read_biomarker_reference",
]

#: Charted marker names and the marker msrwe reports them as.
MARKER_ALIASES: dict[str, str] = {
    "nfl": "snfl", "snfl": "snfl", "nf-l": "snfl", "nfl_serum": "snfl", "neurofilament": "snfl",
    "gfap": "sgfap", "sgfap": "sgfap",
}
#: sNfL upper reference limit (pg/mL) by decade of age: (lowest age, limit); Bornhorst 2022.
SNFL_ULN_BY_DECADE: tuple[tuple[int, float], ...] = (
    (20, 8.4), (30, 11.4), (40, 15.4), (50, 20.8), (60, 28.0), (70, 37.9), (80, 51.2),
)
_UNIT_FACTOR = {"pg/ml": 1.0, "ng/l": 1.0, "ng/ml": 1000.0}
_REFERENCE_COLUMNS = ("marker", "age_min", "age_max", "log_mean", "log_sd")


def read_biomarker_reference(path: str | Path) -> pl.DataFrame:
    """Read a user-supplied reference table for z-scores.

    The file is a CSV with one row per marker and age band: ``marker`` (snfl or sgfap),
    ``age_min`` (inclusive), ``age_max`` (exclusive), ``log_mean`` and ``log_sd`` (the mean and
    standard deviation of the natural log of the value in pg/mL among healthy people of that
    age). A sample's ``z_score = (ln(value) - log_mean) / log_sd`` and
    ``percentile = 100 x Phi(z)``. A model with BMI (as Benkert 2022) must be applied outside
    msrwe and its z-scores charted in the ``z_score`` column.

    Raises
    ------
    InputError
        When the file is missing, lacks a column, or has a non-positive ``log_sd`` or overlapping
        bands (the message names the row).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no biomarker reference table here (a CSV file is expected).")
    try:
        ref = pl.read_csv(p)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the biomarker reference table ({exc}).") from None
    missing = [c for c in _REFERENCE_COLUMNS if c not in ref.columns]
    if missing:
        raise InputError(f"{p}: the biomarker reference table has no column "
                         f"{', '.join(missing)}; it needs {', '.join(_REFERENCE_COLUMNS)}.")
    ref = ref.select(
        pl.col("marker").cast(pl.String).str.to_lowercase().replace(MARKER_ALIASES),
        *[pl.col(c).cast(pl.Float64) for c in _REFERENCE_COLUMNS[1:]],
    )
    for i, row in enumerate(ref.iter_rows(named=True), start=2):
        if row["log_sd"] is None or row["log_sd"] <= 0 or row["age_min"] is None \
                or row["age_max"] is None or row["age_max"] <= row["age_min"]:
            raise InputError(f"{p}, row {i}: log_sd must be > 0 and age_min < age_max; got "
                             f"log_sd={row['log_sd']}, ages {row['age_min']}-{row['age_max']}.")
    ordered = ref.sort("marker", "age_min")
    for m, part in ordered.group_by("marker"):
        ends, starts = part["age_max"].to_list()[:-1], part["age_min"].to_list()[1:]
        if any(s < e for s, e in zip(starts, ends, strict=True)):
            raise InputError(f"{p}: the age bands of {m[0]!r} overlap.")
    return ref


def _uln(age: pl.Expr) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.Float64)
    for low, limit in SNFL_ULN_BY_DECADE:
        expr = pl.when(age >= low).then(pl.lit(limit)).otherwise(expr)
    return expr


def derive_vars_biomarker_samples(
    biomarkers: pl.DataFrame,
    *,
    patients: pl.DataFrame,
    relapses: pl.DataFrame | None = None,
    scans: pl.DataFrame | None = None,
    reference: pl.DataFrame | None = None,
    by: str = "patient_id",
    before_days: int = 30,
    after_days: int = 90,
) -> pl.DataFrame:
    """Normalise each sample and add age limits, z-scores and the relapse-proximal flag.

    Parameters
    ----------
    biomarkers
        The ``biomarkers`` chart table: ``by``, ``date``, ``marker``, ``value``, ``unit``
        (optional ``z_score``, ``percentile``, ``assay``).
    patients
        ``by`` and ``birth_date``.
    relapses
        Relapse onsets (``by``, ``onset_date``), or ``None``.
    scans
        Scans with ``gd_lesions`` (``by``, ``date``), or ``None``.
    reference
        A reference table from :func:`read_biomarker_reference`, or ``None``.
    by
        The patient key.
    before_days, after_days
        The relapse-proximal window around a relapse onset (30 before, 90 after).

    Returns
    -------
    polars.DataFrame
        The samples sorted by patient, marker and date, with ``marker`` normalised,
        ``value_pg_ml``, ``unit_assumed``, ``age``, ``uln``, ``above_uln``, ``z_score``,
        ``percentile``, ``z_source`` and ``relapse_proximal``.

    Raises
    ------
    InputError
        For a unit msrwe does not know (naming the row, column and value).
    """
    for name, v in (("before_days", before_days), ("after_days", after_days)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise OptionError(f"derive_vars_biomarker_samples: {name!r} must be a whole number "
                              f">= 0; got {v!r}.")
    require_columns(biomarkers, "biomarkers", [by, "date", "marker", "value"])
    require_columns(patients, "patients", [by, "birth_date"])
    b = biomarkers
    if "unit" not in b.columns:
        b = b.with_columns(pl.lit(None, dtype=pl.String).alias("unit"))
    for col in ("z_score", "percentile"):
        if col not in b.columns:
            b = b.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
        b = extra_as_float(b, col, "biomarkers")
    unit = pl.col("unit").cast(pl.String).str.strip_chars().str.to_lowercase()
    b = b.with_row_index("_row").with_columns(unit.alias("_unit"))
    bad = b.filter(pl.col("_unit").is_not_null() & ~pl.col("_unit").is_in(list(_UNIT_FACTOR)))
    if bad.height:
        r = bad.row(0, named=True)
        raise InputError(
            f"biomarkers, row {r['_row'] + 1}, column 'unit': {r['unit']!r} is not a unit msrwe "
            "converts; use pg/mL, ng/L or ng/mL."
        )
    b = b.with_columns(
        pl.col("marker").cast(pl.String).str.strip_chars().str.to_lowercase()
        .replace(MARKER_ALIASES).alias("marker"),
        (pl.col("value") * pl.col("_unit").replace_strict(_UNIT_FACTOR, default=1.0,
                                                          return_dtype=pl.Float64))
        .alias("value_pg_ml"),
        pl.col("_unit").is_null().alias("unit_assumed"),
        pl.when(pl.col("z_score").is_not_null() | pl.col("percentile").is_not_null())
        .then(pl.lit("chart")).otherwise(None).alias("z_source"),
    ).join(patients.select(by, "birth_date").unique(by, keep="first"), on=by, how="left")
    birthday_not_yet = (pl.col("date").dt.month() * 100 + pl.col("date").dt.day()) < (
        pl.col("birth_date").dt.month() * 100 + pl.col("birth_date").dt.day())
    completed = (pl.col("date").dt.year() - pl.col("birth_date").dt.year()
                 - birthday_not_yet.cast(pl.Int32))
    b = b.with_columns(
        ((pl.col("date") - pl.col("birth_date")).dt.total_days() / DAYS_PER_YEAR).alias("age"),
    ).with_columns(
        pl.when(pl.col("marker") == "snfl").then(_uln(completed)).otherwise(None)
        .alias("uln"),
    ).with_columns((pl.col("value_pg_ml") > pl.col("uln")).alias("above_uln"))
    if reference is not None:
        b = _apply_reference(b, reference)
    b = b.with_columns(_proximal(b, relapses, scans, by, before_days, after_days))
    return b.drop("_row", "_unit", "birth_date").sort(by, "marker", "date")


def _apply_reference(b: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    require_columns(reference, "reference", list(_REFERENCE_COLUMNS))
    matched = (
        b.select("_row", "marker", "age", "value_pg_ml")
        .join(reference, on="marker", how="inner")
        .filter((pl.col("age") >= pl.col("age_min")) & (pl.col("age") < pl.col("age_max"))
                & (pl.col("value_pg_ml") > 0))
        .select("_row", ((pl.col("value_pg_ml").log() - pl.col("log_mean")) / pl.col("log_sd"))
                .alias("_z"))
    )
    out = b.join(matched, on="_row", how="left", maintain_order="left")
    use = pl.col("z_source").is_null() & pl.col("_z").is_not_null()
    z = out["_z"].to_numpy()
    pct = pl.Series("_p", 100 * stats.norm.cdf(z), dtype=pl.Float64)
    return out.with_columns(pct.fill_nan(None)).with_columns(
        pl.when(use).then(pl.col("_z")).otherwise(pl.col("z_score")).alias("z_score"),
        pl.when(use).then(pl.col("_p")).otherwise(pl.col("percentile")).alias("percentile"),
        pl.when(use).then(pl.lit("reference")).otherwise(pl.col("z_source")).alias("z_source"),
    ).drop("_z", "_p")


def _proximal(b: pl.DataFrame, relapses: pl.DataFrame | None, scans: pl.DataFrame | None,
              by: str, before: int, after: int) -> pl.Series:
    flagged: set[int] = set()
    samples = b.select("_row", by, "date")
    if relapses is not None and relapses.height:
        require_columns(relapses, "relapses", [by, "onset_date"])
        hit = samples.join(relapses.select(by, "onset_date"), on=by, how="inner").filter(
            (pl.col("date") >= pl.col("onset_date") - pl.duration(days=before))
            & (pl.col("date") <= pl.col("onset_date") + pl.duration(days=after)))
        flagged.update(hit["_row"].to_list())
    if scans is not None and scans.height and "gd_lesions" in scans.columns:
        gd = scans.filter(pl.col("gd_lesions").fill_null(0) > 0).select(
            by, pl.col("date").alias("_scan"))
        hit = samples.join(gd, on=by, how="inner").filter(
            (pl.col("date") >= pl.col("_scan"))
            & (pl.col("date") <= pl.col("_scan") + pl.duration(days=after)))
        flagged.update(hit["_row"].to_list())
    return b["_row"].is_in(sorted(flagged)).alias("relapse_proximal")
