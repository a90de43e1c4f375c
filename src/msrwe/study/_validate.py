"""The study file's value checks, re-exported from :mod:`msrwe._validate`.

They live there so that every package checks its own section of the study file (``[compare]``)
with the same rules and messages.
"""

from msrwe._validate import (
    MAX_STUDY_NUMBER,
    _choice,
    _date,
    _fail,
    _int,
    _num,
    _str_tuple,
    _text,
)

__all__ = ["MAX_STUDY_NUMBER", "_choice", "_date", "_fail", "_int", "_num", "_str_tuple", "_text"]
