"""Validating one chart table: map the header, type every cell, and check every rule of a row.

The hot path is vectorised: every column is cast at once (a cell that is not empty but becomes
null is a type error), every rule is a boolean Polars expression, and only the rows that break a
rule are turned into quarantine rows.

Examples
--------
>>> import polars as pl
>>> from msrwe.io._read import RawFile, Unbatched
>>> from msrwe.io._mapping import TableMapping
>>> from msrwe.schema import CONTRACT
>>> raw = RawFile("visits.csv", pl.DataFrame({"patient_id": ["A1", "A1"], "date": ["2015-01-01", "2015-06-01"], "edss": ["6.0", "0.5"]}))
>>> checked = check_table(raw, CONTRACT["visits"], TableMapping())
>>> checked.failures["rule"].to_list()
['edss_half_step']
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from msrwe.errors import ImportRefused
from msrwe.io._frames import ROW, Findings
from msrwe.io._mapping import EARLIEST_DATE, TableMapping
from msrwe.io._read import RawFile, Unbatched
from msrwe.io._rows_whole import _BAD, _DUP, _NO_MEASURES, _RETRY, _duplicates, _warnings
from msrwe.io._rules import (
    column_checks,
    native_type,
    native_typed_expr,
    row_rule_checks,
    typed_expr,
    typed_name,
)
from msrwe.schema import POLARS_TYPES, DateOrder, OnlyWhen, Table

__all__ = ["CheckedTable", "check_table"]



@dataclass(frozen=True)
class CheckedTable:
    """One chart table after the rules of the table itself.

    Parameters
    ----------
    table
        The contract table.
    file
        The file name the table came from.
    frame
        Every non-blank row: typed contract columns in contract order, then the extra columns as
        text, then :data:`~msrwe.io._frames.ROW`.
    failures
        Quarantine rows (one per broken rule and column).
    warnings
        Warning rows (imported but flagged).
    extra_columns
        Columns of the file that the contract does not name (kept as text).
    sha256
        The SHA-256 of the file, for provenance.
    date_text
        :data:`~msrwe.io._frames.ROW` and each date column as the file writes it, so that the
        rules across tables can quote a date as the file holds it; only the rows where a date is
        written otherwise than as its ISO form (2015-03-15), which is quoted as it is.
    """

    table: Table
    file: str
    frame: pl.DataFrame
    failures: pl.DataFrame
    warnings: pl.DataFrame
    extra_columns: tuple[str, ...]
    sha256: str = ""
    date_text: pl.DataFrame | None = None

    @property
    def rows_read(self) -> int:
        """Rows read from the file (blank rows are skipped and not counted)."""
        return self.frame.height


def _map_header(raw: RawFile, table: Table, tmap: TableMapping) -> dict[str, str]:
    """Header of the file -> contract name (contract columns only)."""
    lower = {c.lower(): c for c in table.column_names}
    site = {k.strip(): v for k, v in tmap.columns.items()}
    site_lower = {k.lower(): v for k, v in site.items()}
    out: dict[str, str] = {}
    for name in raw.frame.columns:
        target = site.get(name) or site_lower.get(name.lower()) or lower.get(name.lower())
        if target is None:
            continue
        if target in out.values():
            other = next(k for k, v in out.items() if v == target)
            raise ImportRefused(
                f"the columns {other!r} and {name!r} both give {table.name}.{target}; "
                "keep one of them or rename the other",
                file=str(raw.path),
            )
        out[name] = target
    # A renamed column the file lacks would leave its contract column empty without a word
    # (a typo in the mapping); refused unless the file gives the contract column otherwise.
    header = {c.lower() for c in raw.frame.columns}
    for key, target in site.items():
        if key.lower() not in header and target not in out.values():
            raise ImportRefused(
                f"the mapping renames the column {key!r} to {table.name}.{target}, but the file "
                f"has no column {key!r} (nor {target!r}); the file's columns are "
                f"{', '.join(raw.frame.columns)}. Correct the name in the mapping file",
                file=str(raw.path),
            )
    for column in tmap.constants:
        if column in out.values():
            other = next(k for k, v in out.items() if v == column)
            raise ImportRefused(
                f"the mapping gives {table.name}.{column} the same value on every row "
                f"([{table.name}.constants]), but the file has the column {other!r} too; "
                "keep one of them",
                file=str(raw.path),
            )
    given = {*out.values(), *tmap.constants}
    missing = [c.name for c in table.columns if c.required and c.name not in given]
    if missing:
        hint = " (a mapping file can rename a site's columns: see docs/import.md)"
        raise ImportRefused(
            f"the required column {missing[0]!r} of {table.name} is missing; the file's columns "
            f"are {', '.join(raw.frame.columns)}{hint}",
            file=str(raw.path),
        )
    return out


def _raw_problem_rows(raw: RawFile, header: dict[str, str]) -> pl.DataFrame:
    """The reader's problems (error cells, short rows), their columns by contract name."""
    if raw.problems is None or raw.problems.height == 0:
        return pl.DataFrame(schema={"row": pl.Int64(), "column": pl.String(),
                                    "value": pl.String(), "rule": pl.String(),
                                    "message": pl.String()})
    return raw.problems.with_columns(pl.col("column").replace(header))


def _clean(name: str) -> pl.Expr:
    s = pl.col(name).str.strip_chars()
    return pl.when(s.str.len_bytes() > 0).then(s).alias(name)


def _reserved_and_case(raw: RawFile, names: list[str]) -> None:
    """Refuse names msrwe uses itself, and two columns that differ only in case.

    The store (DuckDB) does not tell ``Note`` from ``note``: it would rename one to ``note_1``.
    """
    for name in names:
        if name.lower().startswith("__msrwe"):
            raise ImportRefused(
                f"the column {name!r} has a name msrwe uses for its own bookkeeping "
                "(names starting with __msrwe); rename it",
                file=str(raw.path),
            )
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise ImportRefused(
                f"the columns {other!r} and {name!r} differ only in case; the store cannot keep "
                "both under their names. Rename one of them (or merge them)",
                file=str(raw.path),
            )


def check_table(
    raw: RawFile,
    table: Table,
    tmap: TableMapping,
    dates: tuple[date, date] | None = None,
) -> CheckedTable:
    """Apply the mapping and every rule of one table to a file read as text.

    Parameters
    ----------
    raw
        The file, every cell as text.
    table
        The contract table it holds.
    tmap
        The mapping of this table (renames, recodes, date format, constants).
    dates
        The plausible span of every date: dates outside it are quarantined as
        ``implausible_date`` (default: 1900-01-01 to today).

    Returns
    -------
    CheckedTable
        Typed rows, quarantine rows and warning rows of the rules within the table (duplicates
        included; the rules across tables come later).

    Raises
    ------
    ImportRefused
        When a required column is missing or two columns give the same contract column.
    """
    plan = make_plan(raw, table, tmap, dates)
    if raw.batches is not None:  # msrwe.io._batched.check_batches checks those
        raise Unbatched("check_table checks a whole file")
    bad_rows = _raw_problem_rows(raw, plan.header)
    checked = check_rows(plan, plan.frame, raw.header_row + 1, bad_rows)
    bad = checked[_BAD]
    found = Findings(table.name, plan.file)
    if bad.any():
        found.parts.extend(mask_findings(plan, checked.filter(bad)))
    if bad_rows.height:
        found.parts.append(
            bad_rows.lazy().select(
                pl.lit(table.name, dtype=pl.String).alias("table_name"),
                pl.lit(plan.file, dtype=pl.String).alias("file"),
                pl.col("row").alias("row_number"),
                pl.col("column").alias("column_name"),
                "value",
                "rule",
                "message",
            )
        )
        checked = checked.with_columns(
            (pl.col(_BAD) | pl.col(ROW).is_in(bad_rows.get_column("row").implode())).alias(_BAD)
        )
    found.parts.append(_duplicates(checked, table, plan.extras, plan.file))
    failures = found.lazy().collect(engine="in-memory")
    warnings = _warnings(checked, table, plan.tmap, plan.file, raw.encoding)
    typed = typed_output(plan, checked)
    date_text = _date_text(checked, plan.date_columns, plan.native)
    return CheckedTable(
        table, plan.file, typed, failures, warnings, plan.extras, raw.sha256, date_text
    )


@dataclass(frozen=True)
class Plan:
    """How one file's rows are checked: its header mapped, and every rule as an expression."""

    table: Table
    tmap: TableMapping
    file: str
    header: dict[str, str]
    #: The file's cells with contract names (mapping constants added; Parquet types settled).
    frame: pl.DataFrame
    extras: tuple[str, ...]
    present: set[str]
    native: frozenset[str]
    value_cols: list[str]
    #: ``(column, mask, rule, value, message)`` of every rule within a row.
    masks: list[tuple[str, pl.Expr, str, pl.Expr, pl.Expr]]
    failed_casts: list[pl.Expr]
    dup_cols: list[str]
    #: The flags :func:`check_rows` adds: broke a rule (:data:`_BAD`), may repeat another row
    #: (:data:`_DUP`; a batch: the hash of the key instead), [a cast failed], [no measures].
    flags: list[pl.Expr]
    #: The plausible span of every date (``make_plan``'s ``dates``).
    dates: tuple[date, date] | None = None

    @property
    def date_columns(self) -> list[str]:
        """The date columns the file gives."""
        return [c for c in self.table.date_columns if c in self.present]

    def prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A batch of the file's rows with contract names, constants and types as :attr:`frame`."""
        frame = frame.rename(self.header)
        if self.tmap.constants:
            frame = frame.with_columns(
                pl.lit(v, dtype=pl.String).alias(c) for c, v in self.tmap.constants.items()
            )
        casts = [pl.col(c).cast(t) for c, t in self.frame.schema.items() if frame.schema[c] != t]
        return frame.with_columns(casts) if casts else frame


def make_plan(
    raw: RawFile, table: Table, tmap: TableMapping, dates: tuple[date, date] | None = None
) -> Plan:
    """Map the header of ``raw`` and build every rule of ``table`` as an expression."""
    file = Path(raw.path).name
    if dates is None:
        dates = (EARLIEST_DATE, date.today())
    header = _map_header(raw, table, tmap)
    frame = raw.frame.rename(header)
    _reserved_and_case(raw, frame.columns)
    if tmap.constants:
        frame = frame.with_columns(
            pl.lit(v, dtype=pl.String).alias(c) for c, v in tmap.constants.items()
        )
    extras = tuple(c for c in frame.columns if c not in table.column_names)
    present = {*header.values(), *tmap.constants}
    frame, native = _native_or_text(frame, table, tmap)
    value_cols = [*table.column_names, *extras]
    fmt = tmap.date_format
    # A column absent from the file is empty: no rule of it can fail (required ones are present).
    masks: list[tuple[str, pl.Expr, str, pl.Expr, pl.Expr]] = []
    for col in table.columns:
        if col.name not in present:
            continue
        raw_c, typed_c = pl.col(col.name), pl.col(typed_name(col.name))
        text_c = raw_c.cast(pl.String) if col.name in native else raw_c
        for mask, rule, msg in column_checks(col, raw_c, typed_c, fmt, dates, text_c):
            masks.append((col.name, mask.fill_null(False), rule, text_c, msg))
    for rule in table.row_rules:
        pair = (
            (rule.earlier, rule.later) if isinstance(rule, DateOrder) else (rule.column, rule.when)
        )
        if not present.issuperset(pair):
            continue
        when = table.column(rule.when).allowed if isinstance(rule, OnlyWhen) else None
        column, mask, value, msg = row_rule_checks(rule, when)
        masks.append((column, mask.fill_null(False), rule.rule, value, msg))
    failed_casts = [
        pl.col(c.name).is_not_null() & pl.col(typed_name(c.name)).is_null()
        for c in table.columns
        if c.dtype != "text" and c.name in present
    ]
    dup_cols = [typed_name(c) for c in table.key] or [
        *[typed_name(c) for c in table.column_names],
        *extras,
    ]
    flags = [
        pl.any_horizontal(m[1] for m in masks).alias(_BAD),
        pl.struct(dup_cols).hash().is_duplicated().alias(_DUP),
    ]
    if failed_casts:
        flags.append(pl.any_horizontal(failed_casts).alias(_RETRY))
    if table.measures:
        flags.append(
            pl.all_horizontal(pl.col(typed_name(m)).is_null() for m in table.measures).alias(
                _NO_MEASURES
            )
        )
    return Plan(table, tmap, file, header, frame, extras, present, native, value_cols, masks,
                failed_casts, dup_cols, flags, dates)


def check_rows(
    plan: Plan, frame: pl.DataFrame, first: int, bad_rows: pl.DataFrame
) -> pl.DataFrame:
    """Type every cell of ``frame`` (rows numbered from ``first``) and flag the rows that fail.

    Blank rows are dropped (not a row of ``bad_rows``, which holds the reader's problems).
    """
    table, present, native = plan.table, plan.present, plan.native
    lf = frame.lazy().select(
        *[pl.col(c) for c in table.column_names if c in present],
        *[pl.lit(None, dtype=pl.String).alias(c) for c in table.column_names if c not in present],
        *[pl.col(c) for c in plan.extras],
    )
    lf = lf.with_columns(pl.int_range(first, pl.len() + first, dtype=pl.Int64).alias(ROW))
    blank = frame.select(pl.all_horizontal(pl.col(c).is_null() for c in frame.columns))
    if frame.width and blank.to_series().any():  # filtering copies every cell: only if needed
        empty = pl.all_horizontal(pl.col(c).is_null() for c in plan.value_cols)
        if bad_rows.height:  # a row of error cells only is not blank
            empty = empty & ~pl.col(ROW).is_in(bad_rows.get_column("row").implode())
        lf = lf.filter(~empty)
    flags = plan.flags
    # Pass 1 (the hot path, one parallel query): text columns are stripped, the others are cast
    # as they stand, and every rule is evaluated into one flag per row.
    checked = _typed_frame(lf, table, plan.tmap, present, native, clean_all=False)
    checked = checked.with_columns(flags)
    checked = checked.collect(engine="in-memory")
    # Pass 2, only for rows where a cast failed: strip every cell and cast again, so that
    # " 6.5" or an empty-looking cell is not a type error.
    if plan.failed_casts and checked.height and checked[_RETRY].any():
        retry = checked[_RETRY]
        again = checked.filter(retry).select(*plan.value_cols, ROW).lazy()
        again = _typed_frame(again, table, plan.tmap, present, native, clean_all=True)
        again = again.with_columns(flags[:1])
        if table.measures:
            again = again.with_columns(flags[-1])
        repeat = flags[1]  # the repeat flag (or, for a batch, the key hash) over the new values
        keep = [c for c in checked.columns if c not in (_RETRY, repeat.meta.output_name())]
        checked = pl.concat(
            [checked.filter(~retry).select(keep), again.collect(engine="in-memory").select(keep)]
        )
        checked = checked.sort(ROW)
        checked = checked.with_columns(repeat)
    return checked


def mask_findings(plan: Plan, bad: pl.DataFrame) -> list[pl.LazyFrame]:
    """The quarantine rows of every rule within a row, for the rows that broke one."""
    found = Findings(plan.table.name, plan.file)
    for column, mask, rule, value, msg in plan.masks:
        found.add(bad.filter(mask), column=column, value=value, rule=rule, message=msg)
    return found.parts


def typed_output(plan: Plan, checked: pl.DataFrame) -> pl.DataFrame:
    """The typed contract columns (defaults filled), the extra columns and ROW."""
    out_cols = []
    for col in plan.table.columns:
        t = pl.col(typed_name(col.name))
        if col.default is not None:
            t = t.fill_null(col.default)
        out_cols.append(t.cast(POLARS_TYPES[col.dtype]).alias(col.name))
    return checked.select(*out_cols, *[pl.col(c) for c in plan.extras], pl.col(ROW))


#: Dates (days from 1970) whose text, cast or formatted as ISO, is the same: checked for every
#: day between (``tests/io/test_parquet_native.py``).
_SAME_ISO_DAYS = (-1_000_000, 1_000_000)


def _date_text(
    checked: pl.DataFrame, columns: list[str], native: frozenset[str] = frozenset()
) -> pl.DataFrame:
    """ROW and the date columns as written, for the rows where one is not written as ISO.

    A date the file writes as its ISO form needs no copy of its text (it is quoted as that
    form); at registry scale the copy of every date cell would be a large part of an import's
    memory. A date column of a Parquet file (``native``) is its own typed copy and its text is
    its cast to text, which is its ISO form: it is not compared cell by cell (a fifth of the
    CPU of checking a Parquet file), unless a day lies beyond those checked.
    """
    text = [pl.col(c).cast(pl.String) for c in columns]
    if not columns:
        return checked.select(ROW)
    lo, hi = _SAME_ISO_DAYS
    compared = []
    for c, t in zip(columns, text, strict=True):
        days = checked.get_column(c).to_physical() if c in native else None
        if days is not None and (days.null_count() == days.len() or (
                lo <= days.min() and days.max() < hi)):  # type: ignore[operator]
            continue
        compared.append(
            t.is_not_null() & (pl.col(typed_name(c)).dt.to_string("%Y-%m-%d") != t).fill_null(True)
        )
    if not compared:
        return checked.head(0).select(ROW, *text)
    return checked.filter(pl.any_horizontal(compared)).select(ROW, *text)


def _native_or_text(
    frame: pl.DataFrame, table: Table, tmap: TableMapping
) -> tuple[pl.DataFrame, frozenset[str]]:
    """``frame`` with every column as text except the contract columns kept in their own type.

    A file read as text has nothing to cast. A Parquet column whose type fits its contract column
    (:func:`~msrwe.io._rules.native_type`) and that the mapping does not recode is kept as it is;
    every other column is cast to text, as the text path reads it.
    """
    native: set[str] = set()
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            continue
        if (
            name in table.column_names
            and name not in tmap.values
            and native_type(table.column(name), dtype)
        ):
            native.add(name)
            continue
        casts.append(pl.col(name).cast(pl.String))
    if casts:
        frame = frame.with_columns(casts)
    return frame, frozenset(native)


def _typed_frame(
    lf: pl.LazyFrame,
    table: Table,
    tmap: TableMapping,
    present: set[str],
    native: frozenset[str] = frozenset(),
    *,
    clean_all: bool,
) -> pl.LazyFrame:
    """Add the typed copy of every contract column (text columns are always stripped).

    A column in ``native`` (a Parquet column kept in its own type) is its own typed copy.
    """
    cleaned = [
        _clean(c.name)
        for c in table.columns
        if c.name in present and c.name not in native and (clean_all or c.dtype == "text")
    ]
    if cleaned:
        lf = lf.with_columns(cleaned)
    typed_exprs = []
    for col in table.columns:
        if col.name not in present:
            empty = pl.lit(None, dtype=POLARS_TYPES[col.dtype])
            typed_exprs.append(empty.alias(typed_name(col.name)))
            continue
        source = pl.col(col.name)
        if col.name in native:
            typed_exprs.append(native_typed_expr(col, source).alias(typed_name(col.name)))
            continue
        recode = tmap.values.get(col.name)
        if recode:
            source = source.replace(recode)
        typed = typed_expr(col, source, tmap.date_format, careful=clean_all)
        typed_exprs.append(typed.alias(typed_name(col.name)))
    return lf.with_columns(typed_exprs)
