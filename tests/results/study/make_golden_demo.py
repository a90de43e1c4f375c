"""Golden EDSS-change numbers for the demo cohort, computed without msrwe's analysis code.

Reads the synthetic cohort straight from ``msrwe.synth.make_cohort`` (83 patients, seed 2019, clean)
and recomputes, with pandas, numpy and scipy only, what ``analyze`` reports as ``edss_change`` for
the issue's study file (intrathecal methotrexate, >= 18 administrations, SPMS or PPMS, grouped by
phenotype; baseline = last EDSS in the 90 days up to the first dose; follow-up = last EDSS after
the baseline and at most 90 days after the last dose; msprog thresholds; Wilcoxon signed-rank with
zero_method='wilcox' and the normal approximation, as scipy computes it).

Run from the project root:  .venv/bin/python tests/results/study/make_golden_demo.py
It writes ``demo_edss_change.json`` (the record of the numbers). Because the synthetic cohort may
be retuned, ``tests/study/test_demo_cohort.py`` calls :func:`compute` at test time and compares
``analyze`` with it; the JSON is the record of the numbers at the time it was written.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from msrwe.synth import make_cohort

OUT = Path(__file__).with_name("demo_edss_change.json")


def msprog_delta(b: float) -> float:
    # clinical-methods 1.4: +1.5 from 0, +1.0 up to 5.0, +0.5 from 5.5
    return 1.5 if b == 0 else (1.0 if b <= 5.0 else 0.5)


def compute() -> dict[str, dict[str, float]]:
    """The expected ``edss_change`` stats per group, from the synthetic tables alone."""
    t = {k: v.to_pandas() for k, v in make_cohort(83, seed=2019).items()}
    adm = t["administrations"]
    adm = adm[(adm["drug"] == "methotrexate") & (adm["route"] == "intrathecal")]
    per = adm.groupby("patient_id")["date"].agg(["min", "max", "count"])
    per = per[per["count"] >= 18]
    pts = t["patients"].set_index("patient_id")
    per = per.join(pts["phenotype"])
    per = per[per["phenotype"].isin(["SPMS", "PPMS"])]
    v = t["visits"].dropna(subset=["edss"])
    rows = []
    for pid, r in per.iterrows():
        pv = v[v["patient_id"] == pid].sort_values("date")
        first, last = pd.Timestamp(r["min"]), pd.Timestamp(r["max"])
        dates = pd.to_datetime(pv["date"])
        base = pv[(dates <= first) & (dates >= first - pd.Timedelta(days=90))]
        if base.empty:
            continue
        bdate = pd.Timestamp(base["date"].iloc[-1])
        fu = pv[(dates > bdate) & (dates <= last + pd.Timedelta(days=90))]
        if fu.empty:
            continue
        rows.append((r["phenotype"], float(base["edss"].iloc[-1]), float(fu["edss"].iloc[-1])))
    df = pd.DataFrame(rows, columns=["group", "base", "last"])
    out = {}
    for group, sub in [*sorted(df.groupby("group")), ("overall", df)]:
        b, f = sub["base"].to_numpy(), sub["last"].to_numpy()
        ch = f - b
        delta = np.array([msprog_delta(x) for x in b])
        w = stats.wilcoxon(f, b, zero_method="wilcox", method="approx")
        out[group] = {
            "n": len(b),
            "baseline_median": float(np.median(b)),
            "last_median": float(np.median(f)),
            "change_median": float(np.median(ch)),
            "improved": int((-ch >= delta).sum()),
            "worsened": int((ch >= delta).sum()),
            "stable": int(((-ch < delta) & (ch < delta)).sum()),
            "statistic": float(w.statistic),
            "p_value": float(w.pvalue),
        }
    return out


def main() -> None:
    out = compute()
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
