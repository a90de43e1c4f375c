"""The exceptions msrwe raises, in one hierarchy.

Every error a user can cause (a bad chart file, a wrong option, a broken study file) is an
:class:`InputError`, with a message written for a clinician: it names the file, row, column,
value and rule where it can. Errors that mean msrwe itself is wrong are :class:`DefinitionError`.
The command line prints the message of any :class:`MsrweError` and exits with status 1, never with
a traceback::

    MsrweError
    ├── InputError                 the user's input cannot be used as given
    │   ├── ImportRefused          a fatal problem with a chart file; the store is left untouched
    │   ├── MappingError           a mapping file (site export -> contract) is malformed
    │   ├── StudyFileError         a study file (TOML) is malformed or selects nothing
    │   ├── OptionError            an option of a function has a value it does not accept
    │   └── BundleError            a folder given as an analysis bundle is missing, old or foreign
    ├── StoreError                 the DuckDB store is missing, locked or not an msrwe store
    ├── MissingExtraError          an optional part (e.g. PySpark) is not installed
    └── DefinitionError            an internal definition is inconsistent (a bug: please report it)

Examples
--------
>>> from msrwe.errors import OptionError, MsrweError
>>> issubclass(OptionError, MsrweError) and issubclass(OptionError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "BundleError",
    "DefinitionError",
    "ImportRefused",
    "InputError",
    "MappingError",
    "MissingExtraError",
    "MsrweError",
    "OptionError",
    "StoreError",
    "StudyFileError",
]


class MsrweError(Exception):
    """Base class of every error msrwe raises on purpose."""


class InputError(MsrweError):
    """The user's input (a file, an option, a study file) cannot be used as given."""


class ImportRefused(InputError):
    """A fatal problem with a chart file: the whole import is refused and the store is unchanged.

    Parameters
    ----------
    message
        What is wrong, in words a research coordinator understands.
    file
        The file concerned, when there is one.
    """

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


class MappingError(InputError):
    """A mapping file that adapts a site's export to the chart contract is malformed."""


class StudyFileError(InputError):
    """A study file is malformed, names something unknown, or selects no patient."""


class OptionError(InputError, ValueError):
    """An option of a public function has a value it does not accept.

    Parameters
    ----------
    message
        The whole message.
    option
        The option's name, when the error is about one option.
    rule
        What the option must be and what it got ("must be one of {...}. Got 'x' instead."), so
        that a command line can restate the error with its own flag name.
    """

    def __init__(self, message: str, *, option: str | None = None, rule: str | None = None) -> None:
        self.option = option
        self.rule = rule
        super().__init__(message)


class BundleError(InputError):
    """A folder given as an analysis (``msrwe report --analysis``) cannot be read as one.

    It is missing, was written in another layout by another msrwe, lacks a file, or is
    something else (an export, a site package).
    """


class StoreError(MsrweError):
    """The DuckDB store is missing, locked, or does not hold what was asked for."""


class MissingExtraError(MsrweError, ImportError):
    """An optional part of msrwe is not installed; the message says how to install it."""


class DefinitionError(MsrweError):
    """An internal definition is inconsistent. This is a bug in msrwe, not in the data."""
