"""Speed of the web app's patient timeline against a large store.

Usage::

    .venv/bin/python bench/serve_speed.py [--patients 100000] [--visits 10] [--repeat 30]
                                          [--store FILE]

Writes a store of ``--patients`` synthetic patients (``--visits`` EDSS visits each, a few
relapses) plus one patient with 60 visits, then times, in one run, against that patient:

1. the store queries alone (the reference: every chart table filtered on the patient, the same
   parameterised SQL the page runs);
2. the whole timeline page through the ASGI app (session check, the queries, the engine re-run
   for the patient, the hand-written SVG, the template).

It prints the median and the 95th percentile of each and the page's ratio to the queries. The
issue's target is a page median under 200 ms with 100,000 patients on the project machine.
With ``--store FILE`` the store is written there once and reused by later runs (delete it
yourself); without it, it lives in a temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl


def make_store(folder: Path, n: int, visits: int, seed: int = 1,
               name: str | None = None) -> tuple[Path, str]:
    """A store of ``n`` patients with ``visits`` visits each plus patient ``BENCH60`` (60)."""
    from msrwe.store import write_import

    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:06d}" for i in range(n)] + ["BENCH60"])
    counts = np.full(n + 1, visits)
    counts[-1] = 60
    pid = np.repeat(ids, counts)
    step = np.concatenate([np.arange(c) for c in counts])
    start = dt.date(2010, 1, 1)
    dates = [start + dt.timedelta(days=int(d)) for d in step * 120 + rng.integers(0, 20, step.size)]
    edss = np.clip(np.round((3 + np.cumsum(rng.choice([0, 0, 0, 0.5, -0.5, 1.0], step.size))
                             * (step > 0)) * 2) / 2, 0, 9.5)
    patients = pl.DataFrame({"patient_id": ids, "sex": rng.choice(["F", "M"], n + 1),
                             "phenotype": rng.choice(["SPMS", "PPMS"], n + 1)})
    visits_df = pl.DataFrame({"patient_id": pid, "date": dates, "edss": edss})
    rel_idx = rng.choice(n + 1, size=n // 10 + 1, replace=False)
    relapses = pl.DataFrame({"patient_id": ids[rel_idx],
                             "onset_date": [start + dt.timedelta(days=int(d))
                                            for d in rng.integers(0, 1000, rel_idx.size)]})
    db = folder / (name or "bench.duckdb")
    write_import(db, tables={"patients": patients, "visits": visits_df, "relapses": relapses})
    return db, "BENCH60"


def _stats(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000


def main() -> None:
    """Run the benchmark and print its table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--visits", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--store", type=Path, default=None,
                    help="write the store here once and reuse it (not removed)")
    args = ap.parse_args()

    from starlette.testclient import TestClient

    from msrwe.schema import CONTRACT
    from msrwe.serve import ServeState, create_app

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if args.store is not None and args.store.exists():
            db, target = args.store, "BENCH60"
            print(f"store: reusing {db}")
        else:
            folder = args.store.parent if args.store is not None else Path(tmp)
            db, target = make_store(folder, args.patients, args.visits,
                                    name=args.store.name if args.store is not None else None)
            print(f"store: {args.patients:,} patients written in {time.perf_counter() - t0:.1f} s")
        ServeState(db).add_user("bench", "bench-password", "data-manager")
        app = create_app(db)
        client = TestClient(app)
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"csrf": token, "username": "bench",
                                    "password": "bench-password"})
        cohort = app.state.cohort
        names = [t.name for t in CONTRACT if t.name in cohort.tables]
        first = client.get(f"/patients/{target}")  # warm-up: numba compile, caches
        n_visits = first.text.count('class="visit" data-measure="edss"')
        n_events = first.text.count('<li class="event ')
        print(f"patient {target}: {n_visits} EDSS visits, {n_events} events on the page")

        def queries() -> None:
            cur = cohort.cursor()
            for name in names:
                cur.sql(f'select * from "{name}" where patient_id = ?', params=[target]).pl()
            cur.close()

        q_times, p_times = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            queries()
            q_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            resp = client.get(f"/patients/{target}")
            p_times.append(time.perf_counter() - t)
            assert resp.status_code == 200
        (qm, q95), (pm, p95) = _stats(q_times), _stats(p_times)
        print(f"{'':34}{'median ms':>10}{'p95 ms':>10}{'ratio':>8}")
        print(f"{'store queries alone (reference)':34}{qm:10.1f}{q95:10.1f}{1:8.1f}")
        print(f"{'timeline page, 60 visits':34}{pm:10.1f}{p95:10.1f}{pm / qm:8.1f}")
        cohort.close()


if __name__ == "__main__":
    main()
