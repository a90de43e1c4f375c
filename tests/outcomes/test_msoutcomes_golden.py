"""The MSoutcomes profile against the R package MSoutcomes 0.2.1, event by event.

Inputs, the R script and its outputs are in tests/results/msoutcomes/ (see README.md there); R is
not needed to run these tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from msrwe.derive.outcomes import detect_events
from msrwe.derive.outcomes.msoutcomes import detect_msoutcomes_events, prepare_msoutcomes
from msrwe.derive.outcomes.msoutcomes_options import make_msoutcomes_options

HERE = Path(__file__).resolve().parents[1] / "results" / "msoutcomes"
COHORTS = ("cases", "random", "relapsing")

#: The runs of msoutcomes_golden.R and the msrwe options that reproduce each.
RUNS: dict[str, dict[str, Any]] = {
    "CDW": {"event": "CDW"},
    "CDW_unsustained": {"event": "CDW", "sustained": False},
    "CDW_mconf180": {"event": "CDW", "mconf": 180},
    "CDW_tRelapse60": {"event": "CDW", "tRelapse": 60},
    "CDI": {"event": "CDI"},
    "CDI_unsustained": {"event": "CDI", "sustained": False},
    "CDI_mconf180": {"event": "CDI", "mconf": 180},
    "CDEseq": {"event": "CDEseq"},
    "CDEseq_mconf180": {"event": "CDEseq", "mconf": 180},
    "PIRA": {"event": "PIRA"},
    "PIRA_unsustained": {"event": "PIRA", "sustained": False},
    "PIRA_mconf180": {"event": "PIRA", "mconf": 180},
    "PIRA_mconf180_unsustained": {"event": "PIRA", "mconf": 180, "sustained": False},
    "PIRA_tRelapse60": {"event": "PIRA", "tRelapse": 60},
}
KEY = ["ID", "kind", "dateEDSS"]


def _inputs(cohort: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    v = pl.read_csv(HERE / f"{cohort}_visits.csv", try_parse_dates=True)
    r = pl.read_csv(HERE / f"{cohort}_relapses.csv", try_parse_dates=True,
                    schema_overrides={"patient_id": pl.String})
    return v, r


def _golden(cohort: str, run: str) -> pl.DataFrame:
    g = pl.read_csv(HERE / f"{cohort}_events.csv", try_parse_dates=True)
    return (g.filter(pl.col("run") == run)
            .select(*KEY, "bEDSS", "base_date", "EDSS", "dEDSS", pl.col("sust").cast(pl.Int64),
                    pl.col("timepoint").cast(pl.Int64))
            .sort(KEY))


def _ours(events: pl.DataFrame) -> pl.DataFrame:
    return events.select(
        pl.col("patient_id").alias("ID"),
        pl.when(pl.col("cdw_type") == "PIRA").then(pl.lit("PIRA"))
        .otherwise(pl.col("event_type")).alias("kind"),
        pl.col("date").alias("dateEDSS"), pl.col("bl_value").alias("bEDSS"),
        pl.col("bl_date").alias("base_date"), pl.col("value").alias("EDSS"),
        pl.col("d_value").alias("dEDSS"), pl.col("sust_days").alias("sust"),
        pl.col("timepoint"),
    ).sort(KEY)


@pytest.mark.parametrize("cohort", COHORTS)
@pytest.mark.parametrize("run", list(RUNS))
def test_events_equal_r(cohort: str, run: str) -> None:
    v, r = _inputs(cohort)
    ours = _ours(detect_msoutcomes_events(v, r, **RUNS[run]).events)
    gold = _golden(cohort, run)
    if not run.startswith("PIRA"):  # the package returns timepoint for PIRA only
        ours = ours.drop("timepoint")
        gold = gold.drop("timepoint")
    missing = gold.join(ours, on=KEY, how="anti")
    extra = ours.join(gold, on=KEY, how="anti")
    assert missing.is_empty(), f"events R found and msrwe did not:\n{missing}"
    assert extra.is_empty(), f"events msrwe found and R did not:\n{extra}"
    assert ours.equals(gold), "same events, different values"


def test_random_cohort_is_broad() -> None:
    """The random cohort exercises every run with many events (a sanity check of the fixture)."""
    g = pl.read_csv(HERE / "random_events.csv")
    counts = dict(g.group_by("run").len().iter_rows())
    assert set(counts) == set(RUNS)
    assert min(counts.values()) >= 20


@pytest.mark.parametrize("cohort", COHORTS)
def test_days_post_relapse_as_the_r_script(cohort: str) -> None:
    v, r = _inputs(cohort)
    arrays = prepare_msoutcomes(v.with_columns(pl.lit(1.0).alias("edss")), r,
                                make_msoutcomes_options())
    gold = pl.read_csv(HERE / f"{cohort}_dpr.csv")["daysPostRelapse"].cast(pl.Float64)
    ours = pl.Series(arrays.dpr).fill_nan(None)
    assert ours.equals(gold, check_names=False, check_dtypes=False)


@pytest.mark.parametrize("run", ["CDW", "CDI", "CDEseq", "PIRA"])
def test_detect_events_profile_routes_to_the_same_result(run: str) -> None:
    v, r = _inputs("cases")
    via_api = detect_events(v, r, profile="msoutcomes", event=run).events
    direct = detect_msoutcomes_events(v, r, event=run).events
    assert via_api.equals(direct)


def test_days_post_relapse_column_reproduces_the_derived_one() -> None:
    v, r = _inputs("random")
    dpr = pl.read_csv(HERE / "random_dpr.csv")["daysPostRelapse"]
    with_col = v.with_columns(dpr.alias("days_post_relapse"))
    a = detect_msoutcomes_events(with_col, None, event="PIRA",
                                 days_post_relapse_col="days_post_relapse").events
    b = detect_msoutcomes_events(v, r, event="PIRA").events
    assert a.equals(b)


@pytest.mark.parametrize("run", ["CDW", "CDI", "CDEseq", "PIRA"])
def test_threads_give_the_same_events(run: str) -> None:
    import numpy as np

    from msrwe.derive.outcomes.msoutcomes import _scan

    v, r = _inputs("random")
    o = make_msoutcomes_options(event=run)
    a = prepare_msoutcomes(v, r, o)
    one, three = _scan(a, o, threads=1), _scan(a, o, threads=3)
    assert np.array_equal(one[0], three[0])
    assert np.array_equal(one[1], three[1])
