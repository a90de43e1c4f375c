"""docs/results.md is generated from the analyses' declarations and kept in step with them."""

from pathlib import Path

from msrwe.pipeline import ANALYSES
from msrwe.pipeline.docs import results_markdown

DOC = Path(__file__).parents[2] / "docs" / "results.md"


def test_the_committed_page_is_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == results_markdown(), (
        "docs/results.md is stale: run `.venv/bin/python -m msrwe.pipeline.docs > docs/results.md`"
    )


def test_every_declared_output_and_stat_is_on_the_page():
    text = results_markdown()
    for a in ANALYSES:
        for o in a.outputs:
            assert f"### `{o.name}`" in text
            for s in o.stats:
                for name in s.names:
                    assert f"`{name}`" in text
