"""Make the golden files for tests/outcomes/test_composite_golden.py with pymsprog 1.0.7.

The reference pymsprog only knows one outcome series at a time, so it is run on each component of
a composite (EDSS, T25FW, each hand of the 9-hole peg test) separately; msrwe's composite must
give the same component events and take the earliest of them.

Run from the repository root (the oracle lives outside msrwe's environment):

    VENV=$(../shared/oracle/setup.sh)
    $VENV/bin/python tests/results/progressive/make_golden.py

It writes visits.csv and relapses.csv (a synthetic cohort made here with a fixed seed, including
9HPT hands at 777 s) and, for each option set and component, <set>/<component>/results.csv plus
call.json from ../shared/oracle/run_pymsprog.py.
"""

import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.environ.get(
    "MSRWE_ORACLE",
    str(Path(__file__).resolve().parents[4] / "shared" / "oracle" / "run_pymsprog.py"),
)
EDSS_STEPS = [0.0] + [x / 2 for x in range(2, 20)]

OPTION_SETS = {
    # EDSS-Plus style: first CDW, 24-week confirmation
    "first168": {"conf_days": 168},
    # all events, roving baseline, 12-week confirmation, RAW/PIRA classification
    "multi84": {"conf_days": 84, "event": "multiple", "baseline": "roving", "RAW_PIRA": True},
}
COMPONENTS = {
    "edss": ("edss", "edss"),
    "t25fw": ("t25fw", "t25fw_s"),
    "nhpt_dominant": ("nhpt", "nhpt_dominant_s"),
    "nhpt_nondominant": ("nhpt", "nhpt_nondominant_s"),
}


def make_cohort(seed: int = 20261122, n: int = 40):
    rnd = random.Random(seed)
    visits, relapses = [], []
    d0 = dt.date(2015, 1, 1)
    for p in range(n):
        pid = f"P{p:03d}"
        start = d0 + dt.timedelta(days=rnd.randint(0, 365))
        edss = rnd.choice([2.0, 3.0, 3.5, 4.0, 4.5, 5.5, 6.0])
        walk = rnd.uniform(5.0, 12.0)
        hands = [rnd.uniform(18.0, 30.0), rnd.uniform(19.0, 33.0)]
        lost = rnd.random() < 0.2  # one hand becomes unable (777) at some point
        lost_at = rnd.randint(3, 8)
        day = 0
        for k in range(rnd.randint(6, 12)):
            if k:
                day += rnd.randint(70, 130)
                if rnd.random() < 0.25:
                    edss = min(9.5, edss + rnd.choice([0.5, 1.0, 1.5]))
                elif rnd.random() < 0.15:
                    edss = max(0.0, edss - rnd.choice([0.5, 1.0]))
                    edss = 0.0 if edss < 1.0 else edss
                walk *= rnd.uniform(0.9, 1.25)
                hands = [h * rnd.uniform(0.9, 1.22) for h in hands]
            h = [round(x, 1) for x in hands]
            if lost and k >= lost_at:
                h[1] = 777.0
            visits.append({
                "patient_id": pid,
                "date": (start + dt.timedelta(days=day)).isoformat(),
                "edss": edss,
                "t25fw_s": round(min(walk, 150.0), 1),
                "nhpt_dominant_s": min(h[0], 250.0),
                "nhpt_nondominant_s": h[1] if h[1] == 777.0 else min(h[1], 250.0),
            })
        for _ in range(rnd.choice([0, 0, 1, 2])):
            onset = start + dt.timedelta(days=rnd.randint(0, max(day, 1)))
            relapses.append({"patient_id": pid, "onset_date": onset.isoformat()})
    return visits, relapses


def write(path, rows, fields):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def main() -> int:
    visits, relapses = make_cohort()
    vpath, rpath = os.path.join(HERE, "visits.csv"), os.path.join(HERE, "relapses.csv")
    write(vpath, visits, list(visits[0]))
    write(rpath, relapses, ["patient_id", "onset_date"])
    for set_name, opts in OPTION_SETS.items():
        for comp, (outcome, col) in COMPONENTS.items():
            out = os.path.join(HERE, set_name, comp)
            subprocess.run(
                [sys.executable, ORACLE, "--visits", vpath, "--relapses", rpath,
                 "--value-col", col, "--options", json.dumps({"outcome": outcome, **opts}),
                 "--out", out],
                check=True,
            )
            os.remove(os.path.join(out, "summary.csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
