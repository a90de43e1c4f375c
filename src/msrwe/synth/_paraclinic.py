"""MRI (yearly, for some patients) and serum biomarkers (sNfL, sometimes sGFAP)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._rng import as_date, pick_count, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["Paraclinic", "make_paraclinic"]


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
    k = int(np.max(stop - start)) // step[0] + 2
    steps = rng.integers(step[0], step[1] + 1, (len(pids), k))
    steps[:, 0] = 0
    days = start[:, None] + np.cumsum(steps, axis=1)
    keep = days <= stop[:, None]
    return np.broadcast_to(pids[:, None], days.shape)[keep], days[keep]


def make_paraclinic(sk: Skeleton, last_visit: np.ndarray, seed: int) -> Paraclinic:
    """Build the mri and biomarkers tables.

    Examples
    --------
    >>> from msrwe.synth._skeleton import make_skeleton
    >>> sk = make_skeleton(50, 5)
    >>> pc = make_paraclinic(sk, sk.last_dose, 5)
    >>> pc.mri["patient_id"].n_unique(), pc.biomarkers["marker"].unique().sort().to_list()
    (30, ['sgfap', 'snfl'])
    """
    rng = stream(seed, "paraclinic")
    n = sk.n
    age55 = (sk.first_dose - sk.birth) / par.YEAR - 55.0

    mri_pids = np.sort(rng.permutation(n)[: pick_count(n, par.MRI_SHARE)])
    start = sk.first_dose[mri_pids] - rng.integers(0, 61, len(mri_pids))
    mp, md = _series(rng, mri_pids, start, last_visit[mri_pids], (335, 395))
    years = (md - sk.first_dose[mp]) / par.YEAR
    t2_base = rng.lognormal(*par.T2_VOLUME_ML, n)
    t2 = np.round(t2_base[mp] * (1 + 0.02 * years) * (1 + rng.normal(0, 0.03, len(mp))), 1)
    brain0 = np.where(sk.female, par.BRAIN_VOLUME_ML["F"], par.BRAIN_VOLUME_ML["M"])
    brain0 = brain0 * (1 - 0.003 * age55) * (1 + rng.normal(0, 0.05, n))
    brain = brain0[mp] * (1 - par.BRAIN_ATROPHY_PER_YEAR * years)
    brain = np.round(brain * (1 + rng.normal(0, 0.004, len(mp))), 1)
    mri = pl.DataFrame(
        {
            "patient_id": sk.ids_at(mp),
            "date": as_date(md),
            "gd_lesions": pl.Series(rng.poisson(0.05, len(mp)), dtype=pl.Int64),
            "new_t2_lesions": pl.Series(rng.poisson(0.2, len(mp)), dtype=pl.Int64),
            "enlarging_t2_lesions": pl.Series(rng.poisson(0.1, len(mp)), dtype=pl.Int64),
            "t2_volume_ml": pl.Series(np.maximum(t2, 0.1), dtype=pl.Float64),
            "brain_volume_ml": pl.Series(brain, dtype=pl.Float64),
        }
    )

    snfl = np.sort(rng.permutation(n)[: pick_count(n, par.SNFL_SHARE)])
    with_gfap = rng.random(n) < par.SGFAP_SHARE
    s_pid, s_day = _series(rng, snfl, sk.first_dose[snfl], last_visit[snfl], (180, 365))
    # sGFAP on the same days, right after the sNfL row of that day
    twice = with_gfap[s_pid]
    bp = np.repeat(s_pid, np.where(twice, 2, 1))
    b_day = np.repeat(s_day, np.where(twice, 2, 1))
    second = np.zeros(len(bp), dtype=bool)
    second[1:] = (bp[1:] == bp[:-1]) & (b_day[1:] == b_day[:-1])
    marker = np.where(second, "sgfap", "snfl").astype(object)
    is_nfl = marker == "snfl"
    level = rng.normal(0, 0.25, n)[bp] + 0.01 * age55[bp]
    median = np.where(is_nfl, par.SNFL_MEDIAN, par.SGFAP_MEDIAN)
    value = np.round(median * np.exp(level + rng.normal(0, 0.2, len(bp))), 1)
    biomarkers = pl.DataFrame(
        {
            "patient_id": sk.ids_at(bp),
            "date": as_date(b_day),
            "marker": pl.Series(marker, dtype=pl.String),
            "value": pl.Series(value, dtype=pl.Float64),
            "unit": pl.Series(["pg/mL"] * len(bp), dtype=pl.String),
        }
    )
    return Paraclinic(mri=mri, biomarkers=biomarkers)
