"""msrwe.privacy.deidentify: numbered cases on hand-written tables, and properties."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from msrwe.errors import OptionError
from msrwe.privacy import deidentify

D = dt.date


def _tables():
    patients = pl.DataFrame({
        "patient_id": ["MRN-001", "MRN-002", "=cmd|x"],
        "sex": ["F", "M", "F"],
        "birth_date": [D(1960, 5, 2), D(1925, 1, 1), None],
        "site": ["Winnipeg", "Brandon", "Winnipeg"],
        "patient_name": ["Ann Smith", "Bob Jones", "Cy Young"],
    })
    visits = pl.DataFrame({
        "patient_id": ["MRN-001", "MRN-001", "MRN-002", "=cmd|x"],
        "date": [D(2020, 1, 1), D(2020, 4, 1), D(2019, 6, 1), D(2021, 1, 1)],
        "edss": [4.0, 4.5, 6.0, 3.0],
        "note": ["saw wife", None, None, "x"],
    })
    aes = pl.DataFrame({
        "patient_id": ["MRN-001"], "onset_date": [D(2020, 2, 1)], "end_date": [D(2020, 2, 3)],
        "term": ["headache after Dr Brown's LP"], "pt_code": ["10019211"],
    })
    return {"patients": patients, "visits": visits, "adverse_events": aes}


# Case 1: one pseudonym per patient, the same in every table, never an original id.
def test_case1_pseudonyms_consistent():
    out = deidentify(_tables(), seed=3)
    key = dict(out.key.select("patient_id", "pseudonym").iter_rows())
    assert set(out.tables["patients"]["patient_id"]) == set(key.values())
    assert out.tables["visits"]["patient_id"].to_list()[:2] == [key["MRN-001"]] * 2
    assert out.tables["adverse_events"]["patient_id"][0] == key["MRN-001"]
    assert not set(key) & set(key.values())


# Case 2: one shift per patient, 1 to 364 days back, in every table: intervals kept.
def test_case2_shift_keeps_intervals():
    t = _tables()
    out = deidentify(t, seed=5)
    shift = dict(out.key.select("patient_id", "shift_days").iter_rows())
    assert all(1 <= s <= 364 for s in shift.values())
    v = out.tables["visits"]
    assert v["date"].to_list()[0] == D(2020, 1, 1) - dt.timedelta(days=shift["MRN-001"])
    assert (v["date"][1] - v["date"][0]).days == 91
    ae = out.tables["adverse_events"]
    assert ae["onset_date"][0] == D(2020, 2, 1) - dt.timedelta(days=shift["MRN-001"])


# Case 3: offset mode: days since the patient's first charted date.
def test_case3_offset_dates():
    out = deidentify(_tables(), dates="offset", seed=1)
    v = out.tables["visits"]
    assert v["date"].dtype == pl.Int32
    assert v["date"].to_list() == [0, 91, 0, 0]
    assert out.tables["adverse_events"]["onset_date"].to_list() == [31]
    assert "anchor_date" in out.key.columns


# Case 4: birth date reduced to the year; a patient over 89 at the last charted date has none.
def test_case4_birth_year_and_over_89():
    p = deidentify(_tables(), seed=1).tables["patients"]
    assert "birth_date" not in p.columns
    assert p["birth_year"].to_list() == [1960, None, None]
    assert p["aged_over_89"].to_list() == [False, True, False]


# Case 5: free text and extra chart columns are dropped (free text kept only on request).
def test_case5_free_text_and_extra_columns():
    out = deidentify(_tables(), seed=1)
    assert "patient_name" not in out.tables["patients"].columns
    assert "note" not in out.tables["visits"].columns
    assert "term" not in out.tables["adverse_events"].columns
    assert ("adverse_events", "term", "free text (may name people)") in out.dropped
    kept = deidentify(_tables(), seed=1, keep_free_text=True)
    assert "term" in kept.tables["adverse_events"].columns
    assert "patient_name" not in kept.tables["patients"].columns


# Case 6: sites kept, or coded with a separate key.
def test_case6_sites():
    assert deidentify(_tables(), seed=1).tables["patients"]["site"][0] == "Winnipeg"
    out = deidentify(_tables(), sites="code", seed=1)
    codes = out.tables["patients"]["site"].to_list()
    assert set(codes) <= {"site_1", "site_2"}
    assert codes[0] == codes[2]
    assert out.site_key.height == 2


# Case 7: options are checked.
@pytest.mark.parametrize(("kw", "opt"), [({"dates": "year"}, "dates"),
                                         ({"sites": "drop"}, "sites"),
                                         ({"max_shift_days": 0}, "max_shift_days")])
def test_case7_bad_options(kw, opt):
    with pytest.raises(OptionError) as e:
        deidentify(_tables(), **kw)
    assert e.value.option == opt


# Case 8: without a seed, pseudonyms differ between runs (drawn, not derived from the id).
def test_case8_pseudonyms_are_random():
    a = deidentify(_tables()).key["pseudonym"].to_list()
    b = deidentify(_tables()).key["pseudonym"].to_list()
    assert a != b


@given(st.lists(st.integers(min_value=0, max_value=20000), min_size=1, max_size=12),
       st.sampled_from(["shift", "offset"]))
def test_intervals_are_kept(days, mode):
    d0 = D(1990, 1, 1)
    v = pl.DataFrame({"patient_id": ["A"] * len(days),
                      "date": [d0 + dt.timedelta(days=x) for x in days], "edss": [1.0] * len(days)})
    out = deidentify({"visits": v}, dates=mode, seed=0).tables["visits"]["date"].to_list()
    out = [(x - out[0]).days for x in out] if mode == "shift" else [x - out[0] for x in out]
    assert out == [x - days[0] for x in days]
