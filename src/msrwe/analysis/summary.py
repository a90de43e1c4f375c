"""The summary of an analysis: a few small tables, printed by the CLI and shown in the report.

:func:`build_summary` makes one :class:`Summary` from the results table, the attrition table and
the analyses' declared :class:`~msrwe.analysis.base.SummarySpec` tables; like a statsmodels
``Summary`` it prints as text (``str(summary)``), renders as HTML (:meth:`Summary.as_html`) and
holds its :attr:`Summary.tables`.

Examples
--------
>>> from msrwe.tables.results import ResultsTable
>>> r = ResultsTable()
>>> r.add("cohort", "overall", "patients", "", "N", 3)
>>> att = pl.DataFrame({"step": [0, 1], "criterion": ["patients in the store", "received x"],
...                     "excluded": [0, 2], "remaining": [5, 3]})
>>> print(build_summary(r.to_polars(), att, analyses=()))
Cohort and attrition
criterion              excluded  remaining
------------------------------------------
patients in the store                    5
received x                    2          3
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from msrwe.analysis.base import Analysis, Column, SummarySpec
from msrwe.tables.formatting import MISSING, fmt_edss, fmt_int, fmt_num, fmt_p

__all__ = ["Summary", "SummaryTable", "build_summary"]


@dataclass(frozen=True)
class SummaryTable:
    """One summary table: title, column headers, rows of text, caption."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""

    def as_text(self) -> str:
        """Fixed-width text: title, header, rule, rows (first column left, others right)."""
        cells = [self.header, *self.rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.header))]

        def line(r: tuple[str, ...]) -> str:
            return "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                   strict=True))
            ).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [self.title, line(self.header), rule, *(line(r) for r in self.rows)]
        if self.caption:
            out.append(self.caption)
        return "\n".join(out)

    def as_html(self) -> str:
        """An HTML table with its caption."""
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in self.rows
        )
        cap = f"<caption>{e(self.title)}</caption>"
        foot = f"<p class='muted'>{e(self.caption)}</p>" if self.caption else ""
        return (f"<table class='summary'>{cap}<thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>{foot}")


@dataclass(frozen=True)
class Summary:
    """The summary of an analysis (print it, or use :meth:`as_text` / :meth:`as_html`)."""

    tables: tuple[SummaryTable, ...]

    def as_text(self) -> str:
        """Every table as text, separated by blank lines."""
        return "\n\n".join(t.as_text() for t in self.tables)

    def as_html(self) -> str:
        """Every table as HTML."""
        return "\n".join(t.as_html() for t in self.tables)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

    def as_rich(self) -> list:
        """The tables as rich tables for the console."""
        from rich.table import Table
        from rich.text import Text

        out = []
        for t in self.tables:
            rt = Table(title=Text(t.title), caption=Text(t.caption) if t.caption else None)
            for i, h in enumerate(t.header):
                rt.add_column(Text(h), justify="left" if i == 0 else "right")
            for r in t.rows:  # group labels are data: text, never console markup
                rt.add_row(*(Text(c) for c in r))
            out.append(rt)
        return out


def _fmt(v: float | None, digits: int = 1, small: str = "-") -> str:
    """A number as the report writes it (:mod:`msrwe.tables.formatting`).

    NaN is a count withheld as small (:func:`msrwe.privacy.display_frame`).
    """
    if v is not None and math.isnan(v):
        return small
    return fmt_int(v) if digits == 0 else fmt_num(v, digits)


def _cell(col: Column, stats: dict[str, float | None] | None, small: str = "-") -> str:
    if not stats:
        return MISSING
    vals = [stats.get(s) for s in col.stats]
    if col.fmt == "int":
        return _fmt(vals[0], 0, small)
    if col.fmt == "p":
        return fmt_p(vals[0])
    if col.fmt == "edss":
        return "->".join(fmt_edss(v) for v in vals)
    if col.fmt == "n_pct":
        if vals[1] is None and vals[0] is not None and math.isnan(vals[0]):
            return small
        return f"{_fmt(vals[0], 0, small)} ({_fmt(vals[1])}%)"
    if col.fmt == "arrow":
        return "->".join(_fmt(v, col.digits, small) for v in vals)
    if col.fmt == "slash":
        return "/".join(_fmt(v, 0, small) for v in vals)
    return _fmt(vals[0], col.digits, small)


def _spec_table(results: pl.DataFrame, spec: SummarySpec, small: str = "-") -> SummaryTable | None:
    per: list[dict[str, dict[str, float | None]]] = []
    for col in spec.columns:
        df = results.filter(pl.col("analysis") == col.output)
        if col.variable is not None:
            df = df.filter(pl.col("variable") == col.variable)
        if col.level is not None:
            df = df.filter(pl.col("level") == col.level)
        got: dict[str, dict[str, float | None]] = {}
        for g, s, v in df.select("group", "stat", "value").iter_rows():
            got.setdefault(g, {}).setdefault(s, v)
        per.append(got)
    if not per or not per[0]:
        return None
    groups = {g for got in per for g in got}
    order = [*sorted(g for g in groups if g != "overall"), *(["overall"] if "overall" in groups
                                                            else [])]
    rows = tuple(
        (g, *(_cell(col, got.get(g), small) for col, got in zip(spec.columns, per, strict=True)))
        for g in order
    )
    return SummaryTable(spec.title, ("group", *(c.header for c in spec.columns)), rows,
                        spec.caption)


def build_summary(
    results: pl.DataFrame,
    attrition: pl.DataFrame,
    *,
    analyses: Sequence[Analysis],
    small: str = "-",
) -> Summary:
    """The attrition table, then each declared summary table the results have rows for.

    ``small`` is what a NaN value shows: a count withheld as small by small-cell suppression
    (``"<5"``, :meth:`msrwe.analysis.result.AnalysisResult.suppress`); null shows ``-``.
    """

    def count(v: float | None) -> str:
        return "-" if v is None else _fmt(float(v), 0, small)

    tables: list[SummaryTable] = []
    if attrition.height:
        rows = tuple(
            (str(c), count(e) if e else "", count(r))
            for _s, c, e, r in attrition.select("step", "criterion", "excluded",
                                                "remaining").iter_rows()
        )
        tables.append(SummaryTable("Cohort and attrition",
                                   ("criterion", "excluded", "remaining"), rows))
    for a in analyses:
        for spec in a.summary:
            t = _spec_table(results, spec, small)
            if t is not None:
                tables.append(t)
    return Summary(tuple(tables))
