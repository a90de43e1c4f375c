"""Same seed, same cohort: equal frames and byte-identical files; options are validated."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.errors import InputError, OptionError
from msrwe.synth import TABLE_NAMES, make_cohort, make_cohort_and_manifest, write_cohort

VALID_EDSS = {0.0, *(x / 2 for x in range(2, 20)), 10.0}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# Case 1: the same seed gives equal tables
def test_case_01_same_seed_same_tables():
    a = make_cohort(30, seed=11)
    b = make_cohort(30, seed=11)
    for name in TABLE_NAMES:
        assert a[name].equals(b[name]), name


# Case 2: another seed gives another cohort
def test_case_02_other_seed_other_tables():
    a = make_cohort(30, seed=11)
    b = make_cohort(30, seed=12)
    assert not a["visits"].equals(b["visits"])


# Case 3: the same seed gives byte-identical files in every format, dirty or not
@pytest.mark.parametrize(("fmt", "dirty"), [("csv", False), ("csv", True), ("parquet", False),
                                            ("parquet", True), ("xlsx", False)])  # fmt: skip
def test_case_03_byte_identical_files(tmp_path, fmt, dirty):
    first = write_cohort(tmp_path / "a", 25, seed=5, dirty=dirty, fmt=fmt)
    write_cohort(tmp_path / "b", 25, seed=5, dirty=dirty, fmt=fmt)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    names = [p.name for p in first]
    assert names[: len(TABLE_NAMES)] == [f"{t}.{fmt}" for t in TABLE_NAMES]
    assert ("dirty_manifest.csv" in names) == dirty


# Case 4: the CSV files read back as the frames make_cohort returns
def test_case_04_csv_round_trip(tmp_path):
    write_cohort(tmp_path, 20, seed=3)
    cohort = make_cohort(20, seed=3)
    for name in TABLE_NAMES:
        back = pl.read_csv(tmp_path / f"{name}.csv", schema=cohort[name].schema)
        assert back.equals(cohort[name]), name
    header = (tmp_path / "visits.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("patient_id,date,edss,fs_pyramidal")


# Case 5: the parquet and xlsx files hold the same data
def test_case_05_parquet_and_xlsx(tmp_path):
    cohort = make_cohort(20, seed=3)
    write_cohort(tmp_path / "pq", 20, seed=3, fmt="parquet")
    write_cohort(tmp_path / "xl", 20, seed=3, fmt="xlsx")
    for name in ("patients", "visits", "adverse_events"):
        assert pl.read_parquet(tmp_path / "pq" / f"{name}.parquet").equals(cohort[name])
        sheet = pl.read_excel(tmp_path / "xl" / f"{name}.xlsx", sheet_name=name)
        assert sheet.columns == cohort[name].columns
        assert sheet.height == cohort[name].height
    sheet = pl.read_excel(tmp_path / "xl" / "visits.xlsx", sheet_name="visits")
    assert (
        sheet["date"].cast(pl.String).to_list()
        == cohort["visits"]["date"].cast(pl.String).to_list()
    )


# Case 6: bad options get a clear OptionError naming the parameter and the value
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_patients": 0}, "'n_patients' parameter of make_cohort must be between 1 and 200,000"),
        ({"n_patients": -3}, "Got -3 instead"),
        ({"n_patients": 200_001}, "Got 200001 instead"),
        ({"n_patients": 2.5}, "must be a whole number of patients"),
        ({"n_patients": True}, "must be a whole number of patients"),
        ({"seed": -1}, "'seed' parameter of make_cohort must be a whole number >= 0"),
        ({"seed": "abc"}, "Got 'abc' instead"),
        ({"dirty": "yes"}, "'dirty' parameter of make_cohort must be True or False"),
        ({"n_patients": 5, "dirty": True}, "needs at least 20 patients"),
    ],
)
def test_case_06_bad_options(kwargs, message):
    with pytest.raises(OptionError, match=message):
        make_cohort(**kwargs)


# Case 7: write_cohort refuses an unknown format and a folder holding another format
def test_case_07_write_refusals(tmp_path):
    with pytest.raises(OptionError, match="'fmt' parameter of write_cohort"):
        write_cohort(tmp_path, 20, fmt="json")  # type: ignore[arg-type]
    write_cohort(tmp_path, 20, fmt="csv")
    with pytest.raises(InputError, match="already holds"):
        write_cohort(tmp_path, 20, fmt="parquet")
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        write_cohort(target, 20)


# Case 8: a clean cohort written over a dirty one removes the stale manifest
def test_case_08_stale_manifest_removed(tmp_path):
    write_cohort(tmp_path, 20, seed=1, dirty=True)
    assert (tmp_path / "dirty_manifest.csv").exists()
    write_cohort(tmp_path, 20, seed=1)
    assert not (tmp_path / "dirty_manifest.csv").exists()


# Case 9: a clean cohort comes with an empty manifest
def test_case_09_clean_manifest_empty():
    _, manifest = make_cohort_and_manifest(20, seed=1)
    assert manifest.is_empty()
    assert manifest.columns == ["table", "row_number", "column", "value", "kind"]


# Case 10 (property): for any size and seed, the cohort keeps its invariants
@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_case_10_invariants(n, seed):
    c = make_cohort(n, seed=seed)
    p = c["patients"]
    assert p.height == n
    n_spms = int(n * 67 / 83 + 0.5 + 1e-9)
    assert (p["phenotype"] == "SPMS").sum() == n_spms
    assert set(c["visits"]["edss"]) <= VALID_EDSS
    per = c["administrations"].filter(drug="methotrexate").group_by("patient_id").len()
    assert per.height == n
    assert per["len"].is_between(18, 57).all()
    for name in TABLE_NAMES[1:]:
        assert set(c[name]["patient_id"]) <= set(p["patient_id"]), name
    ae = c["adverse_events"]
    assert (ae["end_date"].drop_nulls() >= ae.drop_nulls("end_date")["onset_date"]).all()
    t = c["treatments"].drop_nulls("stop_date")
    assert (t["stop_date"] >= t["start_date"]).all()
    for name in TABLE_NAMES:  # the importer would quarantine an exact repeat
        assert c[name].is_unique().all(), name
    assert c["visits"].select("patient_id", "date").is_unique().all()
    gaps = c["relapses"].select(pl.col("onset_date").diff().dt.total_days().over("patient_id"))
    assert (gaps["onset_date"].drop_nulls() > 30).all()
