"""QA, issue #9 items 1 (writers other than import), 12 and 13: what the writers write, and where.

Item 1: ``--out``/``--export`` naming the store, a chart file, the study file or an existing file
of another kind is refused and leaves that file as it was; a full disk (an injected ``ENOSPC``)
during ``report``, ``analyze --export`` or ``outcomes`` leaves the previous output
byte-identical with no temporary file behind. Item 12: exports keep only analysis columns.
Item 13: CSV cells a spreadsheet would run are written inert; ``outcomes --out x.xlsx`` is a
real workbook. Each test names its item and fails on the code before the fix.
"""

import errno
import hashlib
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.tables.results import ResultsTable

runner = CliRunner()

STUDY = """\
[study]
title = "QA outputs"
[cohort]
drug = "methotrexate"
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (hidden ones too) with its checksum."""
    return {str(p.relative_to(folder)): _digest(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store whose charts carry identifiers, free text and a formula in extra columns."""
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("qa_outputs")
    charts = root / "charts"
    write_cohort(charts, 40, seed=11)
    patients = pl.read_csv(charts / "patients.csv", infer_schema=False)
    patients = patients.with_columns(
        mrn=pl.format("MRN{}", pl.int_range(pl.len())),
        patient_name=pl.lit("Jane Example"),
        remark=pl.lit('=HYPERLINK("http://evil.example","x")'),
    )
    patients.write_csv(charts / "patients.csv")
    import_folder(charts, root / "s.duckdb")
    (root / "study.toml").write_text(STUDY, encoding="utf-8")
    return root / "s.duckdb"


def _fails(res, *words: str) -> str:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    text = " ".join(res.output.split())
    for w in words:
        assert w in text, text
    return text


# -- item 1: outputs that are inputs or files of another kind -----------------------------------

def test_item1_case1_report_out_naming_the_store_is_refused(store):
    # Item 1: `report --out s.duckdb` overwrote the store with exit 0
    before = _digest(store)
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(store)])
    _fails(res, "--out", "would overwrite an input")
    assert _digest(store) == before


def test_item1_case2_outcomes_out_naming_the_store_is_refused(store):
    before = _digest(store)
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(store)])
    _fails(res, "--out", "would overwrite an input")
    assert _digest(store) == before


def test_item1_case3_outcomes_out_naming_a_chart_file_is_refused(store):
    # Item 1: a chart file the store was imported from is an input too
    visits = store.parent / "charts" / "visits.csv"
    before = _digest(visits)
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(visits)])
    _fails(res, "--out", "visits.csv")
    assert _digest(visits) == before


def test_item1_case4_report_out_naming_the_study_file_is_refused(store):
    study = store.parent / "study.toml"
    before = _digest(study)
    res = runner.invoke(app, ["report", "--db", str(store), "--study", str(study),
                              "--out", str(study)])
    _fails(res, "--out", "would overwrite an input")
    assert _digest(study) == before


def test_item1_case5_report_out_naming_another_store_is_refused(store, tmp_path):
    # Item 1: any existing file that is not the kind being written (here another DuckDB store)
    import shutil

    other = tmp_path / "report.html"
    shutil.copy(store, other)
    before = _digest(other)
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(other)])
    _fails(res, "--out", "is a DuckDB store, not a report")
    assert _digest(other) == before


def test_item1_case6_outcomes_out_naming_a_csv_of_other_columns_is_refused(store, tmp_path):
    other = tmp_path / "events.csv"
    other.write_text("name,phone\nJane,555\n")
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(other)])
    _fails(res, "--out", "holds other columns (name, phone)")
    assert other.read_text() == "name,phone\nJane,555\n"


def test_item1_case7_outcomes_out_replaces_its_own_previous_output(store, tmp_path):
    out = tmp_path / "events.csv"
    assert runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(out)]).exit_code == 0
    first = out.read_text()
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text() == first


def test_item1_case8_export_into_the_chart_folder_is_refused(store):
    charts = store.parent / "charts"
    before = _tree(charts)
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out",
                              str(store.parent / "res"), "--export", str(charts)])
    _fails(res, "--export")
    assert _tree(charts) == before


def test_item1_case9_export_into_a_folder_of_other_files_is_refused(store, tmp_path):
    # Item 1: the export replaces its folder whole, so a folder of other files is refused
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "draft.docx").write_bytes(b"my paper")
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(tmp_path / "r.html"),
                              "--export", str(folder)])
    _fails(res, "--export", "folder of other files")
    assert (folder / "draft.docx").read_bytes() == b"my paper"


def test_item1_case10_report_over_an_html_page_msrwe_did_not_write_is_refused(store, tmp_path):
    page = tmp_path / "index.html"
    page.write_text("<!DOCTYPE html><html><body>my site</body></html>")
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(page)])
    _fails(res, "--out", "msrwe did not write")
    assert "my site" in page.read_text()


# -- item 1, "Done means": a full disk leaves the previous output byte-identical ----------------

@pytest.fixture
def full_disk(monkeypatch):
    """Make every file write from the ``after``-th on write half its bytes, then fail (ENOSPC)."""

    def arm(after: int = 0) -> None:
        count = {"n": 0}

        def failing(original):
            def write(self, target, *args, **kwargs):
                count["n"] += 1
                if count["n"] <= after:
                    return original(self, target, *args, **kwargs)
                if hasattr(target, "write"):  # an open file
                    target.write(b"half a fi")
                    path = getattr(target, "name", "a file")
                else:
                    path = str(target)
                    with open(path, "wb") as fh:
                        fh.write(b"half a fi")
                raise OSError(errno.ENOSPC, "No space left on device", str(path))
            return write

        for cls, name in ((pl.DataFrame, "write_csv"), (pl.DataFrame, "write_parquet"),
                          (pl.DataFrame, "write_excel")):
            monkeypatch.setattr(cls, name, failing(getattr(cls, name)))

        def failing_path(original):
            def write(self, data, *args, **kwargs):
                count["n"] += 1
                if count["n"] <= after:
                    return original(self, data, *args, **kwargs)
                with open(self, "wb") as fh:
                    fh.write(b"half a fi")
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return write

        for name in ("write_text", "write_bytes"):
            monkeypatch.setattr(Path, name, failing_path(getattr(Path, name)))

    return arm


def test_item1_case11_full_disk_leaves_the_previous_report(store, tmp_path, full_disk):
    out = tmp_path / "r.html"
    assert runner.invoke(app, ["report", "--db", str(store), "--out", str(out)]).exit_code == 0
    before = _tree(tmp_path)
    full_disk(0)
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(out)])
    _fails(res, "the disk is full")
    assert _tree(tmp_path) == before


def test_item1_case12_full_disk_leaves_the_previous_export(store, tmp_path, full_disk):
    out, export = tmp_path / "res", tmp_path / "export"
    args = ["analyze", "--db", str(store), "--out", str(out), "--export", str(export), "--quiet"]
    assert runner.invoke(app, args).exit_code == 0
    before = _tree(tmp_path)
    full_disk(5)  # results written, the export folder half-written when the disk fills
    res = runner.invoke(app, args)
    _fails(res, "the disk is full")
    assert _tree(tmp_path) == before


def test_item1_case13_full_disk_leaves_the_previous_outcomes(store, tmp_path, full_disk):
    for suffix in ("csv", "parquet", "xlsx"):
        out = tmp_path / f"events.{suffix}"
        args = ["outcomes", "--db", str(store), "--out", str(out)]
        assert runner.invoke(app, args).exit_code == 0
    before = _tree(tmp_path)
    for suffix in ("csv", "parquet", "xlsx"):
        full_disk(0)
        res = runner.invoke(app, ["outcomes", "--db", str(store), "--out",
                                  str(tmp_path / f"events.{suffix}")])
        _fails(res, "the disk is full")
    assert _tree(tmp_path) == before


def test_item1_case14_results_table_write_is_atomic(tmp_path, full_disk):
    table = ResultsTable()
    table.add("cohort", "overall", "patients", "", "n", 3)
    table.write(tmp_path)
    before = _tree(tmp_path)
    full_disk(0)
    with pytest.raises(OSError, match="No space left"):
        table.write(tmp_path)
    assert _tree(tmp_path) == before


# -- item 12: exports keep only analysis columns ------------------------------------------------

def test_item12_export_leaves_identifiers_and_free_text_in_the_store(store, tmp_path):
    # Item 12: exports carried birth_date and every extra chart column (names, MRNs, notes)
    export = tmp_path / "export"
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(tmp_path / "res"),
                              "--export", str(export), "--quiet"])
    assert res.exit_code == 0, res.output
    withheld = {"birth_date", "mrn", "patient_name", "remark", "term"}
    for csv in export.glob("*.csv"):
        header = set(csv.read_text().splitlines()[0].split(","))
        assert not header & withheld, (csv.name, header & withheld)
    for pq in export.glob("*.parquet"):
        assert not set(pl.read_parquet_schema(pq)) & withheld, pq.name
    assert "Jane Example" not in "".join(p.read_text() for p in export.glob("*.csv"))


def test_item12_keep_extra_columns_exports_them(store, tmp_path):
    export = tmp_path / "export"
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(tmp_path / "res"),
                              "--export", str(export), "--quiet", "--keep-extra-columns"])
    assert res.exit_code == 0, res.output
    adsl = pl.read_parquet(export / "adsl.parquet")
    assert {"mrn", "patient_name"} <= set(adsl.columns)


# -- item 13: formulas inert in every CSV; a real xlsx ------------------------------------------

def test_item13_export_csv_cells_are_not_formulas(store, tmp_path):
    # Item 13: =HYPERLINK(...) passed through every CSV export
    export = tmp_path / "export"
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(tmp_path / "res"),
                              "--export", str(export), "--quiet", "--keep-extra-columns"])
    assert res.exit_code == 0, res.output
    adsl = pl.read_csv(export / "adsl.csv", infer_schema=False)
    assert set(adsl["remark"].to_list()) == {'\'=HYPERLINK("http://evil.example","x")'}
    # the Parquet copy keeps the value as charted: it is data, not a spreadsheet
    assert pl.read_parquet(export / "adsl.parquet")["remark"][0].startswith("=HYPERLINK")


def test_item13_results_csv_cells_are_not_formulas(tmp_path):
    table = ResultsTable()
    table.add("table1", "@SUM(A1)", "sex", "-cmd|' /C calc'!A0", "n", -3)
    from msrwe.io import neutralise_formulas

    csv, _ = table.write(tmp_path, csv_cells=neutralise_formulas)  # what `msrwe analyze` does
    row = pl.read_csv(csv, infer_schema=False).row(0, named=True)
    assert row["group"] == "'@SUM(A1)"
    assert row["level"] == "'-cmd|' /C calc'!A0"
    assert row["value"] == "-3.0"


def test_item13_outcomes_xlsx_is_a_real_workbook(store, tmp_path):
    # Item 13: `outcomes --out x.xlsx` wrote CSV text under an .xlsx name
    out = tmp_path / "events.xlsx"
    res = runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:4] == b"PK\x03\x04"
    csv = tmp_path / "events.csv"
    assert runner.invoke(app, ["outcomes", "--db", str(store), "--out", str(csv)]).exit_code == 0
    assert pl.read_excel(out).height == pl.read_csv(csv).height
