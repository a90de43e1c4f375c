"""msrwe.dask.detect_events beside the single-machine engine, same data, same run.

Prints the time of each and their ratio, and checks the events are identical. The Dask side
starts from pandas frames handed to Dask (``dd.from_pandas``) and ends with the events collected
as one pandas frame: the shuffle by patient, the per-partition engine calls and the collection are
all inside the timing. A warm-up run first, so the kernel is compiled (or loaded from numba's
cache) in the workers. ``--scheduler distributed`` uses a LocalCluster of two worker processes
that read the data from Parquet files (writing and reading them is inside the timing too).

    .venv/bin/python bench/dask_speed.py [--patients 100000] [--scheduler threads|distributed]
        [--shuffle tasks|disk|p2p]

Runs above 20,000 patients share this machine's memory: start them under
``flock /work/coord/big.lock`` where several people work on it.
"""

import argparse
import tempfile
import time
from pathlib import Path

import dask.dataframe as dd
import polars as pl

import msrwe
import msrwe.dask as mdask

OPTS = {"outcome": "edss", "event": "multiple", "baseline": "roving", "RAW_PIRA": True}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--scheduler", choices=["threads", "distributed"], default="threads")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--shuffle", choices=["tasks", "disk", "p2p"], default=None,
                    help="Dask's shuffle method (default: Dask's choice)")
    args = ap.parse_args()

    t = msrwe.make_cohort(args.patients, seed=5)
    v = t["visits"].select("patient_id", "date", "edss")
    r = t["relapses"].select("patient_id", "onset_date")

    client = None
    if args.scheduler == "distributed":
        from distributed import Client, LocalCluster

        client = Client(LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None))

    tmp = tempfile.TemporaryDirectory()

    def parquet_parts(df: pl.DataFrame, name: str, n: int) -> str:
        """Write ``df`` as ``n`` Parquet files, which the workers read themselves."""
        folder = Path(tmp.name) / name
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        step = -(-df.height // n)
        for i in range(n):
            df.slice(i * step, step).write_parquet(folder / f"part-{i}.parquet")
        return str(folder)

    def run_dask(v_, r_):
        if client is not None:  # the workers read files: no data in the task graph
            visits = dd.read_parquet(parquet_parts(v_, "visits", args.partitions))
            relapses = dd.read_parquet(parquet_parts(r_, "relapses", 2))
        else:
            visits = dd.from_pandas(v_.to_pandas(), npartitions=args.partitions)
            relapses = dd.from_pandas(r_.to_pandas(), npartitions=2)
        events = mdask.detect_events(visits, relapses, shuffle_method=args.shuffle, **OPTS)
        if client is not None:
            return pl.from_pandas(client.compute(events).result())
        return pl.from_pandas(events.compute(scheduler="threads"))

    msrwe.detect_events(v.head(1000), r, **OPTS)  # warm-up: compile or load the kernel
    run_dask(v.head(1000), r)

    t0 = time.perf_counter()
    ref = msrwe.detect_events(v, r, **OPTS).events
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = run_dask(v, r)
    t_dask = time.perf_counter() - t0
    same = out.sort("patient_id", "nevent").equals(ref.sort("patient_id", "nevent"))
    print(f"{args.patients:,} patients, {v.height:,} visits, {args.partitions} partitions")
    print(f"{'single machine (reference):':<30}{t_one:6.2f} s")
    label = f"dask {args.scheduler}, shuffle {args.shuffle or 'default'}:"
    print(f"{label:<30}{t_dask:6.2f} s  "
          f"({t_dask / t_one:.1f}x the reference)")
    print(f"identical events: {same} ({ref.height:,})")
    if client is not None:
        cluster = client.cluster
        client.close()
        cluster.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
