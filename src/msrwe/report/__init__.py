"""The one-file HTML report: it renders an analysis result and the store's data quality.

:func:`render_report` renders what it is given; :func:`build_report` composes
analyze -> render for a store (what ``msrwe report`` does).

Examples
--------
>>> from msrwe.report import render_report
>>> callable(render_report)
True
"""

from typing import Any

from msrwe.report.compose import build_report, render_report
from msrwe.report.dataquality import DataQuality
from msrwe.report.render import RENDER_STEPS

__all__ = ["RENDER_STEPS", "DataQuality", "build_report", "render_report"]


def __getattr__(name: str) -> Any:
    if name == "compute_table1":
        import warnings

        from msrwe.tables import compute_table1

        warnings.warn(
            "msrwe.report.compute_table1 is deprecated: import it from msrwe.tables",
            DeprecationWarning, stacklevel=2,
        )
        return compute_table1
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
