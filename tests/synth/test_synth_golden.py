"""The default cohort is pinned byte for byte (tests/results/synth/make_default_cohort.py)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from msrwe.synth import write_cohort

GOLDEN = Path(__file__).parents[1] / "results" / "synth" / "default_cohort.json"


# Case 1: the default clean and dirty cohorts have not changed by a byte; when a change is
# intended, rerun tests/results/synth/make_default_cohort.py and commit its JSON
@pytest.mark.parametrize("kind", ["clean", "dirty"])
def test_case_01_default_cohort_fingerprint(tmp_path, kind):
    expected = json.loads(GOLDEN.read_text())[kind]
    paths = write_cohort(tmp_path, dirty=kind == "dirty")
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    assert list(got) == list(expected)
    changed = sorted(name for name in got if got[name] != expected[name]["sha256"])
    assert changed == [], f"the default {kind} cohort changed in {changed}"
