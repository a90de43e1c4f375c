"""Patient identifiers held as one enum while the analysis runs (issue 14.1).

Numbered cases: the enum of a store holds its patients' identifiers in sorted order (case 1);
a table of the store charting an unknown patient, a patient charted twice and a store without
patients give no enum, so the analysis holds text (case 2); a column read as the enum holds the
same identifiers, and one with an identifier not of the enum is read as text (case 3); a frame
in the enum is text again in ``as_charted`` and ``key_type`` picks the enum of the frames to join
(case 4); and a hypothesis test: sorting, comparing neighbours, the sortedness check, grouping in
order and joining on the enum give what they give on the text identifiers.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal, assert_series_equal

from msrwe.derive._columns import as_charted, key_type
from msrwe.store import Store, patient_id_enum


def _store(path: Path, patients: list[str | None], **tables: list[str]) -> Path:
    db = path / "s.duckdb"
    db.unlink(missing_ok=True)
    with duckdb.connect(str(db)) as con:
        frames = {"patients": patients, **tables}
        for name, ids in frames.items():
            frame = pl.DataFrame({"patient_id": ids, "x": range(len(ids))},
                                 schema={"patient_id": pl.String, "x": pl.Int64})
            con.register("frame", frame)
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
    return db


def test_case1_the_patients_identifiers_sorted(tmp_path: Path) -> None:
    db = _store(tmp_path, ["P10", "P2", "P1"], visits=["P1", "P1", "P10"])
    ids = patient_id_enum(db, checked=["visits", "mri"])  # a table the store lacks: no check
    assert isinstance(ids, pl.Enum)
    assert ids.categories.to_list() == ["P1", "P10", "P2"]


def test_case2_no_enum_for_unknown_duplicate_or_missing_patients(tmp_path: Path) -> None:
    assert patient_id_enum(_store(tmp_path, ["A", "B"], mri=["A", "C"]), checked=["mri"]) is None
    # unchecked, the unknown patient is found when the table is read (case 3)
    assert patient_id_enum(_store(tmp_path, ["A", "B"], mri=["A", "C"])) is not None
    assert patient_id_enum(_store(tmp_path, ["A", "A"])) is None
    assert patient_id_enum(_store(tmp_path, ["A", None])) is None
    assert patient_id_enum(_store(tmp_path, [])) is None
    no_patients = tmp_path / "n.duckdb"
    duckdb.connect(str(no_patients)).close()
    assert patient_id_enum(no_patients) is None


def test_case3_read_as_the_enum_or_as_text(tmp_path: Path) -> None:
    db = _store(tmp_path, ["A", "B"], visits=["A", "A", "B"], mri=["A", "C"])
    ids = patient_id_enum(db)
    assert ids is not None
    with Store(db) as store:
        visits = store.read_columns("visits", narrow={"patient_id": ids})
        mri = store.read_columns("mri", narrow={"patient_id": ids})
        plain = store.read_columns("visits")
    assert visits.schema["patient_id"] == ids
    assert_series_equal(visits["patient_id"].cast(pl.String), plain["patient_id"])
    assert mri.schema["patient_id"] == pl.String  # "C" is no patient's: read as stored
    assert mri["patient_id"].to_list() == ["A", "C"]


def test_case4_text_again_and_the_type_to_join_in() -> None:
    ids = pl.Enum(["a", "b"])
    held = pl.DataFrame({"patient_id": ["b", "a"], "drug": ["x", "y"]},
                        schema={"patient_id": ids, "drug": pl.Categorical})
    assert as_charted(held).schema == pl.Schema({"patient_id": pl.String, "drug": pl.String})
    text = pl.DataFrame({"patient_id": ["a"]})
    assert key_type(text, None, held) == ids
    assert key_type(text) == pl.String
    joined = held.join(text.with_columns(pl.col("patient_id").cast(key_type(held, text))),
                       on="patient_id")
    assert joined["drug"].cast(pl.String).to_list() == ["y"]


_ids = st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=12, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patients=_ids, data=st.data())
def test_enum_keeps_the_order_and_groups_of_text(patients: list[str], data: st.DataObject) -> None:
    ids = pl.Enum(pl.Series(patients).sort())  # as patient_id_enum makes it
    rows = data.draw(st.lists(st.sampled_from(patients), max_size=30))
    days = data.draw(st.lists(st.integers(0, 3), min_size=len(rows), max_size=len(rows)))
    text = pl.DataFrame({"patient_id": rows, "day": days}, schema={"patient_id": pl.String,
                                                                   "day": pl.Int64})
    held = text.with_columns(pl.col("patient_id").cast(ids))
    back = pl.col("patient_id").cast(pl.String)
    # sorted the same, compared the same, found sorted the same
    assert_frame_equal(held.sort("patient_id", "day").with_columns(back),
                       text.sort("patient_id", "day"))
    after = (pl.col("patient_id") > pl.col("patient_id").shift(1)).alias("after")
    assert_frame_equal(held.select(after), text.select(after))
    assert held["patient_id"].is_sorted() == text["patient_id"].is_sorted()
    # grouped in order and joined the same
    agg = [pl.col("day").sum().alias("s"), pl.len().alias("n")]
    assert_frame_equal(held.group_by("patient_id", maintain_order=True).agg(agg)
                       .with_columns(back),
                       text.group_by("patient_id", maintain_order=True).agg(agg))
    ref = pl.DataFrame({"patient_id": patients, "k": range(len(patients))})
    assert_frame_equal(
        held.join(ref.with_columns(pl.col("patient_id").cast(ids)), on="patient_id",
                  how="left", maintain_order="left").with_columns(back),
        text.join(ref, on="patient_id", how="left", maintain_order="left"))
