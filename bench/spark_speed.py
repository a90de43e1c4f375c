"""msrwe.spark.detect_events in local mode beside the single-machine engine, same data, same run.

Prints the time of each and their ratio, and checks the events are identical. The Spark side
includes moving the data into Spark and the events back (what a user pays), with a warm-up job
first so the kernel is compiled on the workers.

    .venv/bin/python bench/spark_speed.py [--patients 100000]
"""

import argparse
import os
import sys
import time

import polars as pl

import msrwe


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    args = ap.parse_args()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    import msrwe.spark as ms

    t = msrwe.make_cohort(args.patients, seed=5)
    v = t["visits"].select("patient_id", "date", "edss")
    r = t["relapses"].select("patient_id", "onset_date")
    opts = {"outcome": "edss", "event": "multiple", "baseline": "roving", "RAW_PIRA": True}
    builder = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    for key, value in ms.recommended_conf(batch_rows=200_000).items():
        builder = builder.config(key, value)
    spark = builder.config("spark.driver.memory", "6g").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    sv = spark.createDataFrame(v.to_arrow()).cache()
    sr = spark.createDataFrame(r.to_arrow()).cache()
    sv.count(), sr.count()
    ms.detect_events(sv.limit(1000), sr, **opts).count()  # warm-up: compile on the workers
    t0 = time.perf_counter()
    ref = msrwe.detect_events(v, r, **opts).events
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = pl.from_arrow(ms.detect_events(sv, sr, partitions=2, **opts).toArrow())
    t_spark = time.perf_counter() - t0
    same = out.sort("patient_id", "nevent").equals(ref.sort("patient_id", "nevent"))
    print(f"{args.patients:,} patients, {v.height:,} visits")
    print(f"single machine (reference): {t_one:6.2f} s")
    print(f"spark local[2], mapInArrow: {t_spark:6.2f} s  ({t_spark / t_one:.1f}x the reference)")
    print(f"identical events: {same} ({ref.height:,})")
    spark.stop()


if __name__ == "__main__":
    main()
