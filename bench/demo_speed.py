"""Time of a cold ``make demo`` after ``make venv``, phase by phase, beside Python's own start-up.

Usage::

    .venv/bin/python bench/demo_speed.py [--repeat 2] [--keep DIR]

Issue 14 item 3: "A cold ``make demo`` after install under 20 s". ``make demo`` runs
``msrwe demo --dirty --out demo-output``; what is cold in it is what ``make venv`` leaves to the
first run. To see that on a machine where this checkout has run before, the bench copies the
package's source (``src/msrwe``, without bytecode or numba's cache) into a temporary folder, points
``PYTHONPATH`` there and ``MPLCONFIGDIR`` at an empty folder, and repeats the three steps of
``make venv`` after the install (each printed with its time):

1. ``python -m msrwe.derive.outcomes.warmup`` (numba compiles the engine and the mixed model's
   sums into ``__pycache__``);
2. ``import matplotlib.font_manager`` (matplotlib's font list);
3. ``python -m compileall -q`` over the copy (the bytecode an editable install leaves undone).

Then each run copies that prepared source again and runs ``msrwe demo --dirty`` in its own
process, with each phase of the demo timed in CPU seconds (user + system of the process) and wall
seconds: the command's start-up (importing the CLI), the synthetic charts, the import, the
analysis, the report, the analysis bundle and the design demo, for the demo cohort (83 patients)
and the comparison (900 patients) apart, and the process's exit after its last ``atexit``
handler (the CPU time of the whole process is read from outside). The reference, in the same
run: a Python process that only imports Polars and DuckDB (best of 3). The load average is
printed with each figure: the machine may be shared, and under load wall time exceeds CPU time.

Nothing of the checkout is written; ``--keep DIR`` keeps the copies and outputs in ``DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "msrwe"

#: The child: ``msrwe demo`` with its phases wrapped; writes the marks as JSON to ``OUT`` at exit.
DRIVER = textwrap.dedent(
    """
    import atexit, json, resource, sys, time

    def cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    marks = {"python start-up": [cpu(), None]}
    c0, w0 = cpu(), time.perf_counter()
    import msrwe.cli.main as cli
    marks["msrwe start-up (import the CLI)"] = [cpu() - c0, time.perf_counter() - w0]
    c0, w0 = cpu(), time.perf_counter()
    import msrwe.design.demo, msrwe.io, msrwe.pipeline, msrwe.pipeline.bundle, msrwe.synth
    msrwe.pipeline.build_report  # a lazy name: load it so that it can be wrapped
    marks["the demo's first imports (design, io, pipeline)"] = [
        cpu() - c0, time.perf_counter() - w0]
    seen = {}

    def wrap(module, name, label):
        func = getattr(module, name)

        def timed(*args, **kwargs):
            n = seen[label] = seen.get(label, 0) + 1
            key = f"{label}, {('demo cohort', 'comparison')[min(n, 2) - 1]}"
            if label == "design demo":
                key = label
            c, w = cpu(), time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                mark = marks.setdefault(key, [0.0, 0.0])
                mark[0] += cpu() - c
                mark[1] += time.perf_counter() - w

        setattr(module, name, timed)

    wrap(msrwe.synth, "write_cohort", "synthetic charts")
    wrap(msrwe.io, "import_folder", "import")
    wrap(msrwe.pipeline, "analyze", "analyze")
    wrap(msrwe.pipeline, "build_report", "report (export + render)")
    wrap(msrwe.pipeline.bundle, "save_analysis", "analysis bundle")
    wrap(msrwe.design.demo, "run_demo_design", "design demo")
    sys.argv = ["msrwe", "demo", "--dirty", "--out", sys.argv[1]]
    before = set(marks)

    @atexit.register  # run by either way out: Python's exit, or the command line's own
    def write_marks():
        phases = [v for k, v in marks.items() if k not in before]
        marks["msrwe demo, the rest of the command"] = [
            cpu() - c0 - sum(c for c, _ in phases),
            time.perf_counter() - w0 - sum(w for _, w in phases),
        ]
        marks["process total before its exit"] = [cpu(), None]
        with open(OUT, "w") as f:  # OUT: set by the bench above this code
            json.dump(marks, f)

    c0, w0 = cpu(), time.perf_counter()
    cli.main()  # the console script's entry point: it ends the process
    """
)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run ``cmd``; return its (CPU seconds of the child, wall seconds); raise on failure."""
    before = os.times()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = os.times()
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    return cpu, wall


def _env(root: Path) -> dict[str, str]:
    """This copy's package and font list; numba's cache in its ``__pycache__`` (as make venv)."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    return {**env, "PYTHONPATH": str(root / "src"), "MPLCONFIGDIR": str(root / "mpl")}


def prepare(root: Path) -> None:
    """A copy of the package without bytecode, then ``make venv``'s three steps, each timed."""
    shutil.copytree(SRC, root / "src" / "msrwe",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    (root / "mpl").mkdir()
    env = _env(root)
    steps = (
        ("warm-up (numba: engine, mixed model)", ["-m", "msrwe.derive.outcomes.warmup"]),
        ("matplotlib's font list", ["-c", "import matplotlib.font_manager"]),
        ("compileall", ["-m", "compileall", "-q", str(root / "src" / "msrwe")]),
    )
    print(f"make venv's steps after the install (load {_load()}):")
    for label, args in steps:
        cpu, wall = _run([sys.executable, *args], env, root)
        print(f"  {label:40s} {cpu:6.2f} CPU-s {wall:6.2f} s wall")


def reference(root: Path) -> tuple[float, float]:
    """Best of 3: a Python process that imports Polars and DuckDB (CPU s, wall s)."""
    runs = [_run([sys.executable, "-c", "import polars, duckdb"], os.environ.copy(), root)
            for _ in range(3)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def cold_demo(prepared: Path, run: Path) -> tuple[dict[str, list[float | None]], float, float]:
    """Copy the prepared source to ``run`` and time one cold ``msrwe demo`` there.

    The demo's phases come from the child (the marks of :data:`DRIVER`); the CPU and wall time
    of the whole process from here, start-up included.
    """
    shutil.copytree(prepared, run)
    marks_file = run / "marks.json"
    code = f"OUT = {str(marks_file)!r}\n" + DRIVER
    cpu, wall = _run([sys.executable, "-c", code, "demo-output"], _env(run), run)
    return json.loads(marks_file.read_text()), cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="cold demos (default 2)")
    parser.add_argument("--keep", type=Path, help="keep the copies and outputs here")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="msrwe-demo-speed-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        prepared = base / "prepared"
        prepare(prepared)
        ref_cpu, ref_wall = reference(base)
        print(f"reference: python -c 'import polars, duckdb', best of 3: {ref_cpu:.2f} CPU-s, "
              f"{ref_wall:.2f} s wall (load {_load()})")
        for i in range(1, args.repeat + 1):
            marks, cpu, wall = cold_demo(prepared, base / f"run{i}")
            print(f"\ncold msrwe demo --dirty, run {i}: {cpu:.2f} CPU-s "
                  f"({cpu / ref_cpu:.0f}x the reference), {wall:.2f} s wall "
                  f"({wall / ref_wall:.0f}x), load {_load()}; target 20 s")
            print(f"  {'phase':48s} {'CPU-s':>7s} {'wall s':>7s}")
            for label, (c, w) in marks.items():
                shown = "" if w is None else f"{w:7.2f}"
                print(f"  {label:48s} {c:7.2f} {shown:>7s}")
            ended = cpu - marks["process total before its exit"][0]
            print(f"  {'the exit (after the atexit handlers)':48s} {ended:7.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
