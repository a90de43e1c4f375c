"""Write the two synthetic data sets the R golden script (make_golden.R) reads.

Run from the repository root: ``.venv/bin/python tests/results/compare/make_data.py``.
Seeded numpy only (no msrwe code), so the data do not change when msrwe does.

Each row is one patient of a two-arm comparison with confounding by indication: older patients
with a higher EDSS and more relapses are more often in the ``treat = 1`` arm, and the same
characteristics raise the hazard of worsening and the relapse rate.

Columns: ``id``, ``treat`` (0 reference, 1 comparator), ``age``, ``female`` (0/1), ``edss``
(half steps), ``duration`` (years since onset), ``relapses2y`` (count in the 2 years before
index), ``time`` (years to worsening or censoring, rounded to 0.01 so that R and Python see
ties the same way), ``event`` (0/1), ``relapses`` (count during follow-up), ``py`` (person-years
of follow-up), ``ipw`` (a fixed positive weight for the weighted fits), ``cluster`` (a site id).

* ``cohort_a.csv``: 300 patients, about 40% treated, moderate confounding.
* ``cohort_b.csv``: 500 patients, about 25% treated (so 1:2 and 1:3 matching is possible),
  stronger confounding, more ties in the follow-up times.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def cohort(n: int, seed: int, intercept: float, strength: float, hr: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = np.round(rng.normal(52, 9, n), 1)
    female = rng.binomial(1, 0.6, n)
    edss = np.clip(np.round(rng.normal(4.5, 1.3, n) * 2) / 2, 1.0, 7.5)
    duration = np.round(rng.gamma(3.0, 4.0, n), 1)
    relapses2y = rng.poisson(0.4 + 0.1 * (edss < 4), n)
    lin = (
        intercept
        + strength * (0.04 * (age - 52) + 0.5 * (edss - 4.5) + 0.4 * relapses2y)
        - 0.2 * female
    )
    treat = rng.binomial(1, 1 / (1 + np.exp(-lin)))
    risk = 0.03 * (age - 52) + 0.35 * (edss - 4.5) + 0.3 * relapses2y + np.log(hr) * treat
    rate = 0.15 * np.exp(risk)
    t_event = rng.exponential(1 / rate)
    t_cens = rng.uniform(0.5, 6.0, n)
    time = np.maximum(np.round(np.minimum(t_event, t_cens), 2), 0.01)
    event = (t_event <= t_cens).astype(int)
    py = np.round(t_cens, 2)
    mu = py * 0.3 * np.exp(0.5 * relapses2y - 0.1 * (age - 52) / 10 + np.log(0.8) * treat)
    relapses = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    ipw = np.round(rng.uniform(0.5, 2.0, n), 3)
    cluster = rng.integers(1, 16, n)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "treat": treat,
            "age": age,
            "female": female,
            "edss": edss,
            "duration": duration,
            "relapses2y": relapses2y,
            "time": time,
            "event": event,
            "relapses": relapses,
            "py": py,
            "ipw": ipw,
            "cluster": cluster,
        }
    )


def main() -> None:
    cohort(300, 20261207, -0.4, 1.0, 0.7).to_csv(HERE / "cohort_a.csv", index=False)
    cohort(500, 7122026, -1.3, 1.5, 0.6).to_csv(HERE / "cohort_b.csv", index=False)


if __name__ == "__main__":
    main()
