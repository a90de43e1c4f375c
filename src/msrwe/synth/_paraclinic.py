"""MRI (yearly, for some patients) and serum biomarkers (sNfL, sometimes sGFAP).

The patterns follow reference/endpoints.md ("E") for progressive MS on treatment; every number is
in :mod:`msrwe.synth._params` with its source, and docs/synth.md lists them:

- **MRI mostly inactive.** New/enlarging T2 lesions arrive at the INFORMS PPMS placebo rate,
  ~0.5 per year (E 1.2 and 9 [A]), times an on-treatment factor (0.3 [D]) and a gamma-distributed
  patient propensity (mean 1, shape 0.4: negative binomial counts, the usual fit for lesion
  counts, E 1.2 [V]); 13% of baseline scans are Gd+ (INFORMS placebo, E 1.2 [A]), few routine
  scans on treatment are. The first scan of a patient has no comparator, so its new and
  enlarging T2 counts are empty, never 0 (E 1.1); a scan without contrast has ``gd_lesions``
  empty (E 1.1).
- **Activity around relapses.** Each relapse since the previous scan adds expected new T2
  lesions; a scan within 90 days after a relapse onset is Gd+ with probability 0.6; most
  relapses of a patient with MRI are followed by an extra scan 7-30 days after the onset [D].
- **Brain volume** is charted for most patients with MRI and falls ~0.3-0.5% a year (patient
  rate mean 0.40%, SD 0.10%; MS -0.4 to -1.0%, healthy -0.1 to -0.3%: De Stefano 2016 as cited in
  E 1.3 [V]) with 0.15% measurement noise [D].
- **sNfL in the published range for age**: log-normal with median 12 pg/mL at 50 years, rising
  3.1% per year of age (Bornhorst 2022, E 5.1 [A]), so most values stay under the age-specific
  97.5th percentiles of healthy adults (50s: 20.8 pg/mL); ~54% higher within 90 days after a
  relapse (14.6 vs 9.5 pg/mL, van Pamelen 2025, E 5.3 [A]) and 35% higher within 90 days after a
  Gd+ scan (Rosso 2020, E 5.3 [A]); the larger of the two applies. Most relapses of a patient
  with sNfL monitoring get a sample at the relapse visit. sGFAP rises 1.5% per year of age and
  not with relapses (Meier 2023, E 5.4 [A]). Unit: pg/mL, the contract's only assay field.

Everything is drawn with whole-array operations (no loop over patients), from named random
streams, so a seed always gives the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._rng import as_date, pick_count, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["Paraclinic", "make_paraclinic"]

#: days are below this (the year 2243), so ``patient * _KEY + day`` orders by patient, then day
_KEY = np.int64(100_000)


@dataclass(frozen=True)
class Paraclinic:
    """The mri and biomarkers tables."""

    mri: pl.DataFrame
    biomarkers: pl.DataFrame


def _series(
    rng: np.random.Generator, pids: np.ndarray, start: np.ndarray, stop: np.ndarray,
    step: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Repeated dates per patient from ``start`` every ``step`` days while not after ``stop``.

    Returns the flat (patient, day) arrays, sorted by patient and day.
    """
    if len(pids) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = max(int(np.max(stop - start)) // step[0] + 2, 1)
    steps = rng.integers(step[0], step[1] + 1, (len(pids), k))
    steps[:, 0] = 0
    days = start[:, None] + np.cumsum(steps, axis=1)
    keep = days <= stop[:, None]
    return np.broadcast_to(pids[:, None], days.shape)[keep], days[keep]


def _keys(pid: np.ndarray, day: np.ndarray) -> np.ndarray:
    return pid.astype(np.int64) * _KEY + day.astype(np.int64)


def _after_event(events: np.ndarray, pid: np.ndarray, day: np.ndarray, window: int) -> np.ndarray:
    """Whether an event of the same patient (sorted ``events`` keys) is in ``[day - window, day]``.

    Examples
    --------
    >>> ev = _keys(np.array([0, 1]), np.array([100, 100]))
    >>> _after_event(ev, np.array([0, 0, 1, 2]), np.array([150, 250, 99, 150]), 90).tolist()
    [True, False, False, False]
    """
    k = _keys(pid, day)
    if len(events) == 0:
        return np.zeros(len(k), dtype=bool)
    i = np.searchsorted(events, k, side="right") - 1
    last = events[np.maximum(i, 0)]
    return (i >= 0) & (last // _KEY == pid) & (last >= k - window)


def _extra_days(
    rng: np.random.Generator, chosen: np.ndarray, r_pid: np.ndarray, r_day: np.ndarray,
    share: float, lag: tuple[int, int], last_visit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """A dated record ``lag`` days after ``share`` of the relapses of the ``chosen`` patients."""
    pick = rng.random(len(r_pid)) < share
    day = r_day + rng.integers(lag[0], lag[1] + 1, len(r_pid))
    keep = chosen[r_pid] & pick & (day <= last_visit[r_pid])
    return r_pid[keep], day[keep]


def _merge(pid_a: np.ndarray, day_a: np.ndarray, pid_b: np.ndarray, day_b: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Both sets of (patient, day), one row per patient and day, sorted."""
    keys = np.unique(np.concatenate((_keys(pid_a, day_a), _keys(pid_b, day_b))))
    return keys // _KEY, keys % _KEY


def _nullable_int(values: np.ndarray, missing: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=np.int64), dtype=pl.Int64).scatter(
        np.flatnonzero(missing), None)


def _nullable_float(values: np.ndarray, missing: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=np.float64), dtype=pl.Float64).scatter(
        np.flatnonzero(missing), None)


def _mri(
    sk: Skeleton, last_visit: np.ndarray, r_pid: np.ndarray, r_day: np.ndarray, seed: int,
) -> tuple[pl.DataFrame, np.ndarray]:  # fmt: skip
    """The mri table and the sorted keys of its Gd+ scans."""
    rng = stream(seed, "paraclinic-mri")
    n = sk.n
    mri_pids = np.sort(rng.permutation(n)[: pick_count(n, par.MRI_SHARE)])
    chosen = np.zeros(n, dtype=bool)
    chosen[mri_pids] = True
    start = sk.first_dose[mri_pids] - rng.integers(0, 61, len(mri_pids))
    rp, rd = _series(rng, mri_pids, start, last_visit[mri_pids], (335, 395))
    xp, xd = _extra_days(rng, chosen, r_pid, r_day, par.RELAPSE_SCAN_SHARE,
                         par.RELAPSE_SCAN_DAYS, last_visit)
    mp, md = _merge(rp, rd, xp, xd)
    m = len(mp)

    first = np.ones(m, dtype=bool)
    first[1:] = mp[1:] != mp[:-1]
    prev = np.concatenate(([0], md[:-1]))
    years_since = np.where(first, 0.0, (md - prev) / par.YEAR)
    rel = _keys(r_pid, r_day)
    # relapses since the previous scan: onsets in (previous scan, this scan]
    n_rel = np.where(first, 0, np.searchsorted(rel, _keys(mp, md), side="right")
                     - np.searchsorted(rel, _keys(mp, prev), side="right"))
    recent = _after_event(rel, mp, md, par.RELAPSE_WINDOW_DAYS)

    propensity = rng.gamma(par.T2_FRAILTY_SHAPE, 1 / par.T2_FRAILTY_SHAPE, n)[mp]
    on_treatment = md >= sk.first_dose[mp]
    rate = par.T2_RATE_PLACEBO * np.where(on_treatment, par.T2_RATE_ON_TREATMENT, 1.0)
    lesions = rng.poisson(rate * propensity * years_since + par.RELAPSE_T2 * n_rel)
    p_gd = np.where(on_treatment, np.minimum(par.GD_ON_TREATMENT * propensity, 0.5),
                    par.GD_BASELINE)
    p_gd = np.where(recent, np.maximum(p_gd, par.GD_AFTER_RELAPSE), p_gd)
    gd = np.where(rng.random(m) < p_gd, 1 + rng.poisson(par.GD_EXTRA, m), 0)
    lesions = np.where(~first & (gd > 0), np.maximum(lesions, 1), lesions)  # Gd+ is new on T2
    enlarging = rng.binomial(lesions, par.T2_ENLARGING_SHARE)
    no_contrast = rng.random(m) >= par.MRI_CONTRAST_SHARE

    years = (md - sk.first_dose[mp]) / par.YEAR
    age55 = (sk.first_dose - sk.birth) / par.YEAR - 55.0
    t2_base = rng.lognormal(*par.T2_VOLUME_ML, n)
    t2 = np.round(t2_base[mp] * (1 + 0.02 * years) * (1 + rng.normal(0, 0.03, m)), 1)
    brain0 = np.where(sk.female, par.BRAIN_VOLUME_ML["F"], par.BRAIN_VOLUME_ML["M"])
    brain0 = brain0 * (1 - 0.003 * age55) * (1 + rng.normal(0, 0.05, n))
    loss = np.clip(rng.normal(*par.BRAIN_ATROPHY_PCT, n), 0.1, 1.0) / 100
    brain = brain0[mp] * (1 - loss[mp] * years)
    brain = np.round(brain * (1 + rng.normal(0, par.BRAIN_NOISE_PCT / 100, m)), 1)
    no_volumetry = (rng.random(n) >= par.BRAIN_VOLUME_SHARE)[mp]

    mri = pl.DataFrame(
        {
            "patient_id": sk.ids_at(mp),
            "date": as_date(md),
            "gd_lesions": _nullable_int(gd, no_contrast),
            "new_t2_lesions": _nullable_int(lesions - enlarging, first),
            "enlarging_t2_lesions": _nullable_int(enlarging, first),
            "t2_volume_ml": pl.Series(np.maximum(t2, 0.1), dtype=pl.Float64),
            "brain_volume_ml": _nullable_float(brain, no_volumetry),
        }
    )
    gd_keys = _keys(mp, md)[(gd > 0) & ~no_contrast]
    return mri, gd_keys


def _biomarkers(
    sk: Skeleton, last_visit: np.ndarray, r_pid: np.ndarray, r_day: np.ndarray,
    gd_keys: np.ndarray, seed: int,
) -> pl.DataFrame:  # fmt: skip
    rng = stream(seed, "paraclinic-biomarkers")
    n = sk.n
    snfl = np.sort(rng.permutation(n)[: pick_count(n, par.SNFL_SHARE)])
    chosen = np.zeros(n, dtype=bool)
    chosen[snfl] = True
    with_gfap = rng.random(n) < par.SGFAP_SHARE
    rp, rd = _series(rng, snfl, sk.first_dose[snfl], last_visit[snfl], (180, 365))
    xp, xd = _extra_days(rng, chosen, r_pid, r_day, par.RELAPSE_SAMPLE_SHARE,
                         par.RELAPSE_SAMPLE_DAYS, last_visit)
    s_pid, s_day = _merge(rp, rd, xp, xd)
    # sGFAP on the same days, right after the sNfL row of that day
    twice = with_gfap[s_pid]
    bp = np.repeat(s_pid, np.where(twice, 2, 1))
    b_day = np.repeat(s_day, np.where(twice, 2, 1))
    second = np.zeros(len(bp), dtype=bool)
    second[1:] = (bp[1:] == bp[:-1]) & (b_day[1:] == b_day[:-1])
    is_nfl = ~second

    age = (b_day - sk.birth[bp]) / par.YEAR
    after_relapse = _after_event(_keys(r_pid, r_day), bp, b_day, par.RELAPSE_WINDOW_DAYS)
    after_gd = _after_event(gd_keys, bp, b_day, par.RELAPSE_WINDOW_DAYS)
    bump = np.maximum(np.where(after_relapse, np.log(par.SNFL_RELAPSE_RATIO), 0.0),
                      np.where(after_gd, np.log(par.SNFL_GD_RATIO), 0.0))
    nfl_level = rng.normal(0, par.SNFL_PATIENT_SD, n)[bp]
    gfap_level = rng.normal(0, par.SNFL_PATIENT_SD, n)[bp]
    noise = rng.normal(0, par.SNFL_SAMPLE_SD, len(bp))
    log_nfl = (np.log(par.SNFL_MEDIAN_AT_50) + par.SNFL_AGE_SLOPE * (age - 50) + nfl_level
               + bump)
    log_gfap = np.log(par.SGFAP_MEDIAN) + par.SGFAP_AGE_SLOPE * (age - 55) + gfap_level
    value = np.exp(np.where(is_nfl, log_nfl, log_gfap) + noise)
    return pl.DataFrame(
        {
            "patient_id": sk.ids_at(bp),
            "date": as_date(b_day),
            "marker": pl.Series(np.where(is_nfl, "snfl", "sgfap"), dtype=pl.String),
            "value": pl.Series(np.maximum(np.round(value, 1), 0.1), dtype=pl.Float64),
            "unit": pl.Series([par.BIOMARKER_UNIT] * len(bp), dtype=pl.String),
        }
    )


def make_paraclinic(
    sk: Skeleton, last_visit: np.ndarray, seed: int, *,
    relapse_pid: np.ndarray | None = None, relapse_day: np.ndarray | None = None,
) -> Paraclinic:  # fmt: skip
    """Build the mri and biomarkers tables.

    Parameters
    ----------
    sk
        The cohort skeleton.
    last_visit
        Each patient's last visit day: no scan or sample is later.
    seed
        The cohort seed.
    relapse_pid, relapse_day
        The relapse onsets (patient index, day), sorted by patient and day; none when omitted.

    Examples
    --------
    >>> from msrwe.synth._skeleton import make_skeleton
    >>> sk = make_skeleton(50, 5)
    >>> pc = make_paraclinic(sk, sk.last_dose, 5)
    >>> pc.mri["patient_id"].n_unique(), pc.biomarkers["marker"].unique().sort().to_list()
    (30, ['sgfap', 'snfl'])
    >>> pc.mri.group_by("patient_id").first()["new_t2_lesions"].null_count()  # no comparator
    30
    """
    r_pid = np.zeros(0, np.int64) if relapse_pid is None else np.asarray(relapse_pid, np.int64)
    r_day = np.zeros(0, np.int64) if relapse_day is None else np.asarray(relapse_day, np.int64)
    mri, gd_keys = _mri(sk, last_visit, r_pid, r_day, seed)
    biomarkers = _biomarkers(sk, last_visit, r_pid, r_day, gd_keys, seed)
    return Paraclinic(mri=mri, biomarkers=biomarkers)
