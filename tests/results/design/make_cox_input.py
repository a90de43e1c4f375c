"""Write cox_input.csv: 8 small two-arm trials with visit-day times (heavy ties).

Run from the repository root: .venv/bin/python tests/results/design/make_cox_input.py
then: Rscript tests/results/design/coxph_efron.R
"""

from pathlib import Path

import numpy as np
import polars as pl

rng = np.random.default_rng(20261207)
n_trials, n = 8, 90
trial = np.repeat(np.arange(n_trials), n)
arm = rng.random(trial.size) < 0.5
t = rng.exponential(np.where(arm, 1 / 0.7, 1.0)) * 300
c = rng.uniform(100, 700, trial.size)
time = np.ceil(np.minimum(t, c) / 84) * 84
pl.DataFrame({"trial": trial, "time": time, "event": (t <= c).astype(int),
              "arm": arm.astype(int)}).write_csv(Path(__file__).with_name("cox_input.csv"))
