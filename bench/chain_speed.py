"""Time and peak memory of the whole chain: ``synth`` -> ``import`` -> ``analyze`` -> ``report``.

For each size (10,000 and 100,000 patients by default; ``--full`` adds 1,000,000) it writes a
clean synthetic chart folder as CSV and as Parquet, then runs each stage as its own ``msrwe``
process (so the peak RSS printed is that stage's alone):

- reference: DuckDB's own unvalidated read of every chart file of the folder into tables, in the
  same run and on the same files (``read_csv`` / ``read_parquet``);
- ``msrwe import`` of the same folder (read, validate every rule, quarantine, store), for CSV and
  for Parquet, printed as rows/s and as a ratio to the reference;
- ``msrwe analyze`` (with ``--timings``: its three slowest steps, and the three steps that raised
  its peak memory most, are printed below its line) on the CSV store, which also writes the
  analysis the report renders (``--out DIR`` holds ``analysis/``), and
  ``msrwe report --analysis DIR``, which renders it without analysing again.

Targets (issue 14): import >= 1,000,000 rows/s (CSV and Parquet); analyze 1M patients <= 120 s
and <= 12 GB; the whole chain <= 5 minutes. The machine is shared: compare rows within a run;
the 5-minute load average is printed after each size.

    .venv/bin/python bench/chain_speed.py [--sizes 10000 100000] [--full] [--skip-report]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

#: Runs one command and prints its wall time and the peak RSS of that command alone.
WRAP = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    t0 = time.perf_counter()
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "rc": proc.returncode,
                      "stderr": proc.stderr[-2000:]}))
    """
)

#: DuckDB's own read of every chart file of a folder (no validation), printing the rows read.
DUCKDB_READ = textwrap.dedent(
    """
    import duckdb, sys
    from pathlib import Path
    folder, db, fmt = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    con = duckdb.connect(db)
    rows = 0
    for f in sorted(folder.glob("*." + fmt)):
        reader = "read_csv" if fmt == "csv" else "read_parquet"
        con.execute(f"create or replace table {f.stem} as select * from {reader}(?)", [str(f)])
        rows += con.execute(f"select count(*) from {f.stem}").fetchone()[0]
    con.close()
    print(rows, file=sys.stderr)
    """
)


def _msrwe() -> list[str]:
    script = Path(sys.executable).with_name("msrwe")
    return [str(script)] if script.exists() else [sys.executable, "-m", "msrwe.cli.main"]


def _run(cmd: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], capture_output=True, text=True,
                         check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{res['stderr']}")
    return res


def _line(stage: str, r: dict, rows: int | None = None, ref: float | None = None) -> None:
    rate = f"{rows / r['seconds']:>12,.0f}" if rows else f"{'':>12}"
    ratio = f"{r['seconds'] / ref:>7.1f}x" if ref else f"{'':>8}"
    print(f"  {stage:<34}{r['seconds']:>9.1f}{r['peak_mb']:>11,.0f}{rate}{ratio}", flush=True)


def bench(n: int, work: Path, *, report: bool) -> None:
    """Run the chain at ``n`` patients in ``work`` and print one line per stage."""
    msrwe = _msrwe()
    print(f"\n{n:,} patients    stage{'':<23}seconds    peak MB      rows/s  vs DuckDB")
    chain = 0.0
    stores = {}
    for fmt in ("csv", "parquet"):
        charts = work / f"charts-{fmt}"
        r = _run([*msrwe, "synth", "--patients", str(n), "--clean", "--format", fmt,
                  "--out", str(charts)])
        _line(f"synth ({fmt})", r)
        ref = _run([sys.executable, "-c", DUCKDB_READ, str(charts), str(work / f"ref-{fmt}.duckdb"),
                    fmt])
        rows = int(ref["stderr"].strip().splitlines()[-1])
        _line(f"DuckDB read ({fmt}, reference)", ref, rows)
        db = work / f"store-{fmt}.duckdb"
        r = _run([*msrwe, "import", str(charts), "--db", str(db), "--json"])
        _line(f"msrwe import ({fmt})", r, rows, ref["seconds"])
        stores[fmt] = db
        if fmt == "csv":
            chain += r["seconds"]
    r = _run([*msrwe, "analyze", "--db", str(stores["csv"]), "--out", str(work / "res"),
              "--quiet", "--timings"])
    _line("msrwe analyze", r)
    steps = re.findall(r"^\s*(\d+\.\d\d) s\s+(-?[\d,]+) MB  (.+)$", r["stderr"], re.M)
    print(f"    slowest steps: {'; '.join(f'{w} {float(s):.1f} s' for s, _, w in steps[:3])}")
    grew = sorted(steps, key=lambda x: -int(x[1].replace(",", "")))[:3]
    print(f"    peak memory raised by: {'; '.join(f'{w} +{mb} MB' for _, mb, w in grew)}")
    chain += r["seconds"]
    if report:
        r = _run([*msrwe, "report", "--analysis", str(work / "res"), "--out",
                  str(work / "report.html")])
        _line("msrwe report --analysis", r)
        chain += r["seconds"]
    print(f"  {'chain import+analyze' + ('+report' if report else ''):<34}{chain:>9.1f}")
    print(f"  load average during the run: {os.getloadavg()[1]:.1f} (1 = one busy core; "
          f"{os.cpu_count()} cores)")


def main() -> None:
    """Command line of the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--full", action="store_true", help="also 1,000,000 patients (minutes, GBs)")
    ap.add_argument("--skip-report", action="store_true", help="leave out msrwe report")
    args = ap.parse_args()
    sizes = [*args.sizes, *([1_000_000] if args.full else [])]
    t0 = time.perf_counter()
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"msrwe-chain-{n}-"))
        try:
            bench(n, work, report=not args.skip_report)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\ntotal benchmark time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
