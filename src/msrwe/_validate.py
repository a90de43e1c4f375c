"""Checks of study-file values, with messages that name the setting, the rule and the value."""

from __future__ import annotations

import datetime as dt
import math

from msrwe.errors import StudyFileError

__all__ = ["MAX_STUDY_NUMBER", "_choice", "_date", "_fail", "_int", "_num", "_str_tuple", "_text"]


def _where(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def _toml_value(value: object) -> str:
    """A value as the study file writes it (TOML), not as Python prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _fail(section: str, key: str, rule: str, value: object) -> StudyFileError:
    """The error for a setting that breaks its rule, quoting the value as the file writes it.

    Examples
    --------
    >>> print(_fail("cohort", "first_dose_from", "must be a date", dt.date(2015, 1, 31)))
    study file: cohort.first_dose_from must be a date; got 2015-01-31.
    >>> print(_fail("cohort", "route", "must be one of ...", True))
    study file: cohort.route must be one of ...; got true.
    """
    return StudyFileError(f"study file: {_where(section, key)} {rule}; got {_toml_value(value)}.")


#: The largest value any count or number of days in a study file may take: 100 years of days.
#: Larger values (``1e308``, ``9223372036854775807``) are typing errors and overflow date
#: arithmetic in the engines (issue 9, item 10).
MAX_STUDY_NUMBER = 36525


def _int(section: str, key: str, value: object, *, low: int | None = None,
         high: int = MAX_STUDY_NUMBER) -> int:
    """A whole number within ``[low, high]``, or the error naming the key.

    Examples
    --------
    >>> print(_fail("safety", "risk_window_days", "must be at least 0", -1))
    study file: safety.risk_window_days must be at least 0; got -1.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(section, key, "must be a whole number", value)
    if low is not None and value < low:
        raise _fail(section, key, f"must be at least {low}", value)
    if value > high:
        raise _fail(section, key, f"must be at most {high}", value)
    return value


def _num(section: str, key: str, value: object, *, low: float | None = None,
         high: float = MAX_STUDY_NUMBER) -> float:
    """A finite number within ``[low, high]``, or the error naming the key (``nan``, ``inf``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(section, key, "must be a number", value)
    if not math.isfinite(value):
        raise _fail(section, key, "must be a finite number", value)
    if low is not None and value < low:
        raise _fail(section, key, f"must be at least {low:g}", value)
    if value > high:
        raise _fail(section, key, f"must be at most {high:g}", value)
    return float(value)


def _choice(section: str, key: str, value: object, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise _fail(section, key, f"must be one of {', '.join(allowed)}", value)
    return value


def _date(section: str, key: str, value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(section, key, "must be a date such as 2015-01-31", value)


def _text(section: str, key: str, value: object, *, lower: bool = False) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(section, key, "must be a non-empty text", value)
    return value.strip().lower() if lower else value.strip()


def _str_tuple(section: str, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise _fail(section, key, "must be a list of texts", value)
    if not all(isinstance(v, str) for v in value):
        raise _fail(section, key, "must be a list of texts", value)
    return tuple(value)
