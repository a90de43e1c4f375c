"""The groups every per-group result is reported for: each group value, then ``overall``."""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns

__all__ = ["MISSING_GROUP", "OVERALL", "groups_of"]

#: The group of every patient, reported last.
OVERALL = "overall"
#: The group of a patient whose grouping value is empty.
MISSING_GROUP = "unknown"


def groups_of(adsl: pl.DataFrame, column: str | None = "group") -> list[tuple[str, list[str]]]:
    """``(group, patient ids)`` for each value of ``column`` (sorted) and then ``"overall"``.

    Without ``column`` (``None``, or a column ``adsl`` lacks) there is only ``"overall"``.

    A patient without a group value is in the group ``"unknown"``. A group value of
    ``"overall"`` (an analysis without grouping) is the total itself, not a second group.

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b", "c"], "group": ["SPMS", "PPMS", "SPMS"]})
    >>> groups_of(adsl)
    [('PPMS', ['b']), ('SPMS', ['a', 'c']), ('overall', ['a', 'b', 'c'])]
    >>> groups_of(pl.DataFrame({"patient_id": ["a", "b"], "group": ["overall", "overall"]}))
    [('overall', ['a', 'b'])]
    >>> groups_of(pl.DataFrame({"patient_id": ["a", "b"], "arm": ["X", None]}), "arm")
    [('X', ['a']), ('unknown', ['b']), ('overall', ['a', 'b'])]
    """
    require_columns(adsl, "adsl", ["patient_id"])
    ids = [str(p) for p in adsl["patient_id"].to_list()]
    if column is None or column not in adsl.columns:
        return [(OVERALL, ids)]
    groups = [MISSING_GROUP if g is None else str(g) for g in adsl[column].to_list()]
    out = [
        (g, [p for p, gg in zip(ids, groups, strict=True) if gg == g])
        for g in sorted(set(groups) - {OVERALL})
    ]
    return [*out, (OVERALL, ids)]
