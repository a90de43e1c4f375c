"""Per-patient event counts of the safety analysis without a join with the cohort per count.

The safety analysis summarises dozens of event subsets (any event, serious, each ICH E2A
criterion, related, infections, each term, hospital stays) over the same patients at risk. Joining
every subset with the whole time-at-risk table costs a pass over every patient per subset (a
hundred passes over 10^5-10^6 patients). :class:`RiskRows` tags the group's events once with
the row of their patient in the time-at-risk table (``__row``); a subset then gives its
per-patient counts and first dates by ``bincount``/``minimum.at`` over its own rows only, in the
row order of the time-at-risk table, so every array (and so every sum) is the one the join gave.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.stats import IncidenceSummary, incidence_summary

__all__ = ["ROW", "RiskRows"]

#: The column :meth:`RiskRows.tag` adds: the row of the event's patient in the time at risk.
ROW = "__row"

_DAYS_PER_YEAR = 365.25


class RiskRows:
    """The time at risk of one group's patients (one row per patient), as numpy arrays.

    Parameters
    ----------
    risk
        ``patient_id``, ``risk_start``, ``risk_years`` and ``n_doses``, one row per patient.
    """

    def __init__(self, risk: pl.DataFrame) -> None:
        self.risk = risk
        self.size = risk.height
        self.start = risk["risk_start"].to_physical().to_numpy().astype(np.int64)
        self.years = risk["risk_years"].to_numpy()
        self.administrations = int(risk["n_doses"].sum())
        self._index = risk.select("patient_id").with_row_index(ROW)

    def tag(self, events: pl.DataFrame) -> pl.DataFrame:
        """``events`` (same rows, same order) with :data:`ROW`; null for a patient not at risk."""
        return events.join(self._index, on="patient_id", how="left", maintain_order="left")

    def counts(self, events: pl.DataFrame) -> np.ndarray:
        """Events of each patient at risk (0 without one), in the time-at-risk row order."""
        rows = events[ROW].drop_nulls().to_numpy().astype(np.int64)
        return np.bincount(rows, minlength=self.size)

    def summary(self, events: pl.DataFrame, date_col: str, level: float) -> IncidenceSummary:
        """Incidence of ``events`` (tagged, inside the risk period) among the patients at risk.

        Each patient's time to the first event is from ``risk_start`` to the earliest
        ``date_col`` (years, at least 0), or the whole time at risk without an event.
        """
        known = events.filter(pl.col(ROW).is_not_null())
        rows = known[ROW].to_numpy().astype(np.int64)
        n = np.bincount(rows, minlength=self.size)
        dated = known[date_col].is_not_null().to_numpy()
        days = known[date_col].to_physical().to_numpy()
        first = np.full(self.size, np.iinfo(np.int64).max)
        np.minimum.at(first, rows[dated], days[dated].astype(np.int64))
        has = first != np.iinfo(np.int64).max
        ttf = self.years.copy()
        # The former Polars expression divided a column of days by 365.25 as a product with the
        # reciprocal, but a one-row frame by a true division: the same floats here
        days_to_first = first[has] - self.start[has]
        ttf[has] = (days_to_first / _DAYS_PER_YEAR if self.size == 1
                    else days_to_first * (1.0 / _DAYS_PER_YEAR))
        return incidence_summary(n, np.clip(ttf, 0.0, None), self.years,
                                 administrations=self.administrations, level=level)
