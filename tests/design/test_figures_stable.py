"""The design report's figures are the same bytes on every run (outputs comparable across runs).

Case 1: the power figure drawn twice in one process gives identical SVG (matplotlib otherwise
salts its clip-path ids at random, so every design.html differed).
"""

from __future__ import annotations

from msrwe.design.figures import power_figure


def test_case1_power_figure_same_bytes_twice() -> None:
    series = {"EDSS": ([50.0, 100.0], [0.4, 0.7], [0.02, 0.02]),
              "9HPT": ([50.0, 100.0], [0.5, 0.8], [0.02, 0.01])}
    first = power_figure(series, target=0.8)
    second = power_figure(series, target=0.8)
    assert first == second
