"""``msrwe.spark.detect_events``: the outcome engine over Spark DataFrames, batch by batch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from msrwe.derive.outcomes.batched import (
    KIND_COLUMN,
    detect_events_batched,
    events_schema,
    outcome_columns,
)
from msrwe.spark._session import require_pyspark

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

__all__ = ["detect_events", "recommended_conf"]

#: Column holding a row's place in the input (``monotonically_increasing_id``: partition, then
#: row): the shuffle may hand a patient's rows over in any order, and of two visits on one day
#: the engine keeps the later in the input, as on one machine (and as :mod:`msrwe.dask` does).
_ORDER = "__msrwe_row_order"


def recommended_conf(numba_cache_dir: str | None = None, *,
                     batch_rows: int = 100_000) -> dict[str, str]:
    """Spark settings for running msrwe's engine on executors.

    Parameters
    ----------
    numba_cache_dir
        A folder every executor can write (a shared volume, or a local path present on every
        node): the compiled outcome kernel is cached there, so each worker compiles it once (about
        20 s) instead of once per job.
    batch_rows
        Rows per Arrow batch handed to the engine (larger batches mean fewer engine calls).

    Returns
    -------
    dict
        ``{setting: value}`` for ``SparkSession.builder.config`` or ``spark-submit --conf``.

    Examples
    --------
    >>> recommended_conf("/mnt/shared/numba")["spark.executorEnv.NUMBA_CACHE_DIR"]
    '/mnt/shared/numba'
    """
    conf = {
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(int(batch_rows)),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if numba_cache_dir is not None:
        conf["spark.executorEnv.NUMBA_CACHE_DIR"] = str(numba_cache_dir)
    return conf


def _plain(t: pa.DataType) -> pa.DataType:
    """Spark reads ``string`` and ``list``, not their large or view forms."""
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(_plain(t.value_type))
    return t


def _plain_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, _plain(f.type), f.nullable) for f in schema])


def detect_events(
    visits: DataFrame,
    relapses: DataFrame | None = None,
    *,
    outcome: str = "edss",
    value_col: str | None = None,
    partitions: int | None = None,
    **options: Any,
) -> DataFrame:
    """Confirmed worsening and improvement events of Spark DataFrames, as a Spark DataFrame.

    The visits (and relapses) are stacked into one DataFrame, repartitioned by ``patient_id``,
    sorted by patient and date within each partition, and handed to the engine with
    ``mapInArrow``: one engine call per Arrow batch, a patient cut by a batch boundary carried
    over to the next batch (:func:`msrwe.derive.outcomes.batched.detect_events_batched`). The
    result has the same rows and values as :func:`msrwe.detect_events` on the same data.

    Parameters
    ----------
    visits
        Spark DataFrame with ``patient_id`` (string), ``date`` (date) and the outcome's columns.
        Of a patient's two visits on one day, the engine keeps the later in the input (by
        partition, then row), as on one machine.
    relapses
        Spark DataFrame with ``patient_id`` and ``onset_date``, or None.
    outcome, value_col
        As in :func:`msrwe.detect_events`.
    partitions
        Number of partitions (default: the session's default parallelism).
    **options
        Every other option of :func:`msrwe.detect_events` (msprog's names), except
        ``return_unconfirmed`` and ``0 < impute_last_visit < 1``.

    Returns
    -------
    pyspark.sql.DataFrame
        One row per event, with the columns of ``msrwe.detect_events(...).events``. Spark
        evaluates it lazily: the engine runs when the result is written or collected.

    Raises
    ------
    msrwe.errors.MissingExtraError
        When PySpark is not installed.
    msrwe.errors.OptionError
        For an option the engine does not accept (checked before any Spark job starts).
    """
    F = require_pyspark("pyspark.sql.functions")
    types = require_pyspark("pyspark.sql.pandas.types")
    cols = outcome_columns(outcome, value_col)
    extra = [options["validconf_col"]] if options.get("validconf_col") else []
    stacked = visits.select(
        F.col("patient_id").cast("string").alias("patient_id"),
        F.col("date").cast("date").alias("date"),
        F.lit("visit").alias(KIND_COLUMN),
        *(F.col(c) for c in (*cols, *extra)),
        F.monotonically_increasing_id().alias(_ORDER),
    )
    if relapses is not None:
        value_types = {f.name: f.dataType for f in stacked.schema.fields}
        stacked = stacked.unionByName(relapses.select(
            F.col("patient_id").cast("string").alias("patient_id"),
            F.col("onset_date").cast("date").alias("date"),
            F.lit("relapse").alias(KIND_COLUMN),
            *(F.lit(None).cast(value_types[c]).alias(c) for c in (*cols, *extra)),
            F.lit(0).cast("long").alias(_ORDER),
        ))
    n = partitions or stacked.sparkSession.sparkContext.defaultParallelism
    stacked = stacked.repartition(n, "patient_id").sortWithinPartitions(
        "patient_id", "date", KIND_COLUMN, _ORDER
    ).drop(_ORDER)
    sample = pl.from_arrow(types.to_arrow_schema(stacked.schema).empty_table())
    assert isinstance(sample, pl.DataFrame)
    opts = {"outcome": outcome, "value_col": value_col, **options}
    schema = _plain_schema(events_schema(sample, **opts))  # validates the options on the driver

    def run(batches: Any) -> Any:
        yield from detect_events_batched(batches, schema=schema, **opts)

    return stacked.mapInArrow(run, types.from_arrow_schema(schema))
