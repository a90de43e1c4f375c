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


def _series_days(
    rng: np.random.Generator, start: int, stop: int, step: tuple[int, int]
) -> list[int]:
    days: list[int] = []
    day = start
    while day <= stop:
        days.append(day)
        day += int(rng.integers(step[0], step[1] + 1))
    return days


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

    m_pid: list[int] = []
    m_day: list[int] = []
    for p in np.sort(rng.permutation(n)[: pick_count(n, par.MRI_SHARE)]):
        start = int(sk.first_dose[p]) - int(rng.integers(0, 61))
        days = _series_days(rng, start, int(last_visit[p]), (335, 395))
        m_pid.extend([int(p)] * len(days))
        m_day.extend(days)
    mp = np.array(m_pid, dtype=np.int64)
    md = np.array(m_day, dtype=np.int64)
    years = (md - sk.first_dose[mp]) / par.YEAR
    t2_base = rng.lognormal(*par.T2_VOLUME_ML, n)
    t2 = np.round(t2_base[mp] * (1 + 0.02 * years) * (1 + rng.normal(0, 0.03, len(mp))), 1)
    brain0 = np.where(sk.female, par.BRAIN_VOLUME_ML["F"], par.BRAIN_VOLUME_ML["M"])
    brain0 = brain0 * (1 - 0.003 * age55) * (1 + rng.normal(0, 0.05, n))
    brain = brain0[mp] * (1 - par.BRAIN_ATROPHY_PER_YEAR * years)
    brain = np.round(brain * (1 + rng.normal(0, 0.004, len(mp))), 1)
    mri = pl.DataFrame(
        {
            "patient_id": pl.Series(sk.ids[mp], dtype=pl.String),
            "date": as_date(md),
            "gd_lesions": pl.Series(rng.poisson(0.05, len(mp)), dtype=pl.Int64),
            "new_t2_lesions": pl.Series(rng.poisson(0.2, len(mp)), dtype=pl.Int64),
            "enlarging_t2_lesions": pl.Series(rng.poisson(0.1, len(mp)), dtype=pl.Int64),
            "t2_volume_ml": pl.Series(np.maximum(t2, 0.1), dtype=pl.Float64),
            "brain_volume_ml": pl.Series(brain, dtype=pl.Float64),
        }
    )

    b_pid: list[int] = []
    b_day: list[int] = []
    b_marker: list[str] = []
    snfl = np.sort(rng.permutation(n)[: pick_count(n, par.SNFL_SHARE)])
    with_gfap = rng.random(n) < par.SGFAP_SHARE
    for p in snfl:
        days = _series_days(rng, int(sk.first_dose[p]), int(last_visit[p]), (180, 365))
        for day in days:
            b_pid.append(int(p))
            b_day.append(day)
            b_marker.append("snfl")
            if with_gfap[p]:
                b_pid.append(int(p))
                b_day.append(day)
                b_marker.append("sgfap")
    bp = np.array(b_pid, dtype=np.int64)
    marker = np.array(b_marker, dtype=object)
    is_nfl = marker == "snfl"
    level = rng.normal(0, 0.25, n)[bp] + 0.01 * age55[bp]
    median = np.where(is_nfl, par.SNFL_MEDIAN, par.SGFAP_MEDIAN)
    value = np.round(median * np.exp(level + rng.normal(0, 0.2, len(bp))), 1)
    biomarkers = pl.DataFrame(
        {
            "patient_id": pl.Series(sk.ids[bp], dtype=pl.String),
            "date": as_date(np.array(b_day, dtype=np.int64)),
            "marker": pl.Series(marker, dtype=pl.String),
            "value": pl.Series(value, dtype=pl.Float64),
            "unit": pl.Series(["pg/mL"] * len(bp), dtype=pl.String),
        }
    )
    return Paraclinic(mri=mri, biomarkers=biomarkers)
