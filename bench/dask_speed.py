"""msrwe.dask.detect_events beside the single-machine engine, same data, same run.

Prints the time of each and their ratio, and checks the events are identical. The Dask side
starts from pandas frames handed to Dask (``dd.from_pandas``) and ends with the events collected
as one pandas frame: the shuffle by patient, the per-partition engine calls and the collection are
all inside the timing. A warm-up run first, so the kernel is compiled (or loaded from numba's
cache) in the workers. ``--scheduler distributed`` uses a LocalCluster of worker processes
(moving the data to them is inside the timing too).

    .venv/bin/python bench/dask_speed.py [--patients 100000] [--scheduler threads|distributed]
        [--shuffle tasks|disk|p2p]

Runs above 20,000 patients share this machine's memory: start them under
``flock /work/coord/big.lock`` where several people work on it.
"""

import argparse
import time

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
    pv, pr = v.to_pandas(), r.to_pandas()

    client = None
    if args.scheduler == "distributed":
        from distributed import Client, LocalCluster

        client = Client(LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None))

    def run_dask(pv_, pr_):
        events = mdask.detect_events(dd.from_pandas(pv_, npartitions=args.partitions),
                                     dd.from_pandas(pr_, npartitions=2),
                                     shuffle_method=args.shuffle, **OPTS)
        if client is not None:
            return pl.from_pandas(client.compute(events).result())
        return pl.from_pandas(events.compute(scheduler="threads"))

    msrwe.detect_events(v.head(1000), r, **OPTS)  # warm-up: compile or load the kernel
    run_dask(pv.head(1000), pr)

    t0 = time.perf_counter()
    ref = msrwe.detect_events(v, r, **OPTS).events
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = run_dask(pv, pr)
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


if __name__ == "__main__":
    main()
