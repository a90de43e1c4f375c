"""The rules of one column or one row as Polars expressions, generated from the contract.

Each rule is a boolean expression that is true on the rows that break it, with a stable code and
a message in clinical words; the typed value of a column is an expression over its text.

Examples
--------
>>> import polars as pl
>>> from msrwe.schema import CONTRACT
>>> edss = CONTRACT["visits"].column("edss")
>>> df = pl.DataFrame({"edss": ["6.0", "0.5", "x"]})
>>> df.select(typed_expr(edss, pl.col("edss"), "%Y-%m-%d"))["edss"].to_list()
[6.0, 0.5, None]
>>> [rule for _mask, rule, _msg in column_checks(edss, pl.col("edss"), pl.col("t"), "%Y-%m-%d")]
['not_a_number', 'out_of_range', 'edss_half_step']
"""

from __future__ import annotations

from datetime import date

import polars as pl

from msrwe.io._mapping import ISO_DATE
from msrwe.schema import Column, DateOrder, OnlyWhen

__all__ = [
    "BOOLEAN_WORDS",
    "column_checks",
    "native_type",
    "native_typed_expr",
    "row_rule_checks",
    "typed_expr",
    "typed_name",
]

_TRUE = ("true", "yes", "y", "1", "t")
_FALSE = ("false", "no", "n", "0", "f")
BOOLEAN_WORDS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}

_FORMAT_WORDS = {"%Y": "year", "%m": "month", "%d": "day", "%y": "year", "%b": "month name"}


def typed_name(column: str) -> str:
    """The name of the typed copy of ``column`` while a table is checked."""
    return f"__msrwe_typed_{column}"


def _format_words(fmt: str) -> str:
    words = fmt
    for code, word in _FORMAT_WORDS.items():
        words = words.replace(code, word)
    return words


def _example_date(fmt: str) -> str:
    from datetime import date

    return date(2019, 12, 3).strftime(fmt)


def typed_expr(col: Column, source: pl.Expr, fmt: str, *, careful: bool = True) -> pl.Expr:
    """The typed value of ``col`` from its cleaned, recoded text.

    With ``careful=False`` (the first, fast pass) an integer column accepts plain integers only;
    the careful pass, run on the few rows where a cast failed, also accepts "3.0".
    """
    if col.dtype == "date":
        parsed = source.str.to_date(fmt, strict=False)
        if fmt != ISO_DATE:
            parsed = pl.coalesce(parsed, source.str.to_date(ISO_DATE, strict=False))
        return parsed
    if col.dtype == "number":
        f = source.cast(pl.Float64, strict=False)
        return pl.when(f.is_finite()).then(f)
    if col.dtype == "integer" and not careful:
        return source.cast(pl.Int64, strict=False)
    if col.dtype == "integer":
        f = source.cast(pl.Float64, strict=False)
        ok = f.is_finite() & (f == f.round(0)) & (f.abs() < 2.0**53)
        return pl.when(ok).then(f).cast(pl.Int64)
    if col.dtype == "boolean":
        return source.str.to_lowercase().replace_strict(
            BOOLEAN_WORDS, default=None, return_dtype=pl.Boolean
        )
    text = source
    for old, new, _why in col.aliases:
        text = pl.when(text == old).then(pl.lit(new)).otherwise(text)
    if col.check == "lower_case":
        text = text.str.to_lowercase()
    return text


#: The column types of a Parquet file taken as they are, per contract type: the values are
#: exactly those their text would give (a 32-bit float is not: 0.1 would become 0.100000001).
_NATIVE: dict[str, tuple[pl.DataType, ...]] = {
    "date": (pl.Date(),),
    "number": (pl.Float64(), pl.Int8(), pl.Int16(), pl.Int32(), pl.Int64(), pl.UInt8(),
               pl.UInt16(), pl.UInt32()),
    "integer": (pl.Int8(), pl.Int16(), pl.Int32(), pl.Int64(), pl.UInt8(), pl.UInt16(),
                pl.UInt32()),
    "boolean": (pl.Boolean(),),
}


def native_type(col: Column, dtype: pl.DataType) -> bool:
    """Whether a column typed ``dtype`` (a Parquet file's) is read as it is for ``col``.

    Such a column is not cast to text and parsed again: its typed value is the column itself
    (a number that is not finite is still ``not_a_number``), and its text, where a message quotes
    it, is the cast to text that the text path would have parsed, so both give the same rows.

    Examples
    --------
    >>> from msrwe.schema import CONTRACT
    >>> edss = CONTRACT["visits"].column("edss")
    >>> native_type(edss, pl.Float64()), native_type(edss, pl.Float32()), native_type(edss, pl.String())
    (True, False, False)
    """  # noqa: E501
    return any(dtype == t for t in _NATIVE.get(col.dtype, ()))


def native_typed_expr(col: Column, source: pl.Expr) -> pl.Expr:
    """The typed value of ``col`` from a column already of a :func:`native_type`."""
    if col.dtype == "number":
        f = source.cast(pl.Float64)
        return pl.when(f.is_finite()).then(f)
    if col.dtype == "integer":
        return source.cast(pl.Int64)
    return source


def _type_message(col: Column, value: pl.Expr, fmt: str) -> tuple[str, pl.Expr]:
    q = pl.format("'{}'", value)
    if col.dtype == "date":
        tail = (
            f" is not a date; {col.name} is written as {_format_words(fmt)}, "
            f"e.g. {_example_date(fmt)}"
        )
        serial = pl.when(value.str.contains(r"^\d{5}(\.\d+)?$")).then(
            pl.lit(" (this looks like an Excel date serial number: format the column as dates)")
        )
        return "not_a_date", pl.concat_str(q, pl.lit(tail), serial.fill_null(""))
    if col.dtype == "number":
        tail = f" in {col.name} is not a number (write 6.5, with a point)"
        return "not_a_number", pl.concat_str(q, pl.lit(tail))
    if col.dtype == "integer":
        tail = f" in {col.name} is not a whole number"
        return "not_an_integer", pl.concat_str(q, pl.lit(tail))
    tail = f" in {col.name} is not yes or no (write true/false, yes/no, y/n or 1/0)"
    return "not_a_boolean", pl.concat_str(q, pl.lit(tail))


def _num(x: float) -> str:
    return f"{x:g}"


def _range_words(col: Column) -> str:
    lo, hi = col.minimum, col.maximum
    if lo is not None and hi is not None:
        words = f"runs {_num(lo)}-{_num(hi)}"
    elif lo is not None:
        words = f"must be {'at least' if col.minimum_inclusive else 'more than'} {_num(lo)}"
    else:
        words = f"must be at most {_num(hi or 0)}"
    if col.special:
        words += f" ({', '.join(_num(s) for s in col.special)} is allowed as a code)"
    if col.source:
        words += f" ({col.source})"
    return words


def column_checks(
    col: Column,
    raw: pl.Expr,
    typed: pl.Expr,
    fmt: str,
    dates: tuple[date, date] | None = None,
    text: pl.Expr | None = None,
) -> list[tuple]:
    """``(mask, rule, message)`` for every rule of one column.

    ``dates`` is the plausible span of every date (``implausible_date`` outside it). ``text`` is
    the cell as text where a message quotes it, when ``raw`` is not text (a Parquet column read
    in its own type); the masks only ask whether ``raw`` is empty.
    """
    raw_text = raw if text is None else text
    label = col.description.split("(")[0].split(";")[0].strip() or col.name
    checks: list[tuple] = []
    if col.required:
        checks.append(
            (raw.is_null(), "missing_required", pl.lit(f"{col.name} is required but empty"))
        )
    rule, msg = _type_message(col, raw_text, fmt)
    checks.append((raw.is_not_null() & typed.is_null(), rule, msg))
    if col.dtype == "date" and dates is not None:
        checks.append(_implausible_date(col, raw_text, typed, dates))
    if col.allowed is not None:
        allowed = list(col.allowed)
        listed = ", ".join(allowed)
        if col.multiple is not None:
            parts = typed.str.split(col.multiple).list.eval(
                pl.element().str.strip_chars().is_in(allowed)
            )
            bad = typed.is_not_null() & ~parts.list.all()
            tail = f" is not a list of {col.name} from {listed}, separated by '{col.multiple}'"
        else:
            bad = typed.is_not_null() & ~typed.is_in(allowed)
            tail = (
                f" is not an allowed {col.name}: use one of {listed} "
                "(a mapping file can recode a site's own values)"
            )
        checks.append(
            (bad, "not_allowed", pl.concat_str(pl.format("'{}'", raw_text), pl.lit(tail)))
        )
    if col.minimum is not None or col.maximum is not None:
        outside: list[pl.Expr] = []
        if col.minimum is not None:
            outside.append(
                (typed < col.minimum) if col.minimum_inclusive else (typed <= col.minimum)
            )
        if col.maximum is not None:
            outside.append(typed > col.maximum)
        out = outside[0] if len(outside) == 1 else outside[0] | outside[1]
        if col.special:
            out = out & ~typed.cast(pl.Float64).is_in(list(col.special))
        tail = f" is out of range: {label} {_range_words(col)}"
        checks.append(
            (out, "out_of_range", pl.concat_str(pl.lit(f"{col.name} "), raw_text, pl.lit(tail)))
        )
    if col.check == "edss_half_step":
        twice = typed * 2
        bad = (
            typed.is_not_null()
            & (typed >= 0)
            & (typed <= 10)
            & ((twice != twice.round(0)) | (typed == 0.5))
        )
        tail = (
            " is not a valid score: the EDSS runs 0, 1.0, 1.5, ..., 9.5, 10 "
            "(Kurtzke 1983; clinical-methods.md section 1.1)"
        )
        checks.append(
            (bad, "edss_half_step", pl.concat_str(pl.lit("EDSS "), raw_text, pl.lit(tail)))
        )
    return checks


def _implausible_date(
    col: Column, raw: pl.Expr, typed: pl.Expr, dates: tuple[date, date]
) -> tuple[pl.Expr, str, pl.Expr]:
    """A date before ``dates[0]`` (1900) or after ``dates[1]`` (today): a typo or a 2-digit year."""
    earliest, latest = dates
    mask = (typed < earliest) | (typed > latest)
    where = pl.when(typed < earliest).then(pl.lit(f"before {earliest.isoformat()}"))
    where = where.otherwise(pl.lit(f"after {latest.isoformat()}"))
    two_digits = pl.when(typed.dt.year() < 100).then(
        pl.format(
            "; the year {} was written with two digits: export the dates with four-digit years "
            "(in Excel: format the column as dd/mm/yyyy)",
            typed.dt.year(),
        )
    )
    message = pl.concat_str(
        pl.format("'{}' in {} is ", raw, pl.lit(col.name)),
        where,
        pl.lit(
            " (the plausible dates; a mapping's [defaults] earliest_date/latest_date sets them)"
        ),
        two_digits.fill_null(""),
    )
    return mask, "implausible_date", message


def row_rule_checks(
    rule: DateOrder | OnlyWhen, when_allowed: tuple[str, ...] | None = None
) -> tuple[str, pl.Expr, pl.Expr, pl.Expr]:
    """``(column, mask, value, message)`` of one rule within a row."""
    if isinstance(rule, DateOrder):
        e, lt = pl.col(typed_name(rule.earlier)), pl.col(typed_name(rule.later))
        mask = e.is_not_null() & lt.is_not_null() & (lt < e)
        parts = rule.message.replace("{earlier}", rule.earlier).replace("{later}", rule.later)
        pieces: list[pl.Expr] = []
        for i, chunk in enumerate(parts.split("{earlier_value}")):
            if i:
                pieces.append(e.dt.to_string("%Y-%m-%d"))
            for j, sub in enumerate(chunk.split("{later_value}")):
                if j:
                    pieces.append(lt.dt.to_string("%Y-%m-%d"))
                pieces.append(pl.lit(sub))
        return rule.later, mask, pl.col(rule.later), pl.concat_str(pieces)
    c, w = pl.col(typed_name(rule.column)), pl.col(typed_name(rule.when))
    mask = c.is_not_null() & w.is_not_null() & ~w.is_in(list(rule.values))
    if when_allowed is not None:  # a value that is itself invalid is quarantined for that alone
        mask = mask & w.is_in(list(when_allowed))
    pieces = []
    for i, chunk in enumerate(rule.message.split("{value}")):
        if i:
            pieces.append(pl.col(rule.column))
        for j, sub in enumerate(chunk.split("{when_value}")):
            if j:
                pieces.append(w)
            pieces.append(pl.lit(sub))
    return rule.column, mask, pl.col(rule.column), pl.concat_str(pieces)
