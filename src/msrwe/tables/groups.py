"""The groups every per-group result is reported for: each group value, then ``overall``."""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import key_type, require_columns

__all__ = ["MISSING_GROUP", "OVERALL", "group_ids", "groups_of"]

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


def group_ids(adsl: pl.DataFrame, column: str | None = "group") -> list[tuple[str, pl.Series]]:
    """:func:`groups_of` with each group's patient ids as a Polars string Series.

    (Ids held as an enum, as the analysis holds them, stay in that enum: a filter of a table
    of the analysis by them compares 4-byte codes.)

    The same groups in the same order with the same ids, found by column operations instead of
    Python lists (a ``filter(pl.col("patient_id").is_in(ids))`` with a Series does not convert
    a list of a million strings first).

    Examples
    --------
    >>> adsl = pl.DataFrame({"patient_id": ["a", "b", "c"], "group": ["SPMS", None, "SPMS"]})
    >>> [(g, s.to_list()) for g, s in group_ids(adsl)]
    [('SPMS', ['a', 'c']), ('unknown', ['b']), ('overall', ['a', 'b', 'c'])]
    """
    require_columns(adsl, "adsl", ["patient_id"])
    kind = key_type(adsl)
    if column is not None and column in adsl.columns and adsl[column].dtype != pl.String:
        return [(g, pl.Series("patient_id", ids, dtype=pl.String).cast(kind))
                for g, ids in groups_of(adsl, column)]
    ids = adsl["patient_id"].cast(kind).alias("patient_id")
    if column is None or column not in adsl.columns:
        return [(OVERALL, ids)]
    labels = adsl[column].fill_null(MISSING_GROUP)
    out = [(str(g), ids.filter(labels == g))
           for g in sorted(set(labels.unique().to_list()) - {OVERALL})]
    return [*out, (OVERALL, ids)]
