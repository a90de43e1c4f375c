"""Make the golden numbers that tests/stats checks msrwe.stats against.

Run from the repository root: ``.venv/bin/python tests/results/stats/make_golden.py``.
Every number here comes from scipy or statsmodels directly (or from a brute-force enumeration
written here), never from msrwe, so the tests compare msrwe's own code path with an independent
computation. The Kaplan-Meier numbers come from statsmodels' SurvfuncRight because msrwe itself
uses lifelines; tests/stats/test_survival.py also compares with lifelines directly. Inputs are
fixed (seeded) and written beside the outputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson

HERE = Path(__file__).parent


def proportions() -> list[dict]:
    cases = [
        (10, 83, 0.95),
        (44, 83, 0.95),
        (0, 20, 0.95),
        (20, 20, 0.95),
        (1, 1, 0.95),
        (3, 57, 0.90),
        (7, 22, 0.99),
        (0, 1, 0.95),
        (150, 400, 0.95),
    ]
    out = []
    for k, n, level in cases:
        low, high = proportion_confint(k, n, alpha=1 - level, method="beta")
        sci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
        out.append(
            {
                "k": k,
                "n": n,
                "level": level,
                "statsmodels_low": float(low),
                "statsmodels_high": float(high),
                "scipy_low": float(sci.low),
                "scipy_high": float(sci.high),
            }
        )
    return out


def poisson_rates() -> list[dict]:
    cases = [
        (10, 250.0, 0.95),
        (0, 100.0, 0.95),
        (3, 498.0, 0.95),
        (1, 0.5, 0.95),
        (27, 61.3, 0.90),
        (120, 980.25, 0.99),
    ]
    out = []
    for k, t, level in cases:
        low, high = confint_poisson(k, t, method="exact-c", alpha=1 - level)
        out.append(
            {
                "events": k,
                "person_time": t,
                "level": level,
                "per": 100,
                "rate": 100 * k / t,
                "low": 100 * float(low),
                "high": 100 * float(high),
            }
        )
    return out


def enumerated_p(d: np.ndarray, zero_method: str) -> float:
    """Two-sided exact p by listing every one of the 2**n sign patterns (brute force)."""
    d = np.round(d, 9)
    if zero_method == "wilcox":
        d = d[d != 0]
    ranks = stats.rankdata(np.abs(d))
    signs = np.sign(d)
    n = len(d)
    patterns = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    nonzero = signs != 0
    zero_part = ranks[~nonzero].sum() / 2 if zero_method == "zsplit" else 0.0
    # Flipping the sign of a zero difference changes nothing: keep only its fixed part.
    t_plus = (patterns[:, nonzero] * ranks[nonzero]).sum(axis=1) + zero_part
    observed = ranks[signs > 0].sum() + zero_part
    low = np.mean(t_plus <= observed + 1e-9)
    high = np.mean(t_plus >= observed - 1e-9)
    return float(min(1.0, 2 * min(low, high)))


def wilcoxon_sets() -> list[dict]:
    rng = np.random.default_rng(20261122)
    sets = [
        (
            "clinical-methods section 8",
            [6.0, 6.5, 6.0, 7.0, 6.5, 5.5, 6.0, 6.5],
            [6.0, 6.5, 6.5, 7.0, 6.0, 6.0, 6.5, 6.5],
        ),
        (
            "no ties, no zeros",
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            [1.3, 2.9, 2.2, 5.5, 4.15, 8.6, 7.7],
        ),
    ]
    for i, n in enumerate((12, 20)):
        b = rng.choice(np.arange(2.0, 7.5, 0.5), n)
        f = b + rng.choice([-1.0, -0.5, 0.0, 0.0, 0.5, 0.5, 1.0, 1.5], n)
        sets.append((f"EDSS-like {i + 1}", b.tolist(), f.tolist()))
    b = rng.choice(np.arange(2.0, 7.5, 0.5), 80)
    f = b + rng.choice([-1.0, -0.5, 0.0, 0.0, 0.5, 0.5, 1.0, 1.5], 80)
    sets.append(("EDSS-like large", b.tolist(), f.tolist()))
    out = []
    for name, b, f in sets:
        d = np.asarray(f) - np.asarray(b)
        for zm in ("wilcox", "pratt", "zsplit"):
            row = {"name": name, "baseline": b, "followup": f, "zero_method": zm}
            for corr in (False, True):
                a = stats.wilcoxon(d, zero_method=zm, method="asymptotic", correction=corr)
                key = "approx_cc" if corr else "approx"
                row[f"{key}_statistic"] = float(a.statistic)
                row[f"{key}_p"] = float(a.pvalue)
            if len(d) <= 12:
                e = stats.wilcoxon(
                    d, zero_method=zm, method=stats.PermutationMethod(n_resamples=np.inf)
                )
                row["exact_statistic"] = float(e.statistic)
                row["exact_p"] = float(e.pvalue)
            if len(d) <= 20:
                row["enumerated_p"] = enumerated_p(d, zm)
            out.append(row)
    return out


def mixed_data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for p in range(40):
        b0 = rng.normal(5.0, 1.0)
        b1 = rng.normal(0.3, 0.15)
        for t in np.sort(rng.uniform(0, 5, rng.integers(3, 9))):
            y = b0 + b1 * t + rng.normal(0, 0.4)
            rows.append(
                {"patient_id": f"P{p:03d}", "years": round(float(t), 4), "edss": round(float(y), 4)}
            )
    return pd.DataFrame(rows)


def mixed_golden(df: pd.DataFrame) -> dict:
    out = {}
    for name, re in (("random_slope", "~years"), ("random_intercept", "1")):
        res = smf.mixedlm("edss ~ years", df, groups=df["patient_id"], re_formula=re).fit(reml=True)
        ci = res.conf_int(alpha=0.05).loc["years"]
        out[name] = {
            "slope": float(res.fe_params["years"]),
            "se": float(res.bse["years"]),
            "ci_low": float(ci.iloc[0]),
            "ci_high": float(ci.iloc[1]),
            "p_value": float(res.pvalues["years"]),
            "converged": bool(res.converged),
        }
    return out


def km_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 60
    event_t = rng.exponential(4.0, n)
    cens_t = rng.uniform(0.5, 6.0, n)
    t = np.round(np.minimum(event_t, cens_t), 2)
    e = (event_t <= cens_t).astype(int)
    return pd.DataFrame({"years": t, "event": e})


def km_golden(df: pd.DataFrame) -> dict:
    """Product-limit estimate by statsmodels; log(-log) Greenwood band computed here."""
    sf = SurvfuncRight(df["years"].to_numpy(), df["event"].to_numpy())
    times = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0]
    z = stats.norm.ppf(0.975)
    rows = []
    for x in times:
        idx = np.searchsorted(sf.surv_times, x, side="right") - 1
        if idx < 0:
            s, se = 1.0, 0.0
        else:
            s, se = float(sf.surv_prob[idx]), float(sf.surv_prob_se[idx])
        if 0 < s < 1:
            # Var(log(-log S)) = Var(S) / (S log S)^2 (delta method).
            sd = se / (s * abs(np.log(s)))
            lo = s ** np.exp(z * sd)
            hi = s ** np.exp(-z * sd)
        else:
            lo = hi = s
        t_arr = df["years"].to_numpy()
        e_arr = df["event"].to_numpy()
        rows.append(
            {
                "time": x,
                "survival": s,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "n_at_risk": int(np.sum(t_arr >= x)),
                "events": int(np.sum((t_arr <= x) & (e_arr == 1))),
            }
        )
    return {"times": times, "rows": rows, "median": float(sf.quantile(0.5))}


def main() -> None:
    mixed = mixed_data()
    mixed.to_csv(HERE / "mixed_input.csv", index=False)
    km = km_data()
    km.to_csv(HERE / "km_input.csv", index=False)
    golden = {
        "made_with": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "clopper_pearson": proportions(),
        "poisson_rate_ci": poisson_rates(),
        "wilcoxon": wilcoxon_sets(),
        "mixed_slope": mixed_golden(mixed),
        "kaplan_meier": km_golden(km),
    }
    (HERE / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
