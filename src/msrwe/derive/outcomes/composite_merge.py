"""Merge confirmed events found on several measures into one event list, naming the source.

Used by the 9-hole peg test (events on either hand) and by composites such as EDSS-Plus (events on
any component). Events of the same patient, on the same date and in the same direction (worsening
or improvement) are one event whose source lists every measure that triggered it, joined with
``+`` in the order the measures were given (e.g. ``"edss+t25fw"``). The other columns of a merged
event come from the first measure in that order.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> a = pl.DataFrame({"patient_id": ["p", "q"], "nevent": [1, 1], "event_type": ["CDW", "CDW"],
...                   "date": [dt.date(2020, 5, 1), dt.date(2021, 1, 1)]})
>>> b = pl.DataFrame({"patient_id": ["p"], "nevent": [1], "event_type": ["CDW"],
...                   "date": [dt.date(2020, 5, 1)]})
>>> merge_events({"edss": a, "t25fw": b}, label_col="component", first_only=True).select(
...     "patient_id", "nevent", "component").rows()
[('p', 1, 'edss+t25fw'), ('q', 1, 'edss')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from msrwe.errors import DefinitionError

__all__ = ["merge_events", "patient_order"]


def patient_order(visits: pl.DataFrame, subjects: Any = None) -> list[str]:
    """Patients of ``visits`` in order of first appearance, as text, limited to ``subjects``.

    Examples
    --------
    >>> v = pl.DataFrame({"patient_id": ["b", "a", "b", "c"]})
    >>> patient_order(v), patient_order(v, subjects=["c", "b"])
    (['b', 'a', 'c'], ['b', 'c'])
    """
    return patient_series(visits, subjects).to_list()


def patient_series(visits: pl.DataFrame, subjects: Any = None) -> pl.Series:
    """:func:`patient_order` as a text Series, without a Python object per patient."""
    ids = visits.get_column("patient_id").cast(pl.String).unique(maintain_order=True)
    if subjects is not None:
        keep = pl.Series([str(x) for x in subjects], dtype=pl.String)
        ids = ids.filter(ids.is_in(keep.implode()))
    return ids.alias("patient_id")


def merge_events(
    events: Mapping[str, pl.DataFrame],
    *,
    label_col: str,
    first_only: bool,
    patient_order: Sequence[str] | pl.Series | None = None,
) -> pl.DataFrame:
    """Merge per-measure event tables into one, with ``label_col`` naming the source(s).

    Parameters
    ----------
    events
        Label -> events table with at least ``patient_id``, ``date`` and, when present,
        ``event_type`` (``"CDI"`` marks an improvement) and ``nevent``. Tables must share columns.
    label_col
        Name of the new column listing the source labels (``"component"``, ``"hand"``).
    first_only
        Keep only each patient's earliest event (for ``event="first..."`` runs). Should a
        worsening and an improvement share that earliest date, both are kept.
    patient_order
        Order of patients in the output; by default sorted by ``patient_id``.

    Returns
    -------
    polars.DataFrame
        ``label_col`` first after ``patient_id``, then the other columns; ``nevent`` renumbered
        1, 2, ... per patient in date order.

    Examples
    --------
    >>> import datetime as dt
    >>> e = pl.DataFrame({"patient_id": ["p"], "date": [dt.date(2020, 1, 1)]})
    >>> merge_events({"left": e}, label_col="hand", first_only=False).columns
    ['patient_id', 'hand', 'date', 'nevent']
    """
    if not events:
        raise DefinitionError("merge_events needs at least one events table.")
    labels = list(events)
    frames = []
    for k, lab in enumerate(labels):
        e = events[lab]
        frames.append(e.with_columns(pl.lit(lab).alias(label_col), pl.lit(k).alias("_order")))
    try:
        allev = pl.concat(frames, how="diagonal_relaxed")
    except pl.exceptions.PolarsError as exc:  # pragma: no cover - engine tables share a schema
        raise DefinitionError(f"merge_events: event tables do not align ({exc}).") from exc
    has_type = "event_type" in allev.columns
    direction = (pl.col("event_type") == "CDI") if has_type else pl.lit(False)
    allev = allev.with_columns(direction.fill_null(False).alias("_impr"))
    keys = ["patient_id", "date", "_impr"]
    other = [c for c in allev.columns if c not in (*keys, label_col, "_order", "nevent")]
    merged = (
        allev.sort("_order")
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col(label_col).str.join("+"),
            pl.col("_order").min(),
            *[pl.col(c).first() for c in other],
        )
    )
    if patient_order is None:
        merged = merged.sort("patient_id", "date", "_order")
    else:
        order = (patient_order if isinstance(patient_order, pl.Series)
                 else pl.Series(list(patient_order), dtype=pl.String))
        rank = pl.DataFrame({
            "patient_id": order.cast(merged.schema["patient_id"]),
            "_rank": pl.int_range(order.len(), dtype=pl.Int64, eager=True),
        })
        merged = (
            merged.join(rank, on="patient_id", how="left")
            .sort("_rank", "date", "_order", nulls_last=True)
            .drop("_rank")
        )
    if first_only:
        merged = merged.filter(pl.col("date") == pl.col("date").min().over("patient_id"))
    ntype = allev.schema["nevent"] if "nevent" in allev.columns else pl.Int64
    merged = merged.with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("patient_id").cast(ntype)
        .alias("nevent")
    )
    front = ["patient_id", label_col]
    original = [c for c in allev.columns if c not in (*front, "_order", "_impr")]
    if "nevent" not in original:
        original.append("nevent")
    return merged.select(*front, *original)
