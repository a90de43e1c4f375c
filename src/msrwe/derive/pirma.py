"""PIRMA: progression independent of relapse and MRI activity (reference/endpoints.md 4).

The outcome engine calls a confirmed worsening PIRA with msprog's relapse windows
(clinical-methods 3); PIRMA adds MRI ([D] of endpoints.md 4, after Tur 2023):

- a PIRA event is **PIRMA** when no scan dated from ``onset - lookback_days`` (730 by default,
  Tur's 2-year look-back) to the confirmation date is active (a Gd+ or new/enlarging T2 lesion,
  :mod:`msrwe.derive.mri`), **and** MRI covers the window: an evaluable scan dated in the window,
  and an evaluable scan within ``coverage_days`` (180) of the onset or later, up to the
  confirmation;
- with an active scan in the window it is ``PIRA, MRI active``; without the coverage it is
  ``PIRA, MRI not evaluable`` (never PIRMA);
- events that are not PIRA (RAW, undefined) get no MRI class.

Spinal cord MRI is rarely charted: ``cord_assessed`` is false, since the chart contract has no
cord scans, and the methods sentence says so.

Examples
--------
The example of endpoints.md 4: onset 2023-05-10, confirmed 2023-11-02; scans 2021-09 (2 new T2
lesions), 2022-10 and 2023-10 (none):

>>> import datetime as dt
>>> from msrwe.derive.mri import derive_vars_mri_activity
>>> d = dt.date
>>> mri = pl.DataFrame({"patient_id": ["a"] * 4,
...     "date": [d(2020, 9, 1), d(2021, 9, 1), d(2022, 10, 1), d(2023, 10, 1)],
...     "gd_lesions": [None] * 4, "new_t2_lesions": [None, 2, 0, 0]})
>>> ev = pl.DataFrame({"patient_id": ["a"], "event_type": ["CDW"], "cdw_type": ["PIRA"],
...                    "date": [d(2023, 5, 10)], "conf84_date": [d(2023, 11, 2)]})
>>> scans = derive_vars_mri_activity(mri)
>>> derive_vars_pirma(ev, scans=scans)["mri_class"].to_list()
['PIRA, MRI active']
>>> derive_vars_pirma(ev, scans=scans, lookback_days=365)["mri_class"].to_list()
['PIRMA']
"""

from __future__ import annotations

import re

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.errors import InputError, OptionError

__all__ = ["PIRMA_CLASSES", "derive_vars_pirma"]

#: The MRI classes of a PIRA event.
PIRMA_CLASSES: tuple[str, ...] = ("PIRMA", "PIRA, MRI active", "PIRA, MRI not evaluable")


def _conf_column(events: pl.DataFrame) -> str:
    cols = [c for c in events.columns if re.fullmatch(r"conf\d+_date", c)]
    if not cols:
        raise InputError(
            "events has no confirmation date column (conf<days>_date, e.g. conf84_date); "
            f"it has {', '.join(events.columns)}."
        )
    return sorted(cols, key=lambda c: int(c[4:-5]))[0]


def derive_vars_pirma(
    events: pl.DataFrame,
    *,
    scans: pl.DataFrame,
    by: str = "patient_id",
    conf_date: str | None = None,
    lookback_days: int = 730,
    coverage_days: int = 180,
) -> pl.DataFrame:
    """Add ``mri_window_start``, ``n_active_scans`` and ``mri_class`` to each PIRA event.

    Parameters
    ----------
    events
        The outcome engine's events with ``by``, ``event_type``, ``cdw_type`` (from
        ``RAW_PIRA=True``), ``date`` (the onset) and a confirmation date column.
    scans
        Scans with ``active`` and ``evaluable`` (:func:`msrwe.derive.mri.derive_vars_mri_activity`).
    by
        The patient key.
    conf_date
        The confirmation date column (default: the engine's shortest ``conf<days>_date``).
    lookback_days
        The MRI window starts this many days before the onset (730).
    coverage_days
        An evaluable scan from ``onset - coverage_days`` to the confirmation is required (180).

    Returns
    -------
    polars.DataFrame
        ``events`` in their order with the three columns (null for events that are not PIRA).
    """
    for name, v in (("lookback_days", lookback_days), ("coverage_days", coverage_days)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise OptionError(f"derive_vars_pirma: {name!r} must be a whole number >= 0; "
                              f"got {v!r}.")
    require_columns(events, "events", [by, "event_type", "cdw_type", "date"])
    require_columns(scans, "scans", [by, "date", "active", "evaluable"])
    conf = conf_date or _conf_column(events)
    ev = events.with_row_index("_row")
    pira = ev.filter((pl.col("event_type") == "CDW") & (pl.col("cdw_type") == "PIRA")).select(
        "_row", by, pl.col("date").alias("_onset"), pl.col(conf).alias("_conf"))
    pira = pira.with_columns(
        (pl.col("_onset") - pl.duration(days=lookback_days)).alias("mri_window_start"))
    sc = scans.select(by, pl.col("date").alias("_scan"), "active", "evaluable")
    hits = (
        pira.join(sc, on=by, how="inner")
        .group_by("_row")
        .agg(
            ((pl.col("_scan") >= pl.col("mri_window_start")) & (pl.col("_scan") <= pl.col("_conf"))
             & pl.col("active").fill_null(False)).sum().alias("n_active_scans"),
            ((pl.col("_scan") >= pl.col("mri_window_start")) & (pl.col("_scan") <= pl.col("_conf"))
             & pl.col("evaluable")).any().alias("_in_window"),
            ((pl.col("_scan") >= pl.col("_onset") - pl.duration(days=coverage_days))
             & (pl.col("_scan") <= pl.col("_conf")) & pl.col("evaluable")).any().alias("_near"),
        )
    )
    cls = (
        pira.join(hits, on="_row", how="left")
        .with_columns(pl.col("n_active_scans").fill_null(0).cast(pl.Int64))
        .with_columns(
            pl.when(pl.col("n_active_scans") > 0).then(pl.lit(PIRMA_CLASSES[1]))
            .when(pl.col("_in_window").fill_null(False) & pl.col("_near").fill_null(False))
            .then(pl.lit(PIRMA_CLASSES[0]))
            .otherwise(pl.lit(PIRMA_CLASSES[2])).alias("mri_class")
        )
        .select("_row", "mri_window_start", "n_active_scans", "mri_class")
    )
    new = ("mri_window_start", "n_active_scans", "mri_class")
    return (
        ev.drop([c for c in new if c in ev.columns])
        .join(cls, on="_row", how="left", maintain_order="left")
        .drop("_row")
    )
