"""Speed of trial design by simulation (msrwe.design), and the type I error under the null.

Usage::

    .venv/bin/python bench/design_speed.py [--trials 1000] [--n 300] [--type1 10000]

1. Simulates ``--trials`` trials of 2 x ``--n`` patients, 12-weekly visits over 96 weeks and
   four endpoints (24-week confirmed EDSS, T25FW >= 20%, 9HPT >= 20% on either hand,
   EDSS-Plus), through the real outcome engine (one call per endpoint over all patients of all
   trials): prints the time, the peak memory, the visit rows per engine call and the simulated
   trials per second (goal: under 60 s and 4 GB on this 2-core machine for the defaults).
   Beside it, the same number of trials by Schoenfeld's formula (closed form) for reference.
2. With ``--type1 N``: N null trials of 2 x 50 patients, prints the rejection rate of each
   endpoint (expected 0.05 +/- 0.01 at N = 10,000).
"""

from __future__ import annotations

import argparse
import resource
import time

from msrwe.design import parse_design, schoenfeld_power, simulate

DESIGN = """\
[design]
title = "bench"
n_trials = {trials}
seed = 2026
[population]
phenotype = "SPMS"
edss = [3.0, 6.5]
[arms]
placebo = 1
active = 1
[schedule]
duration_weeks = 96
visit_every_weeks = 12
dropout_per_year = 0.1
[effect]
hazard_ratio = {hr}
[[endpoints]]
name = "edss_cdw24"
outcome = "edss"
conf_days = 168
[[endpoints]]
name = "t25fw_20pct"
outcome = "t25fw"
conf_days = 168
[[endpoints]]
name = "nhpt_20pct"
outcome = "nhpt"
conf_days = 168
[[endpoints]]
name = "edss_plus"
outcome = "edss_plus"
conf_days = 168
[analysis]
n_per_arm = [{n}]
"""


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--type1", type=int, default=0)
    a = ap.parse_args()
    d = parse_design(DESIGN.format(trials=a.trials, n=a.n, hr=0.7))
    t0 = time.perf_counter()
    r = simulate(d)
    sec = time.perf_counter() - t0
    print(f"{a.trials} trials x 2 x {a.n} patients, 4 endpoints: {sec:.1f} s, "
          f"peak memory {_peak_gb():.2f} GB, {r.visit_rows:,} visit rows per engine call")
    print(f"simulated trials per second: {a.trials / sec:.1f} "
          f"(goal: {a.trials} trials in < 60 s and < 4 GB)")
    t1 = time.perf_counter()
    for _ in range(a.trials):
        for g in r.grid:
            schoenfeld_power(g.events, 0.7)
    ref = time.perf_counter() - t1
    print(f"Schoenfeld's formula for the same trials: {ref * 1e3:.1f} ms "
          "(closed form; ignores confirmation, visits and noise)")
    for g in r.grid:
        print(f"  {g.endpoint:12s} power {g.power:.3f} (+/- {g.power_mc_se:.3f})  events "
              f"{g.events:6.1f}  placebo {g.placebo_rate:.3f}  active {g.active_rate:.3f}  "
              f"HR {g.hazard_ratio:.3f}  type I {g.type1_error:.3f}")
    if a.type1:
        d0 = parse_design(DESIGN.format(trials=a.type1, n=50, hr=1.0))
        t2 = time.perf_counter()
        r0 = simulate(d0)
        print(f"type I error over {a.type1:,} null trials of 2 x 50 "
              f"({time.perf_counter() - t2:.1f} s):")
        for g in r0.grid:
            print(f"  {g.endpoint:12s} {g.power:.4f} (placebo-only null trials: "
                  f"{g.type1_error:.4f})")


if __name__ == "__main__":
    main()
