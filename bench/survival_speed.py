"""Speed of the survival statistics of ``msrwe analyze`` against lifelines' own fits.

Usage::

    .venv/bin/python bench/survival_speed.py [--rows 100000] [--seed 1]

On one synthetic time-to-event dataset (two groups, times in whole days as the analyses have
them, so many ties) it times, in one run:

1. lifelines' ``CoxPHFitter`` (Efron ties), the reference, and ``msrwe.stats.cox_hr`` (the same
   lifelines Newton steps with the vectorised Efron evaluation, plus the robust sandwich and the
   Schoenfeld test), and checks the hazard ratios agree;
2. lifelines' ``KaplanMeierFitter`` on every row, the reference, and
   ``msrwe.stats.kaplan_meier`` (lifelines on the collapsed ties plus the reading rules).

It prints each time and the ratio to its reference (issue 14: a Cox fit on a million rows
must stay O(n log n); lifelines' loop over rows is what the vectorised evaluation replaces).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import polars as pl


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from lifelines import CoxPHFitter, KaplanMeierFitter

    from msrwe.stats import cox_hr, kaplan_meier

    n = args.rows
    rng = np.random.default_rng(args.seed)
    g = rng.integers(0, 2, n)
    days = np.ceil(rng.exponential(900 * np.exp(-0.3 * g))) + 1
    cens = rng.integers(30, 3650, n)
    t = np.minimum(days, cens) / 365.25
    e = (days <= cens).astype(np.int64)
    print(f"{n:,} rows, {int(e.sum()):,} events, {len(np.unique(t)):,} distinct times")

    pdf = pd.DataFrame({"x": g.astype(float), "t": t, "e": e})
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CoxPHFitter().fit(pdf, duration_col="t", event_col="e",
                                fit_options={"precision": 1e-12})
    ref_s = time.perf_counter() - t0
    df = pl.DataFrame({"group": np.where(g == 1, "B", "A"), "t": t, "e": e})
    t0 = time.perf_counter()
    res = cox_hr(df, time="t", event="e", group="group", reference="A")
    fast_s = time.perf_counter() - t0
    hr_ref = float(np.exp(ref.params_.iloc[0]))
    print(f"Cox, lifelines CoxPHFitter (reference)      {ref_s:8.2f} s   HR {hr_ref:.6f}")
    print(f"Cox, msrwe cox_hr (+ robust SE, PH test)     {fast_s:8.2f} s   HR {res.hr:.6f}   "
          f"{ref_s / fast_s:6.1f}x faster")
    if not np.isclose(res.hr, hr_ref, rtol=1e-9):
        raise SystemExit("the hazard ratios differ")

    t0 = time.perf_counter()
    KaplanMeierFitter().fit(t, e.astype(bool))
    ref_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    kaplan_meier(t, e, at=[1, 2, 3, 4, 5])
    fast_s = time.perf_counter() - t0
    print(f"Kaplan-Meier, lifelines on every row (ref.)  {ref_s:8.2f} s")
    print(f"Kaplan-Meier, msrwe kaplan_meier             {fast_s:8.2f} s   "
          f"{ref_s / fast_s:6.1f}x faster")


if __name__ == "__main__":
    main()
