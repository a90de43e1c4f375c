"""The rules of a table over several rows: repeated rows and keys, and the table's warnings.

:func:`_duplicates` and :func:`_warnings` work on a table after the rules of each row (see
:mod:`msrwe.io._validate`), in the columns it holds then: each cell as text and its typed copy
(:func:`msrwe.io._rules.typed_name`) and the flags below.
"""

from __future__ import annotations

import polars as pl

from msrwe.io._frames import PROBLEM_SCHEMA, ROW, Findings, empty_problems
from msrwe.io._mapping import TableMapping
from msrwe.io._plausible import dose_warnings
from msrwe.io._rules import typed_name
from msrwe.schema import Table

__all__: list[str] = []

#: The flags of a row while a table is checked: it broke a rule, its key (or whole row) hashes
#: like another's, a cast failed in the first pass, it has none of the table's measures.
_BAD, _DUP, _RETRY, _NO_MEASURES = (
    "__msrwe_bad",
    "__msrwe_dup",
    "__msrwe_retry",
    "__msrwe_no_measures",
)


def _duplicates(
    checked: pl.DataFrame, table: Table, extras: tuple[str, ...], file: str
) -> pl.LazyFrame:
    """Exact repeats of a row (the first is kept) and rows that share a key but differ (all go).

    Only rows that passed every other rule of the table take part.
    """
    values = [typed_name(c) for c in table.column_names] + list(extras)
    key = [typed_name(c) for c in table.key]
    candidates = checked.filter(pl.col(_DUP) & ~pl.col(_BAD))
    candidates = candidates.filter(pl.struct(key or values).is_duplicated())
    if candidates.height == 0:
        return empty_problems().lazy()
    first = pl.col(ROW).min().over(values, order_by=ROW) if values else pl.col(ROW)
    candidates = candidates.with_columns(first.alias("__msrwe_first"))
    repeats = candidates.filter(pl.col(ROW) != pl.col("__msrwe_first"))
    key_cols = list(table.key) or ["patient_id"]
    key_label = ", ".join(key_cols)
    key_value = pl.concat_str(
        [pl.col(c).cast(pl.String) for c in key_cols], separator=", ", ignore_nulls=True
    )
    found = Findings(table.name, file)
    found.add(
        repeats,
        column=key_label,
        value=key_value,
        rule="duplicate_row",
        message=pl.format(
            "this row repeats row {} exactly; the first is kept", pl.col("__msrwe_first")
        ),
    )
    if key:
        firsts = candidates.filter(pl.col(ROW) == pl.col("__msrwe_first"))
        conflict = firsts.filter(pl.struct(key).is_duplicated())
        if conflict.height:
            rows_list = pl.col(ROW).cast(pl.String).implode().over(key).list.join(", ")
            found.add(
                conflict.with_columns(rows_list.alias("__msrwe_rows")),
                column=key_label,
                value=key_value,
                rule="duplicate_key",
                message=pl.format(
                    "rows {} have the same {} but different values; all are quarantined "
                    "because the chart must say which is right",
                    pl.col("__msrwe_rows"),
                    pl.lit(key_label),
                ),
            )
    return found.lazy()


#: The typed columns of an administration that its dose warnings read.
DOSE_COLUMNS = ("patient_id", "date", "drug", "dose", "dose_unit", "bsa_m2")


def dose_rows(checked: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``checked`` that passed their rules, as :func:`dose_warnings` reads them."""
    return checked.filter(~pl.col(_BAD)).select(
        ROW, *[pl.col(typed_name(c)).alias(c) for c in DOSE_COLUMNS]
    )


def _warnings(
    checked: pl.DataFrame,
    table: Table,
    tmap: TableMapping,
    file: str,
    encoding: str,
    *,
    rows: bool = True,
    whole: bool = True,
    single_doses: bool | None = None,
) -> pl.DataFrame:
    """The warnings of a table's rows.

    ``rows``: those of each row alone; ``whole``: those of the whole file (its encoding, and the
    doses a patient accumulates over rows). ``single_doses``: whether a single dose far above
    the usual one is looked for (a rule of one row; by default with ``whole``).
    """
    found = Findings(table.name, file)
    if whole and encoding == "cp1252":
        # A problem of the whole file: no row number.
        found.parts.append(
            pl.LazyFrame(
                {
                    "table_name": [table.name],
                    "file": [file],
                    "row_number": [None],
                    "column_name": [None],
                    "value": [encoding],
                    "rule": ["encoding_fallback"],
                    "message": [
                        "the file is not UTF-8; it was read as Windows-1252 (cp1252), "
                        "as Excel on Windows writes it: check accented names"
                    ],
                },
                schema=PROBLEM_SCHEMA,
            )
        )
    for col in table.columns if rows else ():
        t = pl.col(typed_name(col.name))
        source = pl.col(col.name)
        recode = tmap.values.get(col.name)
        if recode:
            source = source.replace(recode)
        for old, new, why in col.aliases:
            found.add(
                checked.filter(source == old),
                column=col.name,
                value=pl.col(col.name),
                rule=f"{old.lower()}_recorded_as_{new.lower()}",
                message=f"{old} is recorded as {new}: {why}",
            )
        if col.check == "lower_case":
            found.add(
                checked.filter(t.is_not_null() & (t != source)),
                column=col.name,
                value=pl.col(col.name),
                rule="recorded_in_lower_case",
                message=pl.format(
                    "'{}' is recorded as '{}' (generic names are stored in lower case)",
                    pl.col(col.name),
                    t,
                ),
            )
    single = whole if single_doses is None else single_doses
    if (whole or single) and table.name == "administrations":
        found.parts.extend(dose_warnings(dose_rows(checked), file, single=single, lifetime=whole))
    if rows and table.measures:
        found.add(
            checked.filter(pl.col(_NO_MEASURES)),
            column=None,
            value=None,
            rule="no_measures",
            message=(
                f"the row has none of the {len(table.measures)} measures of "
                f"{table.name} ({', '.join(table.measures[:2])}, ...); it is kept"
            ),
        )
    return found.lazy().collect(engine="in-memory")
