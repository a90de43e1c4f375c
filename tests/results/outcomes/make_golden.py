"""Regenerate the golden outputs of pymsprog used by tests/outcomes/test_golden.py.

Run with the oracle's interpreter (pymsprog must never be installed into msrwe's environment)::

    VENV=$(bash ../shared/oracle/setup.sh /tmp/pymsprog-venv)   # prints the venv path
    /tmp/pymsprog-venv/bin/python tests/results/outcomes/make_golden.py [CASE ...]

(with case names, only those cases are rerun).

It writes, under tests/results/outcomes/:

- inputs/toy_visits.csv, inputs/toy_relapses.csv: pymsprog's toy data renamed to the chart
  contract (patient_id, date, edss, sdmt; patient_id, onset_date);
- inputs/cohort<seed>_visits.csv, ..._relapses.csv: seeded random cohorts made here;
- golden/<case>/results.csv and summary.csv (and unconfirmed.csv), plus versions.json,
  for every case of cases.json (the options, in pymsprog's own names).

Named threshold policies in cases.json ("delta_fun": "trial" etc.) are written out below as the
functions pymsprog receives.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pymsprog
from pymsprog import MSprog

HERE = Path(__file__).resolve().parent
INPUTS = HERE / "inputs"
GOLDEN = HERE / "golden"

DELTA_FUNS = {
    "trial": lambda b: 1.0 if b <= 5.5 else 0.5,
    "lorscheider": lambda b: 1.5 if b == 0 else (1.0 if b <= 5.5 else 0.5),
    "sdmt_4_or_10pct": lambda b: min(b * 0.1, 4.0),
    "pct20": lambda b: b / 5,
}

EDSS_GRID = np.array([0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0,
                      7.5, 8.0, 8.5, 9.0, 9.5])


def make_cohort(seed: int, npat: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded random cohort: EDSS random walk on the legal grid, SDMT, T25FW, relapses."""
    rng = np.random.default_rng(seed)
    vrows, rrows = [], []
    for i in range(npat):
        pid = f"P{seed}-{i:04d}"
        nvis = int(rng.integers(1, 26))
        start = pd.Timestamp("2012-01-01") + pd.Timedelta(days=int(rng.integers(0, 2000)))
        gaps = rng.choice([0, 14, 30, 45, 60, 84, 90, 120, 168, 180, 200, 365], size=nvis,
                          p=[0.02, 0.04, 0.08, 0.08, 0.1, 0.14, 0.14, 0.12, 0.1, 0.1, 0.04,
                             0.04])
        gaps[0] = 0
        days = np.cumsum(gaps)
        k = int(rng.integers(0, 12))
        sd = float(rng.integers(25, 70))
        tw = float(rng.uniform(4, 15))
        for j, d in enumerate(days):
            k = int(np.clip(k + rng.choice([-2, -1, 0, 0, 0, 1, 1, 2, 3]), 0, len(EDSS_GRID) - 1))
            sd = float(np.clip(sd + rng.choice([-8, -5, -3, -1, 0, 0, 1, 3, 5, 7]), 0, 110))
            tw = float(np.round(tw * rng.choice([0.7, 0.85, 1.0, 1.0, 1.1, 1.25, 1.5]), 1))
            edss = float(EDSS_GRID[k]) if rng.random() > 0.03 else np.nan
            vrows.append({"patient_id": pid, "date": (start + pd.Timedelta(days=int(d))).date(),
                          "edss": edss, "edss_delta": float(EDSS_GRID[max(k - 1, 0)]),
                          "sdmt": sd, "t25fw_s": tw,
                          "scheduled": bool(rng.random() > 0.2) if j else True})
        span = int(days[-1]) + 200
        nrel = int(rng.poisson(span / 365.25 * 0.6))
        for _ in range(nrel):
            rday = int(rng.integers(-150, span))
            if rng.random() < 0.15 and nvis > 1:   # some relapses on a visit day
                rday = int(rng.choice(days))
            rrows.append({"patient_id": pid,
                          "onset_date": (start + pd.Timedelta(days=rday)).date()})
    rel = pd.DataFrame(rrows, columns=["patient_id", "onset_date"])
    rel = rel.sort_values(["patient_id", "onset_date"], kind="stable")
    return pd.DataFrame(vrows), rel


def write_inputs() -> None:
    INPUTS.mkdir(parents=True, exist_ok=True)
    visits, relapses = pymsprog.load_toy_data()
    visits = visits.rename(columns={"id": "patient_id", "EDSS": "edss", "SDMT": "sdmt"})
    visits["date"] = pd.to_datetime(visits["date"]).dt.date
    visits[["patient_id", "date", "edss", "sdmt"]].to_csv(INPUTS / "toy_visits.csv", index=False)
    relapses = relapses.rename(columns={"id": "patient_id", "date": "onset_date"})
    relapses["onset_date"] = pd.to_datetime(relapses["onset_date"]).dt.date
    relapses = relapses.sort_values(["patient_id", "onset_date"], kind="stable")
    relapses[["patient_id", "onset_date"]].to_csv(INPUTS / "toy_relapses.csv", index=False)
    for seed, npat in ((1, 400), (2, 400)):
        v, r = make_cohort(seed, npat)
        v.to_csv(INPUTS / f"cohort{seed}_visits.csv", index=False)
        r.to_csv(INPUTS / f"cohort{seed}_relapses.csv", index=False)


def run_case(case: dict) -> None:
    opts = dict(case["options"])
    data = case["data"]
    value_col = opts.pop("value_col", {"edss": "edss", "sdmt": "sdmt", "t25fw": "t25fw_s"}.get(
        opts.get("outcome", "edss"), "edss"))
    opts.setdefault("outcome", "edss")
    if isinstance(opts.get("delta_fun"), str):
        opts["delta_fun"] = DELTA_FUNS[opts["delta_fun"]]
    if "conf_tol_days" in opts and isinstance(opts["conf_tol_days"], dict):
        opts["conf_tol_days"] = {int(float(k)): v for k, v in opts["conf_tol_days"].items()}
    if "relapse_indep" in opts:
        opts["relapse_indep"] = {k: (tuple(v) if isinstance(v, list) else v)
                                 for k, v in opts["relapse_indep"].items()}
    for k in ("require_sust_days", "impute_last_visit"):
        if opts.get(k) == "inf":
            opts[k] = float("inf")
    if isinstance(opts.get("conf_tol_days"), list):
        opts["conf_tol_days"] = [float("inf") if x == "inf" else x for x in opts["conf_tol_days"]]
    visits = pd.read_csv(INPUTS / f"{data}_visits.csv")
    keep = ["patient_id", "date", value_col]
    for extra in ("validconf_col", "valuedelta_col"):
        if opts.get(extra) and opts[extra] not in keep:
            keep.append(opts[extra])
    visits = visits[keep].dropna(subset=[value_col])
    relapses = None if case.get("no_relapses") else pd.read_csv(INPUTS / f"{data}_relapses.csv")
    out = MSprog(visits, subj_col="patient_id", value_col=value_col, date_col="date",
                 relapse=relapses, rsubj_col="patient_id", rdate_col="onset_date",
                 include_dates=True, include_value=True, verbose=0, **opts)
    dest = GOLDEN / case["name"]
    dest.mkdir(parents=True, exist_ok=True)
    out[0].to_csv(dest / "summary.csv", index_label="patient_id")
    out[1].to_csv(dest / "results.csv", index=False)
    if len(out) > 2:
        out[2].to_csv(dest / "unconfirmed.csv", index=False)


def main() -> int:
    """Regenerate everything, or only the cases named on the command line."""
    only = set(sys.argv[1:])
    write_inputs()
    cases = json.loads((HERE / "cases.json").read_text())
    if only:
        cases = [c for c in cases if c["name"] in only]
    elif GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for case in cases:
        run_case(case)
        print(case["name"], file=sys.stderr)
    (GOLDEN / "versions.json").write_text(json.dumps(
        {"pymsprog": pymsprog.__version__, "pandas": pd.__version__, "numpy": np.__version__,
         "python": sys.version.split()[0]}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
