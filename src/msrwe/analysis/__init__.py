"""What an analysis is and what analysing gives: the base of the declared analyses.

- :class:`Analysis`, with its vocabulary as data (:class:`Output`, :class:`Stat`,
  :class:`KeyFact`, :class:`SummarySpec`, :class:`Column`) and the :class:`Context` it runs in;
- :class:`AnalysisResult` (with :class:`InForce` and :class:`Provenance`), its one export and its
  :class:`Summary`.

Packages that declare analyses (``study``, ``compare``, ...) import this package; the registry
and the runner are in :mod:`msrwe.pipeline`.

Examples
--------
>>> from msrwe.analysis import Output, Stat
>>> Output("ae_incidence", "Adverse events", stats=(Stat("n", "patients"),)).display
'generic'
"""

from msrwe.analysis.base import (
    Analysis,
    Column,
    Context,
    KeyFact,
    Output,
    Stat,
    SummarySpec,
    reading,
)
from msrwe.analysis.result import (
    DATASET_NAMES,
    EXPORT_FILES,
    AnalysisResult,
    InForce,
    Provenance,
)
from msrwe.analysis.summary import Summary, SummaryTable, build_summary

__all__ = [
    "DATASET_NAMES",
    "EXPORT_FILES",
    "Analysis",
    "AnalysisResult",
    "Column",
    "Context",
    "InForce",
    "KeyFact",
    "Output",
    "Provenance",
    "Stat",
    "Summary",
    "SummarySpec",
    "SummaryTable",
    "build_summary",
    "reading",
]
