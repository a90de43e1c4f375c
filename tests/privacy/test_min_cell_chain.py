"""--min-cell end to end on the demo cohort: results.csv, the report, the console, compare, pool.

Issue 14 item 5: with ``--min-cell 5`` no count from 1 to 4 appears in results.csv, in the
report's tables (Table 1, safety, flow diagram, number at risk, key facts, the summary) or in
the console; the setting round-trips through the study file and the settings appendix; site
packages written with it still pool.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.federated import pool_sites, read_package
from msrwe.privacy import is_count, suppression_code
from msrwe.study import Study
from msrwe.synth import write_cohort
from msrwe.tables.results import RESULT_COLUMNS

runner = CliRunner()
#: A whole number 1-4 standing alone in a cell (not part of 1.5, 12, 3%, 1–4 or a date).
SMALL = re.compile(r"(?<![\d.\-–,/:])\b[1-4]\b(?![\d.%–,:/-])")


def _run(*args: str) -> str:
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("min_cell")
    write_cohort(root / "charts", seed=2019, dirty=True)  # the demo cohort, as `make demo`
    _run("import", root / "charts", "--db", root / "s.duckdb")
    return root


@pytest.fixture(scope="module")
def analysed(demo) -> tuple[pl.DataFrame, str]:
    out = _run("analyze", "--db", demo / "s.duckdb", "--out", demo / "r5", "--min-cell", "5")
    df = pl.read_csv(demo / "r5" / "results.csv",
                     schema_overrides={"level": pl.String, "group": pl.String})
    return df, out


def _counts(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("stat").is_in([s for s in df["stat"].unique() if is_count(s)]))


def test_01_results_csv_shows_no_count_from_1_to_4(analysed):
    df, _ = analysed
    assert tuple(df.columns) == RESULT_COLUMNS  # the schema is unchanged
    counts = _counts(df)
    assert counts.filter(pl.col("value").is_between(1, 4.999)).height == 0
    withheld = df.filter(pl.col("method").fill_null("").str.starts_with("suppressed"))
    assert withheld.height > 50  # the demo has small cells: the test bites
    assert withheld["value"].null_count() == withheld.height
    kinds = {suppression_code(m) for m in withheld["method"]}
    assert kinds == {1, 2, 3}  # small, complementary, derived


def test_02_no_group_total_gives_a_withheld_count_back(demo, analysed):
    """Where the groups add up to overall, a line never has exactly one withheld cell."""
    _run("analyze", "--db", demo / "s.duckdb", "--out", demo / "r0", "--quiet")
    read = {"schema_overrides": {"level": pl.String, "group": pl.String}}
    plain = pl.read_csv(demo / "r0" / "results.csv", **read)
    df, _ = analysed
    both = plain.with_row_index().join(df.with_row_index(), on="index", suffix="_s")
    assert (both["stat"] == both["stat_s"]).all()  # same rows, same order
    counts = _counts(both).with_columns(pl.col("level").fill_null(""))
    checked = 0
    for _, line in counts.group_by(["analysis", "variable", "level", "stat"]):
        groups = line.filter(pl.col("group") != "overall")
        overall = line.filter(pl.col("group") == "overall")
        if overall.height != 1 or groups.height < 1 or overall["value"][0] is None:
            continue
        if groups["value"].null_count() or groups["value"].sum() != overall["value"][0]:
            continue  # not an equation
        hidden = line["value_s"].null_count()
        assert hidden != 1, line
        checked += hidden > 0
    assert checked > 10


def test_03_console_summary_marks_small_counts(analysed):
    _, out = analysed
    assert "<5" in out
    assert "withheld" in out
    for line in out.splitlines():
        if "│" in line and not line.strip().startswith("│ patients"):
            cells = [c.strip() for c in line.split("│")[2:]]
            for c in cells:
                for part in re.split(r"[/>\- ]+", c):
                    assert not re.fullmatch(r"[1-4]", part), line


def test_04_report_tables_show_no_count_from_1_to_4(demo):
    html_file = demo / "r5.html"
    _run("report", "--db", demo / "s.duckdb", "--out", html_file, "--min-cell", "5")
    text = html_file.read_text()
    cells = [htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", text, flags=re.S)]
    cells = [c for c in cells if c[:1].isdigit() or c[:1] in "<–"]  # numbers, not labels
    assert len(cells) > 500
    assert [c for c in cells if SMALL.search(c)] == []
    # the flow diagram and the key facts
    for found in re.findall(r"excluded ([^<]+)</span>|<b>([^<]+)</b> patients", text):
        assert not SMALL.search("".join(found)), found
    for fact in re.findall(r'<span class="num"[^>]*>([^<]*)</span>', text):
        assert not SMALL.search(htmllib.unescape(fact)), fact
    assert "&lt;5" in text
    assert "Small-cell suppression" in text
    assert 'id="fig-swimmer"' not in text  # patient-level figures are left out
    # the settings appendix holds the study file with the threshold, and it reads back
    settings = htmllib.unescape(re.search(r'<pre class="settings">(.*?)</pre>', text,
                                          flags=re.S).group(1))
    assert Study.from_toml_text(settings).privacy.min_cell == 5


def test_05_study_file_min_cell_is_the_same_as_the_option(demo, analysed):
    study = demo / "private.toml"
    study.write_text('[cohort]\ndrug = "methotrexate"\n[privacy]\nmin_cell = 5\n')
    _run("analyze", "--db", demo / "s.duckdb", "--study", study, "--out", demo / "rs",
         "--quiet")
    by_file = pl.read_csv(demo / "rs" / "results.csv", schema_overrides={"level": pl.String,
                                                                        "group": pl.String})
    df, _ = analysed
    assert by_file["value"].null_count() == df["value"].null_count()
    assert by_file["method"].to_list() == df["method"].to_list()


@pytest.mark.parametrize("bad", ["1", "0", "x"])
def test_06_bad_threshold_is_a_clear_error(demo, bad):
    res = runner.invoke(app, ["analyze", "--db", str(demo / "s.duckdb"), "--out",
                              str(demo / "bad"), "--min-cell", bad])
    assert res.exit_code != 0
    assert "--min-cell" in res.output


def test_07_study_file_refuses_a_bad_threshold(tmp_path):
    from msrwe.errors import StudyFileError

    with pytest.raises(StudyFileError, match=r"privacy.min_cell must be at least 2; got 1"):
        Study.from_toml_text("[privacy]\nmin_cell = 1\n")
    with pytest.raises(StudyFileError, match=r"privacy.min_cell must be a whole number"):
        Study.from_toml_text('[privacy]\nmin_cell = "5"\n')
    with pytest.raises(StudyFileError, match=r"unknown key 'privacy\.min_cells'"):
        Study.from_toml_text("[privacy]\nmin_cells = 5\n")


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_08_export_of_datasets_is_refused_with_min_cell(demo, command):
    out = demo / ("x.html" if command == "report" else "x")
    res = runner.invoke(app, [command, "--db", str(demo / "s.duckdb"), "--out", str(out),
                              "--min-cell", "5", "--export", str(demo / "exp")])
    assert res.exit_code == 1
    assert "--export" in res.output
    assert not (demo / "exp").exists()


def test_09_compare_min_cell(tmp_path):
    arms = "methotrexate,rituximab"
    _run("synth", "--out", tmp_path / "charts", "--arms", arms, "--patients", "160")
    _run("import", tmp_path / "charts", "--db", tmp_path / "s.duckdb")
    study = tmp_path / "study.toml"
    study.write_text('[compare]\narms = ["methotrexate", "rituximab"]\nmethod = "weighting"\n'
                     'censoring = "arm"\noutcomes = ["edss"]\n')
    # a threshold above every arm's events, so the test bites
    out = _run("compare", "--db", tmp_path / "s.duckdb", "--study", study, "--out",
               tmp_path / "o", "--min-cell", "60")
    assert "withheld" in out
    df = pl.read_csv(tmp_path / "o" / "results.csv",
                     schema_overrides={"level": pl.String, "group": pl.String})
    counts = _counts(df)
    assert counts.filter(pl.col("value").is_between(1, 59.999)).height == 0
    assert df.filter(pl.col("method").fill_null("").str.starts_with("suppressed")).height > 0


def test_10_site_packages_with_min_cell_still_pool(demo):
    charts = demo / "charts"
    ids = pl.read_csv(charts / "patients.csv", infer_schema=False)["patient_id"].to_list()
    folders = []
    for i in range(2):
        part = sorted(ids[i::2])
        site = demo / f"site{i}"
        site.mkdir()
        for csv in charts.glob("*.csv"):
            frame = pl.read_csv(csv, infer_schema=False)
            if "patient_id" in frame.columns:
                frame = frame.filter(pl.col("patient_id").is_in(part))
            frame.write_csv(site / csv.name)
        _run("import", site, "--db", demo / f"site{i}.duckdb")
        _run("analyze", "--db", demo / f"site{i}.duckdb", "--aggregate-only", "--site",
             f"s{i}", "--out", demo / f"pkg{i}", "--min-cell", "5")
        folders.append(demo / f"pkg{i}")
    manifest, frames = read_package(folders[0])
    assert manifest["min_cell"] == 5
    counts = frames["counts.csv"]
    assert counts.filter(pl.col("value").is_between(1, 4.999)).height == 0
    assert counts["suppressed"].any()
    assert frames["km.csv"].height == 0  # step tables list single events
    pooled = pool_sites(folders)
    # a count one site withheld is unknown in the pool, never summed as if it were zero
    unknown = pooled.counts.filter(pl.col("suppressed"))
    assert unknown.height > 0
    assert unknown["value"].null_count() == unknown.height
    # a count both sites showed is their sum
    both = [read_package(f)[1]["counts.csv"].with_columns(pl.col("level").fill_null(""))
            for f in folders]
    key = ["analysis", "group", "variable", "level", "stat"]
    joined = both[0].join(both[1], on=key, suffix="_b").filter(
        ~pl.col("suppressed") & ~pl.col("suppressed_b")).join(pooled.counts, on=key,
                                                               suffix="_pooled")
    assert joined.height > 20
    assert (joined["value"] + joined["value_b"]).to_list() == pytest.approx(
        joined["value_pooled"].to_list())
    assert pooled.rates.height > 0
    _run("pool", *folders, "--out", demo / "pooled")
    assert (demo / "pooled").is_dir()
