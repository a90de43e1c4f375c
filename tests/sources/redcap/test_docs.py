"""docs/sources.md documents what the REDCap importer does.

Case 1: every form of the template, every command and option, and REDCap's own rule codes are
        named in the REDCap section.
Case 2: the worked mapping example in the docs is the fixture's mapping (same tables and forms).
"""

from __future__ import annotations

import re
from pathlib import Path

from msrwe.sources.redcap import TEMPLATE_FORMS, load_redcap_mapping

ROOT = Path(__file__).resolve().parents[3]
FIX = Path(__file__).parent / "fixtures" / "clinic_project"


def _section() -> str:
    text = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    return text.split("## REDCap", 1)[1].split("\n## ", 1)[0]


def test_case1_named():
    text = _section()
    for design in TEMPLATE_FORMS.values():
        assert f"`{design.form}`" in text, design.form
    for word in ("msrwe redcap template", "msrwe import-redcap", "msrwe redcap synth", "--url",
                 "--token-file", "MSRWE_REDCAP_TOKEN", "--mapping", "--incomplete",
                 "--api-format", "redcap_not_a_choice", "redcap_form_incomplete",
                 "redcap_outside_validation",
                 "Identifier? = y", "date_ymd"):
        assert word in text, word


def test_case2_worked_example_is_the_fixture(tmp_path):
    block = re.search(r"```toml\n(.*?)```", _section(), re.S)
    assert block is not None
    (tmp_path / "m.toml").write_text(block.group(1))
    doc = load_redcap_mapping(tmp_path / "m.toml")
    fixture = load_redcap_mapping(FIX / "mapping.toml")
    assert {t: s.form for t, s in doc.tables.items()} == {
        t: s.form for t, s in fixture.tables.items()}
    for table, src in doc.tables.items():
        assert src.columns == fixture.tables[table].columns, table
