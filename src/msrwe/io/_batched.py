"""Checking a large CSV file batch by batch, so that its text is never held in memory at once.

A registry's visits.csv holds tens of millions of rows; read as text, every cell costs 16 bytes
or more, several times the typed table. The rules of a row only look at that row, so each batch
of rows is typed and checked alone and only its typed rows are kept; the rules over several rows
(repeated rows and keys, the doses a patient accumulates) run once on the typed table. The
outcome is the same as :func:`msrwe.io._validate.check_table` on the whole file: the same rows,
quarantine rows, warnings and messages (``tests/io/test_batched.py`` compares them).

A file that the batches cannot read as the whole-file reader would (Polars refuses a batch; a
batch has an empty last cell, which may be a row cut short that only the whole file shows; a key
column whose typed value is not its text) raises :class:`Unbatched`, and the caller reads the
whole file instead.

With a ``sink`` (``import_folder``), the typed rows of each batch that passed its rules go to
the sink (the staged store) as soon as the batch is checked, and only what the rules over
several rows need is kept of every row: its number, a hash of its key, whether it broke a rule,
whether a column with a default was given, and the patient and dates that the rules across
tables read. The few rows whose key hash repeats are read back from the sink for the duplicate
rules, so that an import's memory is bounded by a batch, not by the table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import polars as pl

from msrwe.derive._columns import strictly_sorted
from msrwe.io._frames import ROW, Findings, empty_problems
from msrwe.io._plausible import LIFETIME_LIMITS
from msrwe.io._read import RawFile, Unbatched
from msrwe.io._rows_whole import _BAD, _DUP, _duplicates, _warnings, dose_rows
from msrwe.io._rules import typed_name
from msrwe.io._validate import (
    CheckedTable,
    Plan,
    _date_text,
    _raw_problem_rows,
    check_rows,
    make_plan,
    mask_findings,
    typed_output,
)

__all__ = ["RowSink", "Unbatched", "check_batches", "repeated"]

_ISO = "%Y-%m-%d"
#: The hash of a row's key (or whole row), and whether a column with a default was given.
_HASH, _GIVEN = "__msrwe_key_hash", "__msrwe_given_"


class RowSink(Protocol):
    """Where the typed rows of a table read in batches go (the staged store of an import)."""

    def append(self, frame: pl.DataFrame) -> None:
        """Write typed rows (contract columns, extras, :data:`~msrwe.io._frames.ROW`)."""

    def rows(self, numbers: pl.Series) -> pl.DataFrame:
        """The rows written whose :data:`~msrwe.io._frames.ROW` is in ``numbers``, in order."""


class _Kept:
    """The sink of :func:`read_chart_folder`: every typed row, kept in memory."""

    def __init__(self) -> None:
        self.parts: list[pl.DataFrame] = []

    def append(self, frame: pl.DataFrame) -> None:
        self.parts.append(frame)

    def rows(self, numbers: pl.Series) -> pl.DataFrame:
        return pl.concat(self.parts).filter(pl.col(ROW).is_in(numbers.implode()))


def _key_text(plan: Plan) -> list[pl.Expr]:
    """The key columns as the file writes them, from their typed copy (and the dates' text)."""
    table = plan.table
    out = []
    for name in list(table.key) or ["patient_id"]:
        if name not in table.column_names:
            raise Unbatched(name)
        col = table.column(name)
        typed = pl.col(typed_name(name))
        if col.dtype == "date":
            out.append(pl.coalesce(pl.col(f"__msrwe_text_{name}"), typed.dt.to_string(_ISO))
                       .alias(name))
        elif col.dtype == "text" and not col.aliases and col.check is None and (
            name not in plan.tmap.values
        ):
            out.append(typed.alias(name))  # stripped text, as the rows hold it
        else:
            raise Unbatched(name)
    return out


def repeated(hashes: pl.Series) -> pl.Expr:
    """Whether each row's hash is that of another row too: ``is_duplicated``, by a sort.

    A table's key hashes are sorted once (numpy sorts 64-bit integers with SIMD) and the few
    values that repeat are looked up, instead of a hash table of every row: half the CPU of
    :meth:`polars.Expr.is_duplicated` at a registry's tens of millions of rows
    (``tests/io/test_batched.py`` compares the two).

    Examples
    --------
    >>> frame = pl.DataFrame({"h": [5, 7, 5, 9]}, schema={"h": pl.UInt64})
    >>> frame.select(repeated(frame["h"]).alias("r"))["r"].to_list()
    [True, False, True, False]
    """
    import numpy as np

    values = np.sort(hashes.to_numpy())
    twice = values[1:][values[1:] == values[:-1]]
    return pl.col(hashes.name).is_in(pl.Series(np.unique(twice), dtype=hashes.dtype).implode())


def check_batches(plan: Plan, raw: RawFile, sink: RowSink | None = None) -> CheckedTable:
    """Check the rows of ``raw`` (which has :attr:`~msrwe.io._read.RawFile.batches`) by batch.

    Without a ``sink`` the returned table's ``frame`` holds every typed row, as
    :func:`~msrwe.io._validate.check_table` gives it. With one, the rows that passed the rules
    of their batch were written to it as each batch was checked (the rows that the rules over
    several rows quarantine too: :func:`msrwe.io._import.import_folder` removes them), and
    ``frame`` holds only ``patient_id``, the dates and :data:`~msrwe.io._frames.ROW` of every
    row.

    Raises
    ------
    Unbatched
        When the file must be read whole instead (rows may have been written to the sink).
    """
    assert raw.batches is not None
    table = plan.table
    plan = _hashing(plan)
    key_text = _key_text(plan)  # before reading: a key that cannot be rebuilt reads whole
    parsed = _parsed_plan(plan, raw)
    types = dict(parsed.native_types) if parsed is not None else None
    no_problems = _raw_problem_rows(raw, plan.header)
    first = raw.header_row + 1
    kept = _Kept()
    out = sink if sink is not None else kept
    slim = [c for c in ("patient_id", *table.date_columns) if c in table.column_names]
    order = _order_columns(plan)
    last: pl.DataFrame | None = None  # the order columns of the last row checked
    defaults = [c.name for c in table.columns if c.default is not None]
    doses = table.name == "administrations"
    index: list[pl.DataFrame] = []
    failures: list[pl.DataFrame] = []
    warnings: list[pl.DataFrame] = []
    texts: list[pl.DataFrame] = []
    lifetime: list[pl.DataFrame] = []
    try:
        for item in raw.batches() if types is None else raw.batches(types):
            batch, again = (item, None) if types is None else item
            if parsed is not None and again is not None:
                checked = check_rows(parsed.plan, parsed.plan.prepare(batch), first, no_problems)
                if checked.height != batch.height or checked[_BAD].any():
                    # a rule broken (whose message quotes cells as the file writes them) or a
                    # blank row: the batch is read as text, and so is the rest of the file
                    types.clear()
                    batch = again()
                    checked = check_rows(plan, plan.prepare(batch), first, no_problems)
            else:
                checked = check_rows(plan, plan.prepare(batch), first, no_problems)
            first += batch.height
            del batch, again, item
            bad = checked[_BAD]
            any_bad = bool(bad.any())
            if any_bad:
                found = Findings(table.name, plan.file)
                found.parts.extend(mask_findings(plan, checked.filter(bad)))
                failures.append(found.lazy().collect(engine="in-memory"))
            warnings.append(_warnings(checked, table, plan.tmap, plan.file, raw.encoding,
                                      whole=False, single_doses=True))
            if doses:
                lifetime.append(dose_rows(checked).filter(
                    pl.col("drug").is_in(list(LIFETIME_LIMITS))))
            texts.append(_date_text(checked, plan.date_columns, plan.native))
            if order and checked.height:
                keys = checked.select(order)
                order = order if _increasing(keys, last) else []
                last = keys.tail(1)
            index.append(checked.select(
                ROW,
                _HASH,
                _BAD,
                *[pl.col(typed_name(c)).is_not_null().alias(_GIVEN + c) for c in defaults],
            ))
            typed = typed_output(plan, checked)
            del checked
            if sink is None:
                kept.append(typed)
            else:
                sink.append(typed.filter(~bad) if any_bad else typed)
                kept.append(typed.select(*slim, ROW))
            del typed, bad
    except pl.exceptions.PolarsError as exc:
        raise Unbatched(str(exc)) from exc
    if not kept.parts:
        raise Unbatched("no rows")
    rows = pl.concat(index)
    del index
    date_text = pl.concat(texts)
    # The rules over several rows, on the rows whose key hashes like another's (few, as a rule).
    # (none when every row's key is after the one before's: no two rows repeat each other)
    maybe = rows.head(0) if order else rows.filter(repeated(rows.get_column(_HASH)) & ~pl.col(_BAD))
    if maybe.height:
        found_rows = out.rows(maybe.get_column(ROW)).join(
            maybe.drop(_HASH), on=ROW, how="left", maintain_order="left")
        failures.append(_duplicates(_as_checked(plan, found_rows, defaults, key_text, date_text),
                                    table, plan.extras, plan.file).collect(engine="in-memory"))
    if doses or raw.encoding != "utf-8":
        whole = (pl.concat(lifetime) if lifetime else pl.DataFrame()).with_columns(
            pl.lit(False).alias(_BAD))
        whole = whole.rename({c: typed_name(c) for c in whole.columns if c not in (ROW, _BAD)})
        warnings.append(_warnings(whole, table, plan.tmap, plan.file, raw.encoding, rows=False,
                                  single_doses=False))
    frame = pl.concat(kept.parts)
    kept.parts.clear()
    return CheckedTable(
        table,
        plan.file,
        frame,
        pl.concat(failures) if failures else empty_problems(),
        pl.concat(warnings),
        plan.extras,
        raw.sha256,
        date_text,
    )


def _order_columns(plan: Plan) -> list[str]:
    """The typed columns whose order can show that no two rows of a file repeat each other.

    The table's key, or else its patient and first date: every row compared by the rules of
    repeated rows (:func:`~msrwe.io._rows_whole._duplicates`) has them among its values, so when
    each row's are after the row before's (a file in patient and date order, as registries
    export it), no two rows are the same and the hashes of the rows need no sort
    (:func:`repeated`). Empty when the file does not give them.
    """
    table = plan.table
    names = list(table.key) or ["patient_id", *table.date_columns[:1]]
    if (len(names) < 2 and not table.key) or not plan.present.issuperset(names):
        return []
    return [typed_name(c) for c in names]


def _increasing(keys: pl.DataFrame, last: pl.DataFrame | None) -> bool:
    """Whether each row of ``keys`` is after the one before (and the first after ``last``).

    Compared column by column, as a dictionary orders words (:func:`strictly_sorted`, which
    the derivations use on a store's tables); an empty cell is after nothing.

    Examples
    --------
    >>> keys = pl.DataFrame({"p": ["A", "A", "B"], "d": [1, 2, 1]})
    >>> _increasing(keys, None), _increasing(keys, keys.tail(1)), _increasing(keys[[0, 0]], None)
    (True, False, False)
    """
    frame = keys if last is None else pl.concat([last, keys])
    return strictly_sorted(frame, *frame.columns)


def _hashing(plan: Plan) -> Plan:
    """``plan`` flagging each row with the hash of its key, not whether it repeats in the batch."""
    flags = list(plan.flags)
    flags[1] = pl.struct(plan.dup_cols).hash().alias(_HASH)
    return replace(plan, flags=flags)


#: The types in which Polars' reader parses the cells of a number or whole-number column.
_PARSED: dict[str, pl.DataType] = {"number": pl.Float64(), "integer": pl.Int64()}


@dataclass(frozen=True)
class _Parsed:
    """How to check a batch whose number columns Polars' reader parsed as it read the text."""

    plan: Plan
    native_types: dict[str, pl.DataType]


def _parsed_plan(plan: Plan, raw: RawFile) -> _Parsed | None:
    """The plan of a batch of a text file read with its number columns parsed, or ``None``.

    Reading a number column of a large text file as text and parsing it again afterwards costs
    about as much as reading the file; Polars' reader can parse it as it reads. Its values are
    then those of the text path (``tests/io/test_parsed_batches.py`` compares them): where a
    cell is one the reader does not parse (``3.0`` as a whole number, a word) the whole batch
    is read as text, and where a row breaks a rule the batch is checked again as text too, so
    that every message quotes the cell as the file writes it. Columns the mapping recodes are
    read as text.
    """
    if not raw.typed_batches:
        return None
    table = plan.table
    types: dict[str, pl.DataType] = {}
    for column, name in plan.header.items():
        dtype = _PARSED.get(table.column(name).dtype)
        if (dtype is not None and name not in plan.tmap.values
                and raw.frame.schema[column] == pl.String):
            types[column] = dtype
    if not types:
        return None
    header = raw.frame.with_columns(pl.col(c).cast(t) for c, t in types.items())
    typed = make_plan(replace(raw, frame=header), table, plan.tmap, plan.dates)
    return _Parsed(_hashing(typed), types)


def _as_checked(
    plan: Plan,
    found: pl.DataFrame,
    defaults: list[str],
    key_text: list[pl.Expr],
    date_text: pl.DataFrame,
) -> pl.DataFrame:
    """Typed rows read back as the rules over several rows see them after :func:`check_rows`.

    Each contract column under its typed name, a default not given back to null, the flags of a
    row that passed its rules and may repeat another, and the key columns as the file writes them.
    """
    table = plan.table
    given = [
        pl.when(pl.col(_GIVEN + c)).then(pl.col(c)).alias(c) for c in defaults
    ]
    rows = found.with_columns(given).rename({c: typed_name(c) for c in table.column_names})
    rows = rows.with_columns(pl.lit(False).alias(_BAD), pl.lit(True).alias(_DUP))
    for name in [c for c in table.key if c in plan.date_columns]:
        rows = rows.join(
            date_text.select(ROW, pl.col(name).alias(f"__msrwe_text_{name}")),
            on=ROW, how="left",
        )
    return rows.with_columns(key_text)
