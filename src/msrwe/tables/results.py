"""The long results table that every rendering (HTML, CSV, console) reads.

Every number msrwe reports is computed once into rows of
``analysis, group, variable, level, stat, value`` (plus ``label`` and ``method``), in the spirit of
long "ARD" (analysis results data) tables. ``value`` is always a float (counts too), so the column
types never change with the input; text goes into ``label`` and ``method``.
The full vocabulary of analyses and stats is documented in ``docs/results.md``.

Examples
--------
>>> r = ResultsTable()
>>> r.add("ae_incidence", "overall", "term", "Headache", "n", 10, label="Headache")
>>> r.add_stats("ae_incidence", "overall", "term", "Headache", {"N": 83, "pct": 12.05})
>>> r.get("ae_incidence", "pct", variable="term", level="Headache")
12.05
>>> r.to_polars().columns
['analysis', 'group', 'variable', 'level', 'stat', 'value', 'label', 'method']
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from msrwe._atomic import atomic_path
from msrwe.errors import StoreError

__all__ = ["RESULT_COLUMNS", "RESULT_SCHEMA", "ResultsTable", "read_results"]

RESULT_SCHEMA: dict[str, pl.DataType] = {
    "analysis": pl.String(),
    "group": pl.String(),
    "variable": pl.String(),
    "level": pl.String(),
    "stat": pl.String(),
    "value": pl.Float64(),
    "label": pl.String(),
    "method": pl.String(),
}
RESULT_COLUMNS: tuple[str, ...] = tuple(RESULT_SCHEMA)


@dataclass
class ResultsTable:
    """A growing long table of results; add rows, then write or query it."""

    _rows: list[tuple[str, str, str, str, str, float | None, str, str]] = field(
        default_factory=list
    )

    def add(
        self,
        analysis: str,
        group: str,
        variable: str,
        level: str,
        stat: str,
        value: float | int | bool | None,
        *,
        label: str = "",
        method: str = "",
    ) -> None:
        """Add one row. ``None`` and NaN are stored as missing."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            v: float | None = None
        else:
            v = float(value)
        self._rows.append((analysis, group, variable, level or "", stat, v, label, method))

    def add_stats(
        self,
        analysis: str,
        group: str,
        variable: str,
        level: str,
        stats: Mapping[str, float | int | bool | None],
        *,
        label: str = "",
        method: str = "",
    ) -> None:
        """Add one row per entry of ``stats`` sharing the same keys."""
        for stat, value in stats.items():
            self.add(analysis, group, variable, level, stat, value, label=label, method=method)

    def extend(self, other: ResultsTable | Iterable[tuple]) -> None:
        """Append the rows of another table."""
        rows = other._rows if isinstance(other, ResultsTable) else list(other)
        self._rows.extend(rows)

    def mark_not_computed(
        self,
        analyses: Iterable[str],
        reason: str,
        *,
        since: int = 0,
        keep_stats: Iterable[str] = ("N",),
    ) -> None:
        """Blank the values of rows that cannot be known, saying why in ``method``.

        Rows from position ``since`` on whose analysis is in ``analyses`` get a missing value
        (except the stats in ``keep_stats``, e.g. the number of patients ``N``) and the method
        ``"not computed: <reason>"``, so that no renderer mistakes them for zero counts.

        Examples
        --------
        >>> r = ResultsTable()
        >>> r.add_stats("ae_incidence", "overall", "any", "", {"N": 83, "n": 0})
        >>> r.mark_not_computed(["ae_incidence"], "no adverse_events table was imported")
        >>> r.get("ae_incidence", "n") is None, r.get("ae_incidence", "N")
        (True, 83.0)
        """
        wanted, keep = set(analyses), set(keep_stats)
        note = f"not computed: {reason}"
        for i in range(since, len(self._rows)):
            a, g, var, lev, stat, value, label, _ = self._rows[i]
            if a in wanted:
                self._rows[i] = (a, g, var, lev, stat, value if stat in keep else None, label, note)

    def __len__(self) -> int:
        return len(self._rows)

    def to_polars(self) -> pl.DataFrame:
        """The rows as a Polars DataFrame with :data:`RESULT_SCHEMA`."""
        return pl.DataFrame(self._rows, schema=RESULT_SCHEMA, orient="row")

    def get(
        self,
        analysis: str,
        stat: str,
        *,
        group: str = "overall",
        variable: str | None = None,
        level: str | None = None,
    ) -> float | None:
        """The value of the first row that matches, or ``None``."""
        for a, g, var, lev, s, v, _, _ in self._rows:
            if (a, s, g) != (analysis, stat, group):
                continue
            if (variable is None or var == variable) and (level is None or lev == level):
                return v
        return None

    def write(
        self,
        out_dir: str | Path,
        *,
        csv_cells: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> tuple[Path, Path]:
        """Write ``results.csv`` and ``results.parquet`` into ``out_dir``, each atomically.

        ``csv_cells`` transforms the frame before the CSV is written; by default text cells a
        spreadsheet would read as a formula are made inert (:func:`msrwe.io.neutralise_formulas`:
        a group label is chart text).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        df = self.to_polars()
        csv_path, pq_path = out / "results.csv", out / "results.parquet"
        from msrwe._csvsafe import neutralise_formulas  # a group label is chart text

        with atomic_path(csv_path) as tmp:  # a full disk leaves the previous table whole
            (csv_cells or neutralise_formulas)(df).write_csv(tmp)
        with atomic_path(pq_path) as tmp:
            df.write_parquet(tmp)
        return csv_path, pq_path


def read_results(path: str | Path) -> pl.DataFrame:
    """Read a results table written by :meth:`ResultsTable.write` (CSV or Parquet)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.parquet"
    if not p.exists():
        raise StoreError(f"{p}: no results here. Run `msrwe analyze` first.")
    if p.suffix == ".parquet":
        return pl.read_parquet(p)
    return pl.read_csv(p, schema=RESULT_SCHEMA)
