"""QA, issue #9 item 18 (the rest): the flow diagram starts at the charted patients.

The flow started at the store; a paper needs "N patients charted -> excluded for chart errors ->
...". The import log knows how many patient rows were read and quarantined, so the attrition
starts there: step -2 the patients charted, step -1 the chart-error exclusions, then the store
(step 0) and the criteria. Each test names its case and fails on a792698.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from msrwe.study.cohort import CHART_ERRORS, CHARTED

#: Seven patients charted; P6 has an impossible sex and P7 a duplicated id (both quarantined).
PATIENTS = """\
patient_id,sex,phenotype
P1,F,SPMS
P2,M,SPMS
P3,F,PPMS
P4,F,SPMS
P5,M,PPMS
P6,Q,SPMS
P1,F,SPMS
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from msrwe.io import import_folder

    root = tmp_path_factory.mktemp("qa18")
    charts = root / "charts"
    charts.mkdir()
    (charts / "patients.csv").write_text(PATIENTS)
    doses = "".join(f"P{i},2015-{m:02d}-01,methotrexate,intrathecal,12.5\n"
                    for i in range(1, 6) for m in range(1, 7 if i != 5 else 2))
    (charts / "administrations.csv").write_text("patient_id,date,drug,route,dose\n" + doses)
    visits = "".join(f"P{i},2015-{m:02d}-01,{3.5 + (i % 3) * 0.5}\n"
                     for i in range(1, 6) for m in range(1, 12, 2))
    (charts / "visits.csv").write_text("patient_id,date,edss\n" + visits)
    db = root / "s.duckdb"
    summary = import_folder(charts, db)
    assert summary.tables["patients"].read == 7
    return db


def _study(tmp: Path) -> Path:
    s = tmp / "study.toml"
    s.write_text('[cohort]\ndrug = "methotrexate"\nmin_administrations = 2\n')
    return s


# Case 1: the attrition starts at the charted patients, then the chart errors, then the store
def test_item18_case1_attrition_starts_at_charted_patients(store: Path, tmp_path: Path):
    from msrwe.pipeline import analyze

    result = analyze(store, _study(tmp_path))
    att = result.attrition
    first = att.head(3).rows()
    assert first == [(-2, CHARTED, 0, 7), (-1, CHART_ERRORS, 2, 5),
                     (0, "patients in the store", 0, 5)]
    # every step removes exactly the difference of what remains
    rem = att.get_column("remaining").to_list()
    exc = att.get_column("excluded").to_list()
    assert all(rem[i - 1] - exc[i] == rem[i] for i in range(1, len(rem)))
    assert rem[-1] == 4  # P5 had one administration
    # the results table holds the same rows, levels -2 and -1 first
    rows = result.results.to_polars().filter(pl.col("analysis") == "attrition")
    levels = rows.get_column("level").unique(maintain_order=True).to_list()
    assert levels[:3] == ["-2", "-1", "0"]
    got = dict(rows.filter(pl.col("stat") == "excluded").select("level", "value").iter_rows())
    assert got["-1"] == 2


# Case 2: the report's flow diagram starts at the charted patients
def test_item18_case2_flow_diagram_starts_at_charted_patients(store: Path, tmp_path: Path):
    from msrwe.pipeline import build_report

    html = build_report(store, tmp_path / "r.html", study=_study(tmp_path)).read_text("utf-8")
    flow = re.search(r'<div class="flow"[^>]*>(.*?)</div>\s*</div>', html, re.S)
    assert flow is not None
    boxes = [unescape(re.sub(r"<[^>]+>", " ", b)).split()
             for b in re.findall(r'<div class="box">(.*?)</div>', html, re.S)]
    assert " ".join(boxes[0]) == f"{CHARTED} 7 patients"
    assert " ".join(boxes[1]) == f"{CHART_ERRORS} 5 patients"
    assert "excluded 2" in html


# Case 3: without an import log (a store written by other means) the flow starts at the store
def test_item18_case3_no_import_log_starts_at_the_store():
    from msrwe.study.cohort import charted_steps

    assert charted_steps(None, 5) == []
    log = pl.DataFrame({"table_name": ["visits"], "rows_read": [30]})
    assert charted_steps(log, 5) == []
    # a log counting fewer rows than the store holds is not used
    assert charted_steps(pl.DataFrame({"table_name": ["patients"], "rows_read": [3]}), 5) == []
