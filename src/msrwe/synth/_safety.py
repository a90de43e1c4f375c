"""Adverse events and hospital stays near the published ITMTX rates (clinical-methods.md 9.2).

Post-lumbar-puncture headache in round(12% of N) patients and transient fatigue in round(53% of N)
patients, both tied to a dose; back pain and nausea after some doses; urinary and upper
respiratory infections over the whole follow-up; the occasional unrelated serious hospital stay
with its hospitalizations row; an infusion reaction at some first rituximab infusions. No serious
related event and no death.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._dosing import Rituximab
from msrwe.synth._rng import NO_DATE, as_date, non_overlapping, pick_count, repeat_index, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["Safety", "make_safety"]


class _Rows:
    """Adverse-event rows collected as arrays, one batch per kind of event."""

    def __init__(self) -> None:
        self.batches: list[dict[str, np.ndarray]] = []

    def add(
        self,
        pid: np.ndarray,
        onset: np.ndarray,
        end: np.ndarray,
        term: str | np.ndarray,
        grade: np.ndarray,
        related: np.ndarray,
        *,
        serious: bool = False,
        infection: bool | np.ndarray = False,
    ) -> None:
        m = len(pid)
        self.batches.append(
            {
                "pid": np.asarray(pid, dtype=np.int64),
                "onset": np.asarray(onset, dtype=np.int64),
                "end": np.asarray(end, dtype=np.int64),
                "term": np.broadcast_to(np.asarray(term, dtype=object), (m,)),
                "grade": np.asarray(grade, dtype=np.int64),
                "serious": np.full(m, serious, dtype=bool),
                "related": np.asarray(related, dtype=object),
                "infection": np.broadcast_to(np.asarray(infection, dtype=bool), (m,)),
            }
        )

    def column(self, name: str) -> np.ndarray:
        return np.concatenate([b[name] for b in self.batches])


@dataclass(frozen=True)
class Safety:
    """The adverse_events and hospitalizations tables."""

    adverse_events: pl.DataFrame
    hospitalizations: pl.DataFrame


def _pick(rng: np.random.Generator, options: tuple, m: int) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), m)]


def _dose_events(
    rows: _Rows,
    sk: Skeleton,
    rng: np.random.Generator,
    *,
    patients: np.ndarray,
    recur: float,
    term: str,
    lag: tuple[int, int],
    length: tuple[int, int],
    grades: tuple[int, ...],
    related: tuple[str, ...],
) -> None:
    """Events a few days after randomly chosen methotrexate doses of each chosen patient.

    Each chosen patient has one episode, and each further one (up to four) with probability
    ``recur``, after distinct doses.
    """
    episodes = np.zeros(sk.n, dtype=np.int64)
    more = np.cumprod(rng.random((len(patients), 3)) < recur, axis=1).sum(axis=1)
    episodes[patients] = 1 + more
    # a random order of each patient's doses; keep the first `episodes` of them
    key = rng.random(len(sk.dose_day))
    order = np.argsort(sk.dose_pid + key)  # by patient, then by the random key
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = sk.dose_index  # dose_index runs 0..n-1 within each patient, as order does
    chosen = np.flatnonzero(rank < episodes[sk.dose_pid])
    m = len(chosen)
    onset = sk.dose_day[chosen] + rng.integers(lag[0], lag[1] + 1, m)
    end = onset + rng.integers(length[0], length[1] + 1, m)
    grade = np.asarray(grades)[rng.integers(0, len(grades), m)]
    rows.add(sk.dose_pid[chosen], onset, end, term, grade, _pick(rng, related, m))


def make_safety(sk: Skeleton, rtx: Rituximab, last_visit: np.ndarray, seed: int) -> Safety:
    """Build the adverse_events and hospitalizations tables.

    Examples
    --------
    >>> from msrwe.synth._skeleton import make_skeleton
    >>> from msrwe.synth._dosing import make_rituximab
    >>> sk = make_skeleton(83, 2019)
    >>> s = make_safety(sk, make_rituximab(sk, 2019), sk.last_dose, 2019)
    >>> ae = s.adverse_events
    >>> ae.filter(term="fatigue")["patient_id"].n_unique()
    44
    """
    rng = stream(seed, "safety")
    rows = _Rows()
    n = sk.n

    def some(share: float) -> np.ndarray:
        return np.sort(rng.permutation(n)[: pick_count(n, share)])

    _dose_events(rows, sk, rng, patients=some(par.HEADACHE_SHARE), recur=par.HEADACHE_RECUR,
                 term=par.TERM_HEADACHE, lag=(1, 3), length=(1, 7), grades=(1, 1, 2),
                 related=("related",))  # fmt: skip
    _dose_events(rows, sk, rng, patients=some(par.FATIGUE_SHARE), recur=par.FATIGUE_RECUR,
                 term=par.TERM_FATIGUE, lag=(0, 2), length=(1, 3), grades=(1,),
                 related=("related",))  # fmt: skip
    _dose_events(rows, sk, rng, patients=some(par.BACK_PAIN_SHARE), recur=0.2,
                 term=par.TERM_BACK_PAIN, lag=(0, 2), length=(2, 10), grades=(1, 1, 2),
                 related=("related", "possibly_related"))  # fmt: skip
    _dose_events(rows, sk, rng, patients=some(par.NAUSEA_SHARE), recur=0.1,
                 term=par.TERM_NAUSEA, lag=(0, 1), length=(1, 2), grades=(1,),
                 related=("related",))  # fmt: skip

    # infections over the whole follow-up, at random dates
    span = np.maximum(last_visit - sk.first_dose, 1)
    for term, rate, grades, length in (
        (par.TERM_UTI, par.UTI_RATE, (1, 2, 2), (5, 14)),
        (par.TERM_URI, par.URI_RATE, (1, 1, 2), (5, 10)),
    ):
        count = rng.poisson(rate * span / par.YEAR)
        pid = repeat_index(count)
        m = len(pid)
        day = sk.first_dose[pid] + np.floor(rng.random(m) * span[pid]).astype(np.int64)
        day = np.sort(day + pid * 10_000_000) - pid * 10_000_000  # by patient, then date
        end = day + rng.integers(length[0], length[1] + 1, m)
        related = np.where(rng.random(m) < 0.3, "possibly_related", "unrelated").astype(object)
        grade = np.asarray(grades)[rng.integers(0, len(grades), m)]
        keep = non_overlapping(pid, day, end)  # a new infection only once the last one is over
        rows.add(pid[keep], day[keep], end[keep], term, grade[keep], related[keep], infection=True)

    # infusion reactions at some first rituximab infusions
    react = rtx.first_course & (rng.random(len(rtx.day)) < 0.3)
    m = int(react.sum())
    rows.add(rtx.pid[react], rtx.day[react], rtx.day[react] + 1, "infusion related reaction",
             np.ones(m), np.full(m, "related", dtype=object))  # fmt: skip

    # the occasional unrelated serious event with a hospital stay
    h_pid = some(par.SERIOUS_SHARE)
    m = len(h_pid)
    span = np.maximum(last_visit[h_pid] - sk.first_dose[h_pid] - 30, 1)
    onset = sk.first_dose[h_pid] + np.floor(rng.random(m) * span).astype(np.int64)
    term = _pick(rng, par.SERIOUS_TERMS, m)
    admit = onset + rng.integers(0, 2, m)
    discharge = admit + rng.integers(3, 13, m)
    end = discharge + rng.integers(0, 31, m)
    rows.add(h_pid, onset, end, term, np.full(m, 3), np.full(m, "unrelated", dtype=object),
             serious=True, infection=term == "pneumonia")  # fmt: skip

    pid = rows.column("pid")
    end = rows.column("end")
    ongoing = end > par.DATA_CUTOFF
    serious = rows.column("serious")
    ae = pl.DataFrame(
        {
            "patient_id": sk.ids_at(pid),
            "onset_date": as_date(rows.column("onset")),
            "end_date": as_date(np.where(ongoing, NO_DATE, end)),
            "term": pl.Series(rows.column("term"), dtype=pl.String),
            "pt_code": pl.Series([None] * len(pid), dtype=pl.String),
            "soc_code": pl.Series([None] * len(pid), dtype=pl.String),
            "grade": pl.Series(rows.column("grade"), dtype=pl.Int64),
            "serious": pl.Series(serious, dtype=pl.Boolean),
            "serious_criteria": pl.Series(
                np.where(serious, "hospitalization", None).tolist(), dtype=pl.String
            ),
            "related": pl.Series(rows.column("related"), dtype=pl.String),
            "infection": pl.Series(rows.column("infection"), dtype=pl.Boolean),
            "outcome": pl.Series(
                np.where(ongoing, "recovering", "recovered").tolist(), dtype=pl.String
            ),
        }
    ).sort("patient_id", "onset_date", "term", maintain_order=True)
    hosp = pl.DataFrame(
        {
            "patient_id": sk.ids_at(h_pid),
            "admit_date": as_date(admit),
            "discharge_date": as_date(np.where(discharge > par.DATA_CUTOFF, NO_DATE, discharge)),
            "reason": pl.Series(term, dtype=pl.String),
            "related": pl.Series(["unrelated"] * m, dtype=pl.String),
        }
    ).sort("patient_id", "admit_date", maintain_order=True)
    return Safety(adverse_events=ae, hospitalizations=hosp)
