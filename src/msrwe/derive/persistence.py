"""Treatment gaps, persistence and duration limits (clinical-methods section 7).

- :func:`derive_vars_gap` flags each dose given **later than the regimen's window allows** (an
  interval above the window's upper end, e.g. more than 77 days for intrathecal methotrexate) or
  earlier than it allows.
- :func:`derive_persistence` gives one row per treatment course of ``treatments``: the time from
  its start to its stop (an event, with the stop reason) or to the data cut (censored, while
  ongoing), for Kaplan-Meier persistence curves overall and by stop reason (a stop for another
  reason censors the course: cause-specific curves).
- :func:`derive_history_alerts` checks the **whole history** of the drugs with known limits:
  duration limits (mitoxantrone: 2 years of treatment; cladribine: doses after the 2-year course)
  and earlier courses of a drug with a lifetime cumulative limit charted in ``treatments`` before
  its first charted administration (their dose is unknown, so the lifetime limit cannot be
  checked; the alert says so).

Examples
--------
>>> import datetime as dt
>>> d = dt.date
>>> tr = pl.DataFrame({"patient_id": ["a", "b"], "drug": ["rituximab"] * 2,
...     "start_date": [d(2020, 1, 1), d(2020, 1, 1)], "stop_date": [d(2021, 1, 1), None],
...     "stop_reason": ["inefficacy", None]})
>>> derive_persistence(tr, data_cut=d(2022, 1, 1)).select("event", "time_years").rows()
[(True, 1.002053388090349), (False, 2.001368925393566)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.errors import OptionError

__all__ = [
    "DURATION_LIMITS",
    "DurationLimit",
    "derive_history_alerts",
    "derive_persistence",
    "derive_vars_gap",
]

_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class DurationLimit:
    """A limit on how long a drug is given.

    ``kind`` is ``"treatment"`` (first to last dose must not exceed ``days``: mitoxantrone's
    2-year limit) or ``"course"`` (no dose after ``days`` from the first dose: cladribine's
    2-year course, none in years 3-4).
    """

    limit_id: str
    drug: str
    kind: str
    days: float
    source: str


#: Duration limits checked by :func:`derive_history_alerts` (clinical-methods section 7).
DURATION_LIMITS: tuple[DurationLimit, ...] = (
    DurationLimit("mitoxantrone_2y", "mitoxantrone", "treatment", 730.5,
                  "typically 2-3 years; 2-year limit (clinical-methods 7)"),
    DurationLimit("cladribine_course_2y", "cladribine", "course", 730.5 + 183,
                  "3.5 mg/kg over 2 years, year 2 may be delayed up to 6 months; none in "
                  "years 3-4 (clinical-methods 7)"),
)
#: Drugs with a lifetime cumulative limit (an earlier course of unknown dose matters).
LIFETIME_LIMIT_DRUGS: tuple[str, ...] = ("mitoxantrone",)


def derive_vars_gap(
    addose: pl.DataFrame, *, window: tuple[int, int], interval: str = "interval_days"
) -> pl.DataFrame:
    """Add ``gap`` (interval above the window) and ``early`` (below it) to each dose.

    Examples
    --------
    >>> a = pl.DataFrame({"interval_days": [None, 60, 78, 40]})
    >>> derive_vars_gap(a, window=(56, 77)).select("gap", "early").rows()
    [(False, False), (False, False), (True, False), (False, True)]
    """
    lo, hi = window
    if not 0 < lo <= hi:
        raise OptionError(f"derive_vars_gap: 'window' must be two days 0 < low <= high; "
                          f"got {window!r}.")
    require_columns(addose, "addose", [interval])
    return addose.with_columns(
        (pl.col(interval) > hi).fill_null(False).alias("gap"),
        (pl.col(interval) < lo).fill_null(False).alias("early"),
    )


def derive_persistence(
    treatments: pl.DataFrame, *, data_cut: dt.date, drug: str | None = None
) -> pl.DataFrame:
    """One row per treatment course: time on the course and whether (and why) it stopped.

    Parameters
    ----------
    treatments
        ``patient_id``, ``drug``, ``start_date``, ``stop_date``, ``stop_reason``.
    data_cut
        The date ongoing courses are censored at (the last date of the store's data).
    drug
        Only this drug's courses (``None``: every course).

    Returns
    -------
    polars.DataFrame
        ``patient_id, drug, start_date, stop_date, stop_reason, event, time_years`` (a stop
        without a reason has ``stop_reason = "unknown"``).
    """
    require_columns(treatments, "treatments", ["patient_id", "drug", "start_date", "stop_date"])
    t = treatments
    if "stop_reason" not in t.columns:
        t = t.with_columns(pl.lit(None, dtype=pl.String).alias("stop_reason"))
    if drug is not None:
        t = t.filter(pl.col("drug").str.to_lowercase() == drug.lower())
    end = pl.coalesce("stop_date", pl.lit(data_cut))
    return (
        t.filter(pl.col("start_date").is_not_null())
        .with_columns(
            pl.col("stop_date").is_not_null().alias("event"),
            pl.when(pl.col("stop_date").is_not_null())
            .then(pl.col("stop_reason").fill_null("unknown")).otherwise(None)
            .alias("stop_reason"),
            ((end - pl.col("start_date")).dt.total_days().clip(lower_bound=0) / _DAYS_PER_YEAR)
            .alias("time_years"),
        )
        .select("patient_id", "drug", "start_date", "stop_date", "stop_reason", "event",
                "time_years")
    )


def derive_history_alerts(
    administrations: pl.DataFrame,
    *,
    treatments: pl.DataFrame | None = None,
    limits: tuple[DurationLimit, ...] = DURATION_LIMITS,
) -> pl.DataFrame:
    """Duration-limit crossings and earlier courses of lifetime-limited drugs, per patient.

    Parameters
    ----------
    administrations
        Every administration of the store (``patient_id``, ``drug``, ``date``): the whole
        history, not only the study period.
    treatments
        The treatment courses, or ``None``.
    limits
        Duration limits (default :data:`DURATION_LIMITS`).

    Returns
    -------
    polars.DataFrame
        ``patient_id, drug, limit_id, description, date`` (the first dose beyond the limit, or
        the earlier course's start).

    Examples
    --------
    >>> import datetime as dt
    >>> adm = pl.DataFrame({"patient_id": ["a"] * 3, "drug": ["mitoxantrone"] * 3,
    ...     "date": [dt.date(2010, 1, 1), dt.date(2011, 6, 1), dt.date(2012, 1, 5)]})
    >>> derive_history_alerts(adm).select("limit_id", "date").rows()
    [('mitoxantrone_2y', datetime.date(2012, 1, 5))]
    """
    require_columns(administrations, "administrations", ["patient_id", "drug", "date"])
    schema = {"patient_id": pl.String, "drug": pl.String, "limit_id": pl.String,
              "description": pl.String, "date": pl.Date}
    frames = []
    # a drug's spellings are found once per distinct name, and only the limited drugs' rows are
    # lowercased: a registry's administrations are gigabytes, mostly of other drugs (the same
    # rows, in the same order, as lowercasing every row and filtering)
    names = administrations.get_column("drug").unique().drop_nulls()  # text or categorical

    def of_drugs(drugs: Collection[str]) -> pl.DataFrame:
        spellings = names.filter(names.cast(pl.String).str.to_lowercase().is_in(list(drugs)))
        return administrations.filter(pl.col("drug").is_in(spellings)).with_columns(
            pl.col("drug").cast(pl.String).str.to_lowercase())

    for lim in limits:
        sub = of_drugs((lim.drug,))
        if sub.height == 0:
            continue
        first = pl.col("date").min().over("patient_id")
        over = sub.filter((pl.col("date") - first).dt.total_days() > lim.days)
        what = ("treatment longer than" if lim.kind == "treatment" else "a dose later than")
        desc = f"{lim.drug}: {what} {lim.days / _DAYS_PER_YEAR:.1f} years after the first dose " \
               f"({lim.source})"
        frames.append(
            over.group_by("patient_id").agg(pl.col("date").min())
            .with_columns(pl.lit(lim.drug).alias("drug"), pl.lit(lim.limit_id).alias("limit_id"),
                          pl.lit(desc).alias("description"))
            .select(list(schema)).cast(schema)
        )
    if treatments is not None and treatments.height:
        require_columns(treatments, "treatments", ["patient_id", "drug", "start_date"])
        firsts = of_drugs(LIFETIME_LIMIT_DRUGS).group_by("patient_id", "drug").agg(
            pl.col("date").min().alias("_first"))
        prior = (
            treatments.with_columns(pl.col("drug").str.to_lowercase())
            .filter(pl.col("drug").is_in(list(LIFETIME_LIMIT_DRUGS)))
            .join(firsts, on=["patient_id", "drug"], how="left")
            .filter(pl.col("_first").is_null() | (pl.col("start_date") < pl.col("_first")))
            .group_by("patient_id", "drug").agg(pl.col("start_date").min().alias("date"))
        )
        frames.append(prior.with_columns(
            pl.concat_str(pl.col("drug"), pl.lit(
                ": an earlier course is charted without its doses, so the lifetime cumulative "
                "limit cannot be checked")).alias("description"),
            pl.concat_str(pl.col("drug"), pl.lit("_prior_course_dose_unknown")).alias("limit_id"),
        ).select(list(schema)).cast(schema))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames).sort("patient_id", "drug", "limit_id")
