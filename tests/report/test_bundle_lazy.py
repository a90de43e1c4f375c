"""The bundle's datasets are read lazily (issue 14 item 1: a million patients' bundle took more
than 20 GB to open); the report reads only what it draws, and is the same report.

Cases (the hand-made analysis of 12 patients from conftest, saved as a bundle)
-----
1. Opening a bundle reads no dataset: a dataset file that cannot be read fails only when that
   dataset is read, with a BundleError naming the file.
2. ``scan(name)`` reads only the columns a query asks for (the Parquet scan's projection).
3. ``scan(name)`` and ``datasets[name]`` hold the same frame, the narrow types of
   :func:`msrwe.store.as_held` included (a grade column that fits 8 bits is cast, one that does
   not is not).
4. The report rendered from the lazy bundle equals the report rendered from the same datasets
   in memory (once the "generated" timestamp is removed).
5. A de-identified report from the lazy bundle: every patient of every dataset has a
   pseudonym, no charted identifier is in the HTML.
6. The mapping behaves as the dict it replaces: names in order, ``in``, ``len``, ``get``,
   ``dict(datasets)`` holds the frames the analysis returned.
7. Each figure draws the same SVG from a frame and from a lazy query of it (trajectory with
   groups and a cap, swimmer, intervals, Kaplan-Meier, course strip).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from msrwe.errors import BundleError
from msrwe.pipeline.bundle import BundleDatasets, load_analysis, save_analysis
from msrwe.report import figures as fg
from msrwe.report.course_strip import course_strip_figure
from msrwe.report.render import render_report

_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, store, analysis) -> Path:
    from msrwe.store import Store

    with Store(store) as s:
        quality = s.quality()
    # exposure draws the swimmer plot (follow-up over every dataset; doses, adverse events and
    # relapses of the drawn patients) and the intervals: the report stays quick to render
    # (each figure's frame-or-query equivalence is case 7)
    drawn = tuple(a for a in analysis.analyses if a.name == "exposure")
    out = tmp_path_factory.mktemp("bundle")
    save_analysis(dataclasses.replace(analysis, analyses=drawn), out, quality=quality)
    return out


def test_case1_opening_reads_no_dataset(bundle, tmp_path):
    import shutil

    copy = tmp_path / "res"
    shutil.copytree(bundle, copy)
    broken = copy / "analysis" / "datasets" / "advs.parquet"
    broken.write_bytes(b"not parquet")
    back = load_analysis(copy)  # no error: nothing is read yet
    assert isinstance(back.result.datasets, BundleDatasets)
    assert back.result.datasets["adsl"].height == 12
    with pytest.raises(BundleError, match=re.escape(str(broken))):
        back.result.datasets["advs"]


def test_case2_a_scan_reads_only_the_columns_asked_for(bundle):
    ds = load_analysis(bundle).result.datasets
    width = len(ds.columns("advs"))
    assert width > 3
    plan = ds.scan("advs").select("patient_id", "edss").explain()
    assert f"PROJECT 2/{width} COLUMNS" in plan
    assert ds.scan("advs").select("edss").collect().columns == ["edss"]


def test_case3_scan_and_whole_read_hold_the_same_frame(tmp_path):
    (tmp_path / "datasets").mkdir()
    pl.DataFrame({"patient_id": ["1", "2", "3"], "fs_visual": [0, 6, None],
                  "ambulation": [0, 600, 3], "fs_cerebral": [None, None, None],
                  "edss": [2.0, 6.5, None]},
                 schema_overrides={"fs_cerebral": pl.Int64}
                 ).write_parquet(tmp_path / "datasets" / "advs.parquet")
    ds = BundleDatasets(tmp_path, ["advs"])
    whole, scanned = ds["advs"], ds.scan("advs").collect()
    assert_frame_equal(scanned, whole, check_exact=True)
    assert whole.schema["fs_visual"] == pl.Int8  # fits 8 bits: as the analysis held it
    assert whole.schema["fs_cerebral"] == pl.Int8  # no value: as as_held casts it
    assert whole.schema["ambulation"] == pl.Int64  # 600 does not fit: as stored


def _unstamped(path: Path) -> str:
    return _STAMP.sub("<generated>", path.read_text(encoding="utf-8"))


def test_case4_the_report_from_the_lazy_bundle_is_the_report_in_memory(bundle, tmp_path):
    back = load_analysis(bundle)
    eager = dataclasses.replace(back.result, datasets=dict(back.result.datasets))
    assert isinstance(eager.datasets["advs"], pl.DataFrame)
    a = render_report(back.result, back.quality, tmp_path / "lazy.html")
    b = render_report(eager, back.quality, tmp_path / "eager.html")
    html = a.read_text(encoding="utf-8")
    assert all(f'id="fig-{f}"' in html for f in ("swimmer", "intervals"))
    assert _unstamped(a) == _unstamped(b)


def test_case5_a_de_identified_report_from_the_lazy_bundle(bundle, tmp_path):
    back = load_analysis(bundle)
    key = tmp_path / "key.csv"
    out = render_report(back.result, back.quality, tmp_path / "share.html", deidentify=True,
                        key_path=key)
    html = out.read_text(encoding="utf-8")
    ids = set()
    for name in back.result.datasets:
        ids |= set(back.result.datasets.scan(name).select(pl.col("patient_id").cast(pl.String))
                   .collect()["patient_id"].to_list())
    assert len(ids) == 12
    assert ids == set(pl.read_csv(key)["patient_id"].to_list())
    assert not [p for p in ids if re.search(rf"\b{re.escape(p)}\b", html)]
    assert "Rows are labelled by random pseudonyms" in html


def test_case6_the_mapping_behaves_as_the_dict_it_replaces(bundle, analysis):
    ds = load_analysis(bundle).result.datasets
    assert list(ds) == list(analysis.datasets)
    assert len(ds) == len(analysis.datasets)
    assert "advs" in ds
    assert "adcmpps" not in ds
    assert ds.get("adcmpps") is None
    with pytest.raises(KeyError):
        ds.scan("adcmpps")
    assert ds != {}
    for name, df in dict(ds).items():
        assert_frame_equal(df, analysis.datasets[name], check_dtypes=False)


@pytest.mark.parametrize("figure", ["trajectory", "swimmer", "intervals", "km", "course"])
def test_case7_a_figure_is_the_same_from_a_frame_and_from_a_lazy_query(figure):
    ids = [f"P{i:02d}" for i in range(30)]
    visits = pl.DataFrame({
        "patient_id": [p for p in ids for _ in range(4)],
        "days": [d * 180 + i % 7 for i in range(30) for d in range(4)],
        "value": [float((i * 7 + d) % 11) if (i + d) % 9 else None
                  for i in range(30) for d in range(4)],
        "group": [("A" if i % 3 else None) if i % 5 else "B" for i in range(30) for _ in range(4)],
    })
    followup = visits.group_by("patient_id", "group").agg(pl.col("days").max().alias("end_days"))

    def draw(lazy: bool) -> fg.ReportFigure | None:
        def f(df: pl.DataFrame) -> pl.DataFrame | pl.LazyFrame:
            return df.lazy() if lazy else df

        if figure == "trajectory":
            return fg.trajectory_figure(f(visits), fig_id="f", title="t", ylabel="y",
                                        group="group", max_lines=12, cap=9.0)
        if figure == "swimmer":
            return fg.swimmer_figure(f(followup), doses=f(visits), relapses=f(visits.head(9)),
                                     max_patients=10)
        if figure == "intervals":
            return fg.interval_figure(f(visits.select(interval_days=pl.col("days"))),
                                      window=(56, 77))
        if figure == "km":
            return fg.km_figure(f(visits.select(time_days="days", event=pl.col("days") % 2,
                                                group="group")), group="group", max_ticks=5)
        adl = visits.select("patient_id", year=pl.col("days") // 180 + 1,
                            activity=pl.when(pl.col("value") > 4).then(pl.lit("active"))
                            .otherwise(pl.lit("not_active")),
                            progression=pl.lit("with"))
        return course_strip_figure(f(adl), groups=f(followup.select("patient_id", "group")),
                                   max_patients=10)

    eager, lazy = draw(False), draw(True)
    assert eager is not None
    assert eager == lazy
