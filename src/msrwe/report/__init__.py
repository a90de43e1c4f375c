"""The one-file HTML report: it renders an analysis result and the store's data quality.

:func:`render_report` renders what it is given (an
:class:`~msrwe.analysis.result.AnalysisResult` and the store's data quality);
:func:`msrwe.pipeline.build_report` composes analyze -> render for a store (what
``msrwe report`` does).

Examples
--------
>>> from msrwe.report import render_report
>>> callable(render_report)
True
"""

import warnings
from importlib import import_module
from pathlib import Path
from typing import Any

from msrwe.report import render as _render
from msrwe.report.dataquality import DataQuality
from msrwe.report.render import RENDER_STEPS

__all__ = ["RENDER_STEPS", "DataQuality", "render_report"]


def render_report(result: Any, quality: Any = None, out: Any = None, **kwargs: Any) -> Path:
    """Render a result: :func:`msrwe.report.render.render_report` (documented there).

    The old call ``render_report(db, out_html, study=..., analysis=..., export_dir=...,
    progress=...)`` (a store path first) still works with a :class:`DeprecationWarning`: it
    runs :func:`msrwe.pipeline.build_report`.
    """
    if isinstance(result, str | Path):
        warnings.warn(
            "render_report(db, out_html, ...) is deprecated: compose msrwe.pipeline.analyze() and "
            "render_report(result, quality, out), or call msrwe.pipeline.build_report",
            DeprecationWarning, stacklevel=2,
        )
        # a string import (as msrwe's lazy names): the report never depends on the pipeline
        build_report = import_module("msrwe.pipeline").build_report
        return build_report(result, quality, study=kwargs.get("study"),
                            analysis=kwargs.get("analysis"), export=kwargs.get("export_dir"),
                            progress=kwargs.get("progress"))
    return _render.render_report(result, quality, out, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "compute_table1":
        warnings.warn("msrwe.report.compute_table1 is deprecated: import it from msrwe.tables",
                      DeprecationWarning, stacklevel=2)
        return import_module("msrwe.tables").compute_table1
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
