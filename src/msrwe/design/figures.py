"""Figures of the design report: power curves and event-rate curves (inline SVG).

Examples
--------
>>> src = power_figure({"edss": ([100, 200], [0.3, 0.5], [0.02, 0.02])}, target=0.8)
>>> src.startswith("data:image/svg+xml;base64,")
True
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

__all__ = ["event_rate_figure", "power_figure"]

_RC = {
    # labels come from the charts (group names, drugs): drawn as written, never as mathematics
    "text.parse_math": False,
    "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 10, "axes.titleweight": "bold", "axes.labelsize": 9,
    "legend.frameon": False, "legend.fontsize": 8, "svg.fonttype": "none",
    # clip-path ids are hashed from this salt, not from a random one: the same design, the same file
    "svg.hashsalt": "msrwe",
}


def _encode(fig: Figure) -> str:
    buf = io.BytesIO()
    with mpl.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def power_figure(series: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float]]],
                 *, target: float) -> str:
    """Power against patients per arm, one line per endpoint, +/- 2 Monte Carlo SE."""
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(6.4, 3.6), layout="constrained")
        ax = fig.subplots()
        for name, (n, p, se) in series.items():
            ax.errorbar(n, p, yerr=[2 * s for s in se], marker="o", ms=4, capsize=2, label=name)
        ax.axhline(target, color="#52606d", lw=0.8, ls="--")
        ax.set_xlabel("patients per arm")
        ax.set_ylabel("power")
        ax.set_ylim(0, 1)
        ax.legend(loc="lower right")
        return _encode(fig)


def event_rate_figure(curves: Mapping[str, Mapping[str, Any]], *, control: str,
                      treatment: str) -> str:
    """Cumulative incidence of each endpoint by arm (pooled over simulated trials)."""
    names = list(curves)
    with mpl.rc_context(_RC):
        fig = Figure(figsize=(6.4, 2.4 * ((len(names) + 1) // 2)), layout="constrained")
        axes = fig.subplots((len(names) + 1) // 2, 2, squeeze=False, sharey=True)
        for ax, name in zip(axes.ravel(), names, strict=False):
            c = curves[name]
            ax.step(c["weeks"], c["control"], where="post", label=control, color="#52606d")
            ax.step(c["weeks"], c["treatment"], where="post", label=treatment, color="#0b5394")
            ax.set_title(name)
            ax.set_xlabel("weeks")
            ax.set_ylabel("cumulative incidence")
        for ax in axes.ravel()[len(names):]:
            ax.set_visible(False)
        axes.ravel()[0].legend(loc="upper left")
        return _encode(fig)
