"""Typed reading of optional extra chart columns that the importer keeps as text.

The chart contract does not (yet) declare ``mri.comparator_date`` or ``biomarkers.z_score`` /
``percentile``; the importer keeps such extra columns as text. The endpoint derivations read them
through these helpers, which refuse a value that is not a date or a number with its row.
"""

from __future__ import annotations

import polars as pl

from msrwe.errors import InputError

__all__ = ["extra_as_date", "extra_as_float"]


def _fail(df: pl.DataFrame, bad: pl.Series, table: str, column: str, rule: str) -> InputError:
    i = int(bad.arg_true()[0])
    return InputError(
        f"{table}, row {i + 1}, column {column!r}: {df[column][i]!r} {rule}."
    )


def extra_as_date(df: pl.DataFrame, column: str, table: str) -> pl.DataFrame:
    """``column`` as a date (ISO text is parsed); an unparseable value is refused.

    Examples
    --------
    >>> extra_as_date(pl.DataFrame({"c": ["2020-01-31", None]}), "c", "mri")["c"].to_list()
    [datetime.date(2020, 1, 31), None]
    >>> extra_as_date(pl.DataFrame({"c": ["31/01/2020"]}), "c", "mri")
    Traceback (most recent call last):
    ...
    msrwe.errors.InputError: mri, row 1, column 'c': '31/01/2020' is not a date (YYYY-MM-DD).
    """
    if column not in df.columns or df.schema[column] == pl.Date:
        return df
    if df.schema[column] == pl.Datetime or isinstance(df.schema[column], pl.Datetime):
        return df.with_columns(pl.col(column).dt.date())
    text = df[column].cast(pl.String).str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    bad = parsed.is_null() & text.is_not_null() & (text != "")
    if bad.any():
        raise _fail(df, bad, table, column, "is not a date (YYYY-MM-DD)")
    return df.with_columns(parsed.alias(column))


def extra_as_float(df: pl.DataFrame, column: str, table: str) -> pl.DataFrame:
    """``column`` as a float (numeric text is parsed); a non-number is refused.

    Examples
    --------
    >>> extra_as_float(pl.DataFrame({"z": ["1.5", ""]}), "z", "biomarkers")["z"].to_list()
    [1.5, None]
    """
    if column not in df.columns or df.schema[column] == pl.Float64:
        return df
    if df.schema[column].is_numeric():
        return df.with_columns(pl.col(column).cast(pl.Float64))
    text = df[column].cast(pl.String).str.strip_chars()
    parsed = text.cast(pl.Float64, strict=False)
    bad = parsed.is_null() & text.is_not_null() & (text != "")
    if bad.any():
        raise _fail(df, bad, table, column, "is not a number")
    return df.with_columns(parsed.alias(column))
