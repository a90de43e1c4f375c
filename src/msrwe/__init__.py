"""msrwe: real-world evidence for progressive multiple sclerosis treatments from clinic charts.

The package follows the data's way through the folders: ``schema`` (the chart tables), ``io``
(readers and the import), ``store`` (DuckDB), ``derive`` (phenotype, exposure, outcomes),
``stats``, ``tables`` (long results tables), ``study`` (study file, cohort, analyses),
``report``, ``synth`` and ``cli``.

The main entry points are re-exported here and loaded on first use, so ``import msrwe`` stays
quick: it loads none of numba, matplotlib, scipy, the outcome engine or the report
(``tests/test_import_graph.py`` checks it)::

    import msrwe
    tables = msrwe.make_cohort(83, seed=2019)           # a synthetic chart export
    result = msrwe.detect_events(tables["visits"], tables["relapses"], outcome="edss")
    print(result.describe())

Examples
--------
>>> import msrwe
>>> callable(msrwe.detect_events) and callable(msrwe.import_folder)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msrwe._lazy import lazy_exports
from msrwe._version import __version__
from msrwe.errors import (
    DefinitionError,
    ImportRefused,
    InputError,
    MappingError,
    MsrweError,
    OptionError,
    StoreError,
    StudyFileError,
)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from msrwe.analysis import AnalysisResult
    from msrwe.derive.outcomes import OutcomeResult, detect_events
    from msrwe.derive.outcomes.composite import EDSS_PLUS, detect_composite
    from msrwe.io import ImportSummary, import_folder, read_chart_folder
    from msrwe.pipeline import analyze
    from msrwe.report import render_report
    from msrwe.schema import CONTRACT, pandera_schema
    from msrwe.study import Study, load_study
    from msrwe.synth import make_cohort, write_cohort
    from msrwe.tables.results import ResultsTable

#: Public name -> module that defines it; loaded on first attribute access.
_LAZY: dict[str, str] = {
    "CONTRACT": "msrwe.schema",
    "EDSS_PLUS": "msrwe.derive.outcomes.composite",
    "AnalysisResult": "msrwe.analysis",
    "ImportSummary": "msrwe.io",
    "OutcomeResult": "msrwe.derive.outcomes",
    "ResultsTable": "msrwe.tables.results",
    "Study": "msrwe.study",
    "analyze": "msrwe.pipeline",
    "detect_composite": "msrwe.derive.outcomes.composite",
    "detect_events": "msrwe.derive.outcomes",
    "import_folder": "msrwe.io",
    "load_study": "msrwe.study",
    "make_cohort": "msrwe.synth",
    "pandera_schema": "msrwe.schema",
    "read_chart_folder": "msrwe.io",
    "render_report": "msrwe.report",
    "write_cohort": "msrwe.synth",
}

__all__ = [
    "CONTRACT",
    "EDSS_PLUS",
    "AnalysisResult",
    "DefinitionError",
    "ImportRefused",
    "ImportSummary",
    "InputError",
    "MappingError",
    "MsrweError",
    "OptionError",
    "OutcomeResult",
    "ResultsTable",
    "StoreError",
    "Study",
    "StudyFileError",
    "__version__",
    "analyze",
    "detect_composite",
    "detect_events",
    "import_folder",
    "load_study",
    "make_cohort",
    "pandera_schema",
    "read_chart_folder",
    "render_report",
    "write_cohort",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
