"""The natural-history visit model: simulated chart visits for many patients at once.

Each patient has a latent disability process per measure, seen through noisy visits
(docs/design.md states the model in full):

* **Latent progression with a patient random slope.** A shared frailty ``u ~ N(0, 1)`` and a
  measure-specific part give each patient a log-normal slope per measure (median
  ``slope_median``, spread ``slope_sd``, correlation ``slope_corr`` between measures). PPMS
  slopes are multiplied by ``ppms_slope_factor``; the treatment multiplies them by the effect.
* **Measurement noise.** Every visit adds independent noise (``noise_sd``) around the latent
  level; the baseline visit has its own noise too, so later visits differ from baseline by noise
  of variance ``2 sd^2``: this produces spurious worsening (removed by confirmation) and
  spurious improvement.
* **Practice effects** for the 9-hole peg test and the SDMT: patients get faster (higher) over
  their first visits, ``practice * (1 - exp(-k / practice_visits))`` at the k-th visit after
  baseline.
* **Relapses with partial recovery** (EDSS): a Poisson process; each relapse raises the EDSS by
  an exponential amount, of which ``relapse_residual`` stays and the rest recovers with time
  constant ``relapse_recovery_days``. Relapses are passed to the outcome engine, which applies
  its relapse rules (no confirmation within 30 days of a relapse by default).
* **EDSS on its half-step scale.** The observed EDSS is the latent level plus noise, rounded to
  the nearest half step, never 0.5 (0.25-0.75 round to 0 or 1.0), and kept within 0-9.5.
* **Visits** every ``visit_every_weeks`` within +/- ``visit_window_days``, plus (optionally) one
  visit 14 days after each relapse; none after dropout (exponential) or the end of follow-up.

Examples
--------
>>> import numpy as np
>>> snap_edss(np.array([0.2, 0.6, 3.24, 3.26, 6.74, 10.4]))
array([0. , 1. , 3. , 3.5, 6.5, 9.5])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from msrwe.design.config import MEASURES, Population, Schedule
from msrwe.design.params import NaturalHistoryParams

__all__ = [
    "EDSS_GRID",
    "SimulatedCohort",
    "baseline_edss",
    "relapse_effect",
    "simulate_cohort",
    "snap_edss",
]

#: The values the EDSS can take (no 0.5; 10 is death and not simulated).
EDSS_GRID: npt.NDArray[np.float64] = np.array([0.0, *np.arange(1.0, 9.51, 0.5)])
_DAYS_PER_YEAR = 365.25
_RELAPSE_VISIT_DAYS = 14

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def snap_edss(x: FloatArray) -> FloatArray:
    """Round latent EDSS values to the EDSS scale: half steps, no 0.5, within 0-9.5.

    Examples
    --------
    >>> snap_edss(np.array([0.5, 0.49, 5.75, -1.0]))
    array([1., 0., 6., 0.])
    """
    y = np.floor(np.asarray(x, dtype=np.float64) * 2.0 + 0.5) / 2.0
    y = np.where(y == 0.5, np.where(x >= 0.5, 1.0, 0.0), y)
    return np.clip(y, 0.0, 9.5)


def relapse_effect(days_since: FloatArray, jump: FloatArray, residual: float,
                   recovery_days: float) -> FloatArray:
    """EDSS added by a relapse ``days_since`` days after its onset (0 before onset).

    The rise ``jump`` recovers partly: ``jump * (residual + (1 - residual) * exp(-t / T))``.

    Examples
    --------
    >>> relapse_effect(np.array([-1.0, 0.0, 60.0, 1e6]), np.array([1.0] * 4), 0.3, 60.0).round(3)
    array([0.   , 1.   , 0.558, 0.3  ])
    """
    t = np.asarray(days_since, dtype=np.float64)
    eff = jump * (residual + (1.0 - residual) * np.exp(-np.maximum(t, 0.0) / recovery_days))
    return np.where(t >= 0, eff, 0.0)


def baseline_edss(rng: np.random.Generator, phenotypes: npt.NDArray[np.str_],
                  params: NaturalHistoryParams, edss_range: tuple[float, float]) -> FloatArray:
    """Draw baseline EDSS per patient from the phenotype's distribution within the range.

    Where the distribution puts no weight inside the range, the grid values in the range are
    equally likely.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> e = baseline_edss(rng, np.array(["SPMS"] * 1000), NaturalHistoryParams(), (4.0, 5.0))
    >>> sorted(set(e.tolist()))
    [4.0, 4.5, 5.0]
    """
    lo, hi = edss_range
    out = np.empty(len(phenotypes), dtype=np.float64)
    grid = EDSS_GRID[(lo - 1e-9 <= EDSS_GRID) & (hi + 1e-9 >= EDSS_GRID)]
    if grid.size == 0:
        grid = np.array([lo])
    for ph in np.unique(phenotypes):
        m = phenotypes == ph
        dist = params.edss_baseline.get(str(ph), {})
        w = np.array([float(dist.get(float(g), 0.0)) for g in grid])
        w = np.ones_like(w) if w.sum() <= 0 else w
        out[m] = rng.choice(grid, size=int(m.sum()), p=w / w.sum())
    return out


def _baseline_tests(rng: np.random.Generator, e0: FloatArray, params: NaturalHistoryParams
                    ) -> tuple[FloatArray, list[FloatArray], FloatArray]:
    """Baseline log T25FW, log 9HPT per hand and SDMT, shifted with the baseline EDSS."""
    n = e0.size
    dz = e0 - 5.0
    lt0 = params.t25fw_log_mean + params.t25fw_per_edss * dz \
        + rng.standard_normal(n) * params.t25fw_log_sd
    lh0 = params.nhpt_log_mean + params.nhpt_per_edss * dz \
        + rng.standard_normal(n) * params.nhpt_log_sd
    lh = [lh0 + rng.standard_normal(n) * params.nhpt_hand_sd for _ in range(2)]
    s0 = params.sdmt_mean + params.sdmt_per_edss * dz + rng.standard_normal(n) * params.sdmt_sd
    return lt0, lh, s0


def resample_profiles(rng: np.random.Generator, phenotypes: npt.NDArray[np.str_],
                      params: NaturalHistoryParams, edss_range: tuple[float, float]
                      ) -> FloatArray | None:
    """Draw baseline profiles (with replacement) from a store's patients, or None.

    Returns an ``(n, 5)`` array of EDSS, T25FW (s), 9HPT dominant and non-dominant (s) and SDMT
    (NaN where not charted), each patient drawn among the store's patients of the same
    phenotype whose baseline EDSS is in the range. None when ``params`` holds no profiles or a
    phenotype has none in the range (the model's distributions are used then).

    Examples
    --------
    >>> p = NaturalHistoryParams().replace(baseline_profiles={"SPMS": (
    ...     (4.0, 6.0, 20.0, 21.0, 50.0), (7.5, 20.0, 30.0, 31.0, 30.0))})
    >>> x = resample_profiles(np.random.default_rng(0), np.array(["SPMS"] * 3), p, (3.0, 6.5))
    >>> x[:, 0].tolist()
    [4.0, 4.0, 4.0]
    """
    if not params.baseline_profiles:
        return None
    lo, hi = edss_range
    out = np.empty((len(phenotypes), 5))
    for ph in np.unique(phenotypes):
        pool = np.asarray(params.baseline_profiles.get(str(ph), ()), dtype=np.float64)
        if pool.size == 0:
            return None
        pool = pool[(pool[:, 0] >= lo - 1e-9) & (pool[:, 0] <= hi + 1e-9)]
        if pool.shape[0] == 0:
            return None
        m = phenotypes == ph
        out[m] = pool[rng.integers(0, pool.shape[0], int(m.sum()))]
    return out


@dataclass(frozen=True)
class SimulatedCohort:
    """Simulated visits and relapses, and each patient's follow-up.

    Attributes
    ----------
    visits
        ``patient_id`` (Int64), ``date`` (day since randomisation, Int32), ``edss``,
        ``t25fw_s``, ``nhpt_dominant_s``, ``nhpt_nondominant_s``, ``sdmt``; sorted by patient
        and day.
    relapses
        ``patient_id``, ``onset_date`` (day).
    last_day
        Day of each patient's last visit.
    dropout
        Whether each patient left before the end of planned follow-up.
    """

    visits: pl.DataFrame
    relapses: pl.DataFrame
    last_day: IntArray
    dropout: npt.NDArray[np.bool_]


def _slopes(rng: np.random.Generator, n: int, params: NaturalHistoryParams,
            phenotypes: npt.NDArray[np.str_], factors: dict[str, FloatArray]
            ) -> dict[str, FloatArray]:
    u = rng.standard_normal(n)
    load = float(np.sqrt(np.clip(params.slope_corr, 0.0, 1.0)))
    pheno = np.where(phenotypes == "PPMS", params.ppms_slope_factor, 1.0)
    out = {}
    for m in MEASURES:
        z = load * u + np.sqrt(1.0 - load * load) * rng.standard_normal(n)
        out[m] = (params.slope_median[m] * np.exp(params.slope_sd[m] * z) * pheno
                  * factors.get(m, np.ones(n)))
    return out


def simulate_cohort(rng: np.random.Generator, patient_ids: IntArray,
                    phenotypes: npt.NDArray[np.str_], factors: dict[str, FloatArray],
                    params: NaturalHistoryParams, population: Population, schedule: Schedule,
                    horizon_days: FloatArray) -> SimulatedCohort:
    """Simulate the visits of ``len(patient_ids)`` patients (vectorised, no loop per patient).

    Parameters
    ----------
    rng
        The random generator.
    patient_ids
        Integer ids, one per patient.
    phenotypes
        ``"SPMS"`` or ``"PPMS"`` per patient.
    factors
        Per measure, the slowing factor of each patient's progression (1 on placebo).
    params
        The natural-history parameters.
    population, schedule
        From the design (EDSS range; visits, window, dropout, relapse visits).
    horizon_days
        Planned follow-up of each patient in days.

    Returns
    -------
    SimulatedCohort
    """
    n = len(patient_ids)
    sched = np.asarray(schedule.visit_days(), dtype=np.float64)
    nv = len(sched)
    prof = resample_profiles(rng, phenotypes, params, population.edss)
    e0 = prof[:, 0].copy() if prof is not None else baseline_edss(rng, phenotypes, params,
                                                                  population.edss)
    slopes = _slopes(rng, n, params, phenotypes, factors)
    # dropout and horizon
    if schedule.dropout_per_year > 0:
        rate = -np.log1p(-schedule.dropout_per_year) / _DAYS_PER_YEAR
        drop_day = rng.exponential(1.0 / rate, n)
    else:
        drop_day = np.full(n, np.inf)
    end = np.minimum(horizon_days, drop_day)
    dropout = drop_day < horizon_days
    # scheduled visit days with a window (baseline exact)
    w = schedule.visit_window_days
    jit = rng.integers(-w, w + 1, size=(n, nv)) if w > 0 else np.zeros((n, nv), np.int64)
    jit[:, 0] = 0
    days = np.maximum(sched[None, :] + jit, 0.0)
    days[:, 1:] = np.maximum(days[:, 1:], days[:, :1] + 1)
    # a visit happens when planned within follow-up (its window may pass the end) and before
    # the patient leaves
    keep = (sched[None, :] <= horizon_days[:, None]) & (days <= drop_day[:, None])
    keep[:, 0] = True
    end = np.maximum(end, np.where(keep, days, 0.0).max(axis=1))
    # relapses (Poisson counts over each patient's follow-up)
    ph_rate = np.array([params.relapse_rate.get(str(p), 0.0) for p in np.unique(phenotypes)])
    rate_of = dict(zip(np.unique(phenotypes).tolist(), ph_rate.tolist(), strict=True))
    rrate = np.vectorize(rate_of.get, otypes=[np.float64])(phenotypes) if n else np.zeros(0)
    nrel = rng.poisson(rrate * end / _DAYS_PER_YEAR) if n else np.zeros(0, np.int64)
    rel_pat = np.repeat(np.arange(n), nrel)
    rel_day = np.floor(rng.random(rel_pat.size) * end[rel_pat]).astype(np.int64) + 1
    rel_jump = rng.exponential(params.relapse_edss_jump, rel_pat.size)
    # flat visit list: scheduled (kept) + relapse visits
    pat_s = np.repeat(np.arange(n), nv).reshape(n, nv)[keep]
    day_s = days[keep].astype(np.int64)
    if schedule.relapse_visits and rel_pat.size:
        rv_day = rel_day + _RELAPSE_VISIT_DAYS
        ok = rv_day <= end[rel_pat]
        pat_all = np.concatenate([pat_s, rel_pat[ok]])
        day_all = np.concatenate([day_s, rv_day[ok]])
    else:
        pat_all, day_all = pat_s, day_s
    order = np.lexsort((day_all, pat_all))
    pat, day = pat_all[order], day_all[order]
    dup = np.r_[False, (pat[1:] == pat[:-1]) & (day[1:] == day[:-1])]
    pat, day = pat[~dup], day[~dup]
    counts = np.bincount(pat, minlength=n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    k = np.arange(pat.size) - starts[pat]  # visit number within patient (0 = baseline)
    t = day / _DAYS_PER_YEAR
    base = k == 0

    def noise(sd: float) -> FloatArray:
        eps = rng.standard_normal(pat.size) * sd
        return eps - eps[base][pat]  # baseline seen exactly as drawn; later visits differ

    def practice(m: str) -> FloatArray:
        p = params.practice.get(m, 0.0)
        return p * (1.0 - np.exp(-k / max(params.practice_visits, 1e-9)))

    # relapse contribution to EDSS at each visit
    rel_eff = np.zeros(pat.size)
    if rel_pat.size:
        maxv = int(counts.max())
        idx = starts[rel_pat][:, None] + np.arange(maxv)[None, :]
        valid = np.arange(maxv)[None, :] < counts[rel_pat][:, None]
        idx = np.where(valid, idx, 0)
        since = day[idx] - rel_day[:, None]
        eff = relapse_effect(since, rel_jump[:, None], params.relapse_residual,
                             params.relapse_recovery_days)
        np.add.at(rel_eff, idx[valid], eff[valid])
    edss = snap_edss(e0[pat] + slopes["edss"][pat] * t + rel_eff + noise(params.noise_sd["edss"]))
    # timed tests on the log scale; baseline correlated with the EDSS
    lt0, lh, s0 = _baseline_tests(rng, e0, params)
    if prof is not None:  # a store's own patients: their measured baselines where charted
        for arr, k in ((lt0, 1), (lh[0], 2), (lh[1], 3), (s0, 4)):
            v = prof[:, k]
            ok = np.isfinite(v)
            arr[ok] = np.log(v[ok]) if k < 4 else v[ok]
    t25 = np.exp(lt0[pat] + slopes["t25fw"][pat] * t + noise(params.noise_sd["t25fw"]))
    hands = []
    for h in range(2):
        hs = slopes["nhpt"] * np.exp(params.hand_slope_sd * rng.standard_normal(n))
        hands.append(np.exp(lh[h][pat] + hs[pat] * t - practice("nhpt")
                            + noise(params.noise_sd["nhpt"])))
    sdmt = np.rint(np.clip(s0[pat] - slopes["sdmt"][pat] * t + practice("sdmt")
                           + noise(params.noise_sd["sdmt"]), 0, 110))
    visits = pl.DataFrame({
        "patient_id": patient_ids[pat].astype(np.int64),
        "date": day.astype(np.int32),
        "edss": edss,
        "t25fw_s": np.round(np.clip(t25, 2.0, 179.0), 1),
        "nhpt_dominant_s": np.round(np.clip(hands[0], 8.0, 299.0), 1),
        "nhpt_nondominant_s": np.round(np.clip(hands[1], 8.0, 299.0), 1),
        "sdmt": sdmt,
    })
    relapses = pl.DataFrame({"patient_id": patient_ids[rel_pat].astype(np.int64),
                             "onset_date": rel_day.astype(np.int32)})
    last = np.zeros(n, dtype=np.int64)
    np.maximum.at(last, pat, day)
    return SimulatedCohort(visits, relapses, last, dropout)
