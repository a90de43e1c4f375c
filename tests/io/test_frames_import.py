"""msrwe.io.read_frames / import_frames: chart tables built in memory, through the same rules.

Case 1: the same rows give the same kept tables and rules as a folder of CSV files.
Case 2: messages start with the row's origin (and the source field); row numbers are the source's,
        also inside a message that cites another row.
Case 3: flags from the source reader quarantine a row or only warn.
Case 4: count_sources: read = imported + quarantined + ignored per source.
Case 5: a later folder import checks the frames' tables again (the store's recheck bookkeeping).
"""

from __future__ import annotations

import polars as pl

from msrwe.io import (
    ORIGIN,
    SOURCE_ROW,
    count_sources,
    import_folder,
    import_frames,
    read_chart_folder,
    read_frames,
)
from msrwe.store import read_table

PATIENTS = {"patient_id": ["A1", "A2"], "sex": ["F", "female"]}
VISITS = {"patient_id": ["A1", "A1", "A1", "A2"],
          "date": ["2015-01-01", "2015-06-01", "2015-06-01", "2015-01-01"],
          "edss": ["6.0", "6.5", "6.5", "0.5"]}


def test_case1_same_as_files(tmp_path):
    pl.DataFrame(PATIENTS).write_csv(tmp_path / "patients.csv")
    pl.DataFrame(VISITS).write_csv(tmp_path / "visits.csv")
    files = read_chart_folder(tmp_path)
    frames = read_frames({"patients": pl.DataFrame(PATIENTS), "visits": pl.DataFrame(VISITS)},
                         source="mem").chart
    for name in ("patients", "visits"):
        assert frames.tables[name].equals(files.tables[name])
    cols = ["table_name", "row_number", "column_name", "rule"]
    assert frames.quarantine.select(cols).equals(files.quarantine.select(cols))


def test_case2_origin_and_rows():
    visits = pl.DataFrame(VISITS).with_columns(
        pl.Series(ORIGIN, ["rec A1 #1", "rec A1 #2", "rec A1 #3", "rec A2 #1"]),
        pl.Series(SOURCE_ROW, [10, 20, 30, 40]))
    result = read_frames({"patients": pl.DataFrame(PATIENTS), "visits": visits}, source="x",
                         fields={"visits": {"edss": "vis_edss"}})
    q = result.chart.quarantine.filter(pl.col("table_name") == "visits").sort("row_number")
    rows = q.select("row_number", "rule", "message").rows()
    assert rows[0][:2] == (30, "duplicate_row")
    assert rows[0][2] == "rec A1 #3: this row repeats row 20 exactly; the first is kept"
    assert rows[1][:2] == (40, "edss_half_step")
    assert rows[1][2].startswith("rec A2 #1, field vis_edss: EDSS 0.5")
    assert result.rows["visits"]["status"].to_list() == ["imported", "imported", "quarantined",
                                                         "quarantined"]


def test_case3_flags():
    flags = pl.DataFrame({"index": [0, 1], "column_name": ["edss", "edss"], "value": ["a", "b"],
                          "rule": ["src_bad", "src_note"], "message": ["bad", "note"],
                          "severity": ["quarantine", "warning"]})
    result = read_frames({"patients": pl.DataFrame({"patient_id": ["A1"]}),
                          "visits": pl.DataFrame(VISITS).head(2)}, source="x",
                         flags={"visits": flags})
    assert result.chart.quarantine["rule"].to_list() == ["src_bad"]
    assert result.chart.warnings.filter(pl.col("rule") == "src_note").height == 1
    assert result.chart.tables["visits"].height == 1


def test_case4_count_sources():
    result = read_frames({"patients": pl.DataFrame(PATIENTS), "visits": pl.DataFrame(VISITS)},
                         source="x")
    groups = {"patients": pl.Series([0, 1]), "visits": pl.Series([2, 3, 4, 5])}
    records = pl.DataFrame({"record": [0, 1, 2, 3, 4, 5, 6],
                            "source": ["p", "p", "v", "v", "v", "v", "other"]})
    counts = {c.source: (c.read, c.imported, c.quarantined, c.ignored)
              for c in count_sources(result, groups, records)}
    assert counts == {"p": (2, 1, 1, 0), "v": (4, 2, 2, 0), "other": (1, 0, 0, 1)}


def test_case5_recheck_after_folder_import(tmp_path):
    db = tmp_path / "s.duckdb"
    import_frames({"patients": pl.DataFrame({"patient_id": ["A1"]}),
                   "visits": pl.DataFrame(VISITS).filter(pl.col("patient_id") == "A1").head(2)},
                  db, source="x")
    assert read_table(db, "visits").height == 2
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id\nB9\n")
    summary = import_folder(folder, db)
    assert read_table(db, "visits").height == 0  # A1 is gone: its visits are quarantined
    assert summary.rechecked["visits"].quarantined == 2
