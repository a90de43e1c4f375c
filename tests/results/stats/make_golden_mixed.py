"""Make the statsmodels golden numbers that tests/stats/test_mixed.py checks mixed_slope against.

Run from the repository root: ``.venv/bin/python tests/results/stats/make_golden_mixed.py``.
Writes ``mixed_cohorts.csv`` (the seeded input cohorts, one ``case`` per cohort) and
``mixed_cohorts.json`` (statsmodels ``MixedLM`` REML fits of ``y ~ t`` with a random intercept and
slope, and with a random intercept only, per case). Every number comes from statsmodels, never
from msrwe.

statsmodels' default optimiser (BFGS) sometimes stops far from the optimum on these cohorts
(e.g. case ``c1``: llf -65.50 instead of -62.79 with "Gradient optimization failed"), so each
golden fit is the best converged of statsmodels' BFGS, L-BFGS and Nelder-Mead fits, and the
optimiser used is recorded.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
from statsmodels.regression.mixed_linear_model import MixedLM

HERE = Path(__file__).parent

#: name -> (seed, patients, maximum visits per patient, SD of the true patient slopes)
CASES = {
    "c1": (1, 20, 5, 0.15),
    "c2": (2, 45, 12, 0.15),
    "c3": (3, 120, 40, 0.15),
    "c4": (4, 300, 8, 0.15),
    "no_slope_spread": (11, 20, 6, 0.0),
}


def cohort(seed: int, n_pat: int, max_visits: int, slope_sd: float) -> pd.DataFrame:
    """Unbalanced cohort: 1..max_visits visits per patient at irregular times in 0..8 years."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_pat):
        b0, b1 = rng.normal(4.0, 1.2), rng.normal(0.2, slope_sd)
        for t in np.sort(rng.uniform(0, 8, rng.integers(1, max_visits + 1))):
            y = b0 + b1 * t + rng.normal(0, 0.5)
            rows.append({"pid": f"id{p}", "t": round(float(t), 6), "y": round(float(y), 6)})
    return pd.DataFrame(rows)


def zero_slope_variance() -> pd.DataFrame:
    """Every patient has within-patient slope 0.2 exactly; residuals orthogonal to time."""
    rng = np.random.default_rng(5)
    pattern = np.array([0.3, -0.3, -0.3, 0.3])
    levels, sizes = rng.normal(5, 1, 15), rng.uniform(0.5, 1.5, 15)
    rows = [
        {"pid": f"id{p}", "t": float(t), "y": round(float(levels[p] + 0.2 * t
                                                        + sizes[p] * pattern[t]), 6)}
        for p in range(15)
        for t in range(4)
    ]
    return pd.DataFrame(rows)


def sm_fit(df: pd.DataFrame, slope: bool) -> dict:
    exog = np.column_stack([np.ones(len(df)), df["t"].to_numpy(float)])
    model = MixedLM(
        df["y"].to_numpy(float), exog, groups=df["pid"].to_numpy(),
        exog_re=exog if slope else None,
    )
    fits = {}
    for method in ("bfgs", "lbfgs", "nm"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(reml=True, method=method, maxiter=5000)
        if res.converged:
            fits[method] = res
    method, res = max(fits.items(), key=lambda kv: kv[1].llf)
    lo, hi = res.conf_int(alpha=0.05)[1]
    cov = np.atleast_2d(res.cov_re)
    return {
        "optimizer": method,
        "slope": float(res.fe_params[1]),
        "intercept": float(res.fe_params[0]),
        "se": float(res.bse[1]),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "llf": float(res.llf),
        "scale": float(res.scale),
        "var_intercept": float(cov[0, 0]),
        "var_slope": float(cov[1, 1]) if slope else 0.0,
        "cov_intercept_slope": float(cov[0, 1]) if slope else 0.0,
    }


def main() -> None:
    frames = {name: cohort(*spec) for name, spec in CASES.items()}
    frames["zero_slope_variance"] = zero_slope_variance()
    data = pd.concat([f.assign(case=name) for name, f in frames.items()], ignore_index=True)
    data[["case", "pid", "t", "y"]].to_csv(HERE / "mixed_cohorts.csv", index=False)
    data = pd.read_csv(HERE / "mixed_cohorts.csv")  # fit exactly what the tests read
    golden = {
        "made_with": {"statsmodels": statsmodels.__version__},
        "cases": {
            name: {
                "n_patients": int(part["pid"].nunique()),
                "n_obs": len(part),
                "random_slope": sm_fit(part, True),
                "random_intercept": sm_fit(part, False),
            }
            for name, part in data.groupby("case", sort=False)
        },
    }
    (HERE / "mixed_cohorts.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
