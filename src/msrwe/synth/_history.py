"""Patients and their treatment courses: earlier DMTs, methotrexate, rituximab.

Every patient failed three to five distinct earlier DMTs, each for at least a year, before the
first methotrexate dose (the inclusion criterion of the ITMTX series; clinical-methods.md
section 7, "failed >= 3 DMTs for >= 1 year each"). Courses are laid out backwards from the first
dose; none starts before the drug's approval, and the diagnosis precedes the first course.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._dosing import Rituximab
from msrwe.synth._rng import NO_DATE, as_date, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["History", "make_history"]


@dataclass(frozen=True)
class History:
    """The patients and treatments tables."""

    patients: pl.DataFrame
    treatments: pl.DataFrame


#: one patient's random numbers for the earlier courses (see _prior_courses)
_Draws = tuple[int, list[int], list[int], list[float], list[float]]


def _prior_courses(
    first_dose: int, earliest: int, draws: _Draws
) -> list[tuple[str, int, int, str]]:
    """Earlier courses of one patient as (drug, start, stop, reason), oldest first.

    ``draws`` holds the patient's pre-drawn random numbers: the number of courses, and per course
    its duration, the washout after it, a uniform for the drug and a uniform for the stop reason.
    """
    n_prior, durations, gaps, pick_u, reason_u = draws
    room = first_dose - earliest
    while n_prior > par.PRIOR_COUNT[0] and sum(durations[:n_prior]) + sum(gaps[:n_prior]) > room:
        n_prior -= 1
    durations, gaps = durations[:n_prior], gaps[:n_prior]
    if sum(durations) + sum(gaps) > room:  # squeeze to the minimum lengths
        gaps = [par.PRIOR_GAP_DAYS[0]] * n_prior
        durations = [par.PRIOR_DURATION_DAYS[0]] * n_prior

    courses: list[tuple[str, int, int, str]] = []
    used: set[str] = set()
    stop = first_dose
    for k in range(n_prior):  # latest course first
        stop -= gaps[k]
        start = stop - durations[k]
        candidates = [d for d, approved in par.PRIOR_DRUGS if approved <= start and d not in used]
        if not candidates:
            break
        drug = candidates[int(pick_u[k] * len(candidates))]
        used.add(drug)
        reason = "inefficacy" if reason_u[k] < par.PRIOR_INEFFICACY_SHARE else "intolerance"
        courses.append((drug, start, stop, reason))
        stop = start
    courses.reverse()
    n_ineff = sum(c[3] == "inefficacy" for c in courses)
    if n_ineff < par.PRIOR_COUNT[0]:  # at least three stopped for inefficacy
        courses = [(d, s, e, "inefficacy") for d, s, e, _ in courses]
    return courses


def make_history(sk: Skeleton, rtx: Rituximab, seed: int) -> History:
    """Build the patients and treatments tables.

    Examples
    --------
    >>> from msrwe.synth._skeleton import make_skeleton
    >>> from msrwe.synth._dosing import make_rituximab
    >>> sk = make_skeleton(20, 1)
    >>> h = make_history(sk, make_rituximab(sk, 1), 1)
    >>> h.patients.height, h.treatments.filter(drug="methotrexate").height
    (20, 20)
    """
    rng = stream(seed, "history")
    diagnosis = sk.diagnosis.copy()
    onset = sk.onset.copy()
    t_pid: list[int] = []
    t_drug: list[str] = []
    t_start: list[int] = []
    t_stop: list[int] = []
    t_reason: list[str | None] = []

    rtx_start = {
        int(p): int(d) for p, d, f in zip(rtx.pid, rtx.day, rtx.first_course, strict=True) if f
    }
    mtx_reason = rng.choice(len(par.MTX_STOP_REASONS), size=sk.n, p=np.array(par.MTX_STOP_WEIGHTS))
    top = par.PRIOR_COUNT[1]
    n_prior = rng.integers(par.PRIOR_COUNT[0], top + 1, sk.n).tolist()
    lo, hi = par.PRIOR_DURATION_DAYS
    durations = rng.integers(lo, hi + 1, (sk.n, top)).tolist()
    gaps = rng.integers(par.PRIOR_GAP_DAYS[0], par.PRIOR_GAP_DAYS[1] + 1, (sk.n, top)).tolist()
    pick_u = rng.random((sk.n, top)).tolist()
    reason_u = rng.random((sk.n, top)).tolist()
    first_dose = sk.first_dose.tolist()
    last_dose = sk.last_dose.tolist()
    ongoing = sk.ongoing.tolist()
    switch = sk.switch.tolist()
    reasons = [par.MTX_STOP_REASONS[k] for k in mtx_reason.tolist()]
    diag = diagnosis.tolist()
    ons = onset.tolist()
    for p in range(sk.n):
        draws = (n_prior[p], durations[p], gaps[p], pick_u[p], reason_u[p])
        courses = _prior_courses(first_dose[p], diag[p] + 30, draws)
        first_start = courses[0][1]
        if diag[p] > first_start - 30:  # only when squeezed: diagnose before the first DMT
            diag[p] = first_start - 30
            ons[p] = min(ons[p], diag[p])
        for drug, start, stop, reason in courses:
            t_pid.append(p)
            t_drug.append(drug)
            t_start.append(start)
            t_stop.append(stop)
            t_reason.append(reason)
        # the methotrexate course
        t_pid.append(p)
        t_drug.append(par.MTX_DRUG)
        t_start.append(first_dose[p])
        if ongoing[p]:
            t_stop.append(NO_DATE)
            t_reason.append(None)
        else:
            t_stop.append(last_dose[p])
            t_reason.append("inefficacy" if switch[p] else reasons[p])
        if p in rtx_start:
            t_pid.append(p)
            t_drug.append(par.RTX_DRUG)
            t_start.append(rtx_start[p])
            t_stop.append(NO_DATE)
            t_reason.append(None)

    diagnosis = np.array(diag, dtype=np.int64)
    onset = np.array(ons, dtype=np.int64)
    # SPMS conversion: one to eight years before the first dose, after the diagnosis
    conv = sk.first_dose - np.rint(
        rng.uniform(*par.SPMS_CONVERSION_BEFORE_DOSE, sk.n) * par.YEAR
    ).astype(np.int64)
    conv = np.maximum(conv, diagnosis + 365)
    conv = np.where(sk.spms, np.minimum(conv, sk.first_dose - 30), NO_DATE)

    patients = pl.DataFrame(
        {
            "patient_id": pl.Series(sk.ids, dtype=pl.String),
            "sex": pl.Series(np.where(sk.female, "F", "M").astype(object), dtype=pl.String),
            "birth_date": as_date(sk.birth),
            "ms_onset_date": as_date(onset),
            "diagnosis_date": as_date(diagnosis),
            "phenotype": pl.Series(sk.phenotype.astype(object), dtype=pl.String),
            "spms_conversion_date": as_date(conv),
            "site": pl.Series(sk.site, dtype=pl.String),
            "death_date": as_date(np.full(sk.n, NO_DATE)),
        }
    )
    pid = np.array(t_pid, dtype=np.int64)
    treatments = pl.DataFrame(
        {
            "patient_id": sk.ids_at(pid),
            "drug": pl.Series(t_drug, dtype=pl.String),
            "start_date": as_date(np.array(t_start, dtype=np.int64)),
            "stop_date": as_date(np.array(t_stop, dtype=np.int64)),
            "stop_reason": pl.Series(t_reason, dtype=pl.String),
        }
    )
    return History(patients=patients, treatments=treatments)
