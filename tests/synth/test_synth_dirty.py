"""Dirty mode: the manifest lists exactly the chart errors written, and nothing else changed."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.synth import TABLE_NAMES, make_cohort, make_cohort_and_manifest, write_cohort
from msrwe.synth._dirty import to_text

KINDS = {
    "edss_not_half_step",
    "decimal_comma",
    "not_a_date",
    "unknown_patient",
    "duplicate_visit",
    "nhpt_not_positive",
    "sdmt_out_of_range",
    "end_before_onset",
    "stop_before_start",
    "negative_dose",
    "phenotype_not_coded",
    "sex_not_coded",
    "date_after_death",
    "patient_row_quarantined",
}


@pytest.fixture(scope="module")
def dirty() -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    return make_cohort_and_manifest(seed=2019, dirty=True)


def _cell(frames: dict[str, pl.DataFrame], table: str, row_number: int, column: str) -> object:
    return frames[table][column][row_number - 2]


# Case 1: every manifest entry is in the tables at its spreadsheet row (header = row 1)
def test_case_01_manifest_matches_tables(dirty):
    tables, manifest = dirty
    assert not manifest.is_empty()
    for table, row, column, value, _kind in manifest.iter_rows():
        assert _cell(tables, table, row, column) == value, (table, row, column)


# Case 2: the manifest matches the files written, cell by cell
def test_case_02_manifest_matches_files(tmp_path):
    paths = write_cohort(tmp_path, seed=2019, dirty=True)
    assert paths[-1].name == "dirty_manifest.csv"
    manifest = pl.read_csv(paths[-1], schema_overrides={"value": pl.String})
    files = {t: pl.read_csv(tmp_path / f"{t}.csv", infer_schema=False) for t in TABLE_NAMES}
    for table, row, column, value, _kind in manifest.iter_rows():
        assert _cell(files, table, row, column) == value, (table, row, column)
    assert manifest.equals(make_cohort_and_manifest(seed=2019, dirty=True)[1])


# Case 3: every kind of error of the issue is planted, with the values it names
def test_case_03_all_kinds(dirty):
    _, manifest = dirty
    assert set(manifest["kind"]) == KINDS
    values = set(manifest["value"])
    for v in ("0.5", "6.25", "6,5", "31/02/2019", "2019-13-01", "-12.5", "0", "130",
              "Secondary progressive", "female"):  # fmt: skip
        assert v in values, v


# Case 4: never more than a few direct errors per table (the cascade aside), ~1-2% overall
def test_case_04_few_per_table(dirty):
    tables, manifest = dirty
    direct = manifest.filter(pl.col("kind") != "patient_row_quarantined")
    per = direct.group_by("table").agg(pl.col("row_number").n_unique().alias("rows"))
    assert per["rows"].max() <= 10
    rows = manifest.select("table", "row_number").unique().height
    total = sum(f.height for f in tables.values())
    assert 0.003 <= rows / total <= 0.02


# Case 5: apart from the manifest rows (and the deceased patient's death date), the dirty
# tables are the clean tables as text
def test_case_05_rest_unchanged(dirty):
    tables, manifest = dirty
    clean = make_cohort(seed=2019)
    for name in TABLE_NAMES:
        marked = set(manifest.filter(table=name)["row_number"].to_list())
        added = {
            r
            for r, k in manifest.filter(table=name).select("row_number", "kind").iter_rows()
            if k in ("unknown_patient", "date_after_death")
        }
        dup = manifest.filter(table=name, kind="duplicate_visit")["row_number"].to_list()
        if dup:
            added.add(max(dup))  # the second row of the pair is the added one
        keep_dirty = [i for i in range(tables[name].height) if i + 2 not in added]
        d = tables[name][keep_dirty]
        c = to_text(clean[name])
        assert d.height == c.height, name
        if name == "patients":
            assert d["death_date"].drop_nulls().len() == 1
            d, c = d.drop("death_date"), c.drop("death_date")
        differ = [
            i + 2 for i in range(d.height) if d.row(i) != c.row(i)
        ]  # row numbers in the clean file
        remaining = sorted(marked - added)
        # positions shift after an added row; compare through the kept rows
        shifted = [keep_dirty[r - 2] + 2 for r in differ]
        assert set(shifted) <= set(remaining), name
        if name == "visits":  # the edited cells do show up as differences
            assert len(shifted) >= 5


# Case 6: the deceased patient died after everything charted, except the planted relapse
def test_case_06_deceased(dirty):
    tables, manifest = dirty
    p = tables["patients"].filter(pl.col("death_date").is_not_null())
    pid, death = p["patient_id"][0], p["death_date"][0]
    late = manifest.filter(kind="date_after_death")
    assert late.height == 1
    assert late["value"][0] > death
    for name in TABLE_NAMES[1:]:
        rows = tables[name].filter(pl.col("patient_id") == pid)
        for col in rows.columns:
            if col.endswith("date") or col == "date":
                after = [v for v in rows[col].drop_nulls() if v > death]
                if name == "relapses" and col == "onset_date":
                    assert after == [late["value"][0]]
                else:
                    assert after == [], (name, col)


# Case 7: the conflicting duplicate visit: same patient and date, different EDSS, both listed
def test_case_07_duplicate(dirty):
    tables, manifest = dirty
    dup = manifest.filter(kind="duplicate_visit").sort("row_number")
    assert dup.height == 2
    a, b = (tables["visits"][r - 2] for r in dup["row_number"])
    assert a["patient_id"][0] == b["patient_id"][0]
    assert a["date"][0] == b["date"][0]
    assert a["edss"][0] != b["edss"][0]
    assert dup["row_number"][1] == dup["row_number"][0] + 1


# Case 8: the coding-error patient's rows in every other table are listed as the cascade
def test_case_08_cascade(dirty):
    tables, manifest = dirty
    coded = manifest.filter(kind="sex_not_coded")
    pid = tables["patients"]["patient_id"][coded["row_number"][0] - 2]
    cascade = manifest.filter(kind="patient_row_quarantined")
    assert set(cascade["value"]) == {pid}
    for name in TABLE_NAMES[1:]:
        n = tables[name].filter(pl.col("patient_id") == pid).height
        assert cascade.filter(table=name).height == n, name


# Case 9: dirty tables are text, as a chart export is
def test_case_09_text(dirty):
    tables, _ = dirty
    for frame in tables.values():
        assert set(frame.dtypes) == {pl.String}


# Case 10 (property): for any seed and size, the manifest matches the tables and the rest of
# the rows are clean
@settings(max_examples=8, deadline=None)
@given(n=st.integers(20, 45), seed=st.integers(0, 2**32 - 1))
def test_case_10_manifest_property(n, seed):
    tables, manifest = make_cohort_and_manifest(n, seed=seed, dirty=True)
    for table, row, column, value, _kind in manifest.iter_rows():
        assert _cell(tables, table, row, column) == value
    assert set(manifest["kind"]) == KINDS
    assert manifest.select("table", "row_number", "column").is_unique().all()
    clean = make_cohort(n, seed=seed)
    added = manifest.filter(pl.col("kind").is_in(["unknown_patient", "date_after_death"]))
    assert tables["visits"].height == clean["visits"].height + 2  # + unknown patient, duplicate
    assert tables["relapses"].height == clean["relapses"].height + 1
    assert added.height == 2
