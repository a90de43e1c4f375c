"""msrwe on Dask: the same outcome engine, run once per partition by Dask's workers.

Where charts are held as Dask DataFrames (Parquet folders too large for one pandas or Polars
frame, or a Dask cluster already in place), :func:`detect_events` takes them and returns a Dask
DataFrame of events with exactly the columns and values of :func:`msrwe.detect_events` on one
machine. The rows are shuffled by patient, so that each patient lives in one partition, and each
partition is handed to :func:`msrwe.derive.outcomes.batched.detect_events_batched`, the Arrow
batch wrapper that :mod:`msrwe.spark` and the DuckDB streaming reader use as well.

Dask is an optional extra: ``pip install 'msrwe[dask]'``. docs/dask.md compares it with Spark.
"""

from msrwe.dask._engine import detect_events

__all__ = ["detect_events"]
