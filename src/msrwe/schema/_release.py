"""Which columns of an analysis dataset may leave the store (issue 9, item 12).

Declared beside the contract, so every package that writes data out (exports in
:mod:`msrwe.analysis`, :mod:`msrwe.privacy`) reads one rule.

The chart contract's ``Column.privacy`` decides (:mod:`msrwe.schema`), as for
``msrwe export --deidentify``: a column classed ``"birth_date"`` or ``"free_text"`` in any chart
table, and every extra chart column (outside the contract, e.g. ``patient_name``, ``mrn``,
``notes``), stays in the store unless the user asks for it. Derived columns (age, exposure
times, events) and the other contract columns are analysis columns and leave.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"patient_id": ["p1"], "birth_date": [None], "age": [40.0],
...                    "mrn": ["123"]})
>>> analysis_columns(df, extra_columns={"mrn"}).columns
['patient_id', 'age']
>>> sorted(withheld_columns(df, extra_columns={"mrn"}).items())
[('birth_date', 'birth date'), ('mrn', 'an extra chart column')]
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from msrwe.schema._contract import CONTRACT

__all__ = ["WITHHELD_PRIVACY", "analysis_columns", "withheld_columns"]

#: Privacy classes whose columns stay in the store by default, with the words for them.
WITHHELD_PRIVACY: dict[str, str] = {"birth_date": "birth date", "free_text": "free text"}


def _withheld_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for table in CONTRACT:
        for col in table.columns:
            if col.privacy in WITHHELD_PRIVACY:
                out[col.name] = WITHHELD_PRIVACY[col.privacy]
    return out


def withheld_columns(df: pl.DataFrame, *, extra_columns: Iterable[str] = ()) -> dict[str, str]:
    """The columns of ``df`` that stay in the store by default, each with the reason."""
    sensitive = _withheld_names()
    extras = set(extra_columns)
    out: dict[str, str] = {}
    for name in df.columns:
        if name in sensitive:
            out[name] = sensitive[name]
        elif name in extras:
            out[name] = "an extra chart column"
    return out


def analysis_columns(df: pl.DataFrame, *, extra_columns: Iterable[str] = ()) -> pl.DataFrame:
    """``df`` without birth dates, free text and the chart's extra columns.

    Parameters
    ----------
    df
        An analysis dataset (``adsl``, ``adae``, ...).
    extra_columns
        The chart's columns outside the contract (the store's ``import_log.extra_columns``).
    """
    drop = withheld_columns(df, extra_columns=extra_columns)
    return df.drop(list(drop)) if drop else df
