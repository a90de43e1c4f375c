"""MSSS/ARMSS check values of reference/endpoints.md 7.2 on matrix fragments (issue 11 item 8).

The fragments hold only the published cells (tests/results/endpoints/make_check_cells.py), every
other cell empty (NaN), so a lookup that reads a wrong row or column finds nothing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from msrwe.derive.severity import EDSS_COLUMNS, SeverityMatrix
from msrwe.derive.severity_check import (
    CHECK_VALUES,
    check_severity_matrix,
    layout_of,
    main,
)

CELLS = pl.read_csv(Path(__file__).parents[1] / "results" / "endpoints" / "check_cells.csv",
                    schema_overrides={"edss": pl.String, "row": pl.String})
LABELS = {"roxburgh": [f"dd{i}" for i in range(31)], "updated": [f"dd{i}" for i in range(1, 31)],
          "armss": [str(a) for a in range(18, 76)]}


def _fragment(layout: str, fill: float = math.nan) -> tuple[list[str], np.ndarray]:
    labels = LABELS[layout]
    values = np.full((len(labels), len(EDSS_COLUMNS)), fill)
    for _, row, edss, score in CELLS.filter(pl.col("layout") == layout).iter_rows():
        values[labels.index(row), EDSS_COLUMNS.index(edss)] = score
    return labels, values


def _matrix(layout: str) -> SeverityMatrix:
    labels, values = _fragment(layout)
    nums = tuple(int(s.removeprefix("dd")) for s in labels)
    return SeverityMatrix("armss" if layout == "armss" else "msss", nums, values, layout)


# Case 1: Roxburgh's matrix: EDSS 6.0 at 10 years = 7.385 (both conventions), and the rest
def test_case_01_roxburgh_check_values():
    m = _matrix("roxburgh")
    assert m.lookup(edss=[6.0], at=[10.0])[0] == 7.385
    assert m.lookup(edss=[6.0], at=[10.0], indexing="mssev")[0] == 7.385
    assert m.lookup(edss=[6.0], at=[35.0])[0] == 4.354  # the 30th row, dd29
    assert m.lookup(edss=[6.0], at=[35.0], indexing="mssev")[0] == 4.347  # label dd30


# Case 2: the updated matrix: ms.sev and mssev differ by one year (7.71 vs 7.83 at dd 10)
def test_case_02_updated_matrix_one_year_apart():
    m = _matrix("updated")
    assert m.lookup(edss=[6.0], at=[10.0])[0] == 7.71
    assert m.lookup(edss=[6.0], at=[10.0], indexing="mssev")[0] == 7.83
    assert m.lookup(edss=[6.0], at=[9.5])[0] == 7.83
    assert m.lookup(edss=[6.0], at=[0.5], indexing="mssev")[0] is None  # no dd0 row


# Case 3: ARMSS EDSS 6 at age 50 = 7.33; no score below 18 or above 75 (ms.sev)
def test_case_03_armss_check_values():
    m = _matrix("armss")
    assert m.lookup(edss=[6.0, 6.0, 3.0], at=[50.0, 50.9, 35.0]) == [7.33, 7.33, 6.63]
    assert m.lookup(edss=[6.0, 6.0], at=[17.9, 80.0]) == [None, None]


# Case 4: every listed check value is met on its fragment (the table the command prints)
@pytest.mark.parametrize("layout", ["roxburgh", "updated", "armss"])
def test_case_04_every_check_value(layout):
    m = _matrix(layout)
    assert layout_of(m) == layout
    table = check_severity_matrix(m)
    assert table.height == sum(c.layout == layout for c in CHECK_VALUES)
    assert table["ok"].all(), table.filter(~pl.col("ok"))


# Case 5: every published cell is read by some check (no cell listed without a use)
def test_case_05_every_cell_is_used():
    for layout in ("roxburgh", "updated", "armss"):
        m = _matrix(layout)
        read = {v for c in CHECK_VALUES if c.layout == layout
                for v in m.lookup(edss=[c.edss], at=[c.at], indexing=c.indexing) if v is not None}
        cells = set(CELLS.filter(pl.col("layout") == layout)["score"].to_list())
        assert read == cells, layout


def _write(tmp_path: Path, layout: str, fill: float = 5.0) -> Path:
    labels, values = _fragment(layout, fill)
    frame = pl.DataFrame({"age" if layout == "armss" else "dd": labels}).hstack(
        pl.DataFrame(values, schema=list(EDSS_COLUMNS), orient="row"))
    path = tmp_path / f"{layout}.csv"
    frame.write_csv(path)
    return path


# Case 6: the documented command reads a user's file, prints the comparison and exits 0
def test_case_06_command_on_a_matching_file(tmp_path, capsys):
    assert main([str(_write(tmp_path, "roxburgh")), "--kind", "msss"]) == 0
    out = capsys.readouterr().out
    assert "roxburgh layout, 31 rows" in out
    assert "EDSS 6 at years 10 (ms.sev): expected 7.385, found 7.385  ok" in out
    assert main([str(_write(tmp_path, "armss")), "--kind", "armss"]) == 0
    assert "EDSS 6 at age 50 (ms.sev): expected 7.33, found 7.33  ok" in capsys.readouterr().out


# Case 7: a file whose cell differs makes the command exit 1 and say which
def test_case_07_command_on_a_different_file(tmp_path, capsys):
    path = _write(tmp_path, "updated")
    text = path.read_text().replace("7.71", "7.7", 1)
    path.write_text(text)
    assert main([str(path), "--kind", "msss"]) == 1
    out = capsys.readouterr().out
    assert "expected 7.71, found 7.7  DIFFERENT" in out
    assert "some check values differ" in out


# Case 8: an unreadable file exits 2 with the reason
def test_case_08_command_on_a_missing_file(tmp_path, capsys):
    assert main([str(tmp_path / "none.csv"), "--kind", "msss"]) == 2
    assert "no severity matrix here" in capsys.readouterr().err
