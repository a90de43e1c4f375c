"""How numbers are written, in the report and on the console: one place for both.

Every cell of the report's tables and of the console summary (``msrwe analyze``,
``result.summary()``) is built from values of the results table by the functions below, so a p
value, a median or an interval reads the same wherever it is shown; a test reads each number
back from the HTML and checks it against the results table, rounded as displayed here.
``msrwe.report.formatting`` re-exports these names (the report's historical place for them);
the module lives with the results table so that every layer above it can use it.

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
>>> fmt_ci(-1.52, -0.4)
'-1.5 to -0.4'
>>> plural(1, "year"), plural(2.5, "year")
('1 year', '2.5 years')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "MISSING",
    "fmt_ci",
    "fmt_edss",
    "fmt_estimate_ci",
    "fmt_int",
    "fmt_median_iqr",
    "fmt_n_pct",
    "fmt_n_pct_events",
    "fmt_num",
    "fmt_p",
    "is_missing",
    "plural",
    "small_cells",
]

#: What separates the bounds of an interval or range: an en dash, or `` to `` when a bound is
#: negative (``-1.5 to -0.4`` rather than ``-1.5–-0.4``).
RANGE_DASH = "–"
RANGE_WORD = " to "

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
    """An EDSS value, median or quartile, exactly: never rounded to a step no patient had.

    EDSS moves in half steps; the median of an even number of scores can end in .25 or .75 and
    an interpolated quartile in .125. Such values are written in full (up to three decimals,
    trailing zeros dropped, at least one decimal), so 5.75 is 5.75 in every table, never 5.8.

    Examples
    --------
    >>> fmt_edss(5.0), fmt_edss(5.75), fmt_edss(0.25), fmt_edss(-0.75), fmt_edss(None)
    ('5.0', '5.75', '0.25', '-0.75', '–')
    >>> fmt_edss(3.125)
    '3.125'
    """
    if is_missing(value):
        return MISSING
    text = fmt_num(value, 3).rstrip("0")
    return text + "0" if text.endswith(".") else text


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


def fmt_n_pct(
    n: float | int | None, pct: float | None,
    low: float | None = None, high: float | None = None,
) -> str:
    """``n (pct%)`` with the percentage to one decimal; ``n (pct%; low–high)`` with its CI.

    Examples
    --------
    >>> fmt_n_pct(44, 53.012)
    '44 (53.0%)'
    >>> fmt_n_pct(44, 53.012, 41.72, 64.04)
    '44 (53.0%; 41.7–64.0)'
    """
    if is_missing(n):
        return _empty(n)
    if is_missing(pct):
        return fmt_int(n)
    ci = fmt_ci(low, high, 1)
    inner = fmt_num(pct, 1) + "%" + ("" if ci == MISSING else f"; {ci}")
    return f"{fmt_int(n)} ({inner})"


def fmt_n_pct_events(
    n: float | int | None, pct: float | None, events: float | int | None,
    low: float | None = None, high: float | None = None,
) -> str:
    """``n (pct%) [events]``: patients with the event, their share, and all events.

    With ``low`` and ``high`` the share's confidence interval is in the cell too
    (``[report] ci_in_one_cell``).

    Examples
    --------
    >>> fmt_n_pct_events(0, 0.0, 0)
    '0 (0.0%) [0]'
    >>> fmt_n_pct_events(11, 68.75, 31, 41.34, 88.98)
    '11 (68.8%; 41.3–89.0) [31]'
    """
    base = fmt_n_pct(n, pct, low, high)
    if is_missing(events) or base == MISSING:
        return base
    return f"{base} [{fmt_int(events)}]"


def fmt_ci(
    low: float | None, high: float | None, digits: int = 1, *,
    num: Callable[[float | None], str] | None = None,
) -> str:
    """A confidence interval or a range as ``low–high``; ``low to high`` when a bound is negative.

    ``num`` writes each bound (default: :func:`fmt_num` with ``digits``).

    Examples
    --------
    >>> fmt_ci(1.918, 7.356, 2)
    '1.92–7.36'
    >>> fmt_ci(-1.5, -0.4), fmt_ci(-0.2, 0.3)
    ('-1.5 to -0.4', '-0.2 to 0.3')
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    write = num or (lambda v: fmt_num(v, digits))
    lo, hi = write(low), write(high)
    sep = RANGE_WORD if lo.startswith("-") or hi.startswith("-") else RANGE_DASH
    return f"{lo}{sep}{hi}"


def fmt_estimate_ci(
    estimate: float | None, low: float | None, high: float | None, digits: int = 1
) -> str:
    """An estimate with its confidence interval in one cell: ``est (low–high)``.

    Examples
    --------
    >>> fmt_estimate_ci(12.04, 5.93, 21.04)
    '12.0 (5.9–21.0)'
    >>> fmt_estimate_ci(-1.04, -1.52, -0.4)
    '-1.0 (-1.5 to -0.4)'
    >>> fmt_estimate_ci(0.5, None, None, 2)
    '0.50'
    """
    if is_missing(estimate):
        return MISSING
    ci = fmt_ci(low, high, digits)
    est = fmt_num(estimate, digits)
    return est if ci == MISSING else f"{est} ({ci})"


def fmt_median_iqr(
    median: float | None, q1: float | None, q3: float | None, digits: int = 1, *,
    edss: bool = False,
) -> str:
    """``median (q1–q3)``; with ``edss=True`` every value is written by :func:`fmt_edss`.

    Examples
    --------
    >>> fmt_median_iqr(6.0, 5.5, 6.5)
    '6.0 (5.5–6.5)'
    >>> fmt_median_iqr(5.75, 4.5, 6.5, edss=True)
    '5.75 (4.5–6.5)'
    >>> fmt_median_iqr(-1.0, -1.5, -0.4)
    '-1.0 (-1.5 to -0.4)'
    """
    if is_missing(median):
        return MISSING
    num = fmt_edss if edss else (lambda v: fmt_num(v, digits))
    if is_missing(q1) or is_missing(q3):
        return num(median)
    return f"{num(median)} ({fmt_ci(q1, q3, digits, num=num)})"


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


def plural(count: float | int, word: str, words: str | None = None) -> str:
    """``count`` and ``word``, in the plural unless the count is exactly one.

    Parameters
    ----------
    count
        The number (written with ``:g``, so ``2.0`` is ``2``).
    word, words
        The singular and the plural (default: ``word + "s"``).

    Examples
    --------
    >>> plural(1, "year"), plural(2, "year"), plural(1, "quarantined problem")
    ('1 year', '2 years', '1 quarantined problem')
    >>> plural(0, "patient"), plural(3, "analysis", "analyses")
    ('0 patients', '3 analyses')
    """
    one = float(count) == 1
    return f"{float(count):g} {word if one else (words or word + 's')}"
