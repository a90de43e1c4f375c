"""The report package's public surface is exactly what it declares."""

from __future__ import annotations

import pytest

import msrwe.report


def test_exported_names():
    assert sorted(msrwe.report.__all__) == ["DataQuality", "RENDER_STEPS", "render_report"]
    for name in msrwe.report.__all__:
        assert getattr(msrwe.report, name) is not None


def test_compute_table1_is_exported_once_and_the_old_name_warns():
    from msrwe.tables import compute_table1

    with pytest.warns(DeprecationWarning, match="msrwe.tables"):
        assert msrwe.report.compute_table1 is compute_table1


def test_render_steps_are_described():
    assert all(isinstance(s, str) and s for s in msrwe.report.RENDER_STEPS)
