"""The report package's public surface is exactly what it declares."""

from __future__ import annotations

import msrwe.report


def test_exported_names():
    assert sorted(msrwe.report.__all__) == ["RENDER_STEPS", "compute_table1", "render_report"]
    for name in msrwe.report.__all__:
        assert getattr(msrwe.report, name) is not None


def test_render_steps_are_described():
    assert all(isinstance(s, str) and s for s in msrwe.report.RENDER_STEPS)
