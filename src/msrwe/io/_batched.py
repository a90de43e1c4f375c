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
"""

from __future__ import annotations

import polars as pl

from msrwe.io._frames import ROW, Findings
from msrwe.io._read import RawFile, Unbatched
from msrwe.io._rows_whole import _BAD, _DUP, _duplicates, _warnings
from msrwe.io._rules import typed_name
from msrwe.io._validate import (
    CheckedTable,
    Plan,
    _date_text,
    _raw_problem_rows,
    check_rows,
    mask_findings,
    typed_output,
)

__all__ = ["Unbatched", "check_batches"]

_ISO = "%Y-%m-%d"


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


def check_batches(plan: Plan, raw: RawFile) -> CheckedTable:
    """Check the rows of ``raw`` (which has :attr:`~msrwe.io._read.RawFile.batches`) by batch.

    Raises
    ------
    Unbatched
        When the file must be read whole instead.
    """
    assert raw.batches is not None
    table = plan.table
    key_text = _key_text(plan)  # before reading: a key that cannot be rebuilt reads whole
    no_problems = _raw_problem_rows(raw, plan.header)
    first = raw.header_row + 1
    keep = [
        *[typed_name(c) for c in table.column_names], *plan.extras, ROW, _BAD,
    ]
    kept: list[pl.DataFrame] = []
    failures: list[pl.DataFrame] = []
    warnings: list[pl.DataFrame] = []
    texts: list[pl.DataFrame] = []
    try:
        for batch in raw.batches():
            checked = check_rows(plan, plan.prepare(batch), first, no_problems)
            first += batch.height
            bad = checked[_BAD]
            if bad.any():
                found = Findings(table.name, plan.file)
                found.parts.extend(mask_findings(plan, checked.filter(bad)))
                failures.append(found.lazy().collect(engine="in-memory"))
            warnings.append(
                _warnings(checked, table, plan.tmap, plan.file, raw.encoding, whole=False)
            )
            texts.append(_date_text(checked, plan.date_columns))
            kept.append(checked.select(keep))
            del checked, batch
    except pl.exceptions.PolarsError as exc:
        raise Unbatched(str(exc)) from exc
    if not kept:
        raise Unbatched("no rows")
    rows = pl.concat(kept, rechunk=False)
    del kept
    date_text = pl.concat(texts)
    rows = rows.with_columns(pl.struct(plan.dup_cols).hash().is_duplicated().alias(_DUP))
    # The rules over several rows, on the rows that may break them (few, as a rule).
    maybe = rows.filter(pl.col(_DUP) & ~pl.col(_BAD))
    if maybe.height:
        dates = [c for c in table.key if c in plan.date_columns]
        for name in dates:
            maybe = maybe.join(
                date_text.select(ROW, pl.col(name).alias(f"__msrwe_text_{name}")),
                on=ROW, how="left",
            )
        maybe = maybe.with_columns(key_text)
    failures.append(_duplicates(maybe, table, plan.extras, plan.file).collect(engine="in-memory"))
    warnings.append(_warnings(rows, table, plan.tmap, plan.file, raw.encoding, rows=False))
    return CheckedTable(
        table,
        plan.file,
        typed_output(plan, rows),
        pl.concat(failures),
        pl.concat(warnings),
        plan.extras,
        raw.sha256,
        date_text,
    )
