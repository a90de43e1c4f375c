"""Calibrate the ``published`` natural-history parameters to published placebo rates.

Five numbers are fitted (:data:`msrwe.design.params.CALIBRATED`): the median latent slopes of
the EDSS, the timed 25-foot walk and the 9-hole peg test, the correlation of a patient's slopes
across measures, and the PPMS/SPMS slope ratio. The targets are the placebo arms of
trial-design.md 3.1:

* IMPACT (SPMS, n = 215 on placebo, EDSS 3.0-6.5; 24-week confirmation over 2 years): EDSS
  24.7%, T25FW 41.9%, 9HPT 34.4%, EDSS-Plus 59.5%;
* ORATORIO (PPMS, 244 on placebo, EDSS 3.0-6.5; 12-week confirmed EDSS progression): 39.3%.

The trials' schedules are assumptions where the reference is silent (stated in
:func:`target_trials`): IMPACT visits every 13 weeks over 104 weeks, ORATORIO every 12 weeks over
120 weeks (its minimum treatment duration), 5% and 10% dropout per year, censored.
The fit minimises the squared distance to each target in units of its standard error, with
common random numbers (one seed), by Nelder-Mead on transformed parameters. Run it with::

    python -m msrwe.design.calibrate [--patients 4000] [--seed 11]

which rewrites ``src/msrwe/design/calibration.json`` (fitted values, targets, achieved rates).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize

from msrwe.design.config import Endpoint, Population, Schedule
from msrwe.design.endpoints import first_events
from msrwe.design.model import simulate_cohort
from msrwe.design.params import CALIBRATED, NaturalHistoryParams

__all__ = ["TARGETS", "Target", "calibrate", "simulated_rates", "target_trials"]


@dataclass(frozen=True)
class Target:
    """A published placebo-arm rate and where it comes from."""

    key: str
    trial: str
    endpoint: str
    rate: float
    n: int
    source: str

    @property
    def se(self) -> float:
        """Binomial standard error of the published rate."""
        return math.sqrt(self.rate * (1 - self.rate) / self.n)

    @property
    def ci(self) -> tuple[float, float]:
        """Normal 95% confidence interval of the published rate."""
        return (self.rate - 1.959964 * self.se, self.rate + 1.959964 * self.se)


_IMPACT = "IMPACT placebo, Cadavid et al. 2017 (trial-design.md 3.1)"
#: The calibration targets.
TARGETS: tuple[Target, ...] = (
    Target("impact_edss", "IMPACT (SPMS)", "EDSS, 24-week confirmed, 2 years", 0.247, 215,
           _IMPACT),
    Target("impact_t25fw", "IMPACT (SPMS)", "T25FW >= 20%, 24-week confirmed, 2 years", 0.419,
           215, _IMPACT),
    Target("impact_nhpt", "IMPACT (SPMS)", "9HPT >= 20% (either hand), 24-week confirmed, "
           "2 years", 0.344, 215, _IMPACT),
    Target("impact_edss_plus", "IMPACT (SPMS)", "EDSS-Plus, 24-week confirmed, 2 years", 0.595,
           215, _IMPACT),
    Target("oratorio_edss", "ORATORIO (PPMS)", "EDSS, 12-week confirmed", 0.393, 244,
           "ORATORIO placebo (trial-design.md 3.1)"),
)


def target_trials() -> dict[str, tuple[Population, Schedule, tuple[Endpoint, ...]]]:
    """The simulated placebo arms: population, schedule and endpoints of each target trial."""
    impact = (
        Population(("SPMS",), (3.0, 6.5)),
        Schedule(duration_weeks=104, visit_every_weeks=13, dropout_per_year=0.05),
        (Endpoint("impact_edss", "edss", 168), Endpoint("impact_t25fw", "t25fw", 168),
         Endpoint("impact_nhpt", "nhpt", 168), Endpoint("impact_edss_plus", "edss_plus", 168)),
    )
    oratorio = (
        Population(("PPMS",), (3.0, 6.5)),
        Schedule(duration_weeks=120, visit_every_weeks=12, dropout_per_year=0.10),
        (Endpoint("oratorio_edss", "edss", 84),),
    )
    return {"IMPACT": impact, "ORATORIO": oratorio}


def simulated_rates(params: NaturalHistoryParams, *, n_patients: int = 4000,
                    seed: int = 11) -> dict[str, float]:
    """The placebo event rates (share of patients with a confirmed event) the model gives."""
    out: dict[str, float] = {}
    for k, (pop, sched, eps) in enumerate(target_trials().values()):
        rng = np.random.default_rng([seed, k])
        ids = np.arange(n_patients, dtype=np.int64)
        coh = simulate_cohort(rng, ids, np.asarray(pop.phenotypes * n_patients)[:n_patients],
                              {}, params, pop, sched, np.full(n_patients,
                                                              sched.duration_weeks * 7.0))
        for ep in eps:
            out[ep.name] = float(first_events(ep, coh.visits, coh.relapses,
                                              n_patients).event.mean())
    return out


def _unpack(x: np.ndarray) -> dict[str, float]:
    return {
        "slope_median.edss": float(math.exp(x[0])),
        "slope_median.t25fw": float(math.exp(x[1])),
        "slope_median.nhpt": float(math.exp(x[2])),
        "slope_corr": float(1 / (1 + math.exp(-x[3]))),
        "ppms_slope_factor": float(math.exp(x[4])),
    }


def calibrate(*, n_patients: int = 4000, seed: int = 11, max_evals: int = 150,
              start: NaturalHistoryParams | None = None) -> dict[str, object]:
    """Fit the calibrated parameters; returns the record written to ``calibration.json``."""
    base = start or NaturalHistoryParams()
    x0 = np.array([math.log(base.slope_median["edss"]), math.log(base.slope_median["t25fw"]),
                   math.log(base.slope_median["nhpt"]),
                   math.log(base.slope_corr / (1 - base.slope_corr)),
                   math.log(base.ppms_slope_factor)])

    def loss(x: np.ndarray) -> float:
        rates = simulated_rates(base.replace(**_unpack(x)), n_patients=n_patients, seed=seed)
        return float(sum(((rates[t.key] - t.rate) / t.se) ** 2 for t in TARGETS))

    res = optimize.minimize(loss, x0, method="Nelder-Mead",
                            options={"maxfev": max_evals, "xatol": 1e-3, "fatol": 1e-3,
                                     "initial_simplex": x0 + np.vstack([np.zeros(5),
                                                                        0.3 * np.eye(5)])})
    fitted = _unpack(res.x)
    rates = simulated_rates(base.replace(**fitted), n_patients=n_patients, seed=seed)
    assert sorted(fitted) == sorted(CALIBRATED)
    return {
        "fitted": fitted,
        "loss": float(res.fun),
        "n_patients": n_patients,
        "seed": seed,
        "targets": [{"key": t.key, "trial": t.trial, "endpoint": t.endpoint, "rate": t.rate,
                     "n": t.n, "ci_low": t.ci[0], "ci_high": t.ci[1], "source": t.source,
                     "simulated": rates[t.key]} for t in TARGETS],
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: fit and write ``calibration.json`` beside this module."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--max-evals", type=int, default=150)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("calibration.json"))
    a = ap.parse_args(argv)
    start = None
    if a.out.exists():  # start from the committed fit
        fitted = json.loads(a.out.read_text(encoding="utf-8")).get("fitted", {})
        start = NaturalHistoryParams().replace(**fitted) if fitted else None
    rec = calibrate(n_patients=a.patients, seed=a.seed, max_evals=a.max_evals, start=start)
    tmp = a.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rec, indent=2) + "\n", encoding="utf-8")
    tmp.replace(a.out)
    for t in rec["targets"]:  # type: ignore[attr-defined]
        print(f"{t['key']:18s} target {t['rate']:.3f} ({t['ci_low']:.3f}-{t['ci_high']:.3f})"
              f"  simulated {t['simulated']:.3f}")


if __name__ == "__main__":
    main()
