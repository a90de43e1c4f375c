"""sNfL/GFAP samples and the biomarker_change rows: numbered hand-written cases (endpoints.md 5)."""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.biomarkers import derive_vars_biomarker_samples, read_biomarker_reference
from msrwe.endpoints.biomarkers import add_biomarker_change, derive_biomarker_pairs
from msrwe.errors import InputError, OptionError
from msrwe.tables.results import ResultsTable

d = dt.date
PTS = pl.DataFrame({"patient_id": ["a", "b"], "birth_date": [d(1970, 1, 1), d(2003, 1, 1)]})
ONSET = d(2021, 3, 1)
REL = pl.DataFrame({"patient_id": ["a"], "onset_date": [ONSET]})


def _b(*rows, extra=None):
    df = pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                    "marker": pl.String, "value": pl.Float64,
                                    "unit": pl.String}, orient="row")
    if extra:
        df = df.with_columns(**extra)
    return df


def _one(*rows, **kw):
    return derive_vars_biomarker_samples(_b(*rows), patients=PTS, **kw).row(0, named=True)


def test_1_sample_30_days_after_a_relapse_is_flagged():
    r = _one(("a", ONSET + dt.timedelta(days=30), "snfl", 14.0, "pg/mL"), relapses=REL)
    assert r["relapse_proximal"] is True


def test_2_window_edges_90_after_in_91_after_out_30_before_in_31_out():
    days = [90, 91, -30, -31]
    out = derive_vars_biomarker_samples(
        _b(*[("a", ONSET + dt.timedelta(days=x), "snfl", 10.0, "pg/mL") for x in days]),
        patients=PTS, relapses=REL)
    # sorted by date: -31, -30, 90, 91
    assert out["relapse_proximal"].to_list() == [False, True, True, False]


def test_3_sample_after_a_gd_scan_is_flagged():
    scans = pl.DataFrame({"patient_id": ["a", "a"], "date": [d(2021, 1, 1), d(2021, 6, 1)],
                          "gd_lesions": [1, None]})
    out = derive_vars_biomarker_samples(
        _b(("a", d(2021, 2, 1), "snfl", 10.0, None), ("a", d(2021, 7, 1), "snfl", 10.0, None)),
        patients=PTS, scans=scans)
    assert out["relapse_proximal"].to_list() == [True, False]


def test_4_units_and_marker_names_are_normalised():
    out = derive_vars_biomarker_samples(
        _b(("a", d(2021, 1, 1), "NfL", 0.0105, "ng/mL"), ("a", d(2021, 2, 1), " GFAP ", 80.0,
                                                          "ng/L"),
           ("a", d(2021, 3, 1), "snfl", 9.0, None)), patients=PTS)
    assert out.select("marker", "value_pg_ml", "unit_assumed").rows() == [
        ("sgfap", 80.0, False), ("snfl", 10.5, False), ("snfl", 9.0, True)]


def test_5_unknown_unit_is_refused_with_row_and_value():
    with pytest.raises(InputError, match=r"row 2, column 'unit': 'mg/dL'"):
        derive_vars_biomarker_samples(
            _b(("a", d(2021, 1, 1), "snfl", 1.0, "pg/mL"), ("a", d(2021, 1, 2), "snfl", 1.0,
                                                            "mg/dL")), patients=PTS)


def test_6_age_specific_upper_limit_by_decade_none_under_20_and_for_gfap():
    out = derive_vars_biomarker_samples(
        _b(("a", d(2020, 1, 1), "snfl", 16.0, None),   # age 50.0 -> 20.8
           ("a", d(2019, 12, 31), "snfl", 16.0, None),  # age 49.99 -> 15.4
           ("b", d(2020, 1, 1), "snfl", 30.0, None),    # age 17 -> none
           ("a", d(2020, 1, 1), "sgfap", 90.0, None)), patients=PTS)
    rows = {(r["patient_id"], r["marker"], r["date"]): (r["uln"], r["above_uln"])
            for r in out.iter_rows(named=True)}
    assert rows[("a", "snfl", d(2020, 1, 1))] == (20.8, False)
    assert rows[("a", "snfl", d(2019, 12, 31))] == (15.4, True)
    assert rows[("b", "snfl", d(2020, 1, 1))] == (None, None)
    assert rows[("a", "sgfap", d(2020, 1, 1))] == (None, None)


def test_7_charted_z_scores_win_over_a_reference_table(tmp_path):
    ref = tmp_path / "ref.csv"
    ref.write_text("marker,age_min,age_max,log_mean,log_sd\nsnfl,40,60,2.0,0.5\n")
    table = read_biomarker_reference(ref)
    b = _b(("a", d(2020, 1, 1), "snfl", 2.718281828459045 ** 2.5, None),
           ("a", d(2020, 6, 1), "snfl", 5.0, None),
           extra={"z_score": pl.Series([None, 3.0], dtype=pl.Float64)})
    out = derive_vars_biomarker_samples(b, patients=PTS, reference=table)
    assert out["z_score"].to_list()[0] == pytest.approx(1.0)
    assert out["percentile"].to_list()[0] == pytest.approx(84.134, abs=1e-3)
    assert out["z_source"].to_list() == ["reference", "chart"]
    assert out["z_score"].to_list()[1] == 3.0


def test_8_reference_table_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("marker,age_min,age_max,log_mean\nsnfl,40,60,2.0\n")
    with pytest.raises(InputError, match="no column log_sd"):
        read_biomarker_reference(bad)
    bad.write_text("marker,age_min,age_max,log_mean,log_sd\nsnfl,40,60,2.0,0\n")
    with pytest.raises(InputError, match="row 2"):
        read_biomarker_reference(bad)
    bad.write_text("marker,age_min,age_max,log_mean,log_sd\nsnfl,40,60,2,1\nsnfl,50,70,2,1\n")
    with pytest.raises(InputError, match="overlap"):
        read_biomarker_reference(bad)
    with pytest.raises(InputError, match="no biomarker reference"):
        read_biomarker_reference(tmp_path / "none.csv")
    with pytest.raises(OptionError, match="after_days"):
        derive_vars_biomarker_samples(_b(), patients=PTS, after_days=-1)


ADSL = pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "X"],
                     "first_dose": [d(2020, 1, 1)] * 2, "end_date": [d(2022, 1, 1)] * 2})


def test_9_baseline_skips_relapse_proximal_samples_and_change_is_paired():
    b = _b(("a", d(2019, 10, 31), "snfl", 8.0, None), ("a", d(2019, 12, 20), "snfl", 30.0, None),
           ("a", d(2021, 12, 1), "snfl", 6.0, None),
           ("b", d(2020, 2, 1), "snfl", 12.0, None), ("b", d(2021, 6, 1), "snfl", 9.0, None))
    rel = pl.DataFrame({"patient_id": ["a"], "onset_date": [d(2019, 12, 1)]})
    s = derive_vars_biomarker_samples(b, patients=PTS, relapses=rel)
    pairs = derive_biomarker_pairs(s, adsl=ADSL)
    # a: 2019-12-20 is 19 days after a relapse -> baseline is 2019-10-31 (31 days before: out)
    assert pairs.select("patient_id", "base_value", "last_value").rows() == [
        ("a", 8.0, 6.0), ("b", 12.0, 9.0)]
    r = ResultsTable()
    add_biomarker_change(r, adsl=ADSL, samples=s)
    assert r.get("biomarker_change", "n", group="X", variable="snfl", level="change") == 2
    assert r.get("biomarker_change", "change_median", group="X", variable="snfl",
                 level="change") == pytest.approx(-2.5)
    # on-treatment samples: a 2021-12-01, b both; the 2019 ones are before the first dose
    assert r.get("biomarker_change", "n_samples", group="X", variable="snfl",
                 level="samples") == 3
    assert r.get("biomarker_change", "n_above_uln", group="X", variable="snfl",
                 level="samples") == 0
