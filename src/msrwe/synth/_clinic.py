"""Clinic visits (EDSS, functional systems, timed tests, SDMT) and relapses.

EDSS is scored at every methotrexate dose and every rituximab course (scheduled visits), plus a
few unscheduled visits, including one after each relapse. The observed EDSS is a latent value
(baseline + slow drift + a fading bump after a relapse) with examiner jitter, rounded to the
half-step scale, with an occasional +/-0.5 fluctuation, never 0.5 (clinical-methods.md 1.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._dosing import Rituximab
from msrwe.synth._rng import as_date, non_overlapping, pick_count, repeat_index, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["Clinic", "make_clinic"]

#: EDSS -> Neurostatus ambulation score (0-16) for EDSS >= 4.0 [D]
_AMBULATION = {4.0: 1, 4.5: 2, 5.0: 3, 5.5: 4, 6.0: 5, 6.5: 7, 7.0: 10, 7.5: 11}


@dataclass(frozen=True)
class Clinic:
    """The visits and relapses tables, each patient's last visit day and the relapse onsets.

    ``relapse_pid`` and ``relapse_day`` are the relapses table's rows as patient indexes and
    days, sorted by patient and day (the MRI and biomarkers draw on them).
    """

    visits: pl.DataFrame
    relapses: pl.DataFrame
    last_visit: np.ndarray
    relapse_pid: np.ndarray
    relapse_day: np.ndarray


def _scheduled(sk: Skeleton, rtx: Rituximab, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Scheduled visit (pid, day): every dose, every rituximab course, follow-up after stopping."""
    stopper = ~sk.switch & ~sk.ongoing
    n_follow = np.where(
        stopper, rng.integers(par.FOLLOW_UP_VISITS[0], par.FOLLOW_UP_VISITS[1] + 1, sk.n), 0
    )
    f_pid = repeat_index(n_follow)
    f_rank = np.arange(len(f_pid)) - np.concatenate(([0], np.cumsum(n_follow)[:-1]))[f_pid]
    f_day = sk.last_dose[f_pid] + (f_rank + 1) * rng.integers(90, 366, len(f_pid))
    keep = f_day <= par.DATA_CUTOFF
    pid = np.concatenate((sk.dose_pid, rtx.pid, f_pid[keep]))
    day = np.concatenate((sk.dose_day, rtx.day, f_day[keep]))
    return pid, day


def _relapses(
    sk: Skeleton, end: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Relapse onsets, Poisson in time at the phenotype's rate between first dose and last visit."""
    years = (end - sk.first_dose) / par.YEAR
    rate = np.where(sk.spms, par.RELAPSE_RATE["SPMS"], par.RELAPSE_RATE["PPMS"])
    count = rng.poisson(rate * years)
    pid = repeat_index(count)
    span = (end - sk.first_dose)[pid]
    day = sk.first_dose[pid] + 14 + np.floor(rng.random(len(pid)) * np.maximum(span - 28, 1))
    order = np.argsort(pid * 100_000 + day, kind="stable")  # by patient, then date
    pid, day = pid[order], day.astype(np.int64)[order]
    keep = non_overlapping(pid, day, day + 30)  # within 30 days it is the same relapse
    return pid[keep], day[keep]


def _drift(sk: Skeleton, rng: np.random.Generator) -> np.ndarray:
    """Per-patient latent EDSS slope (points per year) from the stable/worse/better mixture.

    Stratified, so that the mix does not depend on the luck of the draw: within each phenotype,
    each group gets its exact share of the patients, with slopes spread evenly over its range.
    """
    slope = np.zeros(sk.n)
    for members in (np.flatnonzero(sk.spms), np.flatnonzero(~sk.spms)):
        n = len(members)
        counts = [pick_count(n, share) for share, _, _ in par.EDSS_DRIFT[1:]]
        counts = [n - sum(counts), *counts]  # the stable group takes the rest
        parts = [
            low + (np.arange(m) + rng.random(m)) / max(m, 1) * (high - low)
            for m, (_, low, high) in zip(counts, par.EDSS_DRIFT, strict=True)
        ]
        slope[members] = rng.permutation(np.concatenate(parts))
    return slope


def _snap(x: np.ndarray) -> np.ndarray:
    """Round to the EDSS half-step scale within EDSS_RANGE (so never 0.5)."""
    return np.clip(np.round(x * 2.0) / 2.0, *par.EDSS_RANGE)


def _fs_grades(
    edss: np.ndarray, pid: np.ndarray, n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Kurtzke FS grades consistent with the EDSS (pyramidal >= 2 from EDSS 4.0)."""
    m = len(edss)
    expected = {
        "fs_pyramidal": np.select([edss < 4, edss < 6, edss < 7, edss < 8], [2, 3, 3, 4], 5),
        "fs_cerebellar": np.clip(np.round((edss - 3.0) / 1.5), 0, 3),
        "fs_brainstem": np.clip(np.round((edss - 4.0) / 2.0), 0, 2),
        "fs_sensory": np.clip(np.round((edss - 2.5) / 1.5), 0, 4),
        "fs_bowel_bladder": np.clip(np.round((edss - 3.0) / 1.5), 0, 4),
        "fs_visual": np.zeros(m),
        "fs_cerebral": np.ones(m),
    }
    grades: dict[str, np.ndarray] = {}
    for name, base in expected.items():
        if name in ("fs_visual", "fs_cerebral"):
            patient_level = rng.integers(0, 3, n)
        else:
            patient_level = rng.choice([-1, 0, 0, 1], size=n)
        noise = np.where(rng.random(m) < par.FS_NOISE, rng.choice([-1, 1], size=m), 0)
        low = np.where(edss >= 4.0, 2, 0) if name == "fs_pyramidal" else 0
        grades[name] = np.clip(base + patient_level[pid] + noise, low, par.FS_MAX[name]).astype(
            np.int64
        )
    return grades


def _ambulation(edss: np.ndarray) -> np.ndarray:
    out = np.where(edss < 4.0, 0, 12)
    for value, score in _AMBULATION.items():
        out = np.where(edss == value, score, out)
    return out.astype(np.int64)


def make_clinic(sk: Skeleton, rtx: Rituximab, seed: int) -> Clinic:
    """Build the visits and relapses tables.

    Examples
    --------
    >>> from msrwe.synth._skeleton import make_skeleton
    >>> from msrwe.synth._dosing import make_rituximab
    >>> sk = make_skeleton(10, 3)
    >>> c = make_clinic(sk, make_rituximab(sk, 3), 3)
    >>> c.visits.height >= int(sk.n_doses.sum())
    True
    """
    # separate streams, so that e.g. one more relapse does not reshuffle every EDSS
    rng = stream(seed, "clinic-schedule")
    rng_rel = stream(seed, "clinic-relapses")
    rng_edss = stream(seed, "clinic-edss")
    rng_fs = stream(seed, "clinic-functional-systems")
    rng_tests = stream(seed, "clinic-timed-tests")
    s_pid, s_day = _scheduled(sk, rtx, rng)
    end = np.full(sk.n, -(10**9), dtype=np.int64)
    np.maximum.at(end, s_pid, s_day)
    r_pid, r_day = _relapses(sk, end, rng_rel)

    # unscheduled visits: a few at random, and one after each relapse
    n_extra = rng.integers(par.UNSCHEDULED_VISITS[0], par.UNSCHEDULED_VISITS[1] + 1, sk.n)
    u_pid = repeat_index(n_extra)
    u_span = np.maximum(end[u_pid] - sk.first_dose[u_pid] - 14, 1)
    u_day = sk.first_dose[u_pid] + 7 + np.floor(rng.random(len(u_pid)) * u_span).astype(np.int64)
    rv_day = r_day + rng.integers(
        par.RELAPSE_VISIT_DAYS[0], par.RELAPSE_VISIT_DAYS[1] + 1, len(r_day)
    )
    rv_keep = rv_day <= par.DATA_CUTOFF

    pid = np.concatenate((s_pid, u_pid, r_pid[rv_keep]))
    day = np.concatenate((s_day, u_day, rv_day[rv_keep]))
    scheduled = np.concatenate((np.ones(len(s_pid), bool), np.zeros(len(pid) - len(s_pid), bool)))
    # one visit per patient and day; a scheduled visit wins over an unscheduled one
    order = np.argsort((pid * 100_000 + day) * 2 + ~scheduled, kind="stable")
    pid, day, scheduled = pid[order], day[order], scheduled[order]
    first = np.ones(len(pid), dtype=bool)
    first[1:] = (pid[1:] != pid[:-1]) | (day[1:] != day[:-1])
    pid, day, scheduled = pid[first], day[first], scheduled[first]
    m = len(pid)
    last_visit = np.full(sk.n, -(10**9), dtype=np.int64)
    np.maximum.at(last_visit, pid, day)

    # EDSS: latent baseline + drift + relapse bump, jitter, half-step rounding, fluctuation
    mean = np.where(sk.spms, par.EDSS_BASELINE["SPMS"][0], par.EDSS_BASELINE["PPMS"][0])
    sd = np.where(sk.spms, par.EDSS_BASELINE["SPMS"][1], par.EDSS_BASELINE["PPMS"][1])
    lo = np.where(sk.spms, par.EDSS_BASELINE_RANGE["SPMS"][0], par.EDSS_BASELINE_RANGE["PPMS"][0])
    hi = np.where(sk.spms, par.EDSS_BASELINE_RANGE["SPMS"][1], par.EDSS_BASELINE_RANGE["PPMS"][1])
    base = np.clip(rng_edss.normal(mean, sd), lo, hi)
    slope = _drift(sk, rng_edss)
    years = (day - sk.first_dose[pid]) / par.YEAR
    latent = base[pid] + slope[pid] * years
    starts = np.searchsorted(pid, np.arange(sk.n))
    stops = np.searchsorted(pid, np.arange(sk.n), side="right")
    amp = rng_rel.uniform(*par.RELAPSE_EDSS_BUMP, len(r_pid))
    for k in range(len(r_pid)):
        a, b = starts[r_pid[k]], stops[r_pid[k]]
        since = day[a:b] - r_day[k]
        inside = (since >= 0) & (since < 90)
        latent[a:b] += np.where(inside, amp[k] * (1.0 - since / 90.0), 0.0)
    jump = rng_edss.random(m)
    fluct = np.where(jump < par.EDSS_JUMP, 0.5, np.where(jump > 1 - par.EDSS_JUMP, -0.5, 0.0))
    edss = _snap(_snap(latent + rng_edss.normal(0.0, par.EDSS_JITTER_SD, m)) + fluct)

    fs = _fs_grades(edss, pid, sk.n, rng_fs)
    fs_missing = rng_fs.random(m) < par.FS_MISSING
    ambulation = _ambulation(edss)

    # timed tests at every 4th scheduled visit; SDMT at the first scheduled visit of each year
    sched_rank = np.cumsum(scheduled) - 1
    sched_rank = sched_rank - np.concatenate(([0], np.cumsum(scheduled)))[starts][pid]
    timed = scheduled & (sched_rank % par.TIMED_TESTS_EVERY == 0)
    hand = rng_tests.lognormal(0.0, 0.12, sk.n)[pid]
    nhpt_mean = np.maximum(par.NHPT_BASE_S + par.NHPT_PER_EDSS_S * (edss - 4.0), 17.0) * hand
    nhpt_dom = np.round(nhpt_mean * (1 + rng_tests.normal(0, par.NHPT_NOISE, m)), 1)
    nhpt_non = np.round(
        nhpt_mean * par.NHPT_NONDOMINANT_FACTOR * (1 + rng_tests.normal(0, par.NHPT_NOISE, m)), 1
    )
    can_fail = edss >= par.NHPT_UNABLE_EDSS
    nhpt_dom = np.where(
        can_fail & (rng_tests.random(m) < par.NHPT_UNABLE_SHARE), par.NHPT_UNABLE, nhpt_dom
    )
    nhpt_non = np.where(
        can_fail & (rng_tests.random(m) < par.NHPT_UNABLE_SHARE), par.NHPT_UNABLE, nhpt_non
    )
    gait = rng_tests.lognormal(0.0, 0.10, sk.n)[pid]
    t25 = np.maximum(par.T25FW_BASE_S + par.T25FW_PER_EDSS_S * (edss - 4.0), 4.5) * gait
    t25 = np.round(t25 * (1 + rng_tests.normal(0, par.T25FW_NOISE, m)), 1)
    walk = timed & (edss <= par.T25FW_MAX_EDSS)

    year_no = np.floor(years).astype(np.int64)
    new_year = np.ones(m, dtype=bool)
    sched_idx = np.flatnonzero(scheduled)
    prev_same = np.zeros(len(sched_idx), dtype=bool)
    prev_same[1:] = (pid[sched_idx[1:]] == pid[sched_idx[:-1]]) & (
        year_no[sched_idx[1:]] == year_no[sched_idx[:-1]]
    )
    new_year[sched_idx[prev_same]] = False
    sdmt_day = scheduled & new_year
    sdmt_base = rng_tests.integers(par.SDMT_BASELINE[0], par.SDMT_BASELINE[1] + 1, sk.n)
    sdmt_slope = rng_tests.uniform(*par.SDMT_DRIFT_PER_YEAR, sk.n)
    sdmt = np.clip(
        np.rint(
            sdmt_base[pid] + sdmt_slope[pid] * years + rng_tests.normal(0, par.SDMT_NOISE_SD, m)
        ),
        0,
        110,
    ).astype(np.int64)

    def masked(values: np.ndarray, keep: np.ndarray, dtype: pl.DataType) -> pl.Series:
        return pl.Series(values, dtype=dtype).scatter(np.flatnonzero(~keep), None)

    columns: dict[str, pl.Series] = {
        "patient_id": sk.ids_at(pid),
        "date": as_date(day),
        "edss": pl.Series(edss, dtype=pl.Float64),
    }
    for name, grades in fs.items():
        columns[name] = masked(grades, ~fs_missing, pl.Int64)
    columns["ambulation"] = masked(ambulation, ~fs_missing, pl.Int64)
    columns["t25fw_s"] = masked(t25, walk, pl.Float64)
    columns["nhpt_dominant_s"] = masked(nhpt_dom, timed, pl.Float64)
    columns["nhpt_nondominant_s"] = masked(nhpt_non, timed, pl.Float64)
    columns["sdmt"] = masked(sdmt, sdmt_day, pl.Int64)
    columns["scheduled"] = pl.Series(scheduled, dtype=pl.Boolean)
    visits = pl.DataFrame(columns)

    rel = pl.DataFrame(
        {
            "patient_id": sk.ids_at(r_pid),
            "onset_date": as_date(r_day),
            "confirmed": pl.Series(
                rng_rel.random(len(r_pid)) < par.RELAPSE_CONFIRMED, dtype=pl.Boolean
            ),
            "steroids": pl.Series(
                rng_rel.random(len(r_pid)) < par.RELAPSE_STEROIDS, dtype=pl.Boolean
            ),
        }
    )
    return Clinic(visits=visits, relapses=rel, last_visit=last_visit, relapse_pid=r_pid,
                  relapse_day=r_day)
