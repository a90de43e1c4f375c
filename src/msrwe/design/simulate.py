"""Simulate a design: many trials, the real outcome engine, vectorised survival analysis.

:func:`simulate` draws every patient of every simulated trial at once (patient ids encode trial,
arm and rank within arm), runs each endpoint through msrwe's outcome engine in one call over all
of them (an endpoint that is also a component of a composite endpoint of the design is taken from
that component's run, :func:`msrwe.design.endpoints.endpoint_runs`), and analyses every trial
with the log-rank test and a Cox model computed for all trials together
(:mod:`msrwe.design.survival`). The sample-size grid reuses the same patients: the trial of ``n``
patients per arm is the first ``n`` of each arm of the largest trial (common random numbers, so
power rises smoothly with ``n``).

The type I error is estimated without another run of the engine: under the null both arms are
placebo patients, so null trial ``j`` compares the placebo arm of trial ``j`` with placebo
patients of the following trial(s).

``event_model="exponential"`` bypasses the visit model and the engine: event times are drawn
from exponential distributions with the placebo rates given (``exponential_rates``, the
cumulative rate over ``duration_weeks``) and the design's hazard ratio. This is the setting of
Schoenfeld's formula and of rpact, against which the tests check the analysis.
"""

from __future__ import annotations

import math
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from msrwe.design.config import Design, Endpoint
from msrwe.design.endpoints import FirstEvents, endpoint_runs
from msrwe.design.model import simulate_cohort
from msrwe.design.multiplicity import reject
from msrwe.design.params import NaturalHistoryParams, published_params
from msrwe.design.schoenfeld import schoenfeld_power
from msrwe.design.survival import analyse_trials
from msrwe.errors import OptionError

__all__ = ["DesignResult", "GridPoint", "simulate"]

ProgressCallback = Callable[[int, int, str], None]
_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class GridPoint:
    """The simulated operating characteristics of one endpoint at one trial size."""

    endpoint: str
    n_per_arm: int
    n_control: int
    n_treatment: int
    power: float
    power_mc_se: float
    power_adjusted: float
    type1_error: float
    events: float
    placebo_rate: float
    placebo_rate_mc_se: float
    active_rate: float
    active_rate_mc_se: float
    hazard_ratio: float
    median_followup_weeks: float
    schoenfeld_power: float


@dataclass(frozen=True)
class DesignResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    design
        The design simulated.
    params
        The natural-history parameters used (None in exponential mode).
    grid
        One :class:`GridPoint` per endpoint and trial size.
    curves
        Per endpoint, cumulative incidence over time by arm at the largest size, pooled over
        trials: ``{"weeks": ..., "control": ..., "treatment": ...}``.
    seconds
        Wall time of the simulation.
    event_model
        ``"visits"`` or ``"exponential"``.
    visit_rows
        Simulated visit rows (the rows each engine call scanned).
    """

    design: Design
    params: NaturalHistoryParams | None
    grid: tuple[GridPoint, ...]
    curves: Mapping[str, Mapping[str, Any]] = field(repr=False)
    seconds: float = 0.0
    event_model: str = "visits"
    visit_rows: int = 0

    def point(self, endpoint: str, n_per_arm: int) -> GridPoint:
        """The grid point of ``endpoint`` at ``n_per_arm``."""
        for g in self.grid:
            if g.endpoint == endpoint and g.n_per_arm == n_per_arm:
                return g
        raise KeyError((endpoint, n_per_arm))

    @property
    def trials_per_second(self) -> float:
        """Simulated trials per second (largest size, all endpoints)."""
        return self.design.n_trials / self.seconds if self.seconds > 0 else math.nan


@dataclass(frozen=True)
class _Patients:
    trial: npt.NDArray[np.int64]
    treated: npt.NDArray[np.bool_]
    rank: npt.NDArray[np.int64]
    entry: npt.NDArray[np.float64]
    last_day: npt.NDArray[np.int64]
    dropout: npt.NDArray[np.bool_]


def _layout(design: Design, rng: np.random.Generator) -> tuple[_Patients, int, int]:
    nc, nt = design.arm_sizes(max(design.analysis.n_per_arm))
    per = nc + nt
    total = design.n_trials * per
    pos = np.tile(np.arange(per, dtype=np.int64), design.n_trials)
    trial = np.repeat(np.arange(design.n_trials, dtype=np.int64), per)
    treated = pos >= nc
    rank = np.where(treated, pos - nc, pos)
    acc = design.schedule.accrual_weeks * 7.0
    entry = rng.random(total) * acc if acc > 0 else np.zeros(total)
    empty = np.zeros(total, dtype=np.int64)
    return _Patients(trial, treated, rank, entry, empty, np.zeros(total, bool)), nc, nt


def _horizon(design: Design, entry: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    s = design.schedule
    if s.follow_up == "events":
        return (s.accrual_weeks + s.duration_weeks) * 7.0 - entry
    return np.full(entry.size, s.duration_weeks * 7.0)


def _times(design: Design, trial: npt.NDArray[np.int64], n_trials: int,
           entry: npt.NDArray[np.float64], fe: FirstEvents, last_day: npt.NDArray[np.int64],
           dropout: npt.NDArray[np.bool_], cutoff_events: bool
           ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.bool_],
                      npt.NDArray[np.float64]]:
    """Analysis time, event indicator, inclusion and follow-up (days) of each patient."""
    s = design.schedule
    event = fe.event.copy()
    time = np.where(event, fe.onset, last_day).astype(np.float64)
    include = np.ones(event.size, dtype=bool)
    followup = np.asarray(last_day, dtype=np.float64)
    if s.follow_up == "events" and cutoff_events:
        cal = np.where(event & (fe.confirmed >= 0), entry + fe.confirmed, np.inf)
        order = np.lexsort((cal, trial))
        ranks = np.arange(order.size) - np.r_[0, np.cumsum(np.bincount(trial, minlength=n_trials))
                                               [:-1]][trial[order]]
        end = (s.accrual_weeks + s.duration_weeks) * 7.0
        cutoff = np.full(n_trials, end)
        hit = order[ranks == (s.target_events or 1) - 1]
        cutoff[trial[hit]] = np.minimum(cal[hit], end)
        fu = cutoff[trial] - entry
        include = fu > 0
        event = event & (cal <= cutoff[trial])
        time = np.where(event, fe.onset, np.minimum(last_day, np.maximum(fu, 0))).astype(float)
        dropout = dropout & (last_day < fu)
        followup = np.minimum(followup, np.maximum(fu, 0.0))
    if s.dropout_counts_as == "progression":
        imputed = dropout & ~event
        event = event | imputed
    return time, event, include, followup


def _exponential(design: Design, rng: np.random.Generator, pts: _Patients, ep: Endpoint,
                 rates: Mapping[str, float]) -> tuple[FirstEvents, npt.NDArray[np.int64],
                                                      npt.NDArray[np.bool_]]:
    s = design.schedule
    dur = s.duration_weeks * 7.0
    if ep.name not in rates:
        raise OptionError(f"exponential_rates has no placebo rate for endpoint {ep.name!r}.")
    lam = -math.log1p(-float(rates[ep.name])) / dur
    hr = design.effect.factor(ep.measures[0]) if len(ep.measures) == 1 else \
        design.effect.hazard_ratio
    lam_i = np.where(pts.treated, lam * hr, lam)
    t_ev = rng.exponential(1.0, pts.trial.size) / lam_i
    if s.dropout_per_year > 0:
        mu = -math.log1p(-s.dropout_per_year) / _DAYS_PER_YEAR
        t_drop = rng.exponential(1.0 / mu, pts.trial.size)
    else:
        t_drop = np.full(pts.trial.size, np.inf)
    horizon = _horizon(design, pts.entry)
    end = np.minimum(horizon, t_drop)
    event = t_ev <= end
    onset = np.where(event, t_ev, -1.0)
    # continuous times: kept as float days in `onset` via a float view below
    fe = FirstEvents(event, onset, onset)  # type: ignore[arg-type]
    return fe, end, t_drop < horizon  # type: ignore[return-value]


def _km_curve(time: npt.NDArray[np.float64], event: npt.NDArray[np.bool_],
              grid_days: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Kaplan-Meier cumulative incidence at ``grid_days`` (pooled data, vectorised)."""
    if time.size == 0:
        return np.full(grid_days.size, np.nan)
    ut, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=ut.size)
    c = np.bincount(inv, minlength=ut.size).astype(float)
    at_risk = time.size - np.r_[0.0, np.cumsum(c)[:-1]]
    surv = np.cumprod(1.0 - d / at_risk)
    idx = np.searchsorted(ut, grid_days, side="right") - 1
    return np.where(idx >= 0, 1.0 - surv[np.maximum(idx, 0)], 0.0)


def _null_indices(pts: _Patients, n_trials: int, nc: int, nt: int, nc_max: int
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                             npt.NDArray[np.bool_]] | None:
    """Null trials from placebo patients only: (patient index, trial, 'treated' flag)."""
    if nt > (n_trials - 1) * nc_max:
        return None
    ctrl = np.flatnonzero(~pts.treated)  # ordered by trial then rank
    pool = ctrl.reshape(n_trials, nc_max)
    own = pool[:, :nc].ravel()
    flat = pool.ravel()
    start = (np.arange(n_trials) + 1) * nc_max
    other = flat[(start[:, None] + np.arange(nt)[None, :]) % flat.size].ravel()
    idx = np.concatenate([own, other])
    trial = np.concatenate([np.repeat(np.arange(n_trials), nc), np.repeat(np.arange(n_trials),
                                                                           nt)])
    flag = np.r_[np.zeros(own.size, bool), np.ones(other.size, bool)]
    return idx, trial, flag


def simulate(design: Design, *, params: NaturalHistoryParams | None = None,
             event_model: str = "visits", exponential_rates: Mapping[str, float] | None = None,
             n_trials: int | None = None, seed: int | None = None,
             progress: ProgressCallback | None = None) -> DesignResult:
    """Simulate ``design`` and return power, event rates and type I error per endpoint and size.

    Parameters
    ----------
    design
        A validated design (:func:`msrwe.design.load_design`).
    params
        Natural-history parameters (default: the calibrated ``published`` ones).
    event_model
        ``"visits"`` (the natural-history model and the outcome engine) or ``"exponential"``
        (event times drawn directly; needs ``exponential_rates``).
    exponential_rates
        Placebo cumulative event rate over ``duration_weeks``, per endpoint name.
    n_trials, seed
        Override the design's number of simulated trials and seed.
    progress
        ``progress(step, total, description)`` called at the start of each step (from 1).

    Returns
    -------
    DesignResult
    """
    if event_model not in ("visits", "exponential"):
        raise OptionError("The 'event_model' parameter of simulate must be one of {'visits', "
                          f"'exponential'}}. Got {event_model!r} instead.")
    if event_model == "exponential" and not exponential_rates:
        raise OptionError("simulate(event_model='exponential') needs exponential_rates: the "
                          "placebo event rate over the trial per endpoint.")
    if n_trials is not None or seed is not None:
        design = design.with_changes(n_trials=int(n_trials or design.n_trials),
                                     seed=int(design.seed if seed is None else seed))
    t0 = _time.perf_counter()
    steps = len(design.endpoints) + 2
    tick = progress or (lambda i, n, d: None)
    rng = np.random.default_rng(design.seed)
    pts, nc_max, _ = _layout(design, rng)
    T = design.n_trials
    n = pts.trial.size
    phen = design.population.phenotypes
    phenotypes = np.asarray(phen)[rng.integers(0, len(phen), n)]
    cohort = None
    if event_model == "visits":
        params = params or published_params()
        tick(1, steps, f"simulating visits of {n:,} patients in {T:,} trials")
        factors = {m: np.where(pts.treated, design.effect.factor(m), 1.0)
                   for m in ("edss", "t25fw", "nhpt", "sdmt")}
        cohort = simulate_cohort(rng, np.arange(n, dtype=np.int64), phenotypes, factors, params,
                                 design.population, design.schedule, _horizon(design, pts.entry))
    firsts: dict[str, tuple[FirstEvents, Any, Any]] = {}
    names = [e.name for e in design.endpoints]
    if cohort is not None:
        runs = endpoint_runs(design.endpoints, cohort.visits, cohort.relapses, n,
                             lambda ep: tick(2 + names.index(ep.name), steps,
                                             f"endpoint {ep.name}: running the outcome engine"))
        for name in names:
            firsts[name] = (runs[name], cohort.last_day, cohort.dropout)
    else:
        for ep in design.endpoints:
            firsts[ep.name] = _exponential(design, rng, pts, ep, exponential_rates or {})
    tick(steps, steps, "analysing the simulated trials")
    grid = _analyse(design, pts, firsts, nc_max)
    curves = _curves(design, pts, firsts)
    seconds = _time.perf_counter() - t0
    return DesignResult(design, params if event_model == "visits" else None, tuple(grid),
                        curves, seconds, event_model,
                        cohort.visits.height if cohort is not None else 0)


def _analyse(design: Design, pts: _Patients, firsts: Mapping[str, tuple[FirstEvents, Any, Any]],
             nc_max: int) -> list[GridPoint]:
    T = design.n_trials
    a = design.analysis
    names = [e.name for e in design.endpoints]
    out: list[GridPoint] = []
    for n_arm in a.n_per_arm:
        nc, nt = design.arm_sizes(n_arm)
        sel = np.flatnonzero(np.where(pts.treated, pts.rank < nt, pts.rank < nc))
        pvals = np.ones((T, len(names)))
        rows: list[dict[str, float]] = []
        for k, name in enumerate(names):
            fe, last, drop = firsts[name]
            sub = FirstEvents(fe.event[sel], fe.onset[sel], fe.confirmed[sel])
            tm, ev, inc, fu_days = _times(design, pts.trial[sel], T, pts.entry[sel], sub,
                                          last[sel], drop[sel], True)
            tr, arm = pts.trial[sel][inc], pts.treated[sel][inc]
            tm, ev = tm[inc], ev[inc]
            lr, cox = analyse_trials(tr, tm, ev, arm, T)
            assert cox is not None
            pvals[:, k] = lr.p_value
            size_c = np.bincount(tr, weights=~arm, minlength=T)
            size_t = np.bincount(tr, weights=arm, minlength=T)
            rate_c = np.bincount(tr, weights=ev & ~arm, minlength=T) / np.maximum(size_c, 1)
            rate_t = np.bincount(tr, weights=ev & arm, minlength=T) / np.maximum(size_t, 1)
            type1 = _type1(design, pts, fe, last, drop, nc, nt, nc_max)
            hr_for = design.effect.factor(design.endpoints[k].measures[0]) \
                if len(design.endpoints[k].measures) == 1 else design.effect.hazard_ratio
            share = nt / (nc + nt)
            sch = schoenfeld_power(float(lr.events.mean()), hr_for, alpha=a.alpha,
                                   treated_share=share) if hr_for != 1.0 else a.alpha
            power = float(np.mean(lr.p_value <= a.alpha))
            rows.append({
                "power": power, "power_mc_se": math.sqrt(power * (1 - power) / T),
                "type1": type1, "events": float(lr.events.mean()),
                "pr": float(rate_c.mean()), "pr_se": float(rate_c.std(ddof=1) / math.sqrt(T))
                if T > 1 else math.nan,
                "ar": float(rate_t.mean()), "ar_se": float(rate_t.std(ddof=1) / math.sqrt(T))
                if T > 1 else math.nan,
                "hr": float(np.nanmedian(cox.hazard_ratio)) if np.isfinite(cox.log_hr).any()
                else math.nan,
                "fu": float(np.median(fu_days[inc])) / 7.0 if inc.any() else math.nan,
                "sch": sch,
            })
        adj = reject(pvals, a.alpha, a.multiplicity).mean(axis=0)
        for k, name in enumerate(names):
            r = rows[k]
            out.append(GridPoint(name, n_arm, nc, nt, r["power"], r["power_mc_se"], float(adj[k]),
                                 r["type1"], r["events"], r["pr"], r["pr_se"], r["ar"], r["ar_se"],
                                 r["hr"], r["fu"], r["sch"]))
    return out


def _type1(design: Design, pts: _Patients, fe: FirstEvents, last: Any, drop: Any, nc: int,
           nt: int, nc_max: int) -> float:
    T = design.n_trials
    null = _null_indices(pts, T, nc, nt, nc_max)
    if null is None:
        return math.nan
    idx, trial, flag = null
    sub = FirstEvents(fe.event[idx], fe.onset[idx], fe.confirmed[idx])
    tm, ev, inc, _ = _times(design, trial, T, pts.entry[idx], sub, last[idx], drop[idx], True)
    lr, _ = analyse_trials(trial[inc], tm[inc], ev[inc], flag[inc], T, cox=False)
    return float(np.mean(lr.p_value <= design.analysis.alpha))


def _curves(design: Design, pts: _Patients, firsts: Mapping[str, tuple[FirstEvents, Any, Any]]
            ) -> dict[str, dict[str, Any]]:
    weeks = np.arange(0, design.schedule.duration_weeks + design.schedule.accrual_weeks + 1, 4.0)
    out: dict[str, dict[str, Any]] = {}
    for name, (fe, last, drop) in firsts.items():
        tm, ev, inc, _ = _times(design, pts.trial, design.n_trials, pts.entry, fe, last, drop,
                                True)
        cur: dict[str, Any] = {"weeks": weeks.tolist()}
        for label, m in (("control", ~pts.treated), ("treatment", pts.treated)):
            k = m & inc
            cur[label] = _km_curve(tm[k], ev[k], weeks * 7.0).tolist()
        out[name] = cur
    return out
