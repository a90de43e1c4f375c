"""Words and comparisons for the design report: the analysis-plan paragraph and Schoenfeld.

:func:`sap_paragraph` writes the statistical-analysis-plan paragraph from the design (and the
simulated sample size when given); :func:`schoenfeld_comparison` sets Schoenfeld's events and
patients beside the simulated figures, and :data:`WHY_DIFFERENT` says why they differ.

Examples
--------
>>> from msrwe.design.config import _example
>>> "primary endpoint is time to 12-week confirmed worsening on EDSS" in sap_paragraph(_example())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from msrwe.design.config import Design
from msrwe.design.schoenfeld import schoenfeld_events, schoenfeld_n
from msrwe.design.simulate import DesignResult

__all__ = ["WHY_DIFFERENT", "SchoenfeldRow", "sap_paragraph", "schoenfeld_comparison",
           "smallest_n"]

#: Why the simulated power differs from Schoenfeld's formula (shown in the report).
WHY_DIFFERENT = (
    "Schoenfeld's formula assumes proportional hazards with the hazard ratio given, event times "
    "observed exactly, and no other source of events. In the simulated trials the treatment "
    "slows the latent progression of each measure, so the hazard ratio of the confirmed "
    "endpoint is not the number in the design file: spurious worsening from measurement noise "
    "and relapse-related worsening happen in both arms alike and dilute the effect, while a "
    "threshold crossed mainly by fast progressors can concentrate it; hazards are not "
    "proportional over time; events are seen only at visits (ties, interval censoring) and need "
    "a confirming visit, which shortens the usable follow-up; and dropouts are censored or "
    "counted as events as the design says. The simulated figure is the one that reflects the "
    "trial as it would be run and analysed; the formula is the check that the analysis is "
    "sound when its assumptions hold (the exponential test mode reproduces it)."
)


def smallest_n(result: DesignResult, endpoint: str, power: float,
               *, adjusted: bool = False) -> int | None:
    """The smallest grid size whose simulated power reaches ``power`` (None if none does)."""
    pts = sorted((g for g in result.grid if g.endpoint == endpoint), key=lambda g: g.n_per_arm)
    for g in pts:
        if (g.power_adjusted if adjusted else g.power) >= power:
            return g.n_per_arm
    return None


def _hr_of(design: Design, endpoint: str) -> float:
    ep = next(e for e in design.endpoints if e.name == endpoint)
    return design.effect.factor(ep.measures[0]) if len(ep.measures) == 1 \
        else design.effect.hazard_ratio


def sap_paragraph(design: Design, result: DesignResult | None = None) -> str:
    """The statistical-analysis-plan paragraph generated from the design."""
    a, s = design.analysis, design.schedule
    eps = design.endpoints
    ratio = dict(design.arms)
    alloc = f"{ratio[design.treatment]:g}:{ratio[design.control]:g}"
    first = f"The primary endpoint is {eps[0].describe()}"
    if len(eps) > 1:
        first += "; secondary endpoints are " + "; ".join(e.describe() for e in eps[1:])
    first += (". Confirmation follows msprog's rules as implemented in msrwe's outcome engine "
              "(fixed baseline at randomisation; no confirmation within 30 days of a relapse).")
    fu = (f"Each patient is followed for {s.duration_weeks:g} weeks"
          if s.follow_up == "fixed" else
          f"The trial stops when {s.target_events} patients have a confirmed "
          f"{eps[0].name} event (or {s.duration_weeks:g} weeks after the last patient enters)")
    visits = (f", with visits every {s.visit_every_weeks:g} weeks"
              + (" and at relapses" if s.relapse_visits else ""))
    drop = ("; patients who leave the trial are censored at their last visit"
            if s.dropout_counts_as == "censored" else
            "; patients who leave the trial without a confirmed event are counted as "
            "progressing at their last visit")
    pop = (f"Patients with {' or '.join(design.population.phenotypes)} and a baseline EDSS of "
           f"{design.population.edss[0]:g} to {design.population.edss[1]:g}")
    if design.population.age:
        pop += f", aged {design.population.age[0]:g} to {design.population.age[1]:g}"
    text = (f"{pop} are randomised {alloc} to {design.treatment} or {design.control}. {fu}"
            f"{visits}{drop}. {first} Each endpoint is compared between arms with a two-sided "
            f"log-rank test at alpha = {a.alpha:g}, and the hazard ratio is estimated with a Cox "
            "model with treatment as the only covariate (Efron ties).")
    if a.multiplicity == "fixed_sequence" and len(eps) > 1:
        text += (" The endpoints are tested in the order listed (fixed sequence), each at "
                 f"alpha = {a.alpha:g} only if all before it were significant, which keeps the "
                 "familywise error rate at alpha.")
    elif a.multiplicity == "holm" and len(eps) > 1:
        text += (" The familywise error rate across endpoints is controlled with Holm's step-down "
                 "procedure.")
    if result is not None:
        n = smallest_n(result, eps[0].name, a.target_power,
                       adjusted=a.multiplicity != "none")
        g = None if n is None else result.point(eps[0].name, n)
        if g is not None:
            text += (f" With {g.n_control} patients on {design.control} and {g.n_treatment} on "
                     f"{design.treatment} ({n} per arm on average), {design.n_trials} simulated "
                     f"trials gave a power of {100 * g.power:.1f}% (Monte Carlo SE "
                     f"{100 * g.power_mc_se:.1f}%) for the primary endpoint, with "
                     f"{g.events:.0f} events expected and a placebo event rate of "
                     f"{100 * g.placebo_rate:.1f}%.")
        else:
            text += (f" None of the simulated sizes (up to {max(a.n_per_arm)} per arm) reached "
                     f"{100 * a.target_power:.0f}% power for the primary endpoint.")
    return text


@dataclass(frozen=True)
class SchoenfeldRow:
    """Schoenfeld's figures beside the simulation, for one endpoint."""

    endpoint: str
    hazard_ratio: float
    placebo_rate: float
    events_needed: float
    n_per_arm_needed: float
    simulated_n_per_arm: int | None
    simulated_hazard_ratio: float


def schoenfeld_comparison(result: DesignResult) -> list[SchoenfeldRow]:
    """Schoenfeld's events and patients for the design's HR and target power, per endpoint.

    The patients follow from the simulated placebo rate at the largest size, assuming
    proportional hazards for the active rate.
    """
    d = result.design
    a = d.analysis
    nc, nt = d.arm_sizes(max(a.n_per_arm))
    share = nt / (nc + nt)
    rows = []
    for ep in d.endpoints:
        hr = _hr_of(d, ep.name)
        g = result.point(ep.name, max(a.n_per_arm))
        if hr == 1.0 or not 0 < g.placebo_rate < 1:
            ev = npa = math.nan
        else:
            ev = schoenfeld_events(hr, alpha=a.alpha, power=a.target_power, treated_share=share)
            npa = schoenfeld_n(hr, g.placebo_rate, alpha=a.alpha, power=a.target_power,
                               treated_share=share) / 2
        rows.append(SchoenfeldRow(ep.name, hr, g.placebo_rate, ev, npa,
                                  smallest_n(result, ep.name, a.target_power), g.hazard_ratio))
    return rows
