"""A synthetic comparison cohort: new users of two or more drugs, with confounding by indication.

Built for the comparative-effectiveness analyses (docs/compare.md): each patient starts one of
the ``arms`` at an index date, and the arm is chosen the way neurologists choose, by how sick the
patient is. A patient's linear predictor ``sick = 0.9 (EDSS - 4.5) + 0.4 (prior DMTs - 2)
- 0.04 (age - 50)`` raises the odds of every arm after the first (the reference) by
``exp(CHOICE_SLOPE * sick)`` [D]. The same sickness speeds confirmed worsening: the time to a
worsening step is exponential with rate ``BASE_RATE * exp(OUTCOME_SLOPE * sick) * HR(arm)``,
where ``HR(arm)`` is ``true_hr`` for every non-reference arm and 1 for the reference. So a
naive comparison of the arms is biased against the arms given to sicker patients (their HR looks
higher than ``true_hr``), and one that adjusts for EDSS, prior DMTs and age recovers ``true_hr``.
Relapses follow a Poisson process with rate ``BASE_ARR * exp(0.3 * sick) * true_rr`` (non-
reference arms) from index. Values marked [D] are design choices, not published numbers.

EDSS is assessed every 6 months (+-14 days) from one year before index to the end of follow-up
(2 to 8 years, never after the data cut-off); it stays at the baseline score until the worsening
time and then rises by msprog's threshold (+1.5 from 0, +1.0 up to 5.0, +0.5 from 5.5) and stays
there, so the outcome engine confirms the step at the next visit.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.errors import OptionError
from msrwe.synth._contract import TABLE_NAMES, TABLES
from msrwe.synth._params import DATA_CUTOFF, YEAR, _day
from msrwe.synth._rng import as_date, stream

__all__ = ["ARM_REGIMENS", "ArmsTruth", "arms_note", "make_arms_cohort"]

#: Default true hazard ratio of confirmed worsening, each non-reference arm vs the reference [D].
TRUE_HR = 0.70
#: Default true relapse rate ratio, each non-reference arm vs the reference [D].
TRUE_RR = 0.80
CHOICE_SLOPE = 1.0  #: log-odds of a non-reference arm per unit of sickness [D]
OUTCOME_SLOPE = 0.45  #: log-hazard of worsening per unit of sickness [D]
BASE_RATE = 0.15  #: worsening steps per year at average sickness on the reference arm [D]
BASE_ARR = 0.25  #: relapses per year at average sickness on the reference arm [D]
INDEX_FROM, INDEX_TO = _day("2012-01-01"), _day("2020-12-31")  #: index dates, uniform [D]
FOLLOW_UP_YEARS = (2.0, 8.0)  #: planned follow-up, uniform, cut at the data cut-off [D]
VISIT_DAYS, VISIT_JITTER = 182, 14  #: visits every 6 months +- 14 days [D]
EDSS_LEVELS = (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5)  #: baseline EDSS, uniform [D]
PRIOR_DRUGS = ("interferon beta-1a", "glatiramer acetate", "dimethyl fumarate", "fingolimod",
               "natalizumab")

#: Regimen of each drug the synthetic arms know: (route, dose, unit, dose days of a year-course).
ARM_REGIMENS: dict[str, tuple[str, float, str, tuple[int, ...]]] = {
    "methotrexate": ("intrathecal", 12.5, "mg", tuple(range(0, 365, 70))),
    "rituximab": ("iv", 1000.0, "mg", (0, 14, 182)),
    "cladribine": ("oral", 10.0, "mg", (0, 1, 2, 3, 4, 28, 29, 30, 31, 32)),
    "ocrelizumab": ("iv", 300.0, "mg", (0, 14, 182)),
    "natalizumab": ("iv", 300.0, "mg", tuple(range(0, 365, 28))),
    "mitoxantrone": ("iv", 12.0, "mg/m2", (0, 91, 182, 273)),
}
#: Drugs given for two yearly courses only (then stopped, as the label says).
_TWO_COURSES = ("cladribine",)


class ArmsTruth:
    """The effects built into a synthetic comparison cohort (printed in SYNTHETIC_DATA.txt)."""

    def __init__(self, arms: tuple[str, ...], true_hr: float, true_rr: float) -> None:
        self.arms, self.true_hr, self.true_rr = arms, true_hr, true_rr

    def text(self) -> str:
        """The lines written into SYNTHETIC_DATA.txt."""
        ref = self.arms[0]
        lines = [
            f"Comparison arms: {', '.join(self.arms)} (reference: {ref}).",
            f"True hazard ratio of confirmed EDSS worsening, each other arm vs {ref}: "
            f"{self.true_hr:g}.",
            f"True relapse rate ratio, each other arm vs {ref}: {self.true_rr:g}.",
            "Confounding by indication: patients with higher EDSS and more earlier treatments "
            f"more often receive an arm other than {ref}, and they also worsen sooner, so an "
            "unadjusted hazard ratio is biased upwards.",
        ]
        return "\n".join(lines) + "\n"


def arms_note(arms: tuple[str, ...], true_hr: float = TRUE_HR, true_rr: float = TRUE_RR) -> str:
    """The SYNTHETIC_DATA.txt paragraph stating the true effects of a comparison cohort."""
    return ArmsTruth(arms, true_hr, true_rr).text()


def check_arms(func: str, arms: object) -> tuple[str, ...]:
    """Validate the ``arms`` option: two or more distinct drugs with a known regimen."""
    if isinstance(arms, str):
        arms = tuple(a.strip() for a in arms.split(","))
    if not isinstance(arms, list | tuple) or not all(isinstance(a, str) for a in arms):
        raise OptionError(f"The 'arms' parameter of {func} must be a list of drug names. "
                          f"Got {arms!r} instead.")
    out = tuple(a.strip().lower() for a in arms)
    if len(out) < 2 or len(set(out)) != len(out):
        raise OptionError(f"The 'arms' parameter of {func} must name at least two distinct "
                          f"drugs. Got {list(arms)!r} instead.")
    unknown = [a for a in out if a not in ARM_REGIMENS]
    if unknown:
        raise OptionError(f"The 'arms' parameter of {func} names {', '.join(unknown)}, which has "
                          f"no synthetic regimen; choose from {', '.join(ARM_REGIMENS)}.")
    return out


def _threshold(edss: np.ndarray) -> np.ndarray:
    return np.where(edss == 0, 1.5, np.where(edss <= 5.0, 1.0, 0.5))


def _frame(name: str, data: dict[str, object]) -> pl.DataFrame:
    cols = TABLES[name]
    n = len(next(iter(data.values()))) if data else 0  # type: ignore[arg-type]
    series = []
    for c, t in cols.items():
        if c in data:
            series.append(pl.Series(c, data[c]).cast(t, strict=True))
        else:
            series.append(pl.Series(c, [None] * n, dtype=t))
    return pl.DataFrame(series)


def _dates(days: np.ndarray) -> pl.Series:
    return as_date(np.asarray(days, dtype=np.int64))


def make_arms_cohort(
    n_patients: int, arms: tuple[str, ...], *, seed: int, true_hr: float = TRUE_HR,
    true_rr: float = TRUE_RR,
) -> dict[str, pl.DataFrame]:
    """Draw a comparison cohort (see the module docstring), one frame per contract table.

    Examples
    --------
    >>> t = make_arms_cohort(300, ("methotrexate", "rituximab"), seed=1)
    >>> sorted(t["administrations"]["drug"].unique().to_list())
    ['methotrexate', 'rituximab']
    >>> t["patients"].height
    300
    """
    n = int(n_patients)
    k = len(arms)
    rng = stream(seed, "arms-patients")
    pid = np.array([f"C{i + 1:05d}" for i in range(n)])
    female = rng.random(n) < 0.62
    ppms = rng.random(n) < 0.3
    age = np.clip(rng.normal(50.0, 9.0, n), 25, 75)
    index = rng.integers(INDEX_FROM, INDEX_TO + 1, n)
    birth = index - np.round(age * YEAR).astype(np.int64)
    duration = np.where(ppms, rng.uniform(2.0, 12.0, n), rng.uniform(8.0, 25.0, n))
    duration = np.minimum(duration, age - 18.0)
    onset = index - np.round(duration * YEAR).astype(np.int64)
    diagnosis = onset + np.round(rng.uniform(0.3, 2.0, n) * YEAR).astype(np.int64)
    diagnosis = np.minimum(diagnosis, index - 30)
    conversion = np.where(ppms, 0, index - np.round(rng.uniform(0.5, 4.0, n) * YEAR)
                          .astype(np.int64))
    conversion = np.maximum(conversion, diagnosis)
    edss = rng.choice(np.array(EDSS_LEVELS), n)
    n_prior = rng.integers(0, 5, n)
    sick = 0.9 * (edss - 4.5) + 0.4 * (n_prior - 2) - 0.04 * (age - 50.0)
    # arm choice: multinomial logit, reference = arms[0]
    logits = np.column_stack([np.zeros(n)] + [CHOICE_SLOPE * sick for _ in range(k - 1)])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(n)
    arm_idx = (u[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    arm_idx = np.minimum(arm_idx, k - 1)
    hr = np.where(arm_idx == 0, 1.0, true_hr)
    rr = np.where(arm_idx == 0, 1.0, true_rr)

    # follow-up and the worsening step
    rng_o = stream(seed, "arms-outcome")
    planned = rng_o.uniform(*FOLLOW_UP_YEARS, n)
    end = np.minimum(index + np.round(planned * YEAR).astype(np.int64), DATA_CUTOFF)
    rate = BASE_RATE * np.exp(OUTCOME_SLOPE * sick) * hr
    t_wors = index + np.round(rng_o.exponential(1.0 / rate) * YEAR).astype(np.int64)

    # visits: every 6 months from a year before index
    rng_v = stream(seed, "arms-visits")
    v_pid, v_day, v_edss = [], [], []
    step = _threshold(edss)
    for i in range(n):
        days = [index[i] - 364, index[i]]
        d = index[i]
        while True:
            d = d + VISIT_DAYS + int(rng_v.integers(-VISIT_JITTER, VISIT_JITTER + 1))
            if d > end[i]:
                break
            days.append(d)
        arr = np.array(days, dtype=np.int64)
        val = np.where(arr >= t_wors[i], np.minimum(edss[i] + step[i], 9.5), edss[i])
        v_pid.append(np.full(arr.size, pid[i]))
        v_day.append(arr)
        v_edss.append(val)
    visits = _frame("visits", {
        "patient_id": np.concatenate(v_pid), "date": _dates(np.concatenate(v_day)),
        "edss": np.concatenate(v_edss), "scheduled": [True] * int(sum(a.size for a in v_day)),
    })

    # relapses: 2 years before index (a covariate) and during follow-up (ARR)
    rng_r = stream(seed, "arms-relapses")
    r_pid: list[str] = []
    r_day: list[int] = []
    pre_rate = 0.35 * np.exp(0.3 * sick)
    post_rate = BASE_ARR * np.exp(0.3 * sick) * rr
    for i in range(n):
        for lo, hi, lam in ((index[i] - 730, index[i] - 1, pre_rate[i]),
                            (index[i] + 1, end[i], post_rate[i])):
            years = (hi - lo) / YEAR
            m = int(rng_r.poisson(lam * years))
            if m:
                days_r = sorted({int(x) for x in rng_r.integers(lo, hi + 1, m)})
                r_day.extend(days_r)
                r_pid.extend([pid[i]] * len(days_r))
    relapses = _frame("relapses", {
        "patient_id": r_pid, "onset_date": _dates(np.array(r_day, dtype=np.int64)),
        "confirmed": [True] * len(r_pid),
    })

    # administrations and treatment courses
    a_pid: list[str] = []
    a_day: list[int] = []
    a_drug: list[str] = []
    t_rows: dict[str, list[object]] = {"patient_id": [], "drug": [], "start_date": [],
                                       "stop_date": [], "stop_reason": []}
    rng_t = stream(seed, "arms-treatments")
    for i in range(n):
        drug = arms[arm_idx[i]]
        _route, _dose, _unit, days = ARM_REGIMENS[drug]
        years = 2 if drug in _TWO_COURSES else int(np.ceil((end[i] - index[i]) / YEAR)) + 1
        for y in range(years):
            for dd in days:
                day = index[i] + round(y * YEAR) + dd
                if day <= end[i]:
                    a_pid.append(pid[i])
                    a_day.append(day)
                    a_drug.append(drug)
        # earlier treatments, back to back before index
        start = index[i] - 60
        for j in range(int(n_prior[i])):
            length = int(rng_t.integers(365, 3 * 365))
            t_rows["patient_id"].append(pid[i])
            t_rows["drug"].append(PRIOR_DRUGS[j % len(PRIOR_DRUGS)])
            t_rows["start_date"].append(start - length)
            t_rows["stop_date"].append(start)
            t_rows["stop_reason"].append("inefficacy")
            start = start - length - 30
        t_rows["patient_id"].append(pid[i])
        t_rows["drug"].append(drug)
        t_rows["start_date"].append(index[i])
        t_rows["stop_date"].append(None)
        t_rows["stop_reason"].append(None)
    regimen = {d: ARM_REGIMENS[d] for d in arms}
    administrations = _frame("administrations", {
        "patient_id": a_pid, "date": _dates(np.array(a_day, dtype=np.int64)), "drug": a_drug,
        "route": [regimen[d][0] for d in a_drug], "dose": [regimen[d][1] for d in a_drug],
        "dose_unit": [regimen[d][2] for d in a_drug],
    }).sort("patient_id", "date")
    treatments = _frame("treatments", {
        "patient_id": t_rows["patient_id"], "drug": t_rows["drug"],
        "start_date": _dates(np.array(t_rows["start_date"], dtype=np.int64)),
        "stop_date": pl.Series([None if v is None else int(v) for v in t_rows["stop_date"]],
                               dtype=pl.Int64).cast(pl.Date),
        "stop_reason": t_rows["stop_reason"],
    }).sort("patient_id", "start_date")
    patients = _frame("patients", {
        "patient_id": pid, "sex": np.where(female, "F", "M"), "birth_date": _dates(birth),
        "ms_onset_date": _dates(onset), "diagnosis_date": _dates(diagnosis),
        "phenotype": np.where(ppms, "PPMS", "SPMS"),
        "spms_conversion_date": pl.Series(
            [None if ppms[i] else int(conversion[i]) for i in range(n)], dtype=pl.Int64
        ).cast(pl.Date),
        "site": np.array(["SITE-01", "SITE-02", "SITE-03"])[rng.integers(0, 3, n)],
    })
    tables = {
        "patients": patients, "visits": visits, "relapses": relapses,
        "administrations": administrations, "treatments": treatments,
    }
    return {name: tables.get(name, _frame(name, {})) for name in TABLE_NAMES}
