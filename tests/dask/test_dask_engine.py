"""msrwe.dask: the outcome engine over Dask DataFrames, checked against the single-machine engine.

The check is identity: the events of ``msrwe.dask.detect_events`` equal those of
``msrwe.detect_events`` on the same data, row for row and type for type.

Case 1: two hand-written patients, one partition each after the shuffle: the expected CDW event.
Case 2: a patient whose rows are spread over several input partitions, out of date order, with
        dates as ``datetime.date`` objects and Arrow ``date32``: the shuffle gathers them.
Case 3: more partitions than patients (empty partitions give no rows, in the events' schema).
Case 4: every option set below gives the single-machine events on 400 patients; no relapses too.
Case 5: bad options, missing and untyped columns are refused before any task runs.
Case 6: without the extra, a clear message with the install command.
Case 7: a synthetic 10,000-patient cohort, threaded scheduler.
Case 8: two visits of a patient on one day, in different input partitions: the later in the input
        is kept (as on one machine), whatever order the shuffle delivers them in.
Slow: 100,000 patients read from Parquet on a distributed LocalCluster (worker processes).
"""

import datetime as dt
import sys

import pandas as pd
import polars as pl
import pytest

import msrwe
from msrwe.errors import InputError, MissingExtraError, OptionError

dd = pytest.importorskip(
    "dask.dataframe",
    reason="Dask is not installed: pip install 'msrwe[dask]' (make test installs it)",
)
import dask  # noqa: E402  (only once Dask is known to be there)
import msrwe.dask as mdask  # noqa: E402

OPTS = {"outcome": "edss", "event": "multiple", "baseline": "roving", "RAW_PIRA": True}
D0 = dt.date(2020, 1, 1)


def _days(*offsets):
    return [D0 + dt.timedelta(days=k) for k in offsets]


def _ddf(df: pl.DataFrame, n: int):
    return dd.from_pandas(df.to_pandas(), npartitions=n, sort=False)


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort("patient_id", "nevent")


def _collect(events) -> pl.DataFrame:
    return pl.from_pandas(events.compute(scheduler="threads"))


def _same(got: pl.DataFrame, ref: pl.DataFrame) -> None:
    assert got.schema == ref.schema
    assert _sorted(got).equals(_sorted(ref))


#: Patient A worsens from 3.0 to 4.0 at day 90, confirmed at day 180 and 270: one CDW.
#: Patient B stays within 0.5 of 2.0: no event. Patient C worsens only in a relapse's window.
HAND_VISITS = pl.DataFrame({
    "patient_id": ["A"] * 4 + ["B"] * 3 + ["C"] * 4,
    "date": _days(0, 90, 180, 270, 0, 100, 200, 0, 95, 190, 280),
    "edss": [3.0, 4.0, 4.0, 4.5, 2.0, 2.0, 2.5, 1.0, 2.5, 2.5, 2.5],
})
HAND_RELAPSES = pl.DataFrame({"patient_id": ["C"], "onset_date": _days(80)})


# Case 1: the hand table; A has the one CDW, and Dask agrees with one machine.
def test_case1_hand_table_expected_event():
    ref = msrwe.detect_events(HAND_VISITS, HAND_RELAPSES, **OPTS).events
    got = _collect(mdask.detect_events(_ddf(HAND_VISITS, 2), _ddf(HAND_RELAPSES, 1),
                                       partitions=3, **OPTS))
    _same(got, ref)
    a = got.filter(pl.col("patient_id") == "A")
    assert a.select("event_type", "date", "bl_value", "value").rows() == [
        ("CDW", D0 + dt.timedelta(days=90), 3.0, 4.0)
    ]
    assert got.filter(pl.col("patient_id") == "B").height == 0


# Case 2: rows of one patient in several input partitions, shuffled, dates of two kinds.
@pytest.mark.parametrize("date_kind", ["object", "arrow"])
def test_case2_patient_spread_over_partitions(date_kind):
    shuffled = HAND_VISITS.sample(fraction=1.0, shuffle=True, seed=3)
    pdf = shuffled.to_pandas()
    if date_kind == "object":
        pdf["date"] = [d.date() for d in pdf["date"]]
    else:
        pdf["date"] = pdf["date"].astype("date32[pyarrow]")
    visits = dd.from_pandas(pdf, npartitions=4, sort=False)
    ref = msrwe.detect_events(HAND_VISITS, HAND_RELAPSES, **OPTS).events
    got = _collect(mdask.detect_events(visits, _ddf(HAND_RELAPSES, 1), partitions=2, **OPTS))
    _same(got, ref)


# Case 3: more partitions than patients: empty partitions yield the events' schema, no rows.
def test_case3_more_partitions_than_patients():
    ref = msrwe.detect_events(HAND_VISITS, None, **OPTS).events
    events = mdask.detect_events(_ddf(HAND_VISITS, 1), None, partitions=8, **OPTS)
    assert events.npartitions == 8
    assert list(events.columns) == ref.columns
    _same(_collect(events), ref)
    tasks = mdask.detect_events(_ddf(HAND_VISITS, 2), None, partitions=3,
                                shuffle_method="tasks", **OPTS)
    _same(_collect(tasks), ref)


@pytest.fixture(scope="module")
def cohort():
    return msrwe.make_cohort(400, seed=11)


# Case 4: several msprog option sets, with and without relapses.
@pytest.mark.parametrize("opts", [
    OPTS,
    {"outcome": "edss", "event": "firstCDW", "baseline": "fixed"},
    {"outcome": "t25fw", "event": "multiple", "baseline": "roving", "conf_days": [84, 168]},
    {"outcome": "nhpt", "event": "first", "baseline": "roving"},
])
@pytest.mark.parametrize("with_relapses", [True, False])
def test_case4_options_identical_to_one_machine(cohort, opts, with_relapses):
    v = cohort["visits"]
    r = cohort["relapses"] if with_relapses else None
    ref = msrwe.detect_events(v, r, **opts).events
    got = _collect(mdask.detect_events(_ddf(v, 3), _ddf(r, 2) if r is not None else None,
                                       partitions=3, **opts))
    assert got.height == ref.height > 0
    _same(got, ref)


# Case 5: refused before any task runs, in words that say what to do.
def test_case5_bad_input_refused_up_front(cohort):
    visits = _ddf(cohort["visits"], 2)
    with pytest.raises(OptionError, match="baseline"):
        mdask.detect_events(visits, None, baseline="rolling")
    with pytest.raises(OptionError, match="return_unconfirmed"):
        mdask.detect_events(visits, None, return_unconfirmed=True)
    with pytest.raises(InputError, match=r"lack the column\(s\) \['sdmt'\]"):
        mdask.detect_events(_ddf(HAND_VISITS, 1), None, outcome="sdmt")
    with pytest.raises(InputError, match=r"relapses lack the column\(s\) \['onset_date'\]"):
        mdask.detect_events(visits, dd.from_pandas(pd.DataFrame({"patient_id": ["A"]}),
                                                   npartitions=1))
    untyped = HAND_VISITS.to_pandas().astype({"edss": "object"})
    # Dask turns an object column into text by default: the engine names the column.
    with pytest.raises(InputError, match="column 'edss' must be numeric"):
        mdask.detect_events(dd.from_pandas(untyped, npartitions=1), None)
    with (dask.config.set({"dataframe.convert-string": False}),
          pytest.raises(InputError, match="column 'edss' must be numeric")):
        mdask.detect_events(dd.from_pandas(untyped, npartitions=1), None)


# Case 6: without the extra, the message says how to install it.
def test_case6_missing_dask_says_how_to_install(monkeypatch):
    from msrwe.dask._engine import require_dask

    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'msrwe\[dask\]'"):
        require_dask("dask.dataframe")


# Case 7: a synthetic 10,000-patient cohort (about 400,000 visits) on the threaded scheduler.
def test_case7_10000_patients_identical():
    t = msrwe.make_cohort(10_000, seed=5)
    v, r = t["visits"].select("patient_id", "date", "edss"), t["relapses"]
    ref = msrwe.detect_events(v, r, **OPTS).events
    got = _collect(mdask.detect_events(_ddf(v, 4), _ddf(r, 2), **OPTS))
    assert got.height == ref.height > 1000
    _same(got, ref)


#: Patient A has two visits on day 90, EDSS 4.0 then 3.0: one machine keeps the later (3.0), so
#: the worsening is at day 180 (confirmed at 270), not at day 90.
SAME_DAY = pl.DataFrame({
    "patient_id": ["A"] * 5,
    "date": _days(0, 90, 90, 180, 270),
    "edss": [3.0, 4.0, 3.0, 4.0, 4.5],
})


# Case 8: same-day visits across input partitions, whole path and the partition step alone.
def test_case8_same_day_visits_keep_the_later_in_the_input():
    from msrwe.dask._engine import _ORDER, _partition_events

    ref = msrwe.detect_events(SAME_DAY, None, **OPTS).events
    assert ref.select("event_type", "date").rows() == [("CDW", D0 + dt.timedelta(days=180))]
    visits = dd.from_pandas(SAME_DAY.to_pandas(), npartitions=2, sort=False)
    assert visits.npartitions == 2
    _same(_collect(mdask.detect_events(visits, None, partitions=1, **OPTS)), ref)
    # The partition step as the shuffle may hand it: the later row (partition 1) first.
    stacked = SAME_DAY.with_columns(
        pl.lit("visit").alias("record_kind"),
        pl.Series(_ORDER, [0, 1, 1 << 32, (1 << 32) + 1, (1 << 32) + 2]),
    ).select("patient_id", "date", "record_kind", "edss", _ORDER)[[2, 0, 1, 3, 4]]
    schema = ref.to_arrow().schema
    got = pl.from_pandas(_partition_events(stacked.to_pandas(), schema=schema, options=OPTS))
    _same(got, ref)


@pytest.mark.slow
def test_100000_patients_on_a_local_cluster(tmp_path):
    """100,000 patients from Parquet files on a distributed LocalCluster (two worker processes)."""
    distributed = pytest.importorskip("distributed", reason="pip install 'msrwe[dask]'")
    t = msrwe.make_cohort(100_000, seed=3)
    v = t["visits"].select("patient_id", "date", "edss")
    r = t["relapses"].select("patient_id", "onset_date")
    ref = msrwe.detect_events(v, r, **OPTS).events
    for name, df, n in (("visits", v, 8), ("relapses", r, 2)):
        (tmp_path / name).mkdir()
        step = -(-df.height // n)
        for i in range(n):  # the workers read the files: no data in the task graph
            df.slice(i * step, step).write_parquet(tmp_path / name / f"part-{i}.parquet")
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        events = mdask.detect_events(dd.read_parquet(tmp_path / "visits"),
                                     dd.read_parquet(tmp_path / "relapses"), **OPTS)
        got = pl.from_pandas(client.compute(events).result())
    assert got.height == ref.height > 10_000
    _same(got, ref)
