"""Checks of study-file values, with messages that name the setting, the rule and the value."""

from __future__ import annotations

import datetime as dt

from msrwe.errors import StudyFileError

__all__ = ["_choice", "_date", "_fail", "_int", "_num", "_str_tuple", "_text"]


def _where(section: str, key: str) -> str:
    return f"{section}.{key}" if section else key


def _fail(section: str, key: str, rule: str, value: object) -> StudyFileError:
    return StudyFileError(f"study file: {_where(section, key)} {rule}; got {value!r}.")


def _int(section: str, key: str, value: object, *, low: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(section, key, "must be a whole number", value)
    if low is not None and value < low:
        raise _fail(section, key, f"must be at least {low}", value)
    return value


def _num(section: str, key: str, value: object, *, low: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(section, key, "must be a number", value)
    if low is not None and value < low:
        raise _fail(section, key, f"must be at least {low}", value)
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
