"""msrwe on a Spark cluster: the same outcome engine, run in Arrow batches by the executors.

Where charts live on a cluster (an OMOP CDM on Databricks, EMR, or an on-premise Hadoop or
Kubernetes cluster), :func:`detect_events` takes Spark DataFrames and returns a Spark DataFrame of
events with exactly the columns and values of :func:`msrwe.detect_events` on one machine. The data
are partitioned by patient and sorted by date, and each executor runs the engine once per Arrow
batch through :func:`msrwe.derive.outcomes.batched.detect_events_batched`, the code path that also
scans a DuckDB store in batches. :func:`relapse_person_time` derives, in Spark SQL, the per-patient
follow-up and relapse counts that an annualised relapse rate needs.

PySpark is an optional extra: ``pip install 'msrwe[spark]'`` (it needs a Java runtime, 17 or
newer). docs/spark.md shows a cluster submission.
"""

from msrwe.spark._engine import detect_events, recommended_conf
from msrwe.spark._sql import relapse_person_time

__all__ = ["detect_events", "recommended_conf", "relapse_person_time"]
