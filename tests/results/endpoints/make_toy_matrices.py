"""Write the project's own small severity matrices (made-up numbers, not the GPL matrices).

    .venv/bin/python tests/results/endpoints/make_toy_matrices.py

The real MSSS/ARMSS matrices are GPL (R ms.sev, Python mssev) and are not bundled, so the
lookup and indexing logic is tested on these toy matrices in ms.sev's layout: a first column of
row labels, then the 19 EDSS columns 0, 1, 1.5, ..., 9.5. Every score encodes its own position
so a test can see which row and column were read: ``score = column_index / 2 + row_number / 100``
(row_number counted from 0 at the top, column_index 0 for EDSS 0 ... 18 for EDSS 9.5).

- toy_msss_dd0.csv: rows dd0..dd30 (31 rows, like Roxburgh's matrix in ms.sev)
- toy_msss_dd1.csv: rows dd1..dd30 (30 rows, like the updated global matrix)
- toy_armss.csv: rows 18..75 (ages)
"""

from pathlib import Path

HERE = Path(__file__).parent
COLS = ["0", *[f"{x / 2:g}" for x in range(2, 20)]]


def write(name: str, labels: list[str]) -> None:
    lines = [",".join(["dd" if "dd" in labels[0] else "age", *COLS])]
    for r, lab in enumerate(labels):
        lines.append(",".join([lab, *[f"{j / 2 + r / 100:g}" for j in range(len(COLS))]]))
    (HERE / name).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    write("toy_msss_dd0.csv", [f"dd{i}" for i in range(31)])
    write("toy_msss_dd1.csv", [f"dd{i}" for i in range(1, 31)])
    write("toy_armss.csv", [str(a) for a in range(18, 76)])
