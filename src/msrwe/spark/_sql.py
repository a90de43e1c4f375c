"""Cohort derivations in Spark SQL: per-patient follow-up and relapses for relapse rates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msrwe.spark._session import require_pyspark

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["relapse_person_time"]

#: Days per year for person-time, as msrwe's single-machine rates use.
DAYS_PER_YEAR = 365.25


def relapse_person_time(
    visits: DataFrame,
    relapses: DataFrame | None,
    *,
    index: DataFrame | None = None,
) -> DataFrame:
    """Follow-up, person-years and relapse count per patient, computed by Spark.

    Follow-up runs from the index date (the first visit when ``index`` is not given) to the last
    visit; a relapse counts when its onset falls after the index date and on or before the last
    visit. These are the inputs of an annualised relapse rate (relapses / person-years) and of a
    negative binomial model with a log person-time offset (endpoints.md, ARR).

    Parameters
    ----------
    visits
        Spark DataFrame with ``patient_id`` and ``date``.
    relapses
        Spark DataFrame with ``patient_id`` and ``onset_date``, or None (no relapses charted).
    index
        Spark DataFrame with ``patient_id`` and ``index_date`` (e.g. the first dose); patients
        without an index date are left out.

    Returns
    -------
    pyspark.sql.DataFrame
        ``patient_id, start_date, end_date, days, person_years, relapses``, one row per patient
        with follow-up after the index date.
    """
    F = require_pyspark("pyspark.sql.functions")
    last = visits.groupBy("patient_id").agg(F.max("date").alias("end_date"))
    if index is None:
        start = visits.groupBy("patient_id").agg(F.min("date").alias("start_date"))
    else:
        start = index.select("patient_id", F.col("index_date").cast("date").alias("start_date"))
    fu = (
        start.join(last, "patient_id", "inner")
        .where(F.col("end_date") > F.col("start_date"))
        .withColumn("days", F.datediff("end_date", "start_date"))
        .withColumn("person_years", F.col("days") / F.lit(DAYS_PER_YEAR))
    )
    if relapses is None:
        return fu.withColumn("relapses", F.lit(0).cast("long"))
    counted = (
        relapses.select("patient_id", F.col("onset_date").cast("date").alias("onset_date"))
        .join(fu.select("patient_id", "start_date", "end_date"), "patient_id", "inner")
        .where((F.col("onset_date") > F.col("start_date"))
               & (F.col("onset_date") <= F.col("end_date")))
        .groupBy("patient_id").agg(F.count(F.lit(1)).alias("relapses"))
    )
    return (
        fu.join(counted, "patient_id", "left")
        .withColumn("relapses", F.coalesce(F.col("relapses"), F.lit(0)).cast("long"))
        .select("patient_id", "start_date", "end_date", "days", "person_years", "relapses")
    )
