"""The study file's [outcomes] documentation lists every key the study accepts."""

from __future__ import annotations

import re
from pathlib import Path

from msrwe.derive.outcomes.options import OPTIONS
from msrwe.study.config import SET_PER_MEASURE

DOCS = Path(__file__).resolve().parents[2] / "docs"


# Case 1: docs/analysis.md names every engine option a study file can set, and those it cannot
def test_case1_analysis_md_lists_every_outcomes_key():
    text = (DOCS / "analysis.md").read_text(encoding="utf-8")
    section = text.split("### `[outcomes]`", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([A-Za-z_]+)[^`]*`", section))
    settable = {o.name for o in OPTIONS if o.name not in SET_PER_MEASURE}
    assert settable <= named, sorted(settable - named)
    assert set(SET_PER_MEASURE) <= named
    assert "worsening_pct" in named


# Case 2: docs/outcomes.md's option table has a row per declared option
def test_case2_outcomes_md_has_a_row_per_option():
    text = (DOCS / "outcomes.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([A-Za-z_]+)` \|", text, flags=re.MULTILINE))
    missing = sorted(o.name for o in OPTIONS if o.name not in rows)
    assert not missing, f"docs/outcomes.md has no row for {missing}"
