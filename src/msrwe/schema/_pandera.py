"""Pandera schemas of the stored, typed chart tables, generated from the contract.

Tests (and cautious users) validate what the store holds with them::

    pandera_schema("visits").validate(read_table(db, "visits"))

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> from msrwe.schema import pandera_schema
>>> relapses = pl.DataFrame(
...     {
...         "patient_id": ["A1"],
...         "onset_date": [dt.date(2015, 1, 1)],
...         "confirmed": [True],
...         "steroids": [None],
...     },
...     schema_overrides={"steroids": pl.Boolean},
... )
>>> pandera_schema("relapses").validate(relapses).height
1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from msrwe.schema._contract import CONTRACT
from msrwe.schema._model import Column

if TYPE_CHECKING:  # pandera (and pandas) load only when a schema is asked for
    import pandera.polars as pa

__all__ = ["POLARS_TYPES", "pandera_schema"]

#: The Polars type of each contract dtype once stored.
POLARS_TYPES: dict[str, type[pl.DataType]] = {
    "text": pl.String,
    "date": pl.Date,
    "number": pl.Float64,
    "integer": pl.Int64,
    "boolean": pl.Boolean,
}


def _checks(col: Column) -> list[pa.Check]:
    import pandera.polars as pa

    checks: list[pa.Check] = []
    if col.allowed is not None and col.multiple is None:
        checks.append(pa.Check.isin(list(col.allowed)))
    if col.multiple is not None and col.allowed is not None:
        allowed = list(col.allowed)
        sep = col.multiple

        def _all_allowed(data: pa.PolarsData, allowed: list[str] = allowed) -> pl.LazyFrame:
            parts = (
                pl.col(data.key)
                .str.split(sep)
                .list.eval(pl.element().str.strip_chars().is_in(allowed))
            )
            return data.lazyframe.select(parts.list.all())

        checks.append(pa.Check(_all_allowed, name=f"each_in_{col.name}"))
    if col.minimum is not None or col.maximum is not None:
        lo, hi, special = col.minimum, col.maximum, list(col.special)
        lo_incl = col.minimum_inclusive

        def _in_range(
            data: pa.PolarsData,
            lo: float | None = lo,
            hi: float | None = hi,
            special: list[float] = special,
            lo_incl: bool = lo_incl,
        ) -> pl.LazyFrame:
            c = pl.col(data.key)
            ok = pl.lit(True)
            if lo is not None:
                ok = ok & ((c >= lo) if lo_incl else (c > lo))
            if hi is not None:
                ok = ok & (c <= hi)
            if special:
                ok = ok | c.is_in(special)
            return data.lazyframe.select(ok)

        checks.append(pa.Check(_in_range, name=f"range_{col.name}"))
    if col.check == "edss_half_step":
        checks.append(
            pa.Check(
                lambda data: data.lazyframe.select(
                    ((pl.col(data.key) * 2).round(0) == pl.col(data.key) * 2)
                    & (pl.col(data.key) != 0.5)
                ),
                name="edss_half_step",
            )
        )
    if col.check == "lower_case":
        checks.append(
            pa.Check(
                lambda data: data.lazyframe.select(
                    pl.col(data.key) == pl.col(data.key).str.to_lowercase()
                ),
                name="lower_case",
            )
        )
    return checks


def pandera_schema(table_name: str) -> pa.DataFrameSchema:
    """The pandera schema of a chart table as the store holds it.

    Parameters
    ----------
    table_name
        A table of :data:`msrwe.schema.CONTRACT` (``patients``, ``visits``, ...).

    Returns
    -------
    pandera.polars.DataFrameSchema
        Every contract column with its stored type, nullability and value checks; the table's
        key is unique; columns outside the contract (kept as text) are allowed.

    Raises
    ------
    KeyError
        When the contract has no such table.

    Examples
    --------
    >>> from msrwe.schema import pandera_schema
    >>> sorted(pandera_schema("relapses").columns)
    ['confirmed', 'onset_date', 'patient_id', 'steroids']
    """
    import pandera.polars as pa

    table = CONTRACT[table_name]
    columns = {
        c.name: pa.Column(
            POLARS_TYPES[c.dtype],
            checks=_checks(c),
            nullable=not (c.required or c.default is not None),
            required=True,
            description=c.description,
        )
        for c in table.columns
    }
    return pa.DataFrameSchema(
        columns,
        name=table.name,
        unique=list(table.key) or None,
        strict=False,
        ordered=False,
    )
