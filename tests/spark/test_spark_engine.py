"""msrwe.spark: the outcome engine and the relapse person-time derivation on real local Spark.

The check is identity: the Spark results equal the single-machine results on the same data.
"""

import datetime as dt
import sys

import polars as pl
import pytest

import msrwe
from msrwe.errors import MissingExtraError, OptionError

OPTS = {"outcome": "edss", "event": "multiple", "baseline": "roving", "RAW_PIRA": True}


def _to_spark(spark, df):
    return spark.createDataFrame(df.to_arrow())


def _collect(sdf):
    return pl.from_arrow(sdf.toArrow())


@pytest.fixture(scope="module")
def cohort():
    return msrwe.make_cohort(400, seed=11)


def _sorted(df):
    return df.sort("patient_id", "nevent")


# Case 1: every msprog option set below gives the single-machine events, row for row.
@pytest.mark.parametrize("opts", [
    OPTS,
    {"outcome": "edss", "event": "firstCDW", "baseline": "fixed"},
    {"outcome": "t25fw", "event": "multiple", "baseline": "roving", "conf_days": [84, 168]},
])
def test_case1_events_identical_to_one_machine(spark, cohort, opts):
    v, r = cohort["visits"], cohort["relapses"]
    ref = msrwe.detect_events(v, r, **opts).events
    out = _collect(msrwe.spark.detect_events(_to_spark(spark, v), _to_spark(spark, r),
                                             partitions=3, **opts))
    assert out.height == ref.height > 0
    assert _sorted(out).equals(_sorted(ref))


# Case 2: without relapses; and with small Arrow batches, so patients are cut at boundaries.
def test_case2_no_relapses_small_batches(spark, cohort):
    v = cohort["visits"]
    ref = msrwe.detect_events(v, None, **OPTS).events
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "37")
    try:
        out = _collect(msrwe.spark.detect_events(_to_spark(spark, v), None, partitions=2, **OPTS))
    finally:
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")
    assert _sorted(out).equals(_sorted(ref))


# Case 3: a bad option is refused on the driver, before any Spark job.
def test_case3_bad_option_refused_before_jobs(spark, cohort):
    with pytest.raises(OptionError, match="baseline"):
        msrwe.spark.detect_events(_to_spark(spark, cohort["visits"]), None, baseline="rolling")


# Case 4: relapse person-time matches a single-machine computation.
def test_case4_relapse_person_time(spark, cohort):
    v, r = cohort["visits"], cohort["relapses"]
    index = v.group_by("patient_id").agg((pl.col("date").min() + pl.duration(days=30))
                                         .alias("index_date"))
    out = _collect(msrwe.spark.relapse_person_time(_to_spark(spark, v), _to_spark(spark, r),
                                                   index=_to_spark(spark, index)))
    last = v.group_by("patient_id").agg(pl.col("date").max().alias("end_date"))
    fu = index.join(last, on="patient_id").filter(pl.col("end_date") > pl.col("index_date"))
    counts = (r.join(fu, on="patient_id")
              .filter((pl.col("onset_date") > pl.col("index_date"))
                      & (pl.col("onset_date") <= pl.col("end_date")))
              .group_by("patient_id").len("n"))
    expect = fu.join(counts, on="patient_id", how="left").with_columns(
        pl.col("n").fill_null(0),
        ((pl.col("end_date") - pl.col("index_date")).dt.total_days() / 365.25).alias("py"))
    got = out.sort("patient_id")
    expect = expect.sort("patient_id")
    assert got["patient_id"].to_list() == expect["patient_id"].to_list()
    assert got["relapses"].to_list() == expect["n"].to_list()
    assert got["person_years"].to_list() == pytest.approx(expect["py"].to_list())
    assert got["relapses"].sum() > 0


# Case 5: without the extra, a clear message with the install command.
def test_case5_missing_pyspark_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark.sql.functions", None)
    from msrwe.spark._session import require_pyspark

    with pytest.raises(MissingExtraError, match=r"pip install 'msrwe\[spark\]'"):
        require_pyspark("pyspark.sql.functions")


@pytest.mark.slow
def test_100000_patients_identical(spark):
    """The issue's check: 100,000 patients in local mode, identical to the single-machine engine."""
    t = msrwe.make_cohort(100_000, seed=3)
    v = t["visits"].select("patient_id", "date", "edss")
    r = t["relapses"].select("patient_id", "onset_date")
    ref = msrwe.detect_events(v, r, **OPTS).events
    out = _collect(msrwe.spark.detect_events(_to_spark(spark, v), _to_spark(spark, r), **OPTS))
    assert out.height == ref.height
    assert _sorted(out).equals(_sorted(ref))
    assert dt.date(1900, 1, 1) < out["date"].min()


#: Patient A has two visits on day 90, EDSS 4.0 then 3.0: one machine keeps the later (3.0), so
#: the worsening is at day 180, not at day 90.
SAME_DAY = pl.DataFrame({
    "patient_id": ["A"] * 5,
    "date": [dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in (0, 90, 90, 180, 270)],
    "edss": [3.0, 4.0, 3.0, 4.0, 4.5],
})


# Case 6: same-day visits in different input partitions: the later in the input is kept, after
# the shuffle too (the sort within partitions carries the row's place in the input).
def test_case6_same_day_visits_keep_the_later_in_the_input(spark, capsys):
    ref = msrwe.detect_events(SAME_DAY, None, **OPTS).events
    assert ref["date"].to_list() == [dt.date(2020, 6, 29)]
    rows = SAME_DAY.to_dicts()
    dates = []
    for parts in ((rows[:2], rows[2:]), ([rows[2]], [*rows[:2], *rows[3:]])):
        sdf = spark.createDataFrame(parts[0]).union(spark.createDataFrame(parts[1]))
        sdf = sdf.select("patient_id", sdf["date"].cast("date"), "edss")
        expect = msrwe.detect_events(pl.from_arrow(sdf.toArrow()), None, **OPTS).events
        out = _collect(msrwe.spark.detect_events(sdf, None, partitions=1, **OPTS))
        assert out.equals(expect)
        dates.append(expect["date"].to_list())
    assert dates == [[dt.date(2020, 6, 29)], [dt.date(2020, 3, 31)]]  # the input order decides
    # Local Spark fetches shuffle blocks in input order; a cluster need not: the order within a
    # day comes from the rows themselves (their place in the input is a sort key).
    msrwe.spark.detect_events(sdf, None, partitions=1, **OPTS).explain()
    plan = capsys.readouterr().out
    assert any(line.lstrip(" +-:*(0123456789)").startswith("Sort [") and "__msrwe_row_order" in line
               for line in plan.splitlines()), plan
