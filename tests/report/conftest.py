"""Fixtures of the report tests: a hand-made store and analysis result, and an HTML table reader.

The store and the analysis result are built by hand (no synth, no analysis needed), with
numbers chosen so that the expected cells can be written next to them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from msrwe.analysis.result import AnalysisResult, InForce, Provenance
from msrwe.pipeline import ANALYSES
from msrwe.study.config import Study
from msrwe.tables import compute_table1
from msrwe.tables.results import ResultsTable

D0 = dt.date(2015, 1, 5)


def _frame(rows: list[tuple], **schema: pl.DataType) -> pl.DataFrame:
    """A frame from row tuples, columns named and typed in order by ``schema``."""
    return pl.DataFrame(rows, orient="row", schema=schema)


def make_store(path: Path, n: int = 12, seed: int = 7) -> Path:
    """A store of ``n`` patients on intrathecal methotrexate every ~66 days, with two quarantined
    rows and one warning."""
    rng = np.random.default_rng(seed)
    ids = [f"P{i:03d}" for i in range(1, n + 1)]
    phen = ["SPMS" if i % 4 else "PPMS" for i in range(n)]
    patients = pl.DataFrame(
        {
            "patient_id": ids,
            "sex": ["F" if i % 3 else "M" for i in range(n)],
            "birth_date": [dt.date(1960 + i % 20, 3, 1) for i in range(n)],
            "phenotype": phen,
        }
    )
    v_rows, a_rows, ae_rows, r_rows = [], [], [], []
    for i, pid in enumerate(ids):
        n_doses = 6 + i % 10
        day = 0
        for k in range(n_doses):
            a_rows.append((pid, D0 + dt.timedelta(days=day), "methotrexate", "intrathecal", 12.5))
            edss = min(9.5, 4.0 + 0.5 * (i % 5) + 0.5 * (k // 4))
            v_rows.append(
                (
                    pid,
                    D0 + dt.timedelta(days=day),
                    edss,
                    8.0 + k * 0.3 + i % 3,
                    25.0 + k * 0.2,
                    27.0 + (i % 4),
                )
            )
            day += int(rng.integers(56, 90))
        if i % 3 == 0:
            ae_rows.append((pid, D0 + dt.timedelta(days=30), "Headache", False))
        if i % 5 == 0:
            ae_rows.append((pid, D0 + dt.timedelta(days=200), "Urinary tract infection", i == 0))
        if i % 6 == 1:
            r_rows.append((pid, D0 + dt.timedelta(days=150)))
    visits = _frame(
        v_rows, patient_id=pl.String, date=pl.Date, edss=pl.Float64, t25fw_s=pl.Float64,
        nhpt_dominant_s=pl.Float64, nhpt_nondominant_s=pl.Float64,
    )
    adm = _frame(
        a_rows, patient_id=pl.String, date=pl.Date, drug=pl.String, route=pl.String,
        dose=pl.Float64,
    )
    ae = _frame(
        ae_rows, patient_id=pl.String, onset_date=pl.Date, term=pl.String, serious=pl.Boolean
    )
    rel = _frame(r_rows, patient_id=pl.String, onset_date=pl.Date)
    issues = pl.DataFrame(
        {
            "table_name": ["visits", "visits", "administrations"],
            "file": ["visits.csv", "visits.csv", "administrations.csv"],
            "row_number": [14, 27, 3],
            "column_name": ["edss", "edss", "date"],
            "value": ["0.5", "11", "2015-13-01"],
            "rule": ["edss_scale", "edss_scale", "iso_date"],
            "message": [
                "EDSS 0.5 is not a valid score",
                "EDSS 11 is not a valid score",
                "not a date (YYYY-MM-DD)",
            ],
        }
    )
    warnings = issues.head(1).with_columns(
        pl.lit("patients").alias("table_name"),
        pl.lit("phenotype").alias("column_name"),
        pl.lit("PRMS").alias("value"),
        pl.lit("prms_recoded").alias("rule"),
        pl.lit("PRMS recorded as PPMS").alias("message"),
    )
    log = pl.DataFrame(
        {
            "table_name": ["patients", "visits", "administrations"],
            "file": ["patients.csv", "visits.csv", "administrations.csv"],
            "rows_read": [n, visits.height + 2, adm.height + 1],
            "rows_quarantined": [0, 2, 1],
            "sha256": ["a" * 64, "b" * 64, "c" * 64],
        }
    )
    con = duckdb.connect(str(path))
    try:
        for name, df in (
            ("patients", patients),
            ("visits", visits),
            ("administrations", adm),
            ("adverse_events", ae),
            ("relapses", rel),
            ("quarantine", issues),
            ("import_warnings", warnings),
            ("import_log", log),
        ):
            con.register("_df", df.to_arrow())
            con.execute(f'create table "{name}" as select * from _df')
            con.unregister("_df")
    finally:
        con.close()
    return path


def make_analysis(db: Path) -> AnalysisResult:
    """An AnalysisResult shaped like msrwe.pipeline.run.analyze's, with known numbers."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        patients = con.sql("select * from patients").pl()
        adm = con.sql("select * from administrations").pl()
        visits = con.sql("select * from visits").pl()
        ae = con.sql("select * from adverse_events").pl()
    finally:
        con.close()
    first = adm.group_by("patient_id").agg(
        pl.col("date").min().alias("first_dose"), pl.len().alias("n_doses")
    )
    adsl = (
        patients.join(first, on="patient_id")
        .with_columns(
            pl.col("phenotype").alias("group"),
            ((pl.col("first_dose") - pl.col("birth_date")).dt.total_days() / 365.25).alias("age"),
        )
        .join(
            visits.group_by("patient_id").agg(pl.col("edss").first().alias("base_edss")),
            on="patient_id",
        )
    )
    addose = adm.sort("patient_id", "date").with_columns(
        pl.col("date").diff().over("patient_id").dt.total_days().alias("interval_days")
    )
    advs = visits
    adae = ae
    last = visits.group_by("patient_id").agg(pl.col("date").max().alias("last"))
    adtte = adsl.join(last, on="patient_id").select(
        "patient_id",
        pl.lit("firstCDW").alias("param"),
        (pl.col("last") - pl.col("first_dose")).dt.total_days().alias("time_days"),
        (pl.col("patient_id").str.slice(-1).cast(pl.Int32) % 3 == 0).alias("event"),
    )
    r = ResultsTable()
    ae_stats = ("n", "pct", "ci_low", "ci_high", "events", "person_years", "eair",
                "eair_ci_low", "eair_ci_high")
    ae_rows = (
        ("Headache", (3, 33.333, 7.49, 70.07, 4, 20.5, 14.634, 3.018, 42.77)),
        ("Urinary tract infection", (1, 8.333, 0.21, 38.48, 1, 21.2, 4.717, 0.119, 26.28)),
    )
    for g, n_group in (("SPMS", 9), ("PPMS", 3), ("overall", 12)):
        for term, values in ae_rows:
            r.add_stats(
                "ae_incidence",
                g,
                "term",
                term,
                {"N": n_group, **dict(zip(ae_stats, values, strict=True))},
                label=term,
                method="Clopper-Pearson; exact Poisson",
            )
        r.add_stats(
            "edss_change",
            g,
            "edss",
            "",
            {
                "n": 12,
                "baseline_median": 5.0,
                "last_median": 5.5,
                "change_median": 0.25,
                "improved": 1,
                "stable": 8,
                "worsened": 3,
                "statistic": 2.5,
                "p_value": 0.0437,
            },
            method="Wilcoxon signed-rank, zero_method='wilcox', exact p",
        )
    r.add_stats("exposure", "overall", "doses", "", {"n": 12, "median": 10.5, "total": 126})
    attrition = pl.DataFrame(
        {
            "step": [0, 1, 2],
            "criterion": [
                "patients in the store",
                "received methotrexate intrathecal",
                "at least 6 doses",
            ],
            "excluded": [0, 0, 0],
            "remaining": [12, 12, 12],
        }
    )
    r.extend(compute_table1(adsl))  # as analyze does: Table 1 is an analysis like the others
    return AnalysisResult(
        results=r,
        datasets={"adsl": adsl, "addose": addose, "advs": advs, "adae": adae, "adtte": adtte},
        attrition=attrition,
        methods="Confirmed disability worsening was defined as in msprog (test methods).",
        study=Study.from_dict(
            {"study": {"title": "Intrathecal methotrexate in progressive MS (test)"},
             "exposure": {"interval_days": [56, 77]}},
            source="test study",
        ),
        in_force=InForce("methotrexate", "intrathecal", (56, 77), ("PPMS", "SPMS", "overall")),
        provenance=Provenance(store=str(db), files=({"file": "patients.csv", "sha256": "a" * 64},)),
        analyses=ANALYSES,
    )


class _Cells(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # >0 while inside the table's wrapper div
        self.cell: dict[str, str] | None = None
        self.rows: list[dict[str, str]] = []
        self.row: dict[str, str] = {}
        self.stub = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div" and a.get("id") == self.table_id:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "div":
            self.depth += 1
        if tag == "tr":
            self.row, self.stub = {}, ""
        if tag == "th" and a.get("scope") == "row":
            self.cell = {"kind": "stub", "text": ""}
        if tag == "td" and a.get("headers"):
            self.cell = {"kind": "td", "text": "", "headers": a["headers"] or ""}

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "div":
            self.depth -= 1
        if tag in ("th", "td") and self.cell is not None:
            text = " ".join(self.cell["text"].split())
            if self.cell["kind"] == "stub":
                self.stub = text
            else:
                col = self.cell["headers"].split()[-1].removeprefix(self.table_id + "-")
                self.row[col] = text
            self.cell = None
        if tag == "tr" and self.row:
            self.rows.append({"__stub__": self.stub, **self.row})
            self.row = {}

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data


def table_cells(html: str, table_id: str) -> list[dict[str, str]]:
    """Body rows of the table: ``__stub__`` (row label) and one entry per column name."""
    parser = _Cells(table_id)
    parser.feed(html)
    return parser.rows


@pytest.fixture(scope="session")
def builders() -> tuple[Callable[..., Path], Callable[[Path], AnalysisResult]]:
    return make_store, make_analysis


@pytest.fixture(scope="session")
def read_table_cells() -> Callable[[str, str], list[dict[str, str]]]:
    return table_cells


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("store") / "s.duckdb")


@pytest.fixture(scope="session")
def analysis(store: Path) -> AnalysisResult:
    return make_analysis(store)


@pytest.fixture(scope="session")
def full_report(tmp_path_factory: pytest.TempPathFactory, store: Path, analysis) -> Path:
    from msrwe.pipeline import build_report

    out = tmp_path_factory.mktemp("full")
    return build_report(store, out / "report.html", analysis=analysis, export=out / "export")
