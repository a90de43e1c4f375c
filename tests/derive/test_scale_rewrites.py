"""The vectorised derivations of issue 14 item 1 agree with the definitions written out by hand.

``confirmable_visits`` (one sort and a binary search per window), the NEDA "EDSS documents
both ends of the year" flag and the Lublin "something happened in the year" flags (as-of joins
instead of pairing every patient-year with every visit) are checked against plain Python loops
over the definitions, on random small charts with missing dates; and ``shared_confirmations``
never answers a different question from memory.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.derive.lublin import derive_lublin_years
from msrwe.derive.neda import derive_neda_years
from msrwe.derive.tte import confirmable_visits, shared_confirmations

D0 = dt.date(2020, 1, 1)
PATIENTS = ("a", "b", "c")
days = st.integers(min_value=0, max_value=900)
maybe_day = st.one_of(st.none(), days)


def _d(n: int | None) -> dt.date | None:
    return None if n is None else D0 + dt.timedelta(days=n)


def _reference_confirmable(rows, rel, windows, rtc):
    """Every (patient, date) a later-than-baseline onset low..high days earlier can confirm."""
    out = set()
    for p, d, _ in rows:
        if d is None:
            continue
        onsets = [o for q, o, bb in rows if q == p and o is not None and bb is not None and o > bb]
        ok = any((d - o).days >= 1 and lo <= (d - o).days <= hi
                 for lo, hi in windows for o in onsets)
        if ok and rel is not None and rel and (rtc[0] > 0 or rtc[1] > 0):
            mine = [r for q, r in rel if q == p and r is not None]
            before = max((r for r in mine if r <= d), default=None)
            after = min((r for r in mine if r >= d), default=None)
            ok = ((before is None or (d - before).days >= rtc[0])
                  and (after is None or (after - d).days >= rtc[1]))
        if ok:
            out.add((p, d))
    return sorted(out)


visit_rows = st.lists(st.tuples(st.sampled_from(PATIENTS), maybe_day), max_size=25)
relapse_rows = st.lists(st.tuples(st.sampled_from(PATIENTS), maybe_day), max_size=5)
window_sets = st.sampled_from([((77.0, 814.5),), ((30.0, 100.0), (161.0, 898.5)),
                               ((90.75, float("inf")),), ((0.5, 10.0),)])
rtcs = st.sampled_from([(30.0, 0.0), (0.0, 0.0), (30.0, 15.0), (0.0, 7.0)])


@settings(max_examples=150, deadline=None)
@given(visit_rows, relapse_rows, window_sets, rtcs, st.booleans())
def test_confirmable_visits_matches_the_definition(vrows, rrows, windows, rtc, with_rel):
    base = {"a": _d(0), "b": _d(100), "c": None}
    rows = sorted({(p, _d(n), base[p]) for p, n in vrows},
                  key=lambda r: (r[0], r[1] or dt.date.min))
    v = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                   "base_date": pl.Date}, orient="row")
    rel_list = [(p, _d(n)) for p, n in rrows]
    rel = (pl.DataFrame(rel_list, schema={"patient_id": pl.String, "onset_date": pl.Date},
                        orient="row") if with_rel else None)
    got = confirmable_visits(v, windows=windows, relapses=rel, relapse_to_conf=rtc)
    want = _reference_confirmable(rows, rel_list if with_rel else None, windows, rtc)
    assert list(got.iter_rows()) == want


def _years_and_visits(yrows, vrows):
    years = pl.DataFrame(
        [(p, i, _d(s), None if s is None or e is None else _d(s + e))
         for i, (p, s, e) in enumerate(yrows)],
        schema={"patient_id": pl.String, "year": pl.Int64, "period_start": pl.Date,
                "period_end": pl.Date}, orient="row")
    visits = pl.DataFrame(
        [(p, _d(n), None if missing else 3.0) for p, n, missing in vrows],
        schema={"patient_id": pl.String, "date": pl.Date, "edss": pl.Float64}, orient="row")
    return years, visits


year_rows = st.lists(st.tuples(st.sampled_from(PATIENTS), maybe_day,
                               st.one_of(st.none(), st.integers(0, 400))), max_size=8)
edss_rows = st.lists(st.tuples(st.sampled_from(PATIENTS), maybe_day, st.booleans()),
                     max_size=25)


def _empty(schema):
    return pl.DataFrame(schema=schema)


_NO_SCANS = {"patient_id": pl.String, "date": pl.Date, "active": pl.Boolean,
             "comparator_date": pl.Date, "new_enlarging_t2": pl.Int64, "evaluable": pl.Boolean}
_NO_REL = {"patient_id": pl.String, "onset_date": pl.Date}
_NO_EV = {"patient_id": pl.String, "date": pl.Date}


@settings(max_examples=150, deadline=None)
@given(year_rows, edss_rows, st.sampled_from([0, 30, 90]))
def test_neda_edss_documented_matches_the_definition(yrows, vrows, tol):
    years, visits = _years_and_visits(yrows, vrows)
    got = derive_neda_years(years, scans=_empty(_NO_SCANS), visits=visits,
                            relapses=_empty(_NO_REL), events=_empty(_NO_EV),
                            tolerance_days=tol)["edss_documented"].to_list()
    seen = [(p, d) for p, d, e in visits.iter_rows() if e is not None and d is not None]
    want = []
    for p, _, s, e in years.iter_rows():
        def near(end, p=p):
            return end is not None and any(q == p and abs((d - end).days) <= tol
                                           for q, d in seen)
        want.append(near(s) and near(e))
    assert got == want


@settings(max_examples=150, deadline=None)
@given(year_rows, edss_rows)
def test_lublin_progression_flags_match_the_definition(yrows, vrows):
    years, visits = _years_and_visits(yrows, vrows)
    phen = pl.DataFrame({"patient_id": list(PATIENTS), "phenotype": ["SPMS"] * 3})
    got = derive_lublin_years(years, phenotypes=phen, scans=_empty(_NO_SCANS), visits=visits,
                              relapses=_empty(_NO_REL),
                              events=_empty(_NO_EV))["progression"].to_list()
    seen = [(p, d) for p, d, e in visits.iter_rows() if e is not None and d is not None]
    want = ["without" if s is not None and e is not None
            and any(q == p and s <= d <= e for q, d in seen) else "not_determined"
            for p, _, s, e in years.iter_rows()]
    assert got == want


def test_shared_confirmations_answers_only_the_same_question():
    v = pl.DataFrame({"patient_id": ["a"] * 3, "base_date": [D0] * 3,
                      "date": [D0, _d(30), _d(130)]})
    near = pl.DataFrame({"patient_id": ["a"], "onset_date": [_d(120)]})
    far = pl.DataFrame({"patient_id": ["a"], "onset_date": [_d(10)]})
    with shared_confirmations():
        plain = confirmable_visits(v, windows=[(77, 814.5)])
        assert plain.height == 1
        assert confirmable_visits(v, windows=[(77, 814.5)], relapses=None) is plain
        # another relapse, window or set of visits is another question
        assert confirmable_visits(v, windows=[(77, 814.5)], relapses=near).height == 0
        assert confirmable_visits(v, windows=[(77, 814.5)], relapses=far).height == 1
        assert confirmable_visits(v, windows=[(200, 814.5)]).height == 0
        assert confirmable_visits(v.head(2), windows=[(77, 814.5)]).height == 0
        # the last four questions are remembered: the first has been forgotten, not mixed up
        again = confirmable_visits(v, windows=[(77, 814.5)])
        assert again is not plain
        assert again.equals(plain)


@settings(max_examples=100, deadline=None)
@given(visit_rows, relapse_rows, st.randoms(use_true_random=False), st.booleans())
def test_confirmable_visits_sorted_input_equals_any_order(vrows, rrows, rnd, dup):
    # sorted distinct visits skip the unique() and the sort; any other order takes them
    base = {"a": _d(0), "b": _d(100), "c": None}
    rows = sorted({(p, _d(n), base[p]) for p, n in vrows if n is not None})
    shuffled = rows + (rows[:3] if dup else [])
    rnd.shuffle(shuffled)
    schema = {"patient_id": pl.String, "date": pl.Date, "base_date": pl.Date}
    rel = pl.DataFrame([(p, _d(n)) for p, n in rrows],
                       schema={"patient_id": pl.String, "onset_date": pl.Date}, orient="row")
    kw = {"windows": ((30.0, 400.0),), "relapses": rel, "relapse_to_conf": (30.0, 15.0)}
    fast = confirmable_visits(pl.DataFrame(rows, schema=schema, orient="row"), **kw)
    slow = confirmable_visits(pl.DataFrame(shuffled, schema=schema, orient="row"), **kw)
    assert fast.equals(slow)
