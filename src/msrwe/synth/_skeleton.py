"""The skeleton of the cohort: who the patients are and when they received methotrexate.

Everything else (visits, events, treatments) hangs on these arrays. All dates are whole days
since 1970-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._rng import pick_count, repeat_index, segment_offsets, stream

__all__ = ["Skeleton", "make_skeleton"]


@dataclass(frozen=True)
class Skeleton:
    """Per-patient arrays (length n) and the flat methotrexate dose arrays."""

    ids: np.ndarray  # patient_id (str)
    spms: np.ndarray  # bool
    female: np.ndarray  # bool
    site: np.ndarray  # str
    birth: np.ndarray
    onset: np.ndarray
    diagnosis: np.ndarray
    first_dose: np.ndarray
    last_dose: np.ndarray
    n_doses: np.ndarray
    switch: np.ndarray  # bool: switches to rituximab after methotrexate
    ongoing: np.ndarray  # bool: still on methotrexate at the cut-off
    height_cm: np.ndarray
    weight_kg: np.ndarray  # at the first dose
    dose_pid: np.ndarray  # flat: owner of each dose
    dose_day: np.ndarray  # flat: date of each dose
    dose_index: np.ndarray  # flat: 0-based number of the dose within the patient

    @property
    def n(self) -> int:
        """Number of patients."""
        return len(self.ids)

    def ids_at(self, index: np.ndarray) -> pl.Series:
        """The patient_id of each patient index, as a polars String series."""
        return pl.Series("patient_id", self.ids, dtype=pl.String).gather(
            np.asarray(index, dtype=np.int64)
        )

    @property
    def phenotype(self) -> np.ndarray:
        """'SPMS' or 'PPMS' per patient."""
        return np.where(self.spms, "SPMS", "PPMS")


def _uniform_days(rng: np.random.Generator, low_high: tuple[float, float], n: int) -> np.ndarray:
    low, high = low_high
    return np.rint(rng.uniform(low, high, n) * par.YEAR).astype(np.int64)


def make_skeleton(n: int, seed: int) -> Skeleton:
    """Draw the patients and their methotrexate schedules.

    Examples
    --------
    >>> sk = make_skeleton(83, 2019)
    >>> int(sk.spms.sum()), int(sk.n_doses.min()) >= 18, int(sk.n_doses.max()) <= 57
    (67, True, True)
    """
    rng = stream(seed, "skeleton")
    width = max(3, len(str(n)))
    ids = np.array([f"P{i:0{width}d}" for i in range(1, n + 1)], dtype=object)

    n_spms = pick_count(n, par.SPMS_SHARE)
    spms = np.zeros(n, dtype=bool)
    spms[rng.permutation(n)[:n_spms]] = True
    female = rng.random(n) < np.where(spms, par.FEMALE_SHARE["SPMS"], par.FEMALE_SHARE["PPMS"])
    site = np.array(par.SITES, dtype=object)[
        rng.choice(len(par.SITES), size=n, p=np.array(par.SITE_WEIGHTS))
    ]

    # methotrexate schedule: 18-57 doses, gaps of 56-77 days with a few late ones
    lo, hi = par.MTX_DOSES
    n_doses = rng.integers(lo, hi + 1, n)
    total = int(n_doses.sum())
    dose_pid = repeat_index(n_doses)
    starts = segment_offsets(n_doses)
    dose_index = np.arange(total) - starts[dose_pid]
    gaps = rng.integers(par.MTX_GAP_DAYS[0], par.MTX_GAP_DAYS[1] + 1, total)
    late = rng.random(total) < par.MTX_LATE_SHARE
    gaps[late] = rng.integers(
        par.MTX_LATE_GAP_DAYS[0], par.MTX_LATE_GAP_DAYS[1] + 1, int(late.sum())
    )
    gaps[starts] = 0
    cum = np.cumsum(gaps)
    offset = cum - cum[starts][dose_pid]
    span = offset[starts + n_doses - 1]

    # who switches to rituximab, who is still on methotrexate at the cut-off
    switch = np.zeros(n, dtype=bool)
    switch[rng.permutation(n)[: pick_count(n, par.RTX_SHARE)]] = True
    ongoing = ~switch & (rng.random(n) < par.ONGOING_SHARE)
    reserve = np.where(switch, par.RTX_RESERVE_DAYS, 120)
    latest = np.maximum(par.DATA_CUTOFF - span - reserve, par.FIRST_DOSE_EARLIEST)
    first_dose = rng.integers(par.FIRST_DOSE_EARLIEST, latest + 1)
    end_gap = rng.integers(7, 61, n)  # dose-related events stay before the cut-off
    first_dose = np.where(ongoing, par.DATA_CUTOFF - span - end_gap, first_dose)
    dose_day = first_dose[dose_pid] + offset
    last_dose = first_dose + span

    # history: age, onset, diagnosis
    age = rng.uniform(*par.AGE_AT_FIRST_DOSE, n)
    birth = first_dose - np.rint(age * par.YEAR).astype(np.int64)
    duration = np.where(
        spms,
        _uniform_days(rng, par.DISEASE_DURATION["SPMS"], n),
        _uniform_days(rng, par.DISEASE_DURATION["PPMS"], n),
    )
    onset = first_dose - duration
    delay = np.where(
        spms,
        _uniform_days(rng, par.DIAGNOSIS_DELAY["SPMS"], n),
        _uniform_days(rng, par.DIAGNOSIS_DELAY["PPMS"], n),
    )
    diagnosis = onset + delay

    hf, hm, wf, wm = par.HEIGHT_CM["F"], par.HEIGHT_CM["M"], par.WEIGHT_KG["F"], par.WEIGHT_KG["M"]
    height = rng.normal(np.where(female, hf[0], hm[0]), np.where(female, hf[1], hm[1]))
    weight = rng.normal(np.where(female, wf[0], wm[0]), np.where(female, wf[1], wm[1]))
    weight = np.clip(weight, *par.WEIGHT_RANGE)

    return Skeleton(
        ids=ids,
        spms=spms,
        female=female,
        site=site,
        birth=birth,
        onset=onset,
        diagnosis=diagnosis,
        first_dose=first_dose,
        last_dose=last_dose,
        n_doses=n_doses,
        switch=switch,
        ongoing=ongoing,
        height_cm=height,
        weight_kg=weight,
        dose_pid=dose_pid,
        dose_day=dose_day,
        dose_index=dose_index,
    )
