"""Look-ups per run of a patient's rows and sorted flags equal the plain joins (issue 14, item 1).

:func:`msrwe.derive._frames.join_by_runs` and :func:`~msrwe.derive._frames.look_up` replace a
join of a per-visit table with a one-row-per-patient table; :func:`msrwe.derive._columns.
flag_if_sorted` flags a key already in order, so grouping compares neighbours instead of
hashing; the mixed model's patient codes come from the heads of runs. Each is checked here
against the plain operation on random tables: keys in runs, out of order, missing, absent from
the reference, and references with repeated or missing keys (where the join itself is used).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive import lublin, neda
from msrwe.derive._columns import flag_if_sorted, mark_sorted
from msrwe.derive._frames import _sorted_rows, each_once, join_by_runs, look_up
from msrwe.stats._mixed import _long_pandas, _long_polars

IDS = st.sampled_from(["P1", "P2", "P10", "A", "b", None])


@st.composite
def _keys(draw: st.DrawFn, max_runs: int = 12) -> list[str | None]:
    """Keys in runs (a patient's visits), sorted or not."""
    runs = draw(st.lists(st.tuples(IDS, st.integers(1, 4)), max_size=max_runs))
    keys = [k for k, n in runs for _ in range(n)]
    return sorted(keys, key=lambda k: (k is not None, k or "")) if draw(st.booleans()) else keys


@settings(max_examples=60, deadline=None)
@given(keys=_keys(), ref_ids=st.lists(IDS, max_size=6), how=st.sampled_from(["left", "inner"]))
def test_join_by_runs_equals_the_join(keys: list, ref_ids: list, how: str) -> None:
    df = pl.DataFrame({"patient_id": keys, "day": list(range(len(keys)))},
                      schema={"patient_id": pl.String, "day": pl.Int64})
    ref = pl.DataFrame({"patient_id": ref_ids, "group": [f"g{i}" for i in range(len(ref_ids))],
                        "n": list(range(len(ref_ids)))},
                       schema={"patient_id": pl.String, "group": pl.String, "n": pl.Int64})
    want = df.join(ref, on="patient_id", how=how, maintain_order="left")
    assert_frame_equal(join_by_runs(df, ref, "patient_id", how), want)


@settings(max_examples=60, deadline=None)
@given(keys=_keys(), ref_ids=st.lists(IDS.filter(lambda k: k is not None), unique=True,
                                      max_size=6))
def test_look_up_equals_replace_strict(keys: list, ref_ids: list) -> None:
    s = pl.Series("patient_id", keys, dtype=pl.String)
    ref = pl.Series(ref_ids, dtype=pl.String)
    values = [pl.Series(range(len(ref_ids)), dtype=pl.Int64),
              pl.Series([f"v{i}" for i in range(len(ref_ids))], dtype=pl.String)]
    got = look_up(s, ref, values)
    for v, g in zip(values, got, strict=True):
        want = s.replace_strict(ref, v, default=None, return_dtype=v.dtype)
        assert g.to_list() == want.to_list()
        assert g.dtype == want.dtype


@settings(max_examples=80, deadline=None)
@given(ref_ids=st.lists(st.sampled_from(["P1", "P2", "P10", "A", "b", "B2"]), unique=True,
                        max_size=6),
       data=st.data(), kind=st.sampled_from(["text", "int", "enum"]), every=st.booleans())
def test_sorted_search_equals_replace_strict(ref_ids: list, data: st.DataObject, kind: str,
                                              every: bool) -> None:
    # both in key order (a store's tables, the cohort): the binary search of _sorted_rows,
    # or the single comparison when every reference key has rows, in place of the hash
    ref_ids = sorted(ref_ids)
    pool = ref_ids if every and ref_ids else [*ref_ids, "P3", "Z", "0"]
    heads = (ref_ids if every else
             sorted(data.draw(st.lists(st.sampled_from(pool), unique=True, max_size=8))))
    runs = data.draw(st.lists(st.integers(1, 3), min_size=len(heads), max_size=len(heads)))
    keys = [k for k, n in zip(heads, runs, strict=True) for _ in range(n)]
    every_id = sorted({*pool, *ref_ids})
    dtype = {"int": pl.Int64, "text": pl.String, "enum": pl.Enum(every_id)}[kind]
    if kind == "int":
        code = {k: i * 3 for i, k in enumerate(every_id)}
        keys, ref_ids = [code[k] for k in keys], [code[k] for k in ref_ids]
    s, ref = pl.Series("patient_id", keys, dtype=dtype), pl.Series(ref_ids, dtype=dtype)
    values = [pl.Series([f"v{i}" for i in range(len(ref_ids))], dtype=pl.String)]
    assert _sorted_rows(s.unique(maintain_order=True), ref) is not None
    got = look_up(s, ref, values)[0]
    want = s.replace_strict(ref, values[0], default=None, return_dtype=pl.String)
    assert got.to_list() == want.to_list()
    frame = pl.DataFrame({"patient_id": ref, "v": values[0]})
    df = pl.DataFrame({"patient_id": s})
    for how in ("left", "inner"):
        assert_frame_equal(join_by_runs(df, frame, "patient_id", how),
                           df.join(frame, on="patient_id", how=how, maintain_order="left"))


@pytest.mark.parametrize("values", [["a", "a"], [None, None], ["b", "a", "b"], [1, 2, 2]])
def testeach_once_finds_a_repeat(values: list) -> None:
    assert not each_once(pl.Series(values))
    assert each_once(pl.Series(values[:1]))


@settings(max_examples=40, deadline=None)
@given(keys=_keys(), values=st.lists(st.floats(-1e6, 1e6), min_size=40, max_size=40))
def test_grouping_a_flagged_key_gives_the_same_aggregates(keys: list, values: list) -> None:
    df = pl.DataFrame({"patient_id": keys, "x": values[:len(keys)]},
                      schema={"patient_id": pl.String, "x": pl.Float64})
    flagged = flag_if_sorted(df)
    assert flagged is not None
    ordered = df.height > 1 and df["patient_id"].null_count() == 0 \
        and df["patient_id"].is_sorted()
    if ordered:
        assert flagged["patient_id"].flags["SORTED_ASC"]
    elif not df["patient_id"].is_sorted():
        assert not flagged["patient_id"].flags["SORTED_ASC"]
    assert_frame_equal(flagged, df, check_column_order=True)

    def agg(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by("patient_id").agg(
            pl.col("x").sum(), pl.col("x").max().alias("hi"), pl.len()).sort("patient_id")

    assert_frame_equal(agg(flagged), agg(df))
    if ordered:
        keep = mark_sorted(df.filter(pl.col("x") > 0), "patient_id")
        assert_frame_equal(agg(keep), agg(df.filter(pl.col("x") > 0)))


@settings(max_examples=20, deadline=None)
@given(keys=_keys(), data=st.data())
def test_mixed_model_codes_equal_pandas_factorize(keys: list, data: st.DataObject) -> None:
    n = len(keys)
    ys = data.draw(st.lists(st.one_of(st.none(), st.floats(0, 10), st.just(float("nan"))),
                            min_size=n, max_size=n))
    ts = data.draw(st.lists(st.one_of(st.none(), st.floats(0, 5)), min_size=n, max_size=n))
    df = pl.DataFrame({"patient_id": keys, "y": ys, "t": ts},
                      schema={"patient_id": pl.String, "y": pl.Float64, "t": pl.Float64})
    got = _long_polars(df, "y", "t", "patient_id")
    want = _long_pandas(df.to_pandas(), "y", "t", "patient_id")
    assert got[1] == want[1]
    for g, w in zip((got[0], got[2], got[3]), (want[0], want[2], want[3]), strict=True):
        assert g.tolist() == w.tolist()


_PIDS = st.sampled_from(["a", "b", "c"])
_DAY = st.one_of(st.none(), st.integers(-50, 1200))
D0 = dt.date(2020, 1, 1)


def _day(x: int | None) -> dt.date | None:
    return None if x is None else D0 + dt.timedelta(days=x)


@st.composite
def _year_data(draw: st.DrawFn) -> dict[str, pl.DataFrame]:
    yrows = []
    for p in ("a", "b", "c"):
        start = draw(st.integers(-30, 60))
        for y in range(1, draw(st.integers(0, 3)) + 1):
            s = start + 365 * (y - 1)
            yrows.append((p, y, _day(s), _day(s + 364)))
    years = pl.DataFrame(yrows, schema={"patient_id": pl.String, "year": pl.Int64,
                                        "period_start": pl.Date, "period_end": pl.Date},
                         orient="row")

    def dated(extra: dict[str, st.SearchStrategy], schema: dict) -> pl.DataFrame:
        rows = draw(st.lists(st.tuples(_PIDS, _DAY, *extra.values()), max_size=15))
        return pl.DataFrame([(p, _day(x), *rest) for p, x, *rest in rows],
                            schema={"patient_id": pl.String, "date": pl.Date, **schema},
                            orient="row")

    flag = st.one_of(st.none(), st.booleans())
    scans = dated({"a": flag, "e": flag, "c": _DAY, "n": st.one_of(st.none(), st.integers(0, 2)),
                   "bv": st.one_of(st.none(), st.floats(1000, 1600))},
                  {"active": pl.Boolean, "evaluable": pl.Boolean, "comparator_date": pl.Int64,
                   "new_enlarging_t2": pl.Int64, "brain_volume_ml": pl.Float64})
    scans = scans.with_columns(pl.col("comparator_date").map_elements(
        _day, return_dtype=pl.Date))
    return {
        "years": years, "scans": scans,
        "visits": dated({"edss": st.one_of(st.none(), st.just(2.0))}, {"edss": pl.Float64}),
        "relapses": dated({}, {}).rename({"date": "onset_date"}),
        "events": dated({}, {}),
        "phenotypes": pl.DataFrame({"patient_id": ["a", "b"], "phenotype": ["SPMS", "RRMS"]}),
    }


@settings(max_examples=10, deadline=None)
@given(d=_year_data())
def test_neda_and_lublin_years_equal_the_joins(d: dict) -> None:
    # the counts placed in their own year's row equal the left joins of the counted parts
    common = {k: d[k] for k in ("scans", "visits", "relapses", "events")}
    fast_neda = neda.derive_neda_years(d["years"], **common)
    fast_lublin = lublin.derive_lublin_years(d["years"], phenotypes=d["phenotypes"], **common)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(neda, "unique_rows", lambda *a: False)
        mp.setattr(lublin, "unique_rows", lambda *a: False)
        assert_frame_equal(fast_neda, neda.derive_neda_years(d["years"], **common))
        assert_frame_equal(fast_lublin, lublin.derive_lublin_years(
            d["years"], phenotypes=d["phenotypes"], **common))


_EDSS = st.one_of(st.integers(0, 19).map(lambda k: k / 2.0), st.floats(0, 9.9))
_YEARS = st.one_of(st.integers(-400, 30000).map(lambda d: d / 365.25), st.floats(-2, 90))


@settings(max_examples=60, deadline=None)
@given(pairs=st.lists(st.tuples(_EDSS, _YEARS), max_size=30), grid=st.booleans())
def test_severity_pair_counts_equal_the_grouping(pairs: list, grid: bool) -> None:
    # counted over a grid of whole steps (EDSS halves, days over 365.25) or of ranks
    from msrwe.derive.severity import _pair_counts

    if grid:
        pairs = [(round(e * 2) / 2.0, round(x * 365.25) / 365.25) for e, x in pairs]
    e = np.array([p[0] for p in pairs], dtype=float) + 0.0
    x = np.array([p[1] for p in pairs], dtype=float) + 0.0
    want = pl.DataFrame({"e": e, "x": x}).group_by("e", "x").len().sort("e", "x")
    assert_frame_equal(_pair_counts(e, x), want)


@settings(max_examples=20, deadline=None)
@given(n_pat=st.integers(2, 7), seed=st.integers(0, 10_000), null_group=st.booleans())
def test_slope_groups_by_label_equal_the_semi_joins(n_pat: int, seed: int,
                                                    null_group: bool) -> None:
    # the EDSS slope rows per group from one label look-up equal those of a semi join per group
    from msrwe.study import efficacy
    from msrwe.study.config import Study
    from msrwe.tables.results import ResultsTable

    rng = np.random.default_rng(seed)
    pids = [f"P{i}" for i in range(n_pat)]
    groups = [None if null_group and i == 0 else ("A", "B")[i % 2] for i in range(n_pat)]
    adsl = pl.DataFrame({"patient_id": pids, "group": groups,
                         "base_edss_date": [D0] * n_pat}, schema_overrides={"group": pl.String})
    rows = [(p, D0 + dt.timedelta(days=int(d)), float(rng.integers(0, 14)) / 2, int(d))
            for p in pids for d in sorted(rng.choice(2000, size=int(rng.integers(1, 6)),
                                                     replace=False))]
    advs = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                      "edss": pl.Float64, "days": pl.Int64}, orient="row") \
        .with_columns(pl.lit(True).alias("on_treatment"))
    study = Study.default_for("x")
    seen: list[pl.DataFrame] = []

    class Fit:  # stands for the mixed model: the rows each group's fit is given are compared
        slope = ci_low = ci_high = 0.0
        method = "stand-in"

    def fit(part: pl.DataFrame, *args: object, **kwargs: object) -> Fit:
        seen.append(part)
        return Fit()

    def parts() -> list[pl.DataFrame]:
        seen.clear()
        efficacy.add_slope(ResultsTable(), advs, adsl, study)
        return list(seen)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(efficacy, "mixed_slope", fit)
        fast = parts()
        mp.setattr(efficacy, "look_up", lambda *a: [])
        plain = parts()
    assert len(fast) == len(plain)

    def in_order(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
        # the groups are fitted two at a time (msrwe._threads): compared in a fixed order
        return sorted(frames, key=lambda f: f.rows())

    for f, p in zip(in_order(fast), in_order(plain), strict=True):
        assert_frame_equal(f, p)


def _former_last_dose(ids: pl.Series, onset: pl.Series, d: pl.DataFrame,
                      by: str) -> list[pl.Series]:
    """The former as-of join of the events with the numbered doses."""
    left = pl.DataFrame({by: ids, "onset_date": onset}).with_row_index("__i")
    joined = left.sort(by, "onset_date").join_asof(
        d.rename({"date": "__dose_date"}), left_on="onset_date", right_on="__dose_date", by=by,
        strategy="backward", check_sortedness=False).sort("__i")
    return [joined["__dose_date"], joined["dose_number"]]


@settings(max_examples=40, deadline=None)
@given(events=st.lists(st.tuples(IDS, st.integers(0, 60)), max_size=12),
       doses=st.lists(st.tuples(IDS, st.one_of(st.none(), st.integers(0, 60))), max_size=15))
def test_last_dose_search_equals_the_asof_join(events: list, doses: list) -> None:
    # doses on the same day, events before any dose, patients without doses, missing ids
    from msrwe.derive import adverse_events

    ae = pl.DataFrame([(p, _day(x), "t") for p, x in events],
                      schema={"patient_id": pl.String, "onset_date": pl.Date, "term": pl.String},
                      orient="row")
    dz = pl.DataFrame([(p, _day(x)) for p, x in doses],
                      schema={"patient_id": pl.String, "date": pl.Date}, orient="row")
    fast = adverse_events.derive_adae(ae, dz)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(adverse_events, "_last_dose", _former_last_dose)
        assert_frame_equal(fast, adverse_events.derive_adae(ae, dz))
