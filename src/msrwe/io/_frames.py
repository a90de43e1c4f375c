"""The long tables of problems the importer writes: ``quarantine`` and ``import_warnings``.

Examples
--------
>>> empty_problems().columns
['table_name', 'file', 'row_number', 'column_name', 'value', 'rule', 'message']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from msrwe.schema import BOOKKEEPING

__all__ = ["PROBLEM_SCHEMA", "ROW", "Findings", "empty_problems", "problems", "sort_problems"]

#: The hidden column holding each row's number as a spreadsheet shows it (header = row 1).
ROW = "__msrwe_row"

#: Columns of ``quarantine`` and ``import_warnings`` (declared in ``msrwe.schema.BOOKKEEPING``).
PROBLEM_SCHEMA: dict[str, pl.DataType] = BOOKKEEPING["quarantine"].polars_schema()


def empty_problems() -> pl.DataFrame:
    """An empty problem table with the quarantine's columns."""
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def problems(
    rows: pl.DataFrame | pl.LazyFrame,
    *,
    table: str,
    file: str,
    column: str | pl.Expr | None,
    value: pl.Expr | None,
    rule: str,
    message: pl.Expr | str,
) -> pl.LazyFrame:
    """One problem per row of ``rows`` (which must hold :data:`ROW`), in the quarantine's shape.

    Parameters
    ----------
    rows
        The offending rows.
    table, file
        The chart table and the file the rows come from.
    column
        The column concerned (a name, an expression, or ``None`` for a whole row).
    value
        The value as text (an expression over ``rows``), or ``None``.
    rule
        The stable code of the rule.
    message
        The clinician's message (an expression over ``rows`` or a fixed text).

    Returns
    -------
    polars.LazyFrame
        Columns of :data:`PROBLEM_SCHEMA`.
    """
    col_expr = column if isinstance(column, pl.Expr) else pl.lit(column, dtype=pl.String)
    msg_expr = message if isinstance(message, pl.Expr) else pl.lit(message, dtype=pl.String)
    val_expr = value if value is not None else pl.lit(None, dtype=pl.String)
    return rows.lazy().select(
        pl.lit(table, dtype=pl.String).alias("table_name"),
        pl.lit(file, dtype=pl.String).alias("file"),
        pl.col(ROW).cast(pl.Int64).alias("row_number"),
        col_expr.cast(pl.String).alias("column_name"),
        val_expr.cast(pl.String).alias("value"),
        pl.lit(rule, dtype=pl.String).alias("rule"),
        msg_expr.cast(pl.String).alias("message"),
    )


@dataclass
class Findings:
    """The problems found in one file of a chart table, collected rule by rule.

    Attributes
    ----------
    table, file
        The chart table and the file every problem comes from.
    parts
        The problems added so far, one frame per rule (in the order added).

    Examples
    --------
    >>> rows = pl.DataFrame({ROW: [4], "edss": ["11"]})
    >>> found = Findings("visits", "visits.csv")
    >>> found.add(rows, column="edss", value=pl.col("edss"), rule="edss_range",
    ...           message="EDSS 11 is above 10")
    >>> found.add(rows.head(0), column="edss", value=None, rule="never", message="")
    >>> found.lazy().collect().select("row_number", "rule").rows()
    [(4, 'edss_range')]
    """

    table: str
    file: str
    parts: list[pl.LazyFrame] = field(default_factory=list)

    def add(
        self,
        rows: pl.DataFrame,
        *,
        column: str | pl.Expr | None,
        value: pl.Expr | None,
        rule: str,
        message: pl.Expr | str,
    ) -> None:
        """Add one problem per row of ``rows`` (nothing when it has none); see :func:`problems`."""
        if rows.height:
            self.parts.append(problems(rows, table=self.table, file=self.file, column=column,
                                       value=value, rule=rule, message=message))

    def lazy(self) -> pl.LazyFrame:
        """Every problem added, in the quarantine's columns (empty when none was added)."""
        return pl.concat([empty_problems().lazy(), *self.parts])


def sort_problems(frame: pl.DataFrame) -> pl.DataFrame:
    """Problems in a stable order: table, file, row, column, rule, value, message."""
    return frame.sort(
        list(BOOKKEEPING["quarantine"].order),
        nulls_last=False,
        maintain_order=True,
    )
