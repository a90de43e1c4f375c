"""What every report figure shares: the figure record, the drawing style, the SVG encoding.

Examples
--------
>>> fig, axes = _new(3, 2)
>>> axes.shape, _encode(fig).startswith("data:image/svg+xml;base64,")
((1, 1), True)
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import polars as pl
from matplotlib.figure import Figure

from msrwe.tables.groups import MISSING_GROUP

__all__ = ["PALETTE", "ReportFigure"]

#: Okabe-Ito colours, safe for colour-blind readers and in greyscale print.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
)
_DAYS_PER_YEAR = 365.25
P = ParamSpec("P")
R = TypeVar("R")
_RC = {
    # labels come from the charts (group names, drugs): drawn as written, never as mathematics
    "text.parse_math": False,
    "svg.hashsalt": "msrwe",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 8,
}


@dataclass(frozen=True)
class ReportFigure:
    """One embedded figure.

    Attributes
    ----------
    id
        HTML id of the ``<figure>``.
    title
        Short title, bold at the start of the caption.
    caption
        What the figure shows and how it was drawn (sampling, medians).
    alt
        Text alternative for screen readers and when images are off.
    src
        The image as a ``data:image/svg+xml;base64,`` URI.
    """

    id: str
    title: str
    caption: str
    alt: str
    src: str


def _styled(func: Callable[P, R]) -> Callable[P, R]:
    """Draw inside the report's matplotlib style (global rcParams are left untouched)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


def _encode(fig: Figure) -> str:
    buf = io.BytesIO()
    with mpl.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _new(
    width: float, height: float, nrows: int = 1, ncols: int = 1, **kw: object
) -> tuple[Figure, np.ndarray]:
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kw)  # type: ignore[arg-type]
    return fig, axes


def _sample_ids(ids: Sequence[str], k: int, seed: int) -> list[str]:
    if len(ids) <= k:
        return list(ids)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(np.asarray(ids, dtype=object), size=k, replace=False).tolist())


def _spread(values: np.ndarray, k: int) -> np.ndarray:
    """``k`` of the sorted ``values``, evenly spaced along them (all when there are fewer).

    Examples
    --------
    >>> _spread(np.arange(10.0), 4).tolist()
    [0.0, 3.0, 6.0, 9.0]
    """
    if len(values) <= k:
        return values
    return values[np.unique(np.linspace(0, len(values) - 1, k).round().astype(int))]


def _panels(df: pl.DataFrame, group: str | None) -> list[tuple[str, pl.Expr]]:
    """The panels of :func:`_groups`, each as the filter that selects its rows.

    Examples
    --------
    >>> df = pl.DataFrame({"g": ["b", None, "a"]})
    >>> [(n, df.filter(rows).height) for n, rows in _panels(df, "g")]
    [('unknown', 1), ('a', 1), ('b', 1)]
    """
    if group is None or group not in df.columns:
        return [("All patients", pl.lit(True))]
    out = []
    for g in sorted(df.get_column(group).unique().to_list(), key=str):
        rows = pl.col(group).is_null() if g is None else pl.col(group) == g
        out.append((MISSING_GROUP if g is None else str(g), rows))
    return out


def _groups(df: pl.DataFrame, group: str | None) -> list[tuple[str, pl.DataFrame]]:
    """The panels of :func:`_panels`, each with its rows."""
    return [(name, df.filter(rows)) for name, rows in _panels(df, group)]
