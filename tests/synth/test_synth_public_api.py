"""msrwe.synth exposes exactly its intended names, each documented."""

from __future__ import annotations

import pytest

import msrwe.synth
from msrwe.synth import make_cohort


# Case 1: the public surface is exactly these names
def test_case_01_exported_names():
    assert sorted(msrwe.synth.__all__) == [
        "FORMATS",
        "MANIFEST_COLUMNS",
        "MANIFEST_FILE",
        "MAX_PATIENTS",
        "MAX_WRITE_PATIENTS",
        "MIN_DIRTY_PATIENTS",
        "TABLES",
        "TABLE_NAMES",
        "make_cohort",
        "make_cohort_and_manifest",
        "write_cohort",
    ]
    for name in msrwe.synth.__all__:
        assert hasattr(msrwe.synth, name)


# Case 2: every public function has a numpydoc docstring with Parameters, Returns, Examples
@pytest.mark.parametrize("name", ["make_cohort", "make_cohort_and_manifest", "write_cohort"])
def test_case_02_docstrings(name):
    doc = getattr(msrwe.synth, name).__doc__
    for section in ("Parameters", "Returns", "Examples"):
        assert section in doc, (name, section)


# Case 4: 10,000 patients (about 400,000 visits); its speed is measured by bench/report_speed.py
@pytest.mark.slow
def test_case_04_ten_thousand_patients():
    cohort = make_cohort(10_000, seed=3)
    assert cohort["patients"].height == 10_000
    assert cohort["visits"].height > 300_000
