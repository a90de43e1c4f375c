"""Write the synthetic cohorts the MSoutcomes golden outputs are made from.

Usage (from the repository root)::

    .venv/bin/python tests/results/msoutcomes/make_cohorts.py
    Rscript tests/results/msoutcomes/msoutcomes_golden.R tests/results/msoutcomes

Writes ``cases_visits.csv`` / ``cases_relapses.csv`` (the numbered hand-written cases of
``cases.md``) and ``random_visits.csv`` / ``random_relapses.csv`` (300 seeded random patients) and
``relapsing_*`` (200 patients with frequent relapses and visits at the ``tRelapse`` edges).
Visits carry EDSS, the seven Kurtzke functional system grades and the ambulation score, in the
column names of msrwe's data contract; dates are ISO dates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
D0 = dt.date(2015, 1, 1)
FS = ["fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory", "fs_bowel_bladder",
      "fs_visual", "fs_cerebral", "ambulation"]
EDSS_GRID = np.array([0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0,
                      7.5, 8.0, 8.5, 9.0])

# case id -> (visits as (day, edss, pyramidal FS or None), relapse onset days)
CASES: dict[str, tuple[list[tuple[int, float, int | None]], list[int]]] = {
    # 1-2: a baseline of 5.5 needs +1.0 (msprog: +0.5)
    "c01": ([(0, 5.5, 3), (100, 6.0, 3), (200, 6.0, 3), (300, 6.0, 3)], []),
    "c02": ([(0, 5.5, 3), (100, 6.5, 4), (200, 6.5, 4), (300, 6.5, 4)], []),
    # 3-4: confirmation after 84 days (not enough) and 91 days (enough)
    "c03": ([(0, 2.0, 1), (100, 3.0, 2), (184, 3.0, 2)], []),
    "c04": ([(0, 2.0, 1), (100, 3.0, 2), (191, 3.0, 2)], []),
    # 5: relapse onset 5 days before the onset visit: CDW yes, PIRA no (re-baselined)
    "c05": ([(0, 2.0, 1), (100, 3.0, 2), (200, 3.0, 2), (300, 3.0, 2)], [95]),
    # 6: last visit 10 days after a relapse: dropped when sustained, kept otherwise
    "c06": ([(0, 2.0, 1), (100, 3.0, 2), (200, 3.0, 2), (300, 3.0, 2)], [290]),
    # 7: an unconfirmed worsening before a confirmed improvement (CDEseq stops early)
    "c07": ([(0, 4.0, 2), (100, 5.0, 3), (150, 4.0, 2), (250, 2.5, 1), (400, 2.5, 1),
             (500, 2.5, 1)], []),
    # 8: FS-driven SPMS conversion (pyramidal leads and is confirmed)
    "c08": ([(0, 3.0, 1), (200, 3.0, 1), (400, 4.5, 3), (520, 4.5, 3), (700, 4.5, 3),
             (900, 5.0, 3)], []),
    # 9: same EDSS path, the leading FS (cerebellar) falls back within 60 days: no SPMS with FS,
    # SPMS without
    "c09": ([(0, 3.0, 2), (200, 3.0, 2), (400, 4.5, 2), (460, 4.5, 2), (520, 4.5, 2),
             (700, 4.5, 2), (900, 5.0, 2)], []),
    # 10: after an event the baseline is the lowest EDSS within the confirmation period
    "c10": ([(0, 2.0, 1), (100, 3.5, 2), (150, 3.0, 2), (250, 3.5, 2), (400, 4.5, 3),
             (500, 4.5, 3), (600, 4.5, 3)], []),
    # 11: first visits inside a relapse; the baseline is the first visit outside it
    "c11": ([(10, 4.0, 2), (60, 2.0, 1), (160, 3.0, 2), (260, 3.0, 2)], [0]),
    # 12: every visit within 30 days of a relapse: no baseline, no event
    "c12": ([(5, 2.0, 1), (105, 3.0, 2), (205, 3.0, 2)], [0, 100, 200]),
    # 13: improvement from 1.0 is impossible; from 1.5 it needs -1.5
    "c13": ([(0, 1.0, 0), (100, 0.0, 0), (200, 0.0, 0), (300, 0.0, 0)], []),
    "c14": ([(0, 1.5, 1), (100, 0.0, 0), (200, 0.0, 0), (300, 0.0, 0)], []),
    # 15: from a baseline of 0 worsening needs +1.5
    "c15": ([(0, 0.0, 0), (100, 1.0, 1), (200, 1.0, 1), (300, 1.5, 1), (400, 1.5, 1),
             (500, 1.5, 1)], []),
    # 16: improvement from 6.0 needs -1.0, from 6.5 -0.5
    "c16": ([(0, 6.0, 3), (100, 5.5, 3), (200, 5.5, 3), (300, 5.5, 3)], []),
    "c17": ([(0, 6.5, 4), (100, 6.0, 3), (200, 6.0, 3), (300, 6.0, 3)], []),
    # 18: a worsening after a relapse (not PIRA), then a PIRA from the new baseline
    "c18": ([(0, 2.0, 1), (100, 3.0, 2), (200, 3.0, 2), (400, 4.5, 3), (500, 4.5, 3),
             (600, 4.5, 3)], [90]),
    # 19: two visits on one date (both used, in input order)
    "c19": ([(0, 2.0, 1), (100, 3.0, 2), (100, 3.5, 2), (200, 3.5, 2), (300, 3.5, 2)], []),
    # 20: first visit in a relapse with a high EDSS (the package's sentinel row)
    "c20": ([(5, 6.0, 3), (60, 2.0, 1), (160, 3.0, 2), (260, 3.0, 2)], [0]),
    # 21: worsening, improvement, worsening again (CDEseq sequence)
    "c21": ([(0, 3.0, 2), (100, 4.0, 2), (200, 4.0, 2), (300, 4.0, 2), (400, 3.0, 2),
             (500, 3.0, 2), (600, 3.0, 2), (700, 4.5, 3), (800, 4.5, 3), (900, 4.5, 3)], []),
    # 22: a dip to the baseline interrupts the confirmation
    "c22": ([(0, 2.0, 1), (100, 3.0, 2), (150, 2.0, 1), (250, 3.0, 2), (350, 3.0, 2)], []),
}


def _date(day: int) -> str:
    return (D0 + dt.timedelta(days=int(day))).isoformat()


def cases() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The hand-written cases (other FS grades 1, ambulation 0; missing EDSS kept out)."""
    rows, rel = [], []
    for pid, (vis, onsets) in CASES.items():
        for day, edss, pyr in vis:
            other = 1 if pid != "c09" else (3 if day in (400, 460) else 1)
            rows.append({"patient_id": pid, "date": _date(day), "edss": edss,
                         "fs_pyramidal": pyr, "fs_cerebellar": other, "fs_brainstem": 1,
                         "fs_sensory": 1, "fs_bowel_bladder": 1, "fs_visual": 1,
                         "fs_cerebral": 1, "ambulation": 0})
        rel += [{"patient_id": pid, "onset_date": _date(d)} for d in onsets]
    return pl.DataFrame(rows), pl.DataFrame(rel, schema={"patient_id": pl.String,
                                                         "onset_date": pl.String})


def random_cohort(npat: int = 300, seed: int = 20261207) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Seeded random patients: EDSS walks on the grid, FS grades that follow them, relapses."""
    rng = np.random.default_rng(seed)
    rows, rel = [], []
    for p in range(npat):
        pid = f"r{p:03d}"
        n = int(rng.integers(2, 16))
        gaps = rng.choice([30, 60, 84, 91, 120, 180, 182, 365], n)
        gaps[0] = rng.integers(0, 400)
        days = np.cumsum(gaps)
        k = int(rng.integers(0, 12))
        for i, day in enumerate(days):
            if i:
                k = int(np.clip(k + rng.choice([-2, -1, 0, 0, 0, 1, 1, 2]), 0,
                                len(EDSS_GRID) - 1))
            edss = float(EDSS_GRID[k])
            base = min(5, int(edss // 1.5))
            fs = [int(np.clip(base + rng.choice([-1, 0, 0, 1]), 0, 5)) for _ in range(7)]
            amb = int(np.clip(edss * 2 - 8, 0, 12)) if edss >= 4 else 0
            row = {"patient_id": pid, "date": _date(int(day)),
                   "edss": None if rng.random() < 0.03 else edss,
                   **dict(zip(FS, [*fs, amb], strict=True))}
            if rng.random() < 0.1:  # FS not charted at this visit
                row.update(dict.fromkeys(FS))
            rows.append(row)
        span = int(days[-1] - days[0])
        for _ in range(int(rng.poisson(span / 365.25 * 0.6))):
            rel.append({"patient_id": pid,
                        "onset_date": _date(int(days[0]) + int(rng.integers(-60, span + 1)))})
    return pl.DataFrame(rows), pl.DataFrame(rel)


def relapsing_cohort(npat: int = 200, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Frequent relapses (about 2 a year), with visits on the relapse day, 30 days and 31 days
    after it (the edges of ``tRelapse``), and EDSS bumps at relapses."""
    rng = np.random.default_rng(seed)
    rows, rel = [], []
    for p in range(npat):
        pid = f"s{p:03d}"
        n = int(rng.integers(3, 14))
        days = list(np.cumsum(rng.choice([60, 91, 120, 182], n)))
        onsets = sorted({int(rng.integers(-40, days[-1])) for _ in range(rng.poisson(
            max(days[-1], 1) / 365.25 * 2))})
        for o in onsets:
            days += [o + int(rng.choice([0, 30, 31, 45]))]
        days = sorted({int(d) for d in days if d >= 0})
        k = int(rng.integers(2, 12))
        for day in days:
            k = int(np.clip(k + rng.choice([-1, 0, 0, 1, 1]), 0, len(EDSS_GRID) - 1))
            bump = 2 if any(0 <= day - o <= 30 for o in onsets) else 0
            edss = float(EDSS_GRID[min(k + bump, len(EDSS_GRID) - 1)])
            fs = [int(np.clip(edss // 1.5 + rng.choice([-1, 0, 1]), 0, 5)) for _ in range(7)]
            rows.append({"patient_id": pid, "date": _date(day), "edss": edss,
                         **dict(zip(FS, [*fs, int(max(0, edss * 2 - 8))], strict=True))})
        rel += [{"patient_id": pid, "onset_date": _date(o)} for o in onsets]
    return pl.DataFrame(rows), pl.DataFrame(rel)


def main() -> None:
    cohorts = {"cases": cases(), "random": random_cohort(), "relapsing": relapsing_cohort()}
    for name, (v, r) in cohorts.items():
        v.write_csv(HERE / f"{name}_visits.csv")
        r.write_csv(HERE / f"{name}_relapses.csv")


if __name__ == "__main__":
    main()
