"""QA: ``msrwe synth --out`` pointed at a folder that already holds charts.

Each case is a defect found by running synth as a research coordinator would; the test fails
without its fix.
"""

from pathlib import Path

from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.io import read_chart_folder
from msrwe.synth import write_cohort

runner = CliRunner()
REAL = "patient_id,sex\nREAL-001,F\n"


def test_case1_real_charts_are_never_overwritten(tmp_path: Path):
    # Case 1: `msrwe synth --out charts/` on the folder of a site's real export replaced
    # patients.csv with synthetic patients, without a word; it is refused and the file is kept
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "patients.csv").write_text(REAL, encoding="utf-8")
    res = runner.invoke(app, ["synth", "--out", str(charts), "--patients", "5"])
    assert res.exit_code == 1
    out = " ".join(res.output.split())
    assert "patients.csv" in out
    assert "would overwrite" in out
    assert (charts / "patients.csv").read_text(encoding="utf-8") == REAL
    assert sorted(p.name for p in charts.iterdir()) == ["patients.csv"]


def test_case2_a_synthetic_folder_can_be_written_again(tmp_path: Path):
    # Case 2: a folder synth wrote carries SYNTHETIC_DATA.txt and may be rewritten (e.g. with
    # another size), as before
    out = tmp_path / "syn"
    write_cohort(out, 5, seed=1)
    assert (out / "SYNTHETIC_DATA.txt").is_file()
    write_cohort(out, 7, seed=1)
    assert read_chart_folder(out).tables["patients"].height == 7


def test_case3_the_note_is_ignored_by_the_importer(tmp_path: Path):
    # Case 3: the note is not a chart table: the import reads the nine tables and warns of nothing
    out = tmp_path / "syn"
    write_cohort(out, 5, seed=1)
    result = read_chart_folder(out)
    assert "SYNTHETIC_DATA" not in str(sorted(result.tables))
    assert result.warnings.height == 0
    assert "synthetic" in (out / "SYNTHETIC_DATA.txt").read_text(encoding="utf-8")


def test_case4_an_unrelated_folder_without_charts_is_fine(tmp_path: Path):
    # Case 4: a folder with other files (notes) but no chart table is written into
    out = tmp_path / "work"
    out.mkdir()
    (out / "notes.txt").write_text("hello", encoding="utf-8")
    res = runner.invoke(app, ["synth", "--out", str(out), "--patients", "5"])
    assert res.exit_code == 0, res.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "hello"
    assert (out / "patients.csv").exists()
