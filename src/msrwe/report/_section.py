"""A section of the report as plain data for the template: id, title and blocks.

Examples
--------
>>> s = Section("methods", "Methods")
>>> s.text("Defined as in section 2.")
>>> s.blocks[0]["kind"]
'text'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from msrwe.report import figures as fg
from msrwe.report import tables as tb

__all__ = ["Section", "number_figures"]


@dataclass
class Section:
    """One numbered section of the report."""

    id: str
    title: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    appendix: bool = False

    def text(self, text: str, cls: str = "") -> None:
        """Add a paragraph."""
        self.blocks.append({"kind": "text", "text": text, "cls": cls})

    def heading(self, text: str) -> None:
        """Add a sub-heading."""
        self.blocks.append({"kind": "heading", "text": text})

    def table(self, table: tb.ReportTable) -> None:
        """Add a rendered table."""
        self.blocks.append({"kind": "table", "table": table})

    def figure(self, fig: fg.ReportFigure | None) -> None:
        """Add a figure (``None`` is skipped)."""
        if fig is not None:
            self.blocks.append({"kind": "figure", "figure": fig, "number": 0})

    def pre(self, text: str) -> None:
        """Add preformatted text."""
        self.blocks.append({"kind": "pre", "text": text})


def number_figures(sections: Sequence[Section]) -> list[fg.ReportFigure]:
    """Number figures in reading order; return them."""
    figs = []
    for s in sections:
        for b in s.blocks:
            if b["kind"] == "figure":
                figs.append(b["figure"])
                b["number"] = len(figs)
    return figs
