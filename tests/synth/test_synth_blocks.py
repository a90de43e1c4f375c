"""A cohort above the one-draw limit is written in blocks (issue 14 item 1: ``msrwe synth
--patients 1000000`` on a 24 GB machine).

The limits are lowered here (one draw up to 100 patients, blocks of at most 60) so the block path
runs in seconds; ``bench/chain_speed.py --full`` runs it at a million patients.

Cases
-----
1. 150 patients -> blocks of 50: every table holds every block, patient ids are unique,
   numbered P001..P150 across blocks and sorted; CSV and Parquet hold the same rows.
2. The same seed gives byte-identical files; another seed other files.
3. Dirty: the manifest's every cell is in the files at its row (rows of earlier blocks
   counted), every kind is planted once, the unknown patient is beyond the last one, and the
   import quarantines what the manifest lists.
4. Up to the one-draw limit nothing changed: the files are those of ``make_cohort`` (the demo
   golden's input), e.g. 83 patients.
5. Limits: above 2,000,000 refused; .xlsx above the one-draw limit refused; make_cohort (in
   memory) still stops at the one-draw limit and says write_cohort writes more.
"""

from __future__ import annotations

import polars as pl
import pytest

import msrwe.synth._chunked as chunked
import msrwe.synth._cohort as cohort
from msrwe.errors import OptionError
from msrwe.synth import TABLE_NAMES, make_cohort, write_cohort


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(cohort, "MAX_PATIENTS", 100)
    monkeypatch.setattr(chunked, "CHUNK_PATIENTS", 60)


def _csv(folder, name):
    return pl.read_csv(folder / f"{name}.csv", infer_schema=False)


def test_case1_blocks_are_appended_and_numbered_across(small_blocks, tmp_path):
    assert chunked.block_sizes(150, 60) == [50, 50, 50]
    calls: list[tuple[int, int]] = []
    write_cohort(tmp_path / "c", 150, seed=5, progress=lambda k, n: calls.append((k, n)))
    assert calls == [(50, 150), (100, 150), (150, 150)]
    write_cohort(tmp_path / "p", 150, seed=5, fmt="parquet")
    ids = _csv(tmp_path / "c", "patients")["patient_id"].to_list()
    assert ids == [f"P{i:03d}" for i in range(1, 151)]
    for name in TABLE_NAMES:
        csv, pq = _csv(tmp_path / "c", name), pl.read_parquet(tmp_path / "p" / f"{name}.parquet")
        assert csv.height == pq.height
        assert csv.columns == pq.columns
        if "patient_id" in csv.columns and csv.height:
            got = csv["patient_id"].to_list()
            assert got == sorted(got)
            assert set(got) <= set(ids)
    # every block drew its own patients: visits of the first and the last block
    visits = _csv(tmp_path / "c", "visits")["patient_id"]
    assert visits.is_in(["P001", "P050"]).any()
    assert visits.is_in(["P101", "P150"]).any()
    schema = cohort.TABLES["visits"]
    assert dict(pl.read_parquet(tmp_path / "p" / "visits.parquet").schema) == dict(schema)


def test_case2_same_seed_same_bytes(small_blocks, tmp_path):
    for fmt in ("csv", "parquet"):
        a = write_cohort(tmp_path / f"a{fmt}", 150, seed=5, fmt=fmt)
        b = write_cohort(tmp_path / f"b{fmt}", 150, seed=5, fmt=fmt)
        c = write_cohort(tmp_path / f"c{fmt}", 150, seed=6, fmt=fmt)
        assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
        assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_case3_dirty_manifest_points_at_the_files(small_blocks, tmp_path):
    from msrwe.io import import_folder
    from msrwe.store import Store

    paths = write_cohort(tmp_path / "d", 150, seed=5, dirty=True)
    assert paths[-1].name == "dirty_manifest.csv"
    manifest = pl.read_csv(paths[-1], schema_overrides={"value": pl.String})
    files = {t: _csv(tmp_path / "d", t) for t in TABLE_NAMES}
    for table, row, column, value, _kind in manifest.iter_rows():
        assert files[table][row - 2, column] == value, (table, row, column)
    assert manifest.filter(kind="negative_dose").height == 1
    assert (manifest.filter(kind="negative_dose")["row_number"]
            > files["administrations"].height * 0.5).all()  # in the last block
    unknown = manifest.filter(kind="unknown_patient")["value"].item()
    assert int(unknown[1:]) > 150
    import_folder(tmp_path / "d", tmp_path / "d.duckdb")
    with Store(tmp_path / "d.duckdb") as store:
        quarantined = store.quality().quarantine
    assert unknown in quarantined["value"].cast(pl.String).to_list()


def test_case4_up_to_the_limit_nothing_changed(tmp_path):
    write_cohort(tmp_path, 83, seed=2019)
    tables = make_cohort(83, seed=2019)
    for name in TABLE_NAMES:
        assert (tmp_path / f"{name}.csv").read_text() == tables[name].write_csv()


def test_case5_limits(small_blocks, tmp_path):
    with pytest.raises(OptionError, match="between 1 and 2,000,000"):
        write_cohort(tmp_path, 2_000_001)
    with pytest.raises(OptionError, match=r"as \.xlsx"):
        write_cohort(tmp_path, 150, fmt="xlsx")
    with pytest.raises(OptionError, match="write_cohort writes larger cohorts"):
        make_cohort(150)
