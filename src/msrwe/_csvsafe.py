r"""Spreadsheet formula injection: neutralise text cells before they are written to a CSV file.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``,
``@SUM(...)``). As the OWASP "CSV Injection" page recommends, such a cell is written with a
leading single quote, which spreadsheets show as text. A cell that is a number (``-5``,
``+3.2``, ``-1e3``) stays as it is, and columns of numbers, dates or booleans are never touched.
Every CSV writer of msrwe (``msrwe quarantine --csv``, exports, outcome tables) uses this.

Examples
--------
>>> neutralise_cell('=HYPERLINK("http://x")'), neutralise_cell("-5"), neutralise_cell("ok")
('\'=HYPERLINK("http://x")', '-5', 'ok')
>>> import polars as pl
>>> neutralise_formulas(pl.DataFrame({"a": ["@SUM(A1)", None], "n": [-1, 2]})).rows()
[("'@SUM(A1)", -1), (None, 2)]
"""

from __future__ import annotations

import polars as pl

__all__ = ["FORMULA_STARTS", "neutralise_cell", "neutralise_formulas"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_STARTS = r"^[=+\-@\t\r]"


def neutralise_cell(text: str | None) -> str | None:
    """One cell's text, with a leading ``'`` when a spreadsheet would read it as a formula."""
    if text is None or not text.startswith(FORMULA_STARTS):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text if text.strip() == text else "'" + text


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of ``frame`` with formula-like cells neutralised (see the module)."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = col.str.contains(_STARTS) & ~col.str.contains(_NUMBER)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame
