"""Time at risk of each cohort patient (clinical-methods 6).

Each patient is at risk from the first dose to ``risk_window_days`` after the last, cut at death
and at the data cut-off.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from msrwe.derive._columns import key_type

__all__ = ["derive_risk_periods", "next_treatment_start"]

_DAYS_PER_YEAR = 365.25


def derive_risk_periods(
    adsl: pl.DataFrame,
    doses: pl.DataFrame,
    *,
    risk_window_days: int = 90,
    cutoff: dt.date | None = None,
    next_treatment: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per cohort patient: ``risk_start``, ``risk_end``, ``risk_years``, ``n_doses``.

    ``risk_end`` is ``risk_window_days`` after the last dose, cut at ``death_date`` (when adsl
    has it), at ``cutoff``, and the day before the next disease-modifying treatment starts
    (``next_treatment``: ``patient_id``, ``next_treatment_date``; see
    :func:`next_treatment_start`). A patient without a dose has no time at risk.

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a"], "group": ["SPMS"]})
    >>> doses = pl.DataFrame({"patient_id": ["a", "a"],
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 12, 31)]})
    >>> r = derive_risk_periods(adsl, doses, cutoff=dt.date(2021, 1, 30))
    >>> r.select("risk_start", "risk_end", "n_doses").row(0)
    (datetime.date(2020, 1, 1), datetime.date(2021, 1, 30), 2)
    >>> round(r["risk_years"][0], 4)  # 395 days
    1.0815
    """
    span = doses.group_by("patient_id").agg(
        pl.col("date").min().alias("risk_start"),
        pl.col("date").max().alias("__last"),
        pl.len().cast(pl.Int64).alias("n_doses"),
    )
    ids = key_type(adsl, doses, next_treatment)
    base = adsl.select(
        pl.col("patient_id").cast(ids),
        *([pl.col("death_date")] if "death_date" in adsl.columns else []),
    )
    out = base.join(span, on="patient_id", how="left", maintain_order="left")
    end = pl.col("__last") + pl.duration(days=risk_window_days)
    if "death_date" in out.columns:
        end = pl.min_horizontal(end, pl.col("death_date"))
    if cutoff is not None:
        end = pl.min_horizontal(end, pl.lit(cutoff))
    if next_treatment is not None:  # an event on the new drug's first day is the new drug's
        out = out.join(next_treatment.select(pl.col("patient_id").cast(ids),
                                             "next_treatment_date"),
                       on="patient_id", how="left", maintain_order="left")
        end = pl.min_horizontal(end, pl.col("next_treatment_date") - pl.duration(days=1))
    end = pl.max_horizontal(end, pl.col("risk_start"))
    out = out.with_columns(end.alias("risk_end")).with_columns(
        pl.when(pl.col("risk_start").is_not_null()).then(pl.col("risk_end")).alias("risk_end"),
        pl.col("n_doses").fill_null(0),
    )
    out = out.with_columns(
        ((pl.col("risk_end") - pl.col("risk_start")).dt.total_days() / _DAYS_PER_YEAR)
        .fill_null(0.0)
        .alias("risk_years")
    )
    return out.select("patient_id", "risk_start", "risk_end", "risk_years", "n_doses")


def next_treatment_start(
    doses: pl.DataFrame,
    administrations: pl.DataFrame | None,
    treatments: pl.DataFrame | None,
) -> pl.DataFrame:
    """The start of the next disease-modifying treatment after each patient's first study dose.

    The next treatment is another drug's first administration, or a ``treatments`` course of
    another drug, starting after the study drug's first dose (issue 9, item 8): an infusion
    reaction on the first rituximab day is rituximab's, not methotrexate's.

    Parameters
    ----------
    doses
        The study drug's administrations (``patient_id``, ``date``, ``drug``).
    administrations, treatments
        The chart tables (``None`` when absent).

    Returns
    -------
    polars.DataFrame
        ``patient_id``, ``next_treatment_date`` (patients with no later treatment are absent).

    Examples
    --------
    >>> d = dt.date
    >>> doses = pl.DataFrame({"patient_id": ["a"], "date": [d(2020, 1, 1)],
    ...                       "drug": ["methotrexate"]})
    >>> adm = pl.DataFrame({"patient_id": ["a", "a"], "date": [d(2020, 1, 1), d(2020, 6, 1)],
    ...                     "drug": ["methotrexate", "rituximab"]})
    >>> next_treatment_start(doses, adm, None).row(0)
    ('a', datetime.date(2020, 6, 1))
    """
    ids = key_type(doses, administrations, treatments)
    schema = {"patient_id": ids, "next_treatment_date": pl.Date}
    if doses.is_empty() or "drug" not in doses.columns:
        return pl.DataFrame(schema=schema)
    study_drugs = [str(x).strip().lower() for x in doses["drug"].drop_nulls().unique()]
    first = doses.group_by(pl.col("patient_id").cast(ids)).agg(
        pl.col("date").min().alias("_first"))
    starts = []
    adm_cols = set(administrations.columns) if administrations is not None else set()
    if administrations is not None and {"patient_id", "date", "drug"} <= adm_cols:
        starts.append(administrations.select(pl.col("patient_id").cast(ids),
                                             pl.col("date").cast(pl.Date).alias("_start"),
                                             "drug"))
    if treatments is not None and {"patient_id", "start_date", "drug"} <= set(treatments.columns):
        starts.append(treatments.select(pl.col("patient_id").cast(ids),
                                        pl.col("start_date").cast(pl.Date).alias("_start"),
                                        "drug"))
    if not starts:
        return pl.DataFrame(schema=schema)
    # the study drug's spellings, decided once per distinct name rather than once per row
    # (a table's drug may be held as a categorical: text only once the rows are kept)
    names = pl.concat([s.select(pl.col("drug").unique().drop_nulls().cast(pl.String))
                       for s in starts])
    own = names.filter(
        pl.col("drug").str.strip_chars().str.to_lowercase().is_in(study_drugs)
    )["drug"]
    # each table's other drugs, then together: the administrations are mostly the study drug's,
    # and a million patients' are gigabytes not to copy whole (the same rows, in the same order,
    # as filtering the two tables put together)
    other = pl.concat([s.filter(
        pl.col("_start").is_not_null() & pl.col("drug").is_not_null()
        & ~pl.col("drug").is_in(own)
    ).with_columns(pl.col("drug").cast(pl.String)) for s in starts])
    return (
        other.join(first, on="patient_id", how="inner")
        .filter(pl.col("_start") > pl.col("_first"))
        .group_by("patient_id")
        .agg(pl.col("_start").min().alias("next_treatment_date"))
        .sort("patient_id")
    )
