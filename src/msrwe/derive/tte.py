"""Time to the first confirmed worsening, one row per patient (ADaM ``adtte`` style)."""

from __future__ import annotations

import polars as pl

__all__ = ["ADTTE_SCHEMA", "derive_adtte"]

_DAYS_PER_YEAR = 365.25

#: Columns of ``adtte``.
ADTTE_SCHEMA: dict[str, pl.DataType] = {
    "patient_id": pl.String(), "group": pl.String(), "param": pl.String(),
    "origin_date": pl.Date(), "event": pl.Boolean(), "event_date": pl.Date(),
    "censor_date": pl.Date(), "time_days": pl.Float64(), "time_years": pl.Float64(),
}


def derive_adtte(
    adsl: pl.DataFrame,
    advs: pl.DataFrame,
    events: pl.DataFrame,
    *,
    value: str,
    param: str,
    event_type: str = "CDW",
) -> pl.DataFrame:
    """One row per patient with a baseline and follow-up: time to the first confirmed event.

    Parameters
    ----------
    adsl
        ``patient_id``, ``group``, ``first_dose``, ``base_<value>_date``.
    advs
        Visits with ``patient_id``, ``date``, ``on_treatment`` and the ``value`` column.
    events
        The outcome engine's events (``patient_id``, ``event_type``, ``date``).
    value
        The measure's column of ``advs`` (``edss``, ``nhpt_s``, ``t25fw_s``).
    param
        ``param`` of the rows (e.g. ``CDW_EDSS``).
    event_type
        The events counted (``CDW``, confirmed disability worsening).

    Returns
    -------
    polars.DataFrame
        ``patient_id, group, param, origin_date, event, event_date, censor_date, time_days,
        time_years``: ``event`` is true at the onset of the first event, otherwise the patient
        is censored at the last on-treatment assessment after the baseline.

    Examples
    --------
    >>> import datetime as dt
    >>> d = dt.date
    >>> adsl = pl.DataFrame({"patient_id": ["a"], "group": ["SPMS"],
    ...                      "first_dose": [d(2020, 1, 1)], "base_edss_date": [d(2020, 1, 1)]})
    >>> advs = pl.DataFrame({"patient_id": ["a", "a"], "date": [d(2020, 1, 1), d(2021, 1, 1)],
    ...                      "on_treatment": [True, True], "edss": [6.0, 6.0]})
    >>> ev = pl.DataFrame({"patient_id": [], "event_type": [], "date": []},
    ...                   schema={"patient_id": pl.String, "event_type": pl.String,
    ...                           "date": pl.Date})
    >>> derive_adtte(adsl, advs, ev, value="edss", param="CDW_EDSS").select(
    ...     "event", "time_days").row(0)
    (False, 366.0)
    """
    if adsl.is_empty():
        return pl.DataFrame(schema=ADTTE_SCHEMA)
    col, base_date = value, f"base_{value}_date"
    last_seen = (
        advs.filter(pl.col("on_treatment") & pl.col(col).is_not_null())
        .join(adsl.select("patient_id", base_date), on="patient_id", how="inner")
        .filter(pl.col("date") > pl.col(base_date))
        .group_by("patient_id")
        .agg(pl.col("date").max().alias("censor_date"))
    )
    first_event = (
        events.filter(pl.col("event_type") == event_type)
        .group_by("patient_id")
        .agg(pl.col("date").min().alias("event_date"))
    )
    out = (
        adsl.select("patient_id", "group", pl.col("first_dose").alias("origin_date"))
        .join(last_seen, on="patient_id", how="inner")
        .join(first_event, on="patient_id", how="left")
        .with_columns(
            pl.lit(param).alias("param"),
            pl.col("event_date").is_not_null().alias("event"),
        )
        .with_columns(
            (pl.coalesce("event_date", "censor_date") - pl.col("origin_date"))
            .dt.total_days()
            .clip(lower_bound=0)
            .cast(pl.Float64)
            .alias("time_days")
        )
        .with_columns((pl.col("time_days") / _DAYS_PER_YEAR).alias("time_years"))
    )
    return out.select(
        "patient_id", "group", "param", "origin_date", "event", "event_date", "censor_date",
        "time_days", "time_years",
    ).sort("patient_id")
