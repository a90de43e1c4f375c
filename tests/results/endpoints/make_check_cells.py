"""Write check_cells.csv: the few cells of the real MSSS/ARMSS matrices the check values read.

    .venv/bin/python tests/results/endpoints/make_check_cells.py

msrwe bundles no severity matrix (GPL, reference/endpoints.md 7.1). The check values of
endpoints.md 7.2 (EDSS 6.0 table and "Other checks", computed with R ms.sev 1.0.4 and Python
mssev 0.5.2) are single published numbers; each sits in one cell, located by where R and Python
agree or differ (ms.sev reads the floor(dd)+1-th row from the top, mssev the row labelled
floor(dd); endpoints.md 7.2):

- Roxburgh (rows dd0-dd30): dd 10 gives 7.385 in both, so cell dd10 / EDSS 6; dd 9.5 gives 7.652
  in both: dd9; dd 0.5 (ms.sev, first row) 9.756: dd0; dd 35 gives 4.354 in R (30th row = dd29)
  and 4.347 in Python (label dd30); EDSS 3 at dd 5 (R, 6th row = dd5) 5.790; EDSS 0 at dd 10
  (R) 0.188: dd10.
- Updated (rows dd1-dd30): R at dd 9.5 (10th row = dd10) and Python at dd 10 (label dd10) both
  7.83: dd10; R at dd 10 (11th row = dd11) 7.71; Python at dd 9.5 (label dd9) 8.08; R at dd 0.5
  (first row = dd1) 9.46; dd 35 gives 4.72 in both (dd30); EDSS 3 at dd 5: R 6.08 (dd6), Python
  6.35 (dd5); EDSS 0 at dd 10 (R, dd11) 0.33.
- ARMSS (ages 18-75): EDSS 6 at 50 and 50.9 give 7.33 (row 50); EDSS 3 at 35 gives 6.63.

Every other cell is empty. tests/endpoints/test_severity_check.py fills a matrix of the right
shape with these cells (empty elsewhere) and checks that msrwe's lookup, under both conventions,
reads exactly these cells: a wrong row or column lands on an empty cell and fails.
"""

from pathlib import Path

HERE = Path(__file__).parent

#: (layout, row label, EDSS column, score)
CELLS = [
    ("roxburgh", "dd10", "6", 7.385),
    ("roxburgh", "dd9", "6", 7.652),
    ("roxburgh", "dd0", "6", 9.756),
    ("roxburgh", "dd29", "6", 4.354),
    ("roxburgh", "dd30", "6", 4.347),
    ("roxburgh", "dd5", "3", 5.790),
    ("roxburgh", "dd10", "0", 0.188),
    ("updated", "dd10", "6", 7.83),
    ("updated", "dd11", "6", 7.71),
    ("updated", "dd9", "6", 8.08),
    ("updated", "dd1", "6", 9.46),
    ("updated", "dd30", "6", 4.72),
    ("updated", "dd6", "3", 6.08),
    ("updated", "dd5", "3", 6.35),
    ("updated", "dd11", "0", 0.33),
    ("armss", "50", "6", 7.33),
    ("armss", "35", "3", 6.63),
]

if __name__ == "__main__":
    lines = ["layout,row,edss,score", *(f"{a},{b},{c},{d:g}" for a, b, c, d in CELLS)]
    (HERE / "check_cells.csv").write_text("\n".join(lines) + "\n")
