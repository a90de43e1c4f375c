"""Adverse events and hospital stays near the published ITMTX rates (clinical-methods.md 9.2).

Post-lumbar-puncture headache in round(12% of N) patients and transient fatigue in round(53% of N)
patients, both tied to a dose; back pain and nausea after some doses; urinary and upper
respiratory infections over the whole follow-up; the occasional unrelated serious hospital stay
with its hospitalizations row; an infusion reaction at some first rituximab infusions. No serious
related event and no death.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from msrwe.synth import _params as par
from msrwe.synth._dosing import Rituximab
from msrwe.synth._rng import NO_DATE, as_date, pick_count, stream
from msrwe.synth._skeleton import Skeleton

__all__ = ["Safety", "make_safety"]


@dataclass
class _Rows:
    pid: list[int] = field(default_factory=list)
    onset: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    term: list[str] = field(default_factory=list)
    grade: list[int] = field(default_factory=list)
    serious: list[bool] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    infection: list[bool] = field(default_factory=list)

    def add(
        self,
        pid: int,
        onset: int,
        end: int,
        term: str,
        grade: int,
        related: str,
        *,
        serious: bool = False,
        infection: bool = False,
    ) -> None:
        self.pid.append(pid)
        self.onset.append(onset)
        self.end.append(end)
        self.term.append(term)
        self.grade.append(grade)
        self.serious.append(serious)
        self.related.append(related)
        self.infection.append(infection)


@dataclass(frozen=True)
class Safety:
    """The adverse_events and hospitalizations tables."""

    adverse_events: pl.DataFrame
    hospitalizations: pl.DataFrame


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
    """Events a few days after randomly chosen methotrexate doses of each chosen patient."""
    starts = np.searchsorted(sk.dose_pid, np.arange(sk.n))
    for p in patients:
        episodes = 1
        while episodes < 4 and rng.random() < recur:
            episodes += 1
        doses = sk.dose_day[starts[p] : starts[p] + sk.n_doses[p]]
        chosen = np.sort(rng.choice(doses, size=min(episodes, len(doses)), replace=False))
        for dose in chosen:
            onset = int(dose) + int(rng.integers(lag[0], lag[1] + 1))
            end = onset + int(rng.integers(length[0], length[1] + 1))
            grade = int(grades[int(rng.integers(len(grades)))])
            rows.add(int(p), onset, end, term, grade, related[int(rng.integers(len(related)))])


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
    years = np.maximum(last_visit - sk.first_dose, 0) / par.YEAR
    for term, rate, grades, length in (
        (par.TERM_UTI, par.UTI_RATE, (1, 2, 2), (5, 14)),
        (par.TERM_URI, par.URI_RATE, (1, 1, 2), (5, 10)),
    ):
        count = rng.poisson(rate * years)
        for p in np.flatnonzero(count):
            span = max(int(last_visit[p] - sk.first_dose[p]), 1)
            for day in np.sort(sk.first_dose[p] + rng.integers(0, span, count[p])):
                related = "possibly_related" if rng.random() < 0.3 else "unrelated"
                rows.add(int(p), int(day), int(day) + int(rng.integers(length[0], length[1] + 1)),
                         term, int(grades[int(rng.integers(len(grades)))]), related,
                         infection=True)  # fmt: skip

    # infusion reactions at some first rituximab infusions
    for p, day in zip(rtx.pid[rtx.first_course], rtx.day[rtx.first_course], strict=True):
        if rng.random() < 0.3:
            rows.add(int(p), int(day), int(day) + 1, "infusion related reaction", 1, "related")

    # the occasional unrelated serious event with a hospital stay
    h_pid: list[int] = []
    h_admit: list[int] = []
    h_discharge: list[int] = []
    h_reason: list[str] = []
    for p in some(par.SERIOUS_SHARE):
        span = max(int(last_visit[p] - sk.first_dose[p]) - 30, 1)
        onset = int(sk.first_dose[p]) + int(rng.integers(0, span))
        term = par.SERIOUS_TERMS[int(rng.integers(len(par.SERIOUS_TERMS)))]
        admit = onset + int(rng.integers(0, 2))
        discharge = admit + int(rng.integers(3, 13))
        end = discharge + int(rng.integers(0, 31))
        rows.add(int(p), onset, end, term, 3, "unrelated", serious=True,
                 infection=term == "pneumonia")  # fmt: skip
        h_pid.append(int(p))
        h_admit.append(admit)
        h_discharge.append(discharge)
        h_reason.append(term)

    pid = np.array(rows.pid, dtype=np.int64)
    onset = np.array(rows.onset, dtype=np.int64)
    end = np.array(rows.end, dtype=np.int64)
    ongoing = end > par.DATA_CUTOFF
    serious = np.array(rows.serious, dtype=bool)
    ae = pl.DataFrame(
        {
            "patient_id": pl.Series(sk.ids[pid], dtype=pl.String),
            "onset_date": as_date(onset),
            "end_date": as_date(np.where(ongoing, NO_DATE, end)),
            "term": pl.Series(rows.term, dtype=pl.String),
            "pt_code": pl.Series([None] * len(pid), dtype=pl.String),
            "soc_code": pl.Series([None] * len(pid), dtype=pl.String),
            "grade": pl.Series(rows.grade, dtype=pl.Int64),
            "serious": pl.Series(serious, dtype=pl.Boolean),
            "serious_criteria": pl.Series(
                np.where(serious, "hospitalization", None).tolist(), dtype=pl.String
            ),
            "related": pl.Series(rows.related, dtype=pl.String),
            "infection": pl.Series(rows.infection, dtype=pl.Boolean),
            "outcome": pl.Series(
                np.where(ongoing, "recovering", "recovered").tolist(), dtype=pl.String
            ),
        }
    ).sort("patient_id", "onset_date", "term", maintain_order=True)
    hp = np.array(h_pid, dtype=np.int64)
    discharge = np.array(h_discharge, dtype=np.int64)
    hosp = pl.DataFrame(
        {
            "patient_id": pl.Series(sk.ids[hp], dtype=pl.String),
            "admit_date": as_date(np.array(h_admit, dtype=np.int64)),
            "discharge_date": as_date(np.where(discharge > par.DATA_CUTOFF, NO_DATE, discharge)),
            "reason": pl.Series(h_reason, dtype=pl.String),
            "related": pl.Series(["unrelated"] * len(hp), dtype=pl.String),
        }
    ).sort("patient_id", "admit_date", maintain_order=True)
    return Safety(adverse_events=ae, hospitalizations=hosp)
