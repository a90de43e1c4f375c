"""AnalysisResult.suppress: the results, the attrition table, the summary, the export, the report.

Numbered cases on one hand-written result (two groups, Table 1 by sex, attrition).
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from msrwe.analysis import AnalysisResult
from msrwe.errors import OptionError
from msrwe.report.formatting import fmt_int, fmt_n_pct, small_cells
from msrwe.study import Study
from msrwe.study.cohort import CohortCounts
from msrwe.tables.results import ResultsTable


def _result() -> AnalysisResult:
    r = ResultsTable()
    for g, n in (("A", 3), ("B", 40), ("overall", 43)):
        r.add("cohort", g, "patients", "", "N", n)
    for step, (exc, rem) in enumerate(((0, 45), (2, 43))):
        r.add_stats("attrition", "overall", "criterion", str(step),
                    {"excluded": exc, "remaining": rem}, label=f"step {step}")
    attrition = pl.DataFrame({"step": [0, 1], "criterion": ["in the store", "treated"],
                              "excluded": [0, 2], "remaining": [45, 43]})
    return AnalysisResult(results=r, study=Study(), attrition=attrition,
                          analyses=(CohortCounts(),))


# Case 1: the cohort counts: 3 is small, 40 goes with it (3 + 40 = 43), overall stays.
def test_case1_results():
    s = _result().suppress(5)
    got = {(a, g, st): v for a, g, _v, _l, st, v, _lab, _m in s.results._rows}
    assert got[("cohort", "A", "N")] is None
    assert got[("cohort", "B", "N")] is None
    assert got[("cohort", "overall", "N")] == 43
    assert s.min_cell == 5
    assert s.study.privacy.min_cell == 5
    assert "min_cell = 5" in s.study.to_toml()


# Case 2: attrition: excluded 2 is small (NaN: shown as <5), remaining 43 of step 1 and the
# 45 before it make an equation, so 43 goes too (null).
def test_case2_attrition_frame():
    s = _result().suppress(5)
    excluded = s.attrition["excluded"].to_list()
    remaining = s.attrition["remaining"].to_list()
    assert excluded[0] == 0
    assert math.isnan(excluded[1])
    assert remaining[0] == 45
    assert remaining[1] is None


# Case 3: the summary shows <5 for the small count, - for the complementary one.
def test_case3_summary():
    text = _result().suppress(5).summary().as_text()
    assert "<5" in text
    assert " 3 " not in text
    assert " 40 " not in text


# Case 4: the export (every patient's datasets) is refused.
def test_case4_export_refused(tmp_path):
    with pytest.raises(OptionError, match="small-cell suppression"):
        _result().suppress(5).export(tmp_path / "x")
    assert not (tmp_path / "x").exists()


# Case 5: suppressing again at the same or a lower threshold changes nothing; higher withholds
# more.
def test_case5_thresholds():
    s5 = _result().suppress(5)
    assert s5.suppress(5) is s5
    assert s5.suppress(3) is s5
    s50 = s5.suppress(50)
    assert s50.min_cell == 50
    got = {(g, st): v for _a, g, _v, _l, st, v, _lab, _m in s50.results._rows}
    assert got[("overall", "N")] is None


# Case 6: the report's number formats show a NaN count as <N only inside small_cells.
def test_case6_formatting_hook():
    nan = float("nan")
    with small_cells(5):
        assert (fmt_int(nan), fmt_n_pct(nan, None), fmt_int(None), fmt_int(7)) == (
            "<5", "<5", "–", "7")
    assert fmt_int(nan) == "–"
    with small_cells(None):
        assert fmt_int(nan) == "–"
