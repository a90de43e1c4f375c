"""How numbers are written in the report: one place, so tests can re-derive every cell.

Every cell of the report's tables is built from values of the results table by the functions
below; a test reads each number back from the HTML and checks it against the results table,
rounded as displayed here.

Examples
--------
>>> fmt_n_pct_events(10, 12.048, 14)
'10 (12.0%) [14]'
>>> fmt_ci(5.93, 21.04)
'5.9–21.0'
>>> fmt_num(None)
'–'
>>> fmt_p(0.0001)
'<0.001'
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "MISSING",
    "fmt_ci",
    "fmt_edss",
    "fmt_int",
    "fmt_median_iqr",
    "fmt_n_pct",
    "fmt_n_pct_events",
    "fmt_num",
    "fmt_p",
    "is_missing",
    "small_cells",
]

#: What an empty cell shows (an en dash).
MISSING = "–"
#: What a NaN cell shows while :func:`small_cells` is in force (``"<5"``), else ``None``.
_SMALL: ContextVar[str | None] = ContextVar("msrwe_small_cell_mark", default=None)


@contextmanager
def small_cells(min_cell: int | None) -> Iterator[None]:
    """Within the block a NaN count shows ``<min_cell``: a count withheld as small.

    Small-cell suppression (:func:`msrwe.privacy.display_frame`) marks such counts with NaN;
    the results table itself never holds NaN. ``None`` changes nothing.

    Examples
    --------
    >>> with small_cells(5):
    ...     fmt_int(float("nan")), fmt_n_pct(float("nan"), None), fmt_int(None)
    ('<5', '<5', '–')
    >>> fmt_int(float("nan"))
    '–'
    """
    token = _SMALL.set(None if min_cell is None else f"<{min_cell}")
    try:
        yield
    finally:
        _SMALL.reset(token)


def _empty(value: float | int | None) -> str:
    mark = _SMALL.get()
    return mark if mark is not None and value is not None else MISSING


def is_missing(value: float | int | None) -> bool:
    """Whether a value counts as missing (``None`` or NaN).

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_num(value: float | int | None, digits: int = 1) -> str:
    """A number with a fixed number of decimals, or the missing mark.

    Examples
    --------
    >>> fmt_num(4.0), fmt_num(0.3456, 2), fmt_num(-0.04)
    ('4.0', '0.35', '0.0')
    """
    if is_missing(value):
        return _empty(value)
    text = f"{float(value):.{digits}f}"  # type: ignore[arg-type]
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


def fmt_edss(value: float | int | None) -> str:
    """An EDSS value or median: one decimal, two when it falls on a quarter step.

    Medians of an even number of EDSS scores can end in .25 or .75; they are written in full
    rather than rounded to a half step that no patient had.

    Examples
    --------
    >>> fmt_edss(5.0), fmt_edss(0.25), fmt_edss(-0.75), fmt_edss(None)
    ('5.0', '0.25', '-0.75', '–')
    """
    if is_missing(value):
        return MISSING
    text = fmt_num(value, 2)
    return text[:-1] if text.endswith("0") else text


def fmt_int(value: float | int | None) -> str:
    """A count, without decimals.

    Examples
    --------
    >>> fmt_int(83.0), fmt_int(None)
    ('83', '–')
    """
    if is_missing(value):
        return _empty(value)
    return str(round(float(value)))  # type: ignore[arg-type]


def fmt_n_pct(n: float | int | None, pct: float | None) -> str:
    """``n (pct%)`` with the percentage to one decimal.

    Examples
    --------
    >>> fmt_n_pct(44, 53.012)
    '44 (53.0%)'
    """
    if is_missing(n):
        return _empty(n)
    if is_missing(pct):
        return fmt_int(n)
    return f"{fmt_int(n)} ({fmt_num(pct, 1)}%)"


def fmt_n_pct_events(n: float | int | None, pct: float | None, events: float | int | None) -> str:
    """``n (pct%) [events]``: patients with the event, their share, and all events.

    Examples
    --------
    >>> fmt_n_pct_events(0, 0.0, 0)
    '0 (0.0%) [0]'
    """
    base = fmt_n_pct(n, pct)
    if is_missing(events) or base == MISSING:
        return base
    return f"{base} [{fmt_int(events)}]"


def fmt_ci(low: float | None, high: float | None, digits: int = 1) -> str:
    """A confidence interval as ``low–high``.

    Examples
    --------
    >>> fmt_ci(1.918, 7.356, 2)
    '1.92–7.36'
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{fmt_num(low, digits)}–{fmt_num(high, digits)}"


def fmt_median_iqr(
    median: float | None, q1: float | None, q3: float | None, digits: int = 1
) -> str:
    """``median (q1–q3)``.

    Examples
    --------
    >>> fmt_median_iqr(6.0, 5.5, 6.5)
    '6.0 (5.5–6.5)'
    """
    if is_missing(median):
        return MISSING
    if is_missing(q1) or is_missing(q3):
        return fmt_num(median, digits)
    return f"{fmt_num(median, digits)} ({fmt_ci(q1, q3, digits)})"


def fmt_p(p: float | None) -> str:
    """A p-value: three decimals, ``<0.001`` below that.

    Examples
    --------
    >>> fmt_p(0.625), fmt_p(0.04999)
    ('0.625', '0.050')
    """
    if is_missing(p):
        return MISSING
    if float(p) < 0.001:  # type: ignore[arg-type]
        return "<0.001"
    return f"{float(p):.3f}"  # type: ignore[arg-type]
