"""Differential tests: msrwe gives pymsprog's events for every golden case.

Golden outputs come from tests/results/outcomes/make_golden.py (run with the oracle's venv); the
cases (options in pymsprog's names) are in tests/results/outcomes/cases.json.
"""

from __future__ import annotations

import polars as pl
import pytest
from _golden import CASES, compare_events, golden_summary, run_case
from polars.testing import assert_frame_equal


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_events_match_pymsprog(case):
    res = run_case(case)
    want, got = compare_events(case, res)
    assert want.height > 0, "a golden case without events tests nothing"
    assert_frame_equal(got, want)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_summary_matches_pymsprog(case):
    res = run_case(case)
    want = golden_summary(case)
    if "event_sequence" in want.columns:
        want = want.with_columns(pl.col("event_sequence").fill_null(""))
    cols = [c for c in want.columns if c in res.summary.columns]
    counts = [c for c in cols if c not in ("patient_id", "event_sequence")]
    assert counts, "no count column compared"
    got = res.summary.select(cols).with_columns(pl.col(c).cast(pl.Int64) for c in counts)
    want = want.select(cols).with_columns(pl.col(c).cast(pl.Int64) for c in counts)
    assert_frame_equal(got.sort("patient_id"), want.sort("patient_id"))


UNCONF = [c for c in CASES if c["options"].get("return_unconfirmed")]


@pytest.mark.parametrize("case", UNCONF, ids=[c["name"] for c in UNCONF])
def test_unconfirmed_match_pymsprog(case):
    from _golden import RESULTS, _norm

    res = run_case(case)
    want = pl.read_csv(RESULTS / "golden" / case["name"] / "unconfirmed.csv",
                       schema_overrides={"patient_id": pl.String})
    want = want.rename({"closest_rel-": "closest_rel_before", "closest_rel+": "closest_rel_after"})
    want = want.with_columns(
        pl.when(pl.col(c).is_infinite()).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("closest_rel_before", "closest_rel_after"))
    assert want.height > 0
    assert res.unconfirmed is not None
    assert_frame_equal(_norm(res.unconfirmed.select(want.columns)), _norm(want))
