"""Parameter checks shared by the statistics functions, with messages in one form.

Every message reads "The '<name>' parameter of <function> must be <rule>. Got <value> instead.",
in the manner of scikit-learn's declared parameter validation.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from msrwe.errors import InputError, OptionError

__all__ = [
    "as_float_array",
    "check_alpha",
    "check_count",
    "check_level",
    "check_nonneg",
    "check_option",
]


def _fail(func: str, name: str, rule: str, value: Any) -> OptionError:
    return OptionError(f"The '{name}' parameter of {func} must be {rule}. Got {value!r} instead.")


def check_level(level: Any, func: str) -> float:
    """Return ``level`` as a float strictly between 0 and 1, or raise :class:`OptionError`."""
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < float(level) < 1:
        raise _fail(func, "level", "a number strictly between 0 and 1 (e.g. 0.95)", level)
    return float(level)


def check_alpha(alpha: Any, func: str) -> float:
    """Return ``alpha`` as a float strictly between 0 and 1, or raise :class:`OptionError`."""
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < float(alpha) < 1:
        raise _fail(func, "alpha", "a number strictly between 0 and 1 (e.g. 0.05)", alpha)
    return float(alpha)


def check_count(value: Any, name: str, func: str) -> int:
    """Return ``value`` as a non-negative int, or raise :class:`OptionError`."""
    if isinstance(value, bool):
        raise _fail(func, name, "a whole number >= 0", value)
    if isinstance(value, Integral) or (isinstance(value, Real) and float(value).is_integer()):
        ivalue = int(value)
    else:
        raise _fail(func, name, "a whole number >= 0", value)
    if ivalue < 0:
        raise _fail(func, name, "a whole number >= 0", value)
    return ivalue


def check_nonneg(value: Any, name: str, func: str, *, strict: bool = False) -> float:
    """Return ``value`` as a finite float >= 0 (> 0 when ``strict``), or raise."""
    rule = "a finite number > 0" if strict else "a finite number >= 0"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _fail(func, name, rule, value)
    fvalue = float(value)
    if not math.isfinite(fvalue) or fvalue < 0 or (strict and fvalue == 0):
        raise _fail(func, name, rule, value)
    return fvalue


def check_option(value: Any, name: str, func: str, allowed: Collection[str]) -> str:
    """Return ``value`` when it is one of ``allowed``, or raise :class:`OptionError`."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in sorted(allowed))
        raise _fail(func, name, f"one of {{{choices}}}", value)
    return value


def as_float_array(values: Any, name: str, func: str) -> np.ndarray:
    """Return ``values`` as a 1-D float array (None becomes NaN), or raise :class:`InputError`."""
    if isinstance(values, str | bytes):
        raise _fail(func, name, "a sequence of numbers", values)
    try:
        if hasattr(values, "to_numpy"):
            values = values.to_numpy()
        seq: Sequence[Any] | np.ndarray = values
        arr = np.asarray(
            [np.nan if v is None else v for v in seq] if not isinstance(seq, np.ndarray) else seq,
            dtype=float,
        )
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"The '{name}' parameter of {func} must hold numbers only ({exc})."
        ) from exc
    if arr.ndim != 1:
        raise _fail(func, name, "one-dimensional", f"an array of shape {arr.shape}")
    return arr
