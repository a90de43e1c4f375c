"""Adverse-event incidence in one call: proportion, EAIR and event rate (clinical-methods 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from msrwe.errors import InputError
from msrwe.stats._checks import as_float_array, check_count, check_level, check_nonneg
from msrwe.stats._poisson import RateCI, poisson_rate_ci
from msrwe.stats._proportion import ProportionCI, clopper_pearson

__all__ = ["IncidenceSummary", "incidence_summary"]


@dataclass(frozen=True)
class IncidenceSummary:
    """Incidence of one kind of event among the patients at risk.

    Attributes
    ----------
    proportion
        Patients with at least one event among the patients at risk (Clopper-Pearson).
    eair
        Exposure-adjusted incidence rate: patients with a first event per ``per`` years of time
        at risk, the time stopping at each patient's first event (exact Poisson).
    eaer
        Exposure-adjusted event rate: all events (recurrences included) per ``per`` years of
        total exposure (exact Poisson).
    events
        All events counted.
    administrations
        Total administrations given to the patients at risk, when known.
    """

    proportion: ProportionCI
    eair: RateCI
    eaer: RateCI
    events: int
    administrations: int | None

    @property
    def events_per_administration(self) -> float | None:
        """Events divided by administrations (``None`` when the count is unknown or zero)."""
        if not self.administrations:
            return None
        return self.events / self.administrations

    def as_stats(self) -> dict[str, float | None]:
        """The stats in the results-table vocabulary (percentages 0-100, rates per ``per``).

        Keys: ``N, n, pct, ci_low, ci_high, events, person_years, eair, eair_ci_low,
        eair_ci_high, exposure_years, eaer, eaer_ci_low, eaer_ci_high`` and, when the
        administrations are known, ``administrations, events_per_administration``.
        """
        p = self.proportion
        out: dict[str, float | None] = {"N": p.n, "n": p.k, **p.as_percent()}
        out.update(
            {
                "events": self.events,
                "person_years": self.eair.person_time,
                "eair": self.eair.rate,
                "eair_ci_low": self.eair.low,
                "eair_ci_high": self.eair.high,
                "exposure_years": self.eaer.person_time,
                "eaer": self.eaer.rate,
                "eaer_ci_low": self.eaer.low,
                "eaer_ci_high": self.eaer.high,
            }
        )
        if self.administrations is not None:
            out["administrations"] = self.administrations
            out["events_per_administration"] = self.events_per_administration
        return out


def incidence_summary(
    events: Any,
    time_to_first: Any,
    exposure: Any,
    *,
    administrations: int | None = None,
    level: float = 0.95,
    per: float = 100,
) -> IncidenceSummary:
    """Summarise one kind of event over the patients at risk, one array entry per patient.

    Parameters
    ----------
    events
        Number of events of each patient (0 for a patient without one).
    time_to_first
        Years each patient was at risk until the first event, or until the end of the risk
        period for a patient without one (the EAIR denominator, clinical-methods section 6).
    exposure
        Years each patient was at risk in total (the event-rate denominator).
    administrations
        Total administrations given to these patients, for events per administration.
    level
        Confidence level of every interval.
    per
        Scale of the rates: 100 gives rates per 100 patient-years.

    Returns
    -------
    IncidenceSummary
        Use :meth:`IncidenceSummary.as_stats` for results-table rows.

    Raises
    ------
    InputError
        When the arrays differ in length or hold negative, fractional or missing values.

    Examples
    --------
    >>> s = incidence_summary([0, 2, 1, 0], [2.0, 0.5, 1.0, 1.5], [2.0, 2.0, 3.0, 1.5])
    >>> st = s.as_stats()
    >>> st["N"], st["n"], st["pct"], st["events"], st["person_years"], st["eair"]
    (4, 2, 50.0, 3, 5.0, 40.0)
    >>> round(st["eaer"], 2)
    35.29
    """
    func = "incidence_summary"
    level = check_level(level, func)
    per = check_nonneg(per, "per", func, strict=True)
    ev = as_float_array(events, "events", func)
    ttf = as_float_array(time_to_first, "time_to_first", func)
    expo = as_float_array(exposure, "exposure", func)
    if not len(ev) == len(ttf) == len(expo):
        raise InputError(
            f"{func}: 'events', 'time_to_first' and 'exposure' need one entry per patient; "
            f"got {len(ev)}, {len(ttf)} and {len(expo)}."
        )
    for name, arr in (("events", ev), ("time_to_first", ttf), ("exposure", expo)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            raise InputError(
                f"{func}: '{name}' must be a number >= 0 for every patient; "
                f"entry {int(bad[0])} is {arr[bad[0]]}."
            )
    if np.any(ev != np.round(ev)):
        i = int(np.flatnonzero(ev != np.round(ev))[0])
        raise InputError(f"{func}: 'events' must be whole numbers; entry {i} is {ev[i]}.")
    n_with = int(np.sum(ev > 0))
    total = int(np.sum(ev))
    n_adm = None
    if administrations is not None:
        n_adm = check_count(administrations, "administrations", func)
    return IncidenceSummary(
        proportion=clopper_pearson(n_with, len(ev), level),
        eair=poisson_rate_ci(n_with, float(np.sum(ttf)), level, per),
        eaer=poisson_rate_ci(total, float(np.sum(expo)), level, per),
        events=total,
        administrations=n_adm,
    )
