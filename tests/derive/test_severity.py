"""MSSS/ARMSS lookups on the project's toy matrices (tests/results/endpoints/make_toy_matrices.py).

Toy scores encode their cell: ``column_index / 2 + row_number / 100``; EDSS 6.0 is column 11
(5.5). The real matrices are GPL and not bundled, so the check values of endpoints.md 7.2 (EDSS
6.0 at 10 years: 7.385 on Roxburgh's matrix; ARMSS EDSS 6 at age 50: 7.33) cannot be tested here;
these cases test the same row/column choices that give those values in ms.sev.
"""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from msrwe.derive.severity import derive_vars_severity, local_severity, read_severity_matrix
from msrwe.errors import InputError, OptionError

HERE = Path(__file__).parents[1] / "results" / "endpoints"
DD0 = read_severity_matrix(HERE / "toy_msss_dd0.csv", kind="msss")
DD1 = read_severity_matrix(HERE / "toy_msss_dd1.csv", kind="msss")
ARMSS = read_severity_matrix(HERE / "toy_armss.csv", kind="armss")


def _one(m, edss, at, indexing="ms.sev"):
    v = m.lookup(edss=[edss], at=[at], indexing=indexing)[0]
    return None if v is None else round(v, 4)


def test_1_msevs_row_is_floor_dd_plus_one_on_roxburghs_layout():
    assert _one(DD0, 6.0, 10.0) == 5.6     # row dd10 (ms.sev: 7.385 on the real matrix)
    assert _one(DD0, 6.0, 9.5) == 5.59     # row dd9
    assert _one(DD0, 6.0, 0.5) == 5.5      # row dd0


def test_2_msevs_rows_are_capped_at_the_30th():
    assert _one(DD0, 6.0, 35.0) == 5.79    # 30th row = dd29 (R 4.354 vs Py 4.347 on the real one)
    assert _one(DD0, 6.0, 35.0, "mssev") == 5.8  # label dd30


def test_3_updated_layout_label_ddN_is_the_Nth_year_under_ms_sev():
    assert _one(DD1, 6.0, 10.0) == 5.6     # 11th row = dd11
    assert _one(DD1, 6.0, 10.0, "mssev") == 5.59  # label dd10: one year apart (endpoints.md 7.2)
    assert _one(DD1, 6.0, 0.5) == 5.5      # first row dd1
    assert _one(DD1, 6.0, 0.5, "mssev") is None  # no dd0 row (mssev gives NaN)


def test_4_edss_columns():
    assert _one(DD0, 0.5, 10.0) == _one(DD0, 0.0, 10.0) == 0.1   # 0.5 reads the EDSS 0 column
    assert _one(DD0, 9.5, 10.0) == 9.1
    assert _one(DD0, 10.0, 10.0) is None   # death: no score
    assert _one(DD0, 3.25, 10.0) is None
    assert _one(DD0, None, 10.0) is None
    assert _one(DD0, 3.0, -0.1) is None    # EDSS before onset


def test_5_armss_uses_floor_age_18_to_75_only():
    assert _one(ARMSS, 6.0, 50.9) == 5.82  # row 50 (ms.sev: 7.33 on the real matrix at 50)
    assert _one(ARMSS, 6.0, 75.5) == 6.07
    assert _one(ARMSS, 6.0, 17.9) is None
    assert _one(ARMSS, 6.0, 80.0) is None  # ms.sev: NA (mssev caps the age at 75)


def test_6_matrix_file_errors(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("dd,0,1\ndd0,1,2\n")
    with pytest.raises(InputError, match=r"no EDSS column 1\.5"):
        read_severity_matrix(p, kind="msss")
    text = (HERE / "toy_msss_dd0.csv").read_text().replace("dd5,", "five,", 1)
    p.write_text(text)
    with pytest.raises(InputError, match="row 7: the row label 'five'"):
        read_severity_matrix(p, kind="msss")
    p.write_text((HERE / "toy_msss_dd0.csv").read_text().replace("\ndd3,0.03,", "\ndd3,11,"))
    with pytest.raises(InputError, match=r"row 5, column '0': the score 11.0"):
        read_severity_matrix(p, kind="msss")
    with pytest.raises(InputError, match="no severity matrix"):
        read_severity_matrix(tmp_path / "none.csv", kind="msss")
    with pytest.raises(OptionError, match="indexing"):
        DD0.lookup(edss=[1.0], at=[1.0], indexing="R")


def test_7_local_scores_rank_within_two_years():
    ref_e, ref_x = [2.0, 4.0, 4.0, 6.0, 8.0], [9.0, 10.0, 10.5, 12.0, 12.1]
    # at 10: pool within [8, 12] = 2, 4, 4, 6 -> mid-rank of 4 is 2.5 -> 2.5 / 5 * 10
    assert local_severity([4.0], [10.0], reference_edss=ref_e, reference_at=ref_x) == [5.0]
    assert local_severity([10.0, None], [10.0, 1.0], reference_edss=ref_e,
                          reference_at=ref_x) == [None, None]


def test_8_per_patient_baseline_and_last_scores():
    d = dt.date
    adsl = pl.DataFrame({"patient_id": ["a"], "ms_onset_date": [d(2000, 1, 1)],
                         "birth_date": [d(1970, 1, 1)], "base_edss": [6.0],
                         "base_edss_date": [d(2010, 1, 2)], "last_edss": [6.5],
                         "last_edss_date": [d(2012, 6, 1)]})
    visits = pl.DataFrame({"patient_id": ["a"], "date": [d(2010, 1, 2)], "edss": [6.0]})
    out = derive_vars_severity(adsl, visits=visits, msss=DD0, armss=ARMSS)
    assert round(out["msss_base"].item(), 4) == 5.6    # dd 10.0 -> dd10
    assert round(out["armss_base"].item(), 4) == 5.72  # age 40 -> row 22
    assert round(out["msss_last"].item(), 4) == 6.12   # EDSS 6.5 (column 12), dd 12.4 -> dd12
    local = derive_vars_severity(adsl, visits=visits)
    assert local["msss_base"].item() == 5.0            # alone in its band: rank 1 / 2 x 10
