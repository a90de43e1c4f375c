"""Property-based tests: random valid and malformed chart files never crash the import.

Whatever the bytes, ``read_chart_folder`` either refuses the import with ImportRefused or returns a
result whose accounting balances (read = imported + quarantined) for every table.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from msrwe.errors import ImportRefused
from msrwe.io import read_chart_folder

IDS = [f"P{i}" for i in range(8)]
EDSS_OK = ["0", "1.0", "1.5", "2", "3.5", "6.0", "6.5", "9.5", "10"]

valid_date = st.dates(
    min_value=__import__("datetime").date(1995, 1, 1),
    max_value=__import__("datetime").date(2024, 12, 31),
).map(lambda d: d.isoformat())
bad_date = st.sampled_from(["2015-02-30", "15/03/2015", "yesterday", "2015-13-01", "2015/01/01"])
bad_number = st.sampled_from(["0.5", "11", "-1", "6,5", "NaN", "inf", "six", "1e400", "7.25"])
any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
)


def _csv(header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _patients_csv():
    rows = [[p, "F", "1950-01-01", "SPMS"] for p in IDS]
    return _csv(["patient_id", "sex", "birth_date", "phenotype"], rows)


valid_visit = st.tuples(
    st.sampled_from(IDS), valid_date, st.sampled_from(EDSS_OK), st.integers(0, 6).map(str)
)
messy_visit = st.tuples(
    st.one_of(st.sampled_from(IDS), st.sampled_from(["", "Z1", " P1 "]), any_text),
    st.one_of(valid_date, bad_date, st.just("")),
    st.one_of(st.sampled_from(EDSS_OK), bad_number, st.just(""), any_text),
    st.one_of(st.integers(-2, 9).map(str), st.just("2.5"), any_text),
)


def _run(files: dict[str, bytes]):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        try:
            return read_chart_folder(folder)
        except ImportRefused as exc:
            message = str(exc)
        assert message  # a refusal always says why
        return None


def _balanced(result) -> None:
    for t in result.summary.tables.values():
        assert t.read == t.imported + t.quarantined
        assert result.tables[t.table].height == t.imported
    known = set(result.tables["patients"]["patient_id"].to_list())
    for name, frame in result.tables.items():
        if name != "patients":  # the store never holds rows of a patient it does not hold
            assert set(frame["patient_id"].to_list()) <= known
    q = result.quarantine
    if q.height:
        assert q["row_number"].min() >= 2
        assert q["message"].null_count() == 0
        assert q["rule"].null_count() == 0


@given(st.lists(valid_visit, max_size=30, unique_by=lambda r: (r[0], r[1])))
def test_valid_visits_are_all_imported(rows):
    header = ["patient_id", "date", "edss", "fs_pyramidal"]
    result = _run(
        {"patients.csv": _patients_csv().encode(), "visits.csv": _csv(header, rows).encode()}
    )
    assert result is not None
    assert result.quarantine.height == 0
    v = result.summary.tables["visits"]
    assert (v.read, v.imported) == (len(rows), len(rows))


@given(
    st.lists(messy_visit, max_size=30),
    st.sampled_from(["utf-8", "cp1252", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_messy_visits_balance(rows, encoding):
    header = ["patient_id", "date", "edss", "fs_pyramidal"]
    text = _csv(header, rows)
    data = text.encode(encoding, errors="replace")
    result = _run({"patients.csv": _patients_csv().encode(), "visits.csv": data})
    if result is not None:
        _balanced(result)


@given(
    st.lists(
        st.sampled_from(["patient_id", "date", "edss", "sdmt", "Notes", "", "date"]), max_size=6
    ),
    st.lists(st.lists(any_text, max_size=7), max_size=10),
)
def test_random_headers_and_ragged_rows(header, rows):
    text = _csv(header, rows) if header else "\n".join(",".join(r) for r in rows)
    result = _run({"patients.csv": _patients_csv().encode(), "visits.csv": text.encode()})
    if result is not None:
        _balanced(result)


@given(
    st.binary(max_size=300),
    st.sampled_from(["visits.csv", "visits.xlsx", "visits.parquet", "patients.csv"]),
)
def test_garbage_bytes_never_crash(data, name):
    files = {"patients.csv": _patients_csv().encode(), name: data}
    result = _run(files)
    if result is not None:
        _balanced(result)


@given(st.lists(messy_visit, min_size=1, max_size=20))
def test_parquet_and_csv_agree(rows):
    header = ["patient_id", "date", "edss", "fs_pyramidal"]
    frame = pl.DataFrame([list(r) for r in rows], schema=header, orient="row")
    buf = io.BytesIO()
    frame.write_parquet(buf)
    a = _run({"patients.csv": _patients_csv().encode(), "visits.parquet": buf.getvalue()})
    b = _run({"patients.csv": _patients_csv().encode(), "visits.csv": frame.write_csv().encode()})
    assert (a is None) == (b is None)
    if a is not None and b is not None:
        _balanced(a)
        _balanced(b)
        assert a.quarantine.drop("file").equals(b.quarantine.drop("file"))


messy_patient = st.tuples(
    st.sampled_from(IDS),
    st.one_of(st.sampled_from(["F", "M", "X", "", "female"])),
    st.one_of(valid_date, bad_date, st.just("")),
    st.one_of(valid_date, st.just("")),
    st.sampled_from(["SPMS", "PPMS", "PRMS", "RRMS", "", "Secondary progressive"]),
    st.one_of(valid_date, st.just("")),
)


@given(st.lists(messy_patient, min_size=1, max_size=10), st.lists(messy_visit, max_size=20))
def test_messy_patients_and_visits_stay_consistent(patients, visits):
    header = ["patient_id", "sex", "birth_date", "ms_onset_date", "phenotype", "death_date"]
    files = {
        "patients.csv": _csv(header, patients).encode(),
        "visits.csv": _csv(["patient_id", "date", "edss", "fs_pyramidal"], visits).encode(),
    }
    result = _run(files)
    assert result is not None
    _balanced(result)
    p = result.tables["patients"]
    assert p["patient_id"].is_unique().all()
    v = result.tables["visits"].join(p, on="patient_id")
    assert (v["date"] >= v["birth_date"]).fill_null(True).all()
    assert (v["date"] <= v["death_date"]).fill_null(True).all()
