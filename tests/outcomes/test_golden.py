"""Differential tests: msrwe gives pymsprog's events for every golden case.

Golden outputs come from tests/results/outcomes/make_golden.py (run with the oracle's venv); the
cases (options in pymsprog's names) are in tests/results/outcomes/cases.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from msrwe.derive.outcomes import detect_events
from msrwe.derive.outcomes.api import OutcomeResult

RESULTS = Path(__file__).resolve().parents[1] / "results" / "outcomes"
CASES: list[dict[str, Any]] = json.loads((RESULTS / "cases.json").read_text())


def load_inputs(data: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    visits = pl.read_csv(
        RESULTS / "inputs" / f"{data}_visits.csv",
        schema_overrides={"patient_id": pl.String, "date": pl.Date},
    )
    relapses = pl.read_csv(
        RESULTS / "inputs" / f"{data}_relapses.csv",
        schema_overrides={"patient_id": pl.String, "onset_date": pl.Date},
    )
    return visits, relapses


def msrwe_options(case: dict[str, Any]) -> dict[str, Any]:
    opts = dict(case["options"])
    for k in ("require_sust_days", "impute_last_visit"):
        if opts.get(k) == "inf":
            opts[k] = float("inf")
    if isinstance(opts.get("conf_tol_days"), list):
        opts["conf_tol_days"] = [float("inf") if x == "inf" else x for x in opts["conf_tol_days"]]
    return opts


def run_case(case: dict[str, Any], **extra: Any) -> OutcomeResult:
    visits, relapses = load_inputs(case["data"])
    return detect_events(
        visits, None if case.get("no_relapses") else relapses, **msrwe_options(case), **extra
    )


def _norm(df: pl.DataFrame) -> pl.DataFrame:
    out = []
    for name, dt in df.schema.items():
        col = pl.col(name)
        if dt.is_numeric():
            col = col.cast(pl.Float64).round(9)
            col = pl.when(col == 0).then(0.0).otherwise(col).cast(pl.String)  # -0.0 -> 0.0
        else:
            col = col.cast(pl.String)
        out.append(col.fill_null("").alias(name))
    return df.select(out)


def golden_events(case: dict[str, Any]) -> pl.DataFrame:
    path = RESULTS / "golden" / case["name"] / "results.csv"
    g = pl.read_csv(path, schema_overrides={"patient_id": pl.String}, infer_schema_length=None)
    g = g.filter(pl.col("nevent") > 0).rename({"CDW_type": "cdw_type"}, strict=False)
    return g


def compare_events(case: dict[str, Any], res: OutcomeResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both event tables on the golden columns, normalised to text, sorted."""
    g = golden_events(case)
    ours = res.events
    cols = [c for c in g.columns if c in ours.columns]
    missing = [c for c in g.columns if c not in ours.columns]
    assert not missing, f"msrwe lacks columns {missing}"
    keys = ["patient_id", "nevent"]
    return (_norm(g.select(cols)).sort(keys), _norm(ours.select(cols)).sort(keys))


def golden_summary(case: dict[str, Any]) -> pl.DataFrame:
    path = RESULTS / "golden" / case["name"] / "summary.csv"
    return pl.read_csv(
        path, schema_overrides={"patient_id": pl.String, "event_sequence": pl.String}
    )


# the random cohort has implausible T25FW times on purpose; pymsprog warns about them too
@pytest.mark.filterwarnings("ignore:visits.*T25FW:UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_events_match_pymsprog(case):
    res = run_case(case)
    want, got = compare_events(case, res)
    assert want.height > 0, "a golden case without events tests nothing"
    assert_frame_equal(got, want)


@pytest.mark.filterwarnings("ignore:visits.*T25FW:UserWarning")
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
