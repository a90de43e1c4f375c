"""compute_table1: Table 1 rows from adsl into the results table."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from msrwe.errors import InputError
from msrwe.tables.table1 import compute_table1

# Case input: five patients in two groups; one missing age and one missing sex.
ADSL = pl.DataFrame({
    "patient_id": ["1", "2", "3", "4", "5"],
    "group": ["SPMS", "SPMS", "SPMS", "PPMS", "PPMS"],
    "age": [41.0, 50.0, None, 62.0, 58.0],
    "sex": ["F", "M", "F", None, "F"],
    "base_edss": [6.0, 6.5, 4.0, 5.5, 7.0],
    "n_doses": [18, 22, 30, 19, 57],
})


def _get(r, group, variable, stat, level=None):
    return r.get("table1", stat, group=group, variable=variable, level=level)


def test_case1_group_sizes():
    r = compute_table1(ADSL)
    assert _get(r, "SPMS", "patients", "N") == 3
    assert _get(r, "PPMS", "patients", "N") == 2
    assert _get(r, "overall", "patients", "N") == 5


def test_case2_continuous_ignores_missing_and_matches_numpy_type7():
    r = compute_table1(ADSL)
    ages = np.array([41.0, 50.0, 62.0, 58.0])
    assert _get(r, "overall", "age", "n") == 4
    assert _get(r, "overall", "age", "median") == pytest.approx(np.median(ages))
    assert _get(r, "overall", "age", "q1") == pytest.approx(np.quantile(ages, 0.25))
    assert _get(r, "overall", "age", "q3") == pytest.approx(np.quantile(ages, 0.75))
    assert _get(r, "overall", "age", "sd") == pytest.approx(np.std(ages, ddof=1))
    assert _get(r, "SPMS", "age", "median") == pytest.approx(45.5)


def test_case3_categorical_percent_of_non_missing_with_missing_row():
    r = compute_table1(ADSL)
    assert _get(r, "PPMS", "sex", "N", "F") == 1
    assert _get(r, "PPMS", "sex", "pct", "F") == pytest.approx(100.0)
    assert _get(r, "PPMS", "sex", "n", "(missing)") == 1
    # every level appears in every group, zero included
    assert _get(r, "PPMS", "sex", "n", "M") == 0


def test_case4_base_edss_and_doses_found_by_candidate_names():
    r = compute_table1(ADSL)
    assert _get(r, "overall", "baseline_edss", "median") == 6.0
    assert _get(r, "overall", "doses", "max") == 57


def test_case5_no_group_column_gives_overall_only():
    r = compute_table1(ADSL.drop("group"))
    groups = set(r.to_polars().get_column("group").to_list())
    assert groups == {"overall"}


def test_input_not_changed():
    before = ADSL.clone()
    compute_table1(ADSL)
    assert ADSL.equals(before)


def test_errors_name_the_column():
    with pytest.raises(InputError, match="patient_id"):
        compute_table1(ADSL.drop("patient_id"))
    with pytest.raises(InputError, match="'arm'"):
        compute_table1(ADSL, group="arm")


def test_group_value_overall_is_the_total_not_a_second_group():
    """An analysis without grouping gives every patient the group 'overall': one set of rows."""
    adsl = pl.DataFrame({"patient_id": ["1", "2"], "group": ["overall", "overall"],
                         "age": [40.0, 60.0]})
    df = compute_table1(adsl).to_polars()
    assert set(df["group"]) == {"overall"}
    keys = ["analysis", "group", "variable", "level", "stat"]
    assert df.select(keys).is_duplicated().sum() == 0


def test_patients_without_a_group_value_are_in_the_same_group_as_everywhere_else():
    """Table 1 names the group of an empty grouping value as exposure and safety do."""
    from msrwe.tables.groups import MISSING_GROUP

    adsl = pl.DataFrame({"patient_id": ["1", "2", "3"], "group": ["SPMS", None, "SPMS"],
                         "age": [40.0, 50.0, 60.0]})
    r = compute_table1(adsl)
    assert r.get("table1", "N", group=MISSING_GROUP, variable="patients") == 1.0
    assert r.get("table1", "N", group="SPMS", variable="patients") == 2.0
    assert set(r.to_polars()["group"]) == {"SPMS", MISSING_GROUP, "overall"}
