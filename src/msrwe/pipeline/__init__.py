"""The study as a pipeline of declared analyses: the registry and the runner.

:data:`ANALYSES` lists every analysis in report order; :func:`analyze` runs those a study turns
on over a store and returns one :class:`~msrwe.analysis.AnalysisResult`; :func:`build_report`
composes analyze -> render for ``msrwe report``. This package sits above ``study``, ``compare``
and the other packages that declare analyses, and above ``report``, so none of them imports it
(``docs/architecture.md``).

Examples
--------
>>> from msrwe.pipeline import ANALYSES
>>> [a.name for a in ANALYSES][:5]
['cohort', 'table1', 'exposure', 'safety', 'efficacy']
"""

from msrwe._lazy import lazy_exports
from msrwe.pipeline.registry import ANALYSES, check_study, output, outputs, run_order
from msrwe.pipeline.run import STEPS, analyze, read_chart_tables, resolve_study

#: Loaded on first use: the report (matplotlib, Jinja2, great_tables) is not imported by a
#: command that only analyses (``msrwe analyze``, ``msrwe init-study``).
_LAZY = {"build_report": "msrwe.pipeline.report"}

__all__ = [
    "ANALYSES",
    "STEPS",
    "analyze",
    "build_report",
    "check_study",
    "output",
    "outputs",
    "read_chart_tables",
    "resolve_study",
    "run_order",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
