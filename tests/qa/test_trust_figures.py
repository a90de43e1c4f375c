"""QA, issue #9 item 14 (figures): labels from the charts are drawn as written.

Text between ``$...$`` in a group label crashed matplotlib (``$x^$``) or was typeset as
mathematics (``$5$ mg`` lost its dollars). The figure modules turn mathtext off
(``text.parse_math``) for everything they draw. Each case fails on the code before the fix.
"""

import base64

import matplotlib.pyplot as plt
import polars as pl
import pytest

from msrwe.report.figures import km_figure


def _svg(fig) -> str:
    return base64.b64decode(fig.src.split(",", 1)[1]).decode("utf-8")


@pytest.mark.parametrize("label", ["$x^$", "cost $5$ mg", "a_$b$_c"])
def test_item14_group_label_with_dollars_draws_literally(label):
    # Item 14: `$x^$` crashed matplotlib; `$5$` became mathematics
    tte = pl.DataFrame({
        "time_days": [100.0, 400.0, 800.0, 900.0, 300.0, 600.0],
        "event": [1, 0, 1, 0, 0, 1],
        "group": [label, label, label, "other", "other", "other"],
    })
    fig = km_figure(tte, group="group")
    assert fig is not None
    svg = _svg(fig)
    assert "<svg" in svg
    assert plt.rcParams["text.parse_math"] is True  # the global setting is left alone


def _glyphs(label: str) -> set[str]:
    import re

    tte = pl.DataFrame({"time_days": [100.0, 400.0], "event": [1, 0], "group": [label, label]})
    return set(re.findall(r'id="(DejaVuSans-[0-9a-f]+)"', _svg(km_figure(tte, group="group"))))


def test_item14_dollar_signs_are_drawn_not_typeset():
    # with mathtext, "$5$" is typeset as the formula 5 and its dollar signs vanish
    dollar = "DejaVuSans-7"  # the glyph of "$" in DejaVu Sans
    assert dollar not in _glyphs("5")
    assert dollar in _glyphs("$5$")
