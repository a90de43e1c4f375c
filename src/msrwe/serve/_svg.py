"""A very small SVG writer: elements as text, every attribute value and every text escaped.

The timeline is written as SVG text directly (matplotlib took most of the page's time). Only
attribute *names* and tag names come from the code; everything else (numbers, labels, values
from the store) goes through :func:`esc`, so a label such as ``<script>`` or ``a & "b"`` is shown
as text and can never become markup. Presentation goes into attributes (``fill``, ``stroke``,
``font-size``...), which the app's Content-Security-Policy allows without any ``style``.

Examples
--------
>>> print(tag("text", {"x": 1, "y": 2, "font_size": 8}, esc('<b> & "c"')))
<text x="1" y="2" font-size="8">&lt;b&gt; &amp; &quot;c&quot;</text>
>>> print(tag("circle", {"cx": 1.234, "cy": 5, "r": 2}, titled("EDSS 4.5")))
<circle cx="1.2" cy="5" r="2"><title>EDSS 4.5</title></circle>
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

__all__ = ["esc", "num", "tag", "titled"]


#: Characters XML 1.0 does not allow (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def esc(text: object) -> str:
    r"""Text or an attribute value made safe for XML and HTML.

    ``& < > " '`` are escaped and characters XML cannot hold (control characters) become
    U+FFFD, so that the figure always parses.

    >>> esc("a\x01<b>") == "a\ufffd&lt;b&gt;"
    True
    """
    return html.escape(_NOT_XML.sub("\ufffd", str(text)), quote=True)


def num(x: float | int) -> str:
    """A coordinate with at most one decimal (``12``, ``12.5``)."""
    if isinstance(x, int):
        return str(x)
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def tag(name: str, attrs: Mapping[str, object] | None = None, body: str | None = None) -> str:
    """One element; ``attrs`` names use ``_`` for ``-``, ``None`` values are left out.

    ``body`` is markup already made safe (use :func:`esc` for text); ``None`` makes an empty
    element (``<rect/>``).
    """
    parts = [name]
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        shown = num(value) if isinstance(value, float) else esc(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{shown}"')
    head = " ".join(parts)
    if body is None:
        return f"<{head}/>"
    return f"<{head}>{body}</{name}>"


def titled(text: object) -> str:
    """A ``<title>`` child (the tooltip and the accessible name of its parent)."""
    return f"<title>{esc(text)}</title>"
