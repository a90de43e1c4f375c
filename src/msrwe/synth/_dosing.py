"""Administrations: intrathecal methotrexate doses and, for the switchers, rituximab infusions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._rng import as_date, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["Rituximab", "make_administrations", "make_rituximab"]


@dataclass(frozen=True)
class Rituximab:
    """Rituximab courses of the switchers: one row per course (two infusions 14 days apart)."""

    pid: np.ndarray  # owner of each course
    day: np.ndarray  # first infusion of the course
    first_course: np.ndarray  # bool: the course that starts the treatment


def make_rituximab(sk: Skeleton, seed: int) -> Rituximab:
    """Courses every ~24 weeks from a few months after the last methotrexate dose to the cut-off.

    Examples
    --------
    >>> from msrwe.synth._skeleton import make_skeleton
    >>> rtx = make_rituximab(make_skeleton(83, 2019), 2019)
    >>> len(set(rtx.pid.tolist()))
    7
    """
    rng = stream(seed, "rituximab")
    pids: list[int] = []
    days: list[int] = []
    first: list[bool] = []
    for p in np.flatnonzero(sk.switch):
        day = int(sk.last_dose[p]) + int(rng.integers(*par.RTX_SWITCH_GAP_DAYS, endpoint=True))
        day = min(day, par.DATA_CUTOFF - par.RTX_SECOND_INFUSION_DAYS)
        is_first = True
        while day + par.RTX_SECOND_INFUSION_DAYS <= par.DATA_CUTOFF:
            pids.append(int(p))
            days.append(day)
            first.append(is_first)
            is_first = False
            day += int(rng.integers(*par.RTX_COURSE_GAP_DAYS, endpoint=True))
    return Rituximab(
        pid=np.array(pids, dtype=np.int64),
        day=np.array(days, dtype=np.int64),
        first_course=np.array(first, dtype=bool),
    )


def _bsa(height_cm: np.ndarray, weight_kg: np.ndarray) -> np.ndarray:
    """Body surface area by Mosteller: sqrt(height x weight / 3600), in m2."""
    return np.round(np.sqrt(height_cm * weight_kg / 3600.0), 2)


def make_administrations(sk: Skeleton, rtx: Rituximab, seed: int) -> pl.DataFrame:
    """One row per methotrexate injection and per rituximab infusion, sorted by patient and date.

    Weight drifts a little from dose to dose; the body surface area follows it (Mosteller).
    """
    rng = stream(seed, "administrations")
    n_mtx = len(sk.dose_day)
    n_rtx = 2 * len(rtx.day)
    pid = np.concatenate((sk.dose_pid, np.repeat(rtx.pid, 2)))
    day = np.concatenate(
        (sk.dose_day, np.stack((rtx.day, rtx.day + par.RTX_SECOND_INFUSION_DAYS), 1).ravel())
    )
    years = (day - sk.first_dose[pid]) / par.YEAR
    trend = rng.normal(0.0, 0.6, sk.n)  # kg per year, per patient
    weight = np.clip(
        sk.weight_kg[pid] + trend[pid] * years + rng.normal(0.0, 0.8, len(pid)), *par.WEIGHT_RANGE
    )
    weight = np.round(weight, 1)
    is_mtx = pl.Series(np.arange(len(pid)) < n_mtx)
    frame = pl.DataFrame(
        {
            "patient_id": sk.ids_at(pid),
            "date": as_date(day),
            "drug": pl.select(
                pl.when(is_mtx).then(pl.lit(par.MTX_DRUG)).otherwise(pl.lit(par.RTX_DRUG))
            ).to_series(),
            "route": pl.select(
                pl.when(is_mtx).then(pl.lit("intrathecal")).otherwise(pl.lit("iv"))
            ).to_series(),
            "dose": pl.Series(np.where(is_mtx.to_numpy(), par.MTX_DOSE_MG, par.RTX_DOSE_MG)),
            "dose_unit": pl.repeat("mg", n_mtx + n_rtx, eager=True, dtype=pl.String),
            "bsa_m2": _bsa(sk.height_cm[pid], weight),
            "weight_kg": weight,
        }
    )
    return frame.sort("patient_id", "date", "drug", maintain_order=True)
