"""``severity``: MSSS and ARMSS at baseline and at the last on-treatment EDSS.

Rows per group, variable ``msss`` or ``armss``: level ``baseline`` and ``last`` (``n``,
``median``, ``q1``, ``q3``, ``mean``), level ``change`` (``n``, ``change_median``,
``change_q1``, ``change_q3``, ``statistic``, ``p_value``: paired Wilcoxon). The method text names
the matrix (a global matrix file, or the local scores) and the indexing in force.
Definitions: :mod:`msrwe.derive.severity`.
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.endpoints._common import per_group
from msrwe.stats import summarize, wilcoxon_paired
from msrwe.tables.results import ResultsTable

__all__ = ["add_severity", "severity_method"]

_NAMES = {"msss": "MSSS (Roxburgh 2005)", "armss": "ARMSS (Manouchehrinia 2017)"}


def severity_method(kind: str, matrix: str | None, indexing: str) -> str:
    """The methods sentence for one score."""
    if matrix is None:
        axis = "disease duration" if kind == "msss" else "age"
        return (f"{_NAMES[kind]}, local version: the rank of the EDSS among the cohort's own "
                f"assessments within 2 years of the same {axis}, rank / (n + 1) x 10 (no global "
                "matrix supplied; the GPL matrices are not bundled)")
    rows = (f"row floor(disease duration) + 1 ({indexing} indexing)" if kind == "msss"
            else "row floor(age), ages 18-75")
    return f"{_NAMES[kind]} from the global matrix {matrix}, {rows}; EDSS 0.5 read as 0"


def add_severity(
    results: ResultsTable,
    *,
    adsl: pl.DataFrame,
    adsev: pl.DataFrame,
    msss_matrix: str | None = None,
    armss_matrix: str | None = None,
    indexing: str = "ms.sev",
    zero_method: str = "wilcox",
    p_method: str = "auto",
) -> None:
    """Add the ``severity`` rows.

    Parameters
    ----------
    results
        The table to add rows to.
    adsl
        The cohort (``patient_id``, ``group``).
    adsev
        From :func:`msrwe.derive.severity.derive_vars_severity` (``msss_base``,
        ``msss_last``, ``armss_base``, ``armss_last``).
    msss_matrix, armss_matrix
        Names of the matrices in force (``None``: local scores), for the method text.
    indexing
        The MSSS indexing in force.
    zero_method, p_method
        The Wilcoxon test's options.
    """
    require_columns(adsev, "adsev", ["patient_id", "msss_base", "msss_last", "armss_base",
                                     "armss_last"])
    for kind, matrix in (("msss", msss_matrix), ("armss", armss_matrix)):
        method = severity_method(kind, matrix, indexing)
        label = "MSSS" if kind == "msss" else "ARMSS"
        for g, part in per_group(adsl, adsev):
            for t, lev in (("base", "baseline"), ("last", "last")):
                dsc = summarize(part[f"{kind}_{t}"].to_numpy())
                results.add_stats("severity", g, kind, lev,
                                  {"n": dsc["n"], "median": dsc["median"], "q1": dsc["q1"],
                                   "q3": dsc["q3"], "mean": dsc["mean"]},
                                  label=f"{label} at the {lev} EDSS", method=method)
            both = part.filter(pl.col(f"{kind}_base").is_not_null()
                               & pl.col(f"{kind}_last").is_not_null())
            b, last = both[f"{kind}_base"].to_numpy(), both[f"{kind}_last"].to_numpy()
            ch = summarize(last - b)
            if both.height == 0:
                results.add_stats("severity", g, kind, "change",
                                  {"n": 0, "statistic": None, "p_value": None},
                                  label=f"{label} change",
                                  method="not computed: no patient with both scores")
                continue
            w = wilcoxon_paired(b, last, zero_method=zero_method, method=p_method)
            results.add_stats(
                "severity", g, kind, "change",
                {"n": both.height, "change_median": ch["median"], "change_q1": ch["q1"],
                 "change_q3": ch["q3"], "statistic": w.statistic, "p_value": w.p_value},
                label=f"{label} change, last vs baseline", method=f"{method}; {w.method}",
            )
