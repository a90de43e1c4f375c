"""Speed of msrwe's outcome engine against the reference pymsprog, and a registry-size run.

Usage::

    .venv/bin/python bench/outcomes_speed.py [--patients 1000] [--big 1000000]
        [--pymsprog /tmp/pymsprog-venv/bin/python]

1. Makes one synthetic cohort (about 20 visits per patient, relapses), runs pymsprog on it in its
   own environment (subprocess, ../shared/oracle/run_pymsprog.py) and msrwe in this one, with
   ``event="multiple", baseline="roving", RAW_PIRA=True``; checks the events are identical and
   prints the per-patient speed-up (target: at least 2,000x). The same cohort is also run with
   the msprog defaults and with the MSoutcomes profile (CDW, CDI, CDEseq, PIRA), side by side.
2. Prints the cost per visit at 20, 200, 2,000 and 10,000 visits per patient (about
   ``--per-visit-total`` visits each; target: flat), for the kernel alone and for the whole
   ``detect_events`` call, best of ``--repeat`` runs.
3. Runs ``--big`` patients (default 1,000,000, about 20 million visits; several sizes may be
   given, e.g. ``--big 100000 1000000``, to show what grows faster than the visits) through
   msrwe, best of ``--big-repeat`` runs: prints the time and the peak memory of the process
   during the call (Linux: the peak is reset before each call, so the synthetic cohort's own
   making does not count; it holds the input tables), targets at most 1.5 s and 3 GB on 2
   cores; then the time of each stage per visit (prepare, kernel on one and two threads,
   assembly), and checks the events equal those of the same cohort run in pieces. The load
   average is printed with each figure: the machine may be shared.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from msrwe.derive.outcomes import detect_events

#: The oracle of ../shared (beside the checkout, as in CI); MSRWE_ORACLE overrides it.
ORACLE = Path(
    os.environ.get(
        "MSRWE_ORACLE",
        Path(__file__).resolve().parents[2] / "shared" / "oracle" / "run_pymsprog.py",
    )
)
OPTIONS = {"event": "multiple", "baseline": "roving", "RAW_PIRA": True}
EDSS_GRID = np.array([0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0,
                      7.5, 8.0, 8.5, 9.0, 9.5])


def synthetic_cohort(npat: int, seed: int = 0, mean_visits: int = 20,
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A vectorised synthetic cohort: EDSS random walks on the legal grid, ~0.5 relapses/year."""
    rng = np.random.default_rng(seed)
    nvis = np.clip(rng.poisson(mean_visits, npat), 2, None).astype(np.int64)
    n = int(nvis.sum())
    pat = np.repeat(np.arange(npat, dtype=np.int64), nvis)
    starts = np.r_[0, np.cumsum(nvis)[:-1]]
    first = np.zeros(n, dtype=bool)
    first[starts] = True
    gaps = rng.choice(np.array([30, 60, 84, 90, 120, 168, 180, 365]), n).astype(np.int64)
    gaps[first] = rng.integers(0, 3000, npat)
    day = np.cumsum(gaps)
    day -= np.repeat(day[starts] - gaps[starts], nvis)
    steps = rng.choice(np.array([-2, -1, 0, 0, 0, 0, 1, 1, 2]), n).astype(np.int64)
    steps[first] = rng.integers(0, 12, npat)
    k = np.cumsum(steps)
    k -= np.repeat(k[starts] - steps[starts], nvis)
    # reflect the walk into the grid
    k = np.abs(k) % (2 * (len(EDSS_GRID) - 1))
    k = np.where(k >= len(EDSS_GRID), 2 * (len(EDSS_GRID) - 1) - k, k)
    base = np.datetime64("2010-01-01")
    visits = pl.DataFrame({
        "patient_id": pl.Series(pat).cast(pl.String),
        "date": pl.Series((base + day.astype("timedelta64[D]")).astype("datetime64[D]")),
        "edss": EDSS_GRID[k],
    })
    span = day[np.r_[starts[1:], n] - 1] - day[starts]
    nrel = rng.poisson(span / 365.25 * 0.5)
    rpat = np.repeat(np.arange(npat), nrel)
    rday = day[np.repeat(starts, nrel)] + (rng.random(int(nrel.sum())) *
                                          np.repeat(span + 60, nrel)).astype(np.int64) - 30
    relapses = pl.DataFrame({
        "patient_id": pl.Series(rpat).cast(pl.String),
        "onset_date": pl.Series((base + rday.astype("timedelta64[D]")).astype("datetime64[D]")),
    })
    return visits, relapses


def run_pymsprog(python: str, visits: pl.DataFrame, relapses: pl.DataFrame, tmp: Path,
                 ) -> tuple[float, float, pl.DataFrame]:
    """pymsprog's wall time and CPU time (user + system of its process) and its events."""
    visits.write_csv(tmp / "visits.csv")
    relapses.write_csv(tmp / "relapses.csv")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([python, str(ORACLE), "--visits", str(tmp / "visits.csv"), "--relapses",
                    str(tmp / "relapses.csv"), "--value-col", "edss", "--options",
                    json.dumps({"outcome": "edss", **OPTIONS}), "--out", str(tmp / "out")],
                   check=True, capture_output=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    res = pl.read_csv(tmp / "out" / "results.csv", schema_overrides={"patient_id": pl.String})
    return elapsed, cpu, res.filter(pl.col("nevent") > 0)


def _key(df: pl.DataFrame) -> pl.DataFrame:
    cols = ["patient_id", "nevent", "date", "bl_date", "conf84_date", "PIRA_conf84_date"]
    out = df.rename({"CDW_type": "cdw_type"}, strict=False).select(
        *(pl.col(c).cast(pl.String).fill_null("") for c in [*cols, "cdw_type", "event_type"]),
        pl.col("value").cast(pl.Float64), pl.col("bl_value").cast(pl.Float64))
    return out.sort("patient_id", "nevent")


def _profiles(visits: pl.DataFrame, relapses: pl.DataFrame, npat: int, repeat: int) -> None:
    """The MSoutcomes profile beside the msprog one on the same cohort (best of ``repeat``)."""
    runs = {"msprog firstCDW, fixed baseline": {},
            "msprog multiple, roving, RAW/PIRA": OPTIONS}
    runs |= {f"msoutcomes {ev}": {"profile": "msoutcomes", "event": ev}
             for ev in ("CDW", "CDI", "CDEseq", "PIRA")}
    print("profile                              time (s)   us/patient   events")
    for label, opts in runs.items():
        detect_events(*synthetic_cohort(20, seed=98), **opts)  # compile / load the cache
        best, n = float("inf"), 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            n = detect_events(visits, relapses, **opts).events.height
            best = min(best, time.perf_counter() - t0)
        print(f"{label:36s} {best:8.3f}   {best / npat * 1e6:10.1f}   {n:6d}")


def per_visit_cost(total: int, repeat: int, lengths: tuple[int, ...] = (20, 200, 2000, 10000),
                   ) -> None:
    """Print ns per visit, kernel alone and whole call, as series grow (same visits in all)."""
    from msrwe.derive.outcomes.engine import run_prepared
    from msrwe.derive.outcomes.kernel import event_buffers, scan_patients
    from msrwe.derive.outcomes.options import make_options
    from msrwe.derive.outcomes.prepare import codes, prepare

    opts = make_options(outcome="edss", **OPTIONS)
    print("visits/patient  patients    visits    relapses  kernel ns/visit (CPU)  "
          "detect_events ns/visit (CPU; one thread)  events")
    for length in lengths:
        npat = max(1, total // length)
        visits, relapses = synthetic_cohort(npat, seed=3, mean_visits=length)
        prep = prepare(visits, relapses, opts)
        iopt, fopt, win = codes(opts, threshold_code=prep.threshold_code)
        impu = np.zeros(npat)
        t_k = t_all = c_k = c_all = float("inf")
        nev = 0
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            scan_patients(0, npat, prep.off, prep.day, prep.value, prep.kernel_delta,
                          prep.validconf, prep.roff, prep.rday, impu, iopt, fopt, win,
                          *event_buffers(iopt, npat, len(prep.day)))
            t_k, c_k = min(t_k, time.perf_counter() - t0), min(c_k, time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            nev = run_prepared(prepare(visits, relapses, opts), opts, threads=1).events.height
            t_all = min(t_all, time.perf_counter() - t0)
            c_all = min(c_all, time.process_time() - c0)
        nv = visits.height
        print(f"{length:14,d}  {npat:8,d}  {nv:8,d}  {relapses.height:10,d}  "
              f"{t_k / nv * 1e9:15.0f} ({c_k / nv * 1e9:3.0f})  "
              f"{t_all / nv * 1e9:33.0f} ({c_all / nv * 1e9:3.0f})  {nev:6,d}")


def _reset_peak() -> bool:
    """Reset the process's peak resident memory (Linux ``clear_refs``); False when unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_gb() -> float:
    """Peak resident memory of this process since the last reset (or since it started), GB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def stages(visits: pl.DataFrame, relapses: pl.DataFrame, repeat: int = 1) -> None:
    """Print each stage of one ``detect_events`` call per visit: prepare, scan, assembly."""
    from msrwe.derive.outcomes.assemble import build_events, build_summary
    from msrwe.derive.outcomes.engine import run_prepared
    from msrwe.derive.outcomes.kernel import event_buffers, scan_patients
    from msrwe.derive.outcomes.options import make_options
    from msrwe.derive.outcomes.prepare import codes, prepare

    opts = make_options(outcome="edss", **OPTIONS)
    names = ("prepare", "kernel (1 thread)", "build_events", "build_summary",
             "kernel + assembly (threads as detect_events)")
    best = {k: (float("inf"), float("inf")) for k in names}  # (wall, CPU) seconds
    for _ in range(repeat):
        marks = [(time.perf_counter(), time.process_time())]
        prep = prepare(visits, relapses, opts)
        marks.append((time.perf_counter(), time.process_time()))
        iopt, fopt, win = codes(opts, threshold_code=prep.threshold_code)
        npat = len(prep.off) - 1
        out = scan_patients(0, npat, prep.off, prep.day, prep.value, prep.kernel_delta,
                            prep.validconf, prep.roff, prep.rday, np.zeros(npat), iopt, fopt, win,
                            *event_buffers(iopt, npat, len(prep.day)))
        marks.append((time.perf_counter(), time.process_time()))
        ev_i, ev_f = out[0][: out[2]], out[1][: out[2]]
        build_events(prep, ev_i, ev_f, opts)
        marks.append((time.perf_counter(), time.process_time()))
        build_summary(prep, ev_i, opts)
        marks.append((time.perf_counter(), time.process_time()))
        run_prepared(prep, opts)
        marks.append((time.perf_counter(), time.process_time()))
        for k, (a, b) in zip(names, itertools.pairwise(marks), strict=True):
            best[k] = (min(best[k][0], b[0] - a[0]), min(best[k][1], b[1] - a[1]))
    nv = visits.height
    print(f"  stages (best of {repeat}; wall, then CPU time of the process, which a shared "
          "machine inflates less): " + ", ".join(
              f"{k} {w * 1e3:.2f} ms / {c * 1e3:.0f} CPU-ms ({w / nv * 1e9:.0f} / "
              f"{c / nv * 1e9:.0f} ns/visit)" for k, (w, c) in best.items()))


def registry(npat: int, repeat: int, pieces: int, t_ref: float | None, n_ref: int) -> None:
    """Time ``--big`` patients: best of ``repeat`` calls, the call's peak memory, the stages."""
    visits, relapses = synthetic_cohort(npat, seed=2)
    times, cpus, peaks = [], [], []
    big = None
    for _ in range(repeat):
        exact = _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        big = detect_events(visits, relapses, **OPTIONS)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        peaks.append(_peak_gb())
    assert big is not None
    t_big = min(times)
    what = "the call" if exact else "the whole process"
    print(f"registry: {npat:,} patients, {visits.height:,} visits, {relapses.height:,} relapses: "
          f"best {t_big:.2f} s of {', '.join(f'{t:.2f}' for t in times)} "
          f"({t_big / visits.height * 1e9:.0f} ns/visit; target <= 1.5 s at 1M; "
          f"{min(cpus):.2f} CPU-s on up to 2 threads), "
          f"{big.events.height:,} events, peak memory during {what} {max(peaks):.2f} GB "
          f"(target <= 3 GB at 1M); {_load()}")
    if t_ref is not None:
        print(f"  per-patient speed-up over pymsprog: {(t_ref / n_ref) / (t_big / npat):,.0f}x")
    stages(visits, relapses, repeat)
    if pieces > 1:
        ids = visits["patient_id"].unique(maintain_order=True)
        parts = []
        for chunk in np.array_split(np.arange(ids.len()), pieces):
            sub = ids.gather(chunk).implode()
            parts.append(detect_events(visits.filter(pl.col("patient_id").is_in(sub)),
                                       relapses, **OPTIONS).events)
        print(f"  identical to a run in {pieces} pieces: {pl.concat(parts).equals(big.events)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--big", type=int, nargs="*", default=[1_000_000],
                    help="registry sizes in patients (none or 0: skip)")
    ap.add_argument("--big-repeat", type=int, default=3, help="runs per registry size")
    ap.add_argument("--pieces", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=30,
                    help="msrwe runs on the small cohort (best of; a run takes milliseconds)")
    ap.add_argument("--per-visit-total", type=int, default=200_000,
                    help="visits per run of the per-visit table (0: skip it)")
    ap.add_argument("--pymsprog", default=os.environ.get("PYMSPROG_PYTHON",
                                                         "/tmp/pymsprog-venv/bin/python"))
    a = ap.parse_args()

    detect_events(*synthetic_cohort(50, seed=99), **OPTIONS)  # compile / load the kernel cache
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f} at start (figures are same-run ratios where a reference exists)")
    visits, relapses = synthetic_cohort(a.patients, seed=1)
    times, cpus = [], []
    for _ in range(a.repeat):  # best of several runs: the machine is shared
        t0, c0 = time.perf_counter(), time.process_time()
        ours = detect_events(visits, relapses, **OPTIONS)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    t_ours, c_ours = min(times), min(cpus)
    print(f"cohort: {a.patients} patients, {visits.height} visits, {relapses.height} relapses")
    print(f"msrwe:    {t_ours * 1e3:.2f} ms best of {a.repeat} (median "
          f"{np.median(times) * 1e3:.2f} ms; {t_ours / a.patients * 1e6:.1f} us per patient; "
          f"CPU time {c_ours * 1e3:.2f} ms)")
    stages(visits, relapses, a.repeat)
    _profiles(visits, relapses, a.patients, a.repeat)
    t_ref = None
    if a.pymsprog and Path(a.pymsprog).exists():
        with tempfile.TemporaryDirectory() as tmp:
            t_ref, c_ref, ref = run_pymsprog(a.pymsprog, visits, relapses, Path(tmp))
        same = _key(ref).equals(_key(ours.events))
        print(f"pymsprog: {t_ref:.1f} s  ({t_ref / a.patients * 1e3:.2f} ms per patient, "
              f"including its start-up; CPU time {c_ref:.1f} s; {_load()})")
        print(f"speed-up per patient: {t_ref / t_ours:,.0f}x wall, "
              f"{c_ref / max(c_ours, 1e-4):,.0f}x CPU time (target >= 2,000x; CPU time is what a "
              f"shared machine distorts least); identical events: {same}")
    else:
        print(f"pymsprog not found at {a.pymsprog!r}: run ../shared/oracle/setup.sh")

    if a.per_visit_total:
        per_visit_cost(a.per_visit_total, min(a.repeat, 5))
    for npat in a.big or []:
        if npat > 0:
            registry(npat, a.big_repeat, a.pieces, t_ref, a.patients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
