"""The comparison cohort: index dates, eligibility at index, covariates at index, follow-up.

One row per *unit*: a patient's start of one arm's drug (a new-user design; Simoneau et al.,
*Mult Scler* 2022; comparative-effectiveness.md 2.1 and 2.4):

- **Index date** = the first dose ever charted of the arm's drug (by the arm's route when
  ``compare.routes`` names one). The start must fall in ``index_from`` .. ``index_to``; a patient
  whose first dose came before the window is not a new user and is left out.
- **Switches.** Without ``allow_switch`` a patient who received two arms' drugs belongs to the
  arm started first (same-day starts of two arms are left out, since the arm is ambiguous). With
  ``allow_switch`` every start is a unit with its own baseline, and its follow-up ends at the
  patient's next start of another arm.
- **Eligibility at index**: phenotype at index (an SPMS patient whose conversion date is after
  index counts as RRMS), baseline EDSS range, chart history before index, washout from other
  disease-modifying treatments, at least one assessment after index, complete covariates.
- **Covariates at index**: see :data:`msrwe.compare.design.COVARIATES`.
- **Follow-up** ends at the last assessment (visit) up to the end date: intention to treat, the
  end of the chart (or the next index under ``allow_switch``); on treatment, also the stop of the
  arm's drug plus ``grace_days`` or the first dose of another treatment, whichever comes first.

Each step is one row of the attrition table (units excluded and remaining).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from msrwe.compare.design import CompareDesign
from msrwe.derive._columns import as_text
from msrwe.derive.relapses import filter_confirmed_relapses
from msrwe.errors import StudyFileError

__all__ = ["CompareCohort", "build_compare_cohort", "covariate_matrix"]

_DPY = 365.25
_ATTRITION_SCHEMA = {
    "step": pl.Int64, "criterion": pl.String, "excluded": pl.Int64, "remaining": pl.Int64,
}


@dataclass(frozen=True)
class CompareCohort:
    """What :func:`build_compare_cohort` returns.

    Attributes
    ----------
    units
        One row per eligible unit: ``unit_id``, ``patient_id``, ``arm``, ``index_date``,
        ``end_date`` (the last assessment of follow-up), ``stop_date``, ``switch_date``,
        ``person_years`` and the covariates at index (``age``, ``female``,
        ``disease_duration``, ``edss``, ``relapses_2y``, ``prior_dmts``, ``phenotype``,
        ``mri_active``, ``snfl``; ``<name>_missing`` indicators under ``missing = "indicator"``).
    attrition
        ``step, criterion, excluded, remaining`` (units).
    covariates
        The covariates in force (names of :data:`~msrwe.compare.design.COVARIATES`).
    notes
        Sentences for the report (covariates left out, imputed values, ...).
    """

    units: pl.DataFrame
    attrition: pl.DataFrame
    covariates: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())


def _empty(df: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if df is None:
        return pl.DataFrame(schema=schema)
    return df


def _starts(adm: pl.DataFrame, design: CompareDesign) -> pl.DataFrame:
    """First dose of each arm's drug (by the arm's route) per patient: patient_id, arm, start."""
    keep = pl.col("drug").str.to_lowercase().is_in(list(design.arms))
    a = adm.filter(keep).with_columns(arm=pl.col("drug").str.to_lowercase())
    for arm, route in design.routes.items():
        if "route" not in a.columns:
            a = a.filter(pl.col("arm") != arm)
        else:
            a = a.filter((pl.col("arm") != arm) | (pl.col("route") == route))
    return a.group_by("patient_id", "arm").agg(start=pl.col("date").min()).sort(
        "patient_id", "start", "arm"
    )


class _Attrition:
    def __init__(self) -> None:
        self.rows: list[tuple[int, str, int, int]] = []

    def step(self, criterion: str, before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
        self.rows.append((len(self.rows) + 1, criterion, before.height - after.height,
                          after.height))
        return after

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(self.rows, schema=_ATTRITION_SCHEMA, orient="row")


def _index_units(starts: pl.DataFrame, design: CompareDesign, att: _Attrition) -> pl.DataFrame:
    units = starts.with_columns(
        next_start=pl.col("start").shift(-1).over("patient_id", order_by="start"),
        n_same_day=pl.len().over("patient_id", "start"),
        rank=pl.col("start").rank("dense").over("patient_id"),
    )
    att.rows.append((1, "Started an arm's drug (units: patient x arm start)", 0, units.height))
    if not design.allow_switch:
        first = units.filter(pl.col("rank") == 1)
        first = att.step("First arm started (later switches belong to it)", units, first)
        units = att.step(
            "Not started on two arms the same day",
            first, first.filter(pl.col("n_same_day") == 1),
        )
        units = units.with_columns(next_start=pl.lit(None, pl.Date))
    else:
        units = att.step(
            "Not started on two arms the same day",
            units, units.filter(pl.col("n_same_day") == 1),
        )
    lo, hi = design.index_from, design.index_to
    cond = pl.lit(True)
    if lo is not None:
        cond = cond & (pl.col("start") >= lo)
    if hi is not None:
        cond = cond & (pl.col("start") <= hi)
    units = att.step(f"Index date in the window ({lo or 'any'} to {hi or 'any'})",
                     units, units.filter(cond))
    return units.rename({"start": "index_date"}).with_columns(
        unit_id=pl.col("patient_id") + pl.lit("#") + pl.col("arm")
    ).select("unit_id", "patient_id", "arm", "index_date", "next_start")


def _last_before(
    units: pl.DataFrame, events: pl.DataFrame, *, date: str, value: str, days: int, name: str,
    inclusive_index: bool = True,
) -> pl.DataFrame:
    """The last ``value`` of ``events`` dated in [index - days, index] per unit, as ``name``."""
    j = units.select("unit_id", "patient_id", "index_date").join(
        events.select("patient_id", pl.col(date).alias("_d"), pl.col(value).alias("_v")),
        on="patient_id", how="inner",
    )
    upper = (pl.col("_d") <= pl.col("index_date")) if inclusive_index else (
        pl.col("_d") < pl.col("index_date"))
    j = j.filter(upper & (pl.col("_d") >= pl.col("index_date") - pl.duration(days=days)))
    j = j.filter(pl.col("_v").is_not_null()).sort("unit_id", "_d")
    last = j.group_by("unit_id").agg(pl.col("_v").last().alias(name))
    return units.join(last, on="unit_id", how="left", maintain_order="left")


def _other_treatments(adm: pl.DataFrame, treatments: pl.DataFrame) -> pl.DataFrame:
    """Every treatment as ``patient_id, drug, start, stop`` (courses and single doses)."""
    doses = adm.select(
        "patient_id", drug=pl.col("drug").str.to_lowercase(), start=pl.col("date"),
        stop=pl.col("date"),
    )
    courses = treatments.select(
        "patient_id", drug=pl.col("drug").str.to_lowercase(), start=pl.col("start_date"),
        stop=pl.col("stop_date"),
    )
    return pl.concat([doses, courses], how="vertical_relaxed")


def build_compare_cohort(
    design: CompareDesign,
    *,
    patients: pl.DataFrame,
    administrations: pl.DataFrame,
    visits: pl.DataFrame | None = None,
    relapses: pl.DataFrame | None = None,
    treatments: pl.DataFrame | None = None,
    mri: pl.DataFrame | None = None,
    biomarkers: pl.DataFrame | None = None,
) -> CompareCohort:
    """Build the units of a comparison, their covariates at index and their follow-up.

    Parameters
    ----------
    design
        The ``[compare]`` design.
    patients, administrations, visits, relapses, treatments, mri, biomarkers
        Chart tables of the data contract (``None`` when not charted).

    Returns
    -------
    CompareCohort

    Raises
    ------
    StudyFileError
        When an arm's drug was never given, or no unit is left for an arm.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> pts = pl.DataFrame({"patient_id": ["a", "b"], "sex": ["F", "M"],
    ...     "birth_date": [d(1970, 1, 1)] * 2, "ms_onset_date": [d(2000, 1, 1)] * 2,
    ...     "phenotype": ["SPMS", "PPMS"]})
    >>> adm = pl.DataFrame({"patient_id": ["a", "b", "b"], "drug": ["x", "y", "x"],
    ...     "date": [d(2020, 1, 1), d(2020, 2, 1), d(2021, 1, 1)]})
    >>> vis = pl.DataFrame({"patient_id": ["a", "a", "b", "b"],
    ...     "date": [d(2020, 1, 1), d(2021, 1, 1), d(2020, 2, 1), d(2022, 2, 1)],
    ...     "edss": [4.0, 4.5, 6.0, 6.5]})
    >>> c = build_compare_cohort(CompareDesign(arms=("x", "y"), covariates=("age", "edss")),
    ...                          patients=pts, administrations=adm, visits=vis)
    >>> c.units.select("patient_id", "arm", "index_date", "end_date", "edss").rows()
    [('a', 'x', datetime.date(2020, 1, 1), datetime.date(2021, 1, 1), 4.0), \
('b', 'y', datetime.date(2020, 2, 1), datetime.date(2022, 2, 1), 6.0)]
    """
    att = _Attrition()
    # the analysis holds drug, route and unit as categoricals (msrwe.store.ANALYSIS_TYPES)
    adm = as_text(administrations)
    starts = _starts(adm, design)
    given = set(starts["arm"].unique().to_list())
    for arm in design.arms:
        if arm not in given:
            route = design.routes.get(arm)
            how = f" by the {route} route" if route else ""
            raise StudyFileError(
                f"study file: compare.arms names '{arm}', but no patient in the store received "
                f"{arm}{how}. Check the spelling against the administrations table, or remove "
                "the arm."
            )
    units = _index_units(starts, design, att)

    visits = _empty(visits, {"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64})
    if "edss" not in visits.columns:
        visits = visits.with_columns(edss=pl.lit(None, pl.Float64))
    treatments = _empty(treatments, {"patient_id": pl.String, "drug": pl.String,
                                     "start_date": pl.Date, "stop_date": pl.Date})
    rel = filter_confirmed_relapses(
        _empty(relapses, {"patient_id": pl.String, "onset_date": pl.Date})
    )

    # --- phenotype at index ---
    pcols = [c for c in ("sex", "birth_date", "ms_onset_date", "diagnosis_date", "phenotype",
                         "spms_conversion_date", "death_date") if c in patients.columns]
    units = units.join(patients.select("patient_id", *pcols), on="patient_id", how="left",
                       maintain_order="left")
    for c in ("sex", "phenotype"):
        if c not in units.columns:
            units = units.with_columns(pl.lit(None, pl.String).alias(c))
    for c in ("birth_date", "ms_onset_date", "diagnosis_date", "spms_conversion_date",
              "death_date"):
        if c not in units.columns:
            units = units.with_columns(pl.lit(None, pl.Date).alias(c))
    units = units.with_columns(
        phenotype=pl.when(
            (pl.col("phenotype") == "SPMS")
            & (pl.col("spms_conversion_date") > pl.col("index_date"))
        ).then(pl.lit("RRMS")).otherwise(pl.col("phenotype"))
    )
    if design.phenotypes:
        units = att.step(
            f"Phenotype at index: {', '.join(design.phenotypes)}",
            units, units.filter(pl.col("phenotype").is_in(list(design.phenotypes))),
        )

    # --- baseline EDSS ---
    units = _last_before(units, visits, date="date", value="edss",
                         days=design.baseline_window_days, name="edss")
    if design.edss_min is not None or design.edss_max is not None:
        lo = design.edss_min if design.edss_min is not None else 0.0
        hi = design.edss_max if design.edss_max is not None else 10.0
        units = att.step(
            f"Baseline EDSS {lo:g} to {hi:g} (within {design.baseline_window_days} days "
            "before index)",
            units, units.filter(pl.col("edss").is_between(lo, hi)),
        )

    # --- chart history before index ---
    first_visit = visits.group_by("patient_id").agg(first_visit=pl.col("date").min())
    units = units.join(first_visit, on="patient_id", how="left", maintain_order="left")
    if design.min_history_days > 0:
        units = att.step(
            f"Charted at least {design.min_history_days} days before index",
            units,
            units.filter(
                pl.col("first_visit")
                <= pl.col("index_date") - pl.duration(days=design.min_history_days)
            ),
        )

    # --- washout and prior treatments ---
    other = _other_treatments(adm, treatments)
    j = units.select("unit_id", "patient_id", "arm", "index_date").join(
        other, on="patient_id", how="inner"
    ).filter(pl.col("drug") != pl.col("arm"))
    prior = j.filter(pl.col("start") < pl.col("index_date"))
    n_prior = prior.group_by("unit_id").agg(prior_dmts=pl.col("drug").n_unique())
    units = units.join(n_prior, on="unit_id", how="left", maintain_order="left").with_columns(
        pl.col("prior_dmts").fill_null(0).cast(pl.Float64)
    )
    if design.washout_days > 0:
        cut = pl.col("index_date") - pl.duration(days=design.washout_days)
        recent = prior.filter(pl.col("stop").is_null() | (pl.col("stop") >= cut))
        units = att.step(
            f"No other treatment in the {design.washout_days} days before index (washout)",
            units, units.join(recent.select("unit_id").unique(), on="unit_id", how="anti"),
        )
    switch = (
        j.filter(pl.col("start") > pl.col("index_date"))
        .group_by("unit_id").agg(switch_date=pl.col("start").min())
    )
    units = units.join(switch, on="unit_id", how="left", maintain_order="left")

    # --- stop of the arm's drug ---
    own_doses = adm.with_columns(arm=pl.col("drug").str.to_lowercase()).join(
        units.select("unit_id", "patient_id", "arm"), on=["patient_id", "arm"], how="inner"
    ).group_by("unit_id").agg(last_dose=pl.col("date").max())
    courses = treatments.with_columns(arm=pl.col("drug").str.to_lowercase()).join(
        units.select("unit_id", "patient_id", "arm", "index_date"), on=["patient_id", "arm"],
        how="inner",
    ).filter(pl.col("start_date") <= pl.col("index_date") + pl.duration(days=30))
    course_stop = courses.sort("start_date").group_by("unit_id").agg(
        course_stop=pl.col("stop_date").last(), has_course=pl.lit(True)
    )
    units = units.join(own_doses, on="unit_id", how="left", maintain_order="left").join(
        course_stop, on="unit_id", how="left", maintain_order="left"
    ).with_columns(
        stop_date=pl.when(pl.col("has_course")).then(pl.col("course_stop"))
        .otherwise(pl.col("last_dose"))
    )

    # --- end of follow-up ---
    ends = [pl.col("next_start"), pl.col("death_date")]
    if design.follow_up == "on_treatment":
        ends += [pl.col("stop_date") + pl.duration(days=design.grace_days), pl.col("switch_date")]
    units = units.with_columns(end_limit=pl.min_horizontal(*ends))
    vj = units.select("unit_id", "patient_id", "index_date", "end_limit").join(
        visits.select("patient_id", "date"), on="patient_id", how="inner"
    ).filter(
        (pl.col("date") > pl.col("index_date"))
        & (pl.col("end_limit").is_null() | (pl.col("date") <= pl.col("end_limit")))
    )
    last = vj.group_by("unit_id").agg(end_date=pl.col("date").max())
    units = units.join(last, on="unit_id", how="left", maintain_order="left")
    units = att.step(
        "At least one assessment after index during follow-up",
        units, units.filter(pl.col("end_date").is_not_null()),
    )
    units = units.with_columns(
        person_years=(pl.col("end_date") - pl.col("index_date")).dt.total_days() / _DPY
    )

    # --- covariates ---
    has_mri = mri is not None and mri.height > 0
    bio = biomarkers
    snfl = None
    if bio is not None and bio.height > 0 and "marker" in bio.columns:
        snfl = bio.filter(pl.col("marker").str.to_lowercase() == "snfl")
    covs = design.covariates_for(has_mri=has_mri, has_snfl=snfl is not None and snfl.height > 0)
    units = units.with_columns(
        age=(pl.col("index_date") - pl.col("birth_date")).dt.total_days() / _DPY,
        female=pl.when(pl.col("sex").is_null()).then(None)
        .otherwise((pl.col("sex") == "F").cast(pl.Float64)),
        disease_duration=(
            pl.col("index_date") - pl.coalesce("ms_onset_date", "diagnosis_date")
        ).dt.total_days() / _DPY,
    )
    rj = units.select("unit_id", "patient_id", "index_date").join(
        rel.select("patient_id", "onset_date"), on="patient_id", how="inner"
    ).filter(
        (pl.col("onset_date") < pl.col("index_date"))
        & (pl.col("onset_date") >= pl.col("index_date") - pl.duration(days=730))
    ).group_by("unit_id").agg(relapses_2y=pl.len().cast(pl.Float64))
    units = units.join(rj, on="unit_id", how="left", maintain_order="left").with_columns(
        pl.col("relapses_2y").fill_null(0.0)
    )
    if has_mri and mri is not None:
        gd = pl.col("gd_lesions") if "gd_lesions" in mri.columns else pl.lit(None)
        t2 = pl.col("new_t2_lesions") if "new_t2_lesions" in mri.columns else pl.lit(None)
        m = mri.select("patient_id", "date", active=((gd.fill_null(0) > 0) | (t2.fill_null(0) > 0))
                       .cast(pl.Float64))
        mj = units.select("unit_id", "patient_id", "index_date").join(
            m, on="patient_id", how="inner"
        ).filter(
            (pl.col("date") <= pl.col("index_date"))
            & (pl.col("date") >= pl.col("index_date") - pl.duration(days=365))
        ).group_by("unit_id").agg(mri_active=pl.col("active").max())
        units = units.join(mj, on="unit_id", how="left", maintain_order="left")
    else:
        units = units.with_columns(mri_active=pl.lit(None, pl.Float64))
    if snfl is not None:
        units = _last_before(units, snfl, date="date", value="value", days=365, name="snfl")
    else:
        units = units.with_columns(snfl=pl.lit(None, pl.Float64))

    notes: list[str] = []
    cols = [_COLUMN[c] for c in covs]
    if design.missing == "complete_case":
        units = att.step(
            "Every covariate known at index (complete case)",
            units, units.drop_nulls(cols),
        )
    else:
        fills = []
        for c in cols:
            n_miss = units[c].null_count()
            if n_miss == 0:
                continue
            fills.append(pl.col(c).is_null().cast(pl.Float64).alias(f"{c}_missing"))
            if c == "phenotype":
                fills.append(pl.col(c).fill_null("unknown"))
            else:
                fills.append(pl.col(c).fill_null(pl.col(c).median()))
            notes.append(f"{c}: {n_miss} missing values set to the median (or 'unknown') with a "
                         "missing-value indicator.")
        if fills:
            units = units.with_columns(fills)
    keep = ["unit_id", "patient_id", "arm", "index_date", "end_date", "stop_date",
            "switch_date", "person_years", "age", "female", "disease_duration", "edss",
            "relapses_2y", "prior_dmts", "phenotype", "mri_active", "snfl"]
    keep += [c for c in units.columns if c.endswith("_missing")]
    units = units.select(keep).sort("arm", "index_date", "unit_id")
    return CompareCohort(units=units, attrition=att.frame(), covariates=covs, notes=tuple(notes))


#: The column of ``units`` holding each covariate.
_COLUMN = {
    "age": "age", "sex": "female", "disease_duration": "disease_duration", "edss": "edss",
    "relapses_2y": "relapses_2y", "prior_dmts": "prior_dmts", "phenotype": "phenotype",
    "mri_active": "mri_active", "snfl": "snfl",
}


def covariate_matrix(
    units: pl.DataFrame, covariates: tuple[str, ...], *, explicit: bool = False
) -> tuple[pl.DataFrame, list[str]]:
    """Numeric model columns for the covariates: phenotype as 0/1 columns, indicators kept.

    A covariate that does not vary among ``units`` is dropped and named in the notes; when the
    design named it explicitly (``explicit``) it is an error instead.

    Returns
    -------
    tuple[polars.DataFrame, list[str]]
        ``units`` with the added model columns, and the model column names.

    Raises
    ------
    StudyFileError
        For an explicitly named covariate that is constant.

    Examples
    --------
    >>> u = pl.DataFrame({"age": [50.0, 60.0, 55.0], "phenotype": ["SPMS", "PPMS", "SPMS"]})
    >>> covariate_matrix(u, ("age", "phenotype"))[1]
    ['age', 'phenotype=PPMS']
    """
    out = units
    names: list[str] = []
    for c in covariates:
        col = _COLUMN[c]
        if c == "phenotype":
            levels = out[col].drop_nulls().value_counts(sort=True)[col].to_list()
            if len(levels) < 2:
                if explicit:
                    raise StudyFileError(_constant_message(c, levels))
                continue
            for lev in sorted(levels[1:]):
                name = f"phenotype={lev}"
                out = out.with_columns((pl.col(col) == lev).cast(pl.Float64).alias(name))
                names.append(name)
        else:
            if out[col].drop_nulls().n_unique() < 2:
                if explicit:
                    raise StudyFileError(_constant_message(c, out[col].drop_nulls().unique()
                                                           .to_list()))
                continue
            names.append(col)
        ind = f"{col}_missing"
        if ind in out.columns and out[ind].n_unique() > 1:
            names.append(ind)
    return out, names


def _constant_message(cov: str, values: list[object]) -> str:
    shown = values[0] if values else "missing"
    return (
        f"study file: compare.covariates names '{cov}', but it is the same for every patient "
        f"of the comparison ({shown}), so it cannot enter the propensity model. Remove it from "
        "compare.covariates."
    )
