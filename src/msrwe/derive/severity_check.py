"""Check a user's MSSS or ARMSS matrix file against the published check values.

msrwe bundles no severity matrix (the global ones are GPL, reference/endpoints.md 7.1). Once
you have exported one (docs/endpoints.md, "MS severity"), run::

    python -m msrwe.derive.severity_check msss_roxburgh.csv --kind msss
    python -m msrwe.derive.severity_check armss_global.csv --kind armss

It looks up the check values of endpoints.md 7.2 (computed with R ms.sev 1.0.4 and Python mssev
0.5.2) with both row conventions and prints expected against found; the exit status is 0 when
every value matches to the digits given, 1 otherwise. Which set applies is read from the file:
an MSSS matrix whose first row is dd0 is Roxburgh's (``oldMsss``, 31 rows; EDSS 6.0 at 10 years
= **7.385**), one starting at dd1 is the updated global matrix (``globalMsss``); an ARMSS
matrix gives EDSS 6.0 at age 50 = **7.33**.

Examples
--------
>>> [c for c in CHECK_VALUES if c.layout == "armss"][0]
Check(layout='armss', edss=6.0, at=50.0, indexing='ms.sev', expected=7.33, digits=2)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import polars as pl

from msrwe.derive.severity import SeverityMatrix, read_severity_matrix
from msrwe.errors import MsrweError

__all__ = ["CHECK_VALUES", "Check", "check_severity_matrix", "layout_of", "main"]


class Check(NamedTuple):
    """One check value: the score of ``edss`` at ``at`` (years of disease or of age)."""

    layout: str  #: ``roxburgh`` (rows dd0-dd30), ``updated`` (dd1-dd30) or ``armss``
    edss: float
    at: float
    indexing: str  #: ``ms.sev`` (R) or ``mssev`` (Python)
    expected: float | None  #: ``None``: that implementation gives no score
    digits: int  #: decimals the reference gives


#: endpoints.md 7.2 (EDSS 6.0 table and "Other checks"). mssev's own Roxburgh matrix has no dd0
#: row, so its "NaN" at dd 0.5 is not a row convention and is left out; mssev caps ages at 75
#: while msrwe's ARMSS follows ms.sev (none outside 18-75), so only ms.sev's ARMSS is listed.
CHECK_VALUES: tuple[Check, ...] = (
    Check("roxburgh", 6.0, 10.0, "ms.sev", 7.385, 3),
    Check("roxburgh", 6.0, 10.0, "mssev", 7.385, 3),
    Check("roxburgh", 6.0, 9.5, "ms.sev", 7.652, 3),
    Check("roxburgh", 6.0, 9.5, "mssev", 7.652, 3),
    Check("roxburgh", 6.0, 0.5, "ms.sev", 9.756, 3),
    Check("roxburgh", 6.0, 35.0, "ms.sev", 4.354, 3),
    Check("roxburgh", 6.0, 35.0, "mssev", 4.347, 3),
    Check("roxburgh", 3.0, 5.0, "ms.sev", 5.790, 3),
    Check("roxburgh", 0.0, 10.0, "ms.sev", 0.188, 3),
    Check("updated", 6.0, 10.0, "ms.sev", 7.71, 2),
    Check("updated", 6.0, 10.0, "mssev", 7.83, 2),
    Check("updated", 6.0, 9.5, "ms.sev", 7.83, 2),
    Check("updated", 6.0, 9.5, "mssev", 8.08, 2),
    Check("updated", 6.0, 0.5, "ms.sev", 9.46, 2),
    Check("updated", 6.0, 0.5, "mssev", None, 2),
    Check("updated", 6.0, 35.0, "ms.sev", 4.72, 2),
    Check("updated", 6.0, 35.0, "mssev", 4.72, 2),
    Check("updated", 3.0, 5.0, "ms.sev", 6.08, 2),
    Check("updated", 3.0, 5.0, "mssev", 6.35, 2),
    Check("updated", 0.0, 10.0, "ms.sev", 0.33, 2),
    Check("armss", 6.0, 50.0, "ms.sev", 7.33, 2),
    Check("armss", 6.0, 50.9, "ms.sev", 7.33, 2),
    Check("armss", 6.0, 17.9, "ms.sev", None, 2),
    Check("armss", 6.0, 80.0, "ms.sev", None, 2),
    Check("armss", 3.0, 35.0, "ms.sev", 6.63, 2),
)


def layout_of(matrix: SeverityMatrix) -> str:
    """``armss``; ``roxburgh`` for an MSSS matrix whose first row is dd0, else ``updated``."""
    if matrix.kind == "armss":
        return "armss"
    return "roxburgh" if matrix.labels[0] == 0 else "updated"


def check_severity_matrix(matrix: SeverityMatrix) -> pl.DataFrame:
    """Look up the check values of the matrix's layout.

    Returns
    -------
    polars.DataFrame
        One row per check: ``edss``, ``at``, ``indexing``, ``expected``, ``found`` (rounded to
        the reference's digits) and ``ok``.
    """
    layout = layout_of(matrix)
    rows = []
    for c in (c for c in CHECK_VALUES if c.layout == layout):
        got = matrix.lookup(edss=[c.edss], at=[c.at], indexing=c.indexing)[0]
        found = None if got is None or got != got else round(got, c.digits)
        rows.append({"edss": c.edss, "at": c.at, "indexing": c.indexing,
                     "expected": c.expected, "found": found, "ok": found == c.expected})
    return pl.DataFrame(rows, schema={"edss": pl.Float64, "at": pl.Float64,
                                      "indexing": pl.String, "expected": pl.Float64,
                                      "found": pl.Float64, "ok": pl.Boolean})


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m msrwe.derive.severity_check FILE --kind msss|armss``."""
    parser = argparse.ArgumentParser(
        prog="python -m msrwe.derive.severity_check",
        description="Check an MSSS/ARMSS matrix file against reference/endpoints.md 7.2.")
    parser.add_argument("file", type=Path, help="the matrix CSV (docs/endpoints.md format)")
    parser.add_argument("--kind", choices=("msss", "armss"), required=True)
    args = parser.parse_args(argv)
    try:
        matrix = read_severity_matrix(args.file, kind=args.kind)
    except MsrweError as exc:
        print(exc, file=sys.stderr)
        return 2
    table = check_severity_matrix(matrix)
    at = "age" if args.kind == "armss" else "years"
    print(f"{args.file.name}: {layout_of(matrix)} layout, {len(matrix.labels)} rows")
    for r in table.iter_rows(named=True):
        exp = "none" if r["expected"] is None else f"{r['expected']:g}"
        got = "none" if r["found"] is None else f"{r['found']:g}"
        mark = "ok" if r["ok"] else "DIFFERENT"
        print(f"  EDSS {r['edss']:g} at {at} {r['at']:g} ({r['indexing']}): expected {exp}, "
              f"found {got}  {mark}")
    ok = bool(table["ok"].all())
    print("all check values match" if ok else "some check values differ")
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover - exercised through main() in the tests
    raise SystemExit(main())
