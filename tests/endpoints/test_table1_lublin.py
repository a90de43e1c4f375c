"""Lublin 2014 status in Table 1 and the per-patient course strip (issue 11 item 2).

Cases 1-6: ``lublin_table1`` on hand-written ``adlublin`` tables (expected counts worked by
hand). Cases 7-10: ``course_strip_figure``. Cases 11-13: through the pipeline on the demo.
"""

from __future__ import annotations

import base64

import polars as pl
import pytest

from msrwe.endpoints.analyses import LublinActivity
from msrwe.errors import InputError
from msrwe.pipeline import analyze
from msrwe.report.course_strip import course_strip_figure
from msrwe.report.sections import FIGURES
from msrwe.study.config import Study
from msrwe.tables.table1 import lublin_table1

ADSL = pl.DataFrame({
    "patient_id": ["a", "b", "c", "d", "e"],
    "group": ["X", "X", "X", "Y", "Y"],
    "phenotype": ["SPMS", "SPMS", "PPMS", "RRMS", "SPMS"],
})
ADL = pl.DataFrame({
    "patient_id": ["a", "a", "b", "d", "e"],
    "year": [1, 2, 1, 1, 2],
    "activity": ["active", "not_active", "not_active", "active", "active"],
    "progression": ["with", "without", "without", None, "with"],
})


def _get(r, group, variable, level, stat):
    return r.get("table1", stat, group=group, variable=variable, level=level)


# Case 1: year 1 only; a patient without a first-year row (c; e has year 2 only) is not
# determined. Group X: a active, b not active, c not determined
def test_case_01_activity_counts_per_group():
    r = lublin_table1(ADSL, ADL)
    assert [_get(r, "X", "lublin_activity", lev, "n") for lev in
            ("active", "not_active", "not_determined")] == [1.0, 1.0, 1.0]
    assert _get(r, "X", "lublin_activity", "active", "N") == 3.0
    assert _get(r, "Y", "lublin_activity", "not_determined", "n") == 1.0  # e
    assert _get(r, "overall", "lublin_activity", "active", "pct") == pytest.approx(40.0)


# Case 2: progression among progressive patients only (d is RRMS): Y has N 1 (e, no year 1)
def test_case_02_progression_among_progressive_courses():
    r = lublin_table1(ADSL, ADL)
    assert _get(r, "Y", "lublin_progression", "not_determined", "N") == 1.0
    assert _get(r, "Y", "lublin_progression", "not_determined", "n") == 1.0
    assert _get(r, "X", "lublin_progression", "with", "n") == 1.0
    assert _get(r, "X", "lublin_progression", "without", "n") == 1.0
    assert _get(r, "X", "lublin_progression", "not_determined", "n") == 1.0  # c, PPMS
    assert _get(r, "overall", "lublin_progression", "with", "N") == 4.0


# Case 3: every level is written, also with 0 patients, with the Table 1 label and method
def test_case_03_every_level_labelled():
    rows = lublin_table1(ADSL, ADL).to_polars()
    y = rows.filter((pl.col("group") == "Y") & (pl.col("variable") == "lublin_activity")
                    & (pl.col("stat") == "n"))
    assert y["level"].to_list() == ["active", "not_active", "not_determined"]
    assert y["value"].to_list() == [1.0, 0.0, 1.0]
    assert set(rows["label"]) == {"Lublin 2014 activity, first year of follow-up",
                                  "Lublin 2014 progression, first year (progressive courses)"}
    assert rows["method"].str.contains("year 1 of follow-up").all()


# Case 4: without a group column only overall; without progressive patients no progression rows
def test_case_04_overall_only_and_no_progressive():
    adsl = pl.DataFrame({"patient_id": ["d"], "phenotype": ["RRMS"]})
    rows = lublin_table1(adsl, ADL).to_polars()
    assert set(rows["group"]) == {"overall"}
    assert set(rows["variable"]) == {"lublin_activity"}


# Case 5: a missing column is refused with its name
def test_case_05_missing_column_refused():
    with pytest.raises(InputError, match="adlublin has no column 'progression'"):
        lublin_table1(ADSL, ADL.drop("progression"))
    with pytest.raises(InputError, match="to group Table 1 by"):
        lublin_table1(ADSL, ADL, group="arm")


# Case 6: an empty adlublin gives every patient not determined
def test_case_06_empty_adlublin():
    r = lublin_table1(ADSL, ADL.clear())
    assert _get(r, "overall", "lublin_activity", "not_determined", "n") == 5.0


def _svg(fig) -> str:
    return base64.b64decode(fig.src.split(",", 1)[1]).decode()


# Case 7: nothing to draw gives no figure
def test_case_07_no_rows_no_figure():
    assert course_strip_figure(None) is None
    assert course_strip_figure(ADL.clear()) is None
    assert course_strip_figure(ADL.drop("activity")) is None


# Case 8: one row per patient; the caption counts them and names no patient
def test_case_08_caption_counts_and_no_identifiers():
    ids = pl.DataFrame({"patient_id": ["MRN-4711", "MRN-0815"], "year": [1, 1],
                        "activity": ["active", "not_active"], "progression": ["with", None]})
    fig = course_strip_figure(ids, groups=pl.DataFrame({"patient_id": ["MRN-4711", "MRN-0815"],
                                                        "group": ["SPMS", "PPMS"]}))
    assert "(2 patients)" in fig.caption
    assert "are shown" not in fig.caption
    for text in (fig.caption, fig.alt, _svg(fig)):
        assert "MRN" not in text


# Case 9: above max_patients an evenly spaced sample is drawn and the caption says so
def test_case_09_sampled_when_many():
    n = 130
    adl = pl.DataFrame({"patient_id": [f"p{i:03d}" for i in range(n)], "year": [1] * n,
                        "activity": ["not_active"] * n, "progression": ["without"] * n})
    fig = course_strip_figure(adl, max_patients=40)
    assert "(130 patients)" in fig.caption
    assert "40 of 130 patients are shown" in fig.caption


# Case 10: the lublin_activity analysis declares the figure, and the report knows it
def test_case_10_declared_figure():
    assert "course_strip" in LublinActivity.figures
    assert "course_strip" in FIGURES


@pytest.fixture(scope="module")
def demo_rows(endpoint_demo):
    return analyze(endpoint_demo.db, endpoint_demo.study).results.to_polars()


# Case 11: on the demo, Table 1 holds the Lublin rows of every group, adding up to N
def test_case_11_demo_table1_has_lublin_rows(demo_rows):
    t1 = demo_rows.filter((pl.col("analysis") == "table1")
                          & (pl.col("variable") == "lublin_activity"))
    for g in ("PPMS", "SPMS", "overall"):
        part = t1.filter(pl.col("group") == g)
        n = part.filter(pl.col("stat") == "n")["value"].sum()
        assert n == part.filter(pl.col("stat") == "N")["value"][0]
        patients = demo_rows.filter((pl.col("analysis") == "table1") & (pl.col("group") == g)
                                    & (pl.col("variable") == "patients"))["value"].item()
        assert n == patients


# Case 12: with lublin_activity switched off, Table 1 has no Lublin rows
def test_case_12_off_means_no_lublin_rows(endpoint_demo):
    study = Study.from_dict({"cohort": {"drug": "methotrexate"},
                             "analyses": {"lublin_activity": {"enabled": False}}})
    rows = analyze(endpoint_demo.db, study).results.to_polars()
    assert rows.filter((pl.col("analysis") == "table1")
                       & pl.col("variable").str.starts_with("lublin")).height == 0
    assert rows.filter(pl.col("analysis") == "table1").height > 0


# Case 13: the demo report shows the Lublin rows in Table 1 and the course strip in MRI
def test_case_13_demo_report_shows_them(endpoint_demo, tmp_path):
    from msrwe.pipeline import build_report

    run = analyze(endpoint_demo.db, endpoint_demo.study)
    html = build_report(endpoint_demo.db, tmp_path / "report.html", analysis=run).read_text(
        encoding="utf-8")
    assert "Lublin 2014 activity, first year of follow-up" in html
    assert 'id="fig-course-strip"' in html
    assert html.index('id="fig-course-strip"') > html.index(">MRI</h2>")
