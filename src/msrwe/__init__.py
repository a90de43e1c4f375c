"""msrwe: real-world evidence for progressive multiple sclerosis treatments from clinic charts.

The package follows the data's way through the folders: ``schema`` (the chart tables), ``io``
(readers and the import), ``store`` (DuckDB), ``derive`` (phenotype, exposure, outcomes),
``stats``, ``tables`` (long results tables), ``report``, ``synth`` and ``cli``.
"""

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
from msrwe.tables.results import ResultsTable

__all__ = [
    "DefinitionError",
    "ImportRefused",
    "InputError",
    "MappingError",
    "MsrweError",
    "OptionError",
    "ResultsTable",
    "StoreError",
    "StudyFileError",
    "__version__",
]
