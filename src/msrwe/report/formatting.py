"""How numbers are written in the report: the names of :mod:`msrwe.tables.formatting`.

The report and the console summary share one formatter; it lives in
:mod:`msrwe.tables.formatting` (below the analysis layer, which builds the console summary) and
is re-exported here, the report's place for it.

Examples
--------
>>> fmt_p(0.0001), fmt_ci(-1.52, -0.4)
('<0.001', '-1.5 to -0.4')
"""

from __future__ import annotations

from msrwe.tables.formatting import (
    MISSING,
    fmt_ci,
    fmt_edss,
    fmt_estimate_ci,
    fmt_int,
    fmt_median_iqr,
    fmt_n_pct,
    fmt_n_pct_events,
    fmt_num,
    fmt_p,
    is_missing,
    plural,
    small_cells,
)

__all__ = [
    "MISSING",
    "fmt_ci",
    "fmt_edss",
    "fmt_estimate_ci",
    "fmt_int",
    "fmt_median_iqr",
    "fmt_n_pct",
    "fmt_n_pct_events",
    "fmt_num",
    "fmt_p",
    "is_missing",
    "plural",
    "small_cells",
]
