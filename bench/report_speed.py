"""Speed of the whole chain at registry-clinic scale: synth, import, analyze and report.

Usage::

    .venv/bin/python bench/report_speed.py [--patients 10000] [--seed 3]

Each step runs as the command a user types, in a fresh subprocess, on one synthetic cohort
(``msrwe synth`` with N patients, about 40 visits each). It prints the wall-clock seconds of each
step, the largest peak memory of the steps so far, and the ratio of each step's time to the
import of the same cohort in the same run (a reference that other load slows alike).
Targets: the report of a 10,000-patient cohort in under a minute; the default 83-patient demo in
a few seconds.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MSRWE = str(Path(sys.executable).with_name("msrwe"))


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds of one msrwe command, and the largest peak RSS (MB) of the children so far."""
    start = time.perf_counter()
    proc = subprocess.run([MSRWE, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"msrwe {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        charts, db = root / "charts", root / "s.duckdb"
        steps = [
            ("synth", ["synth", "--out", str(charts), "--patients", str(a.patients),
                       "--seed", str(a.seed)]),
            ("import", ["import", str(charts), "--db", str(db), "--json"]),
            ("analyze", ["analyze", "--db", str(db), "--out", str(root / "out"), "--quiet"]),
            ("report", ["report", "--db", str(db), "--out", str(root / "report.html")]),
        ]
        times: dict[str, float] = {}
        print(f"{a.patients:,} synthetic patients")
        print(f"{'step':8} {'seconds':>8} {'x import':>9} {'peak MB so far':>15}")
        for name, args in steps:
            seconds, peak = timed(args)
            times[name] = seconds
            ratio = f"{seconds / times['import']:.1f}" if "import" in times else "-"
            print(f"{name:8} {seconds:8.2f} {ratio:>9} {peak:15.0f}")
        verdict = "meets" if times["report"] < 60 else "MISSES"
        print(f"report (analysis included): {times['report']:.1f} s, {verdict} the one-minute "
              "target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
