"""Declared analyses: the registry's invariants, switching off, options, skipping, adding one."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from msrwe.analysis.base import Analysis, Context, KeyFact, Output, Stat
from msrwe.errors import StudyFileError
from msrwe.pipeline import analyze, build_report
from msrwe.pipeline.registry import ANALYSES, check_study, output, run_order
from msrwe.report import DataQuality, render_report
from msrwe.report.sections import FIGURES, RENDERERS
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

_SCRIPT = Path(__file__).parents[1] / "results" / "pipeline" / "make_golden.py"
_spec = importlib.util.spec_from_file_location("make_golden", _SCRIPT)
assert _spec is not None
assert _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    return golden.build_store("demo", tmp_path_factory.mktemp("declared"))


# Case 1: every output name is declared once, and the report knows how to show each
def test_registry_invariants():
    names = [o.name for a in ANALYSES for o in a.outputs]
    assert len(names) == len(set(names))
    assert len({a.name for a in ANALYSES}) == len(ANALYSES)
    for a in ANALYSES:
        assert a.title
        assert a.name
        for o in a.outputs:
            assert o.title
            assert o.stats, o.name
            assert not o.display or o.display in RENDERERS, o.display
        for f in a.figures:
            assert f in FIGURES
        for fact in a.facts:
            assert output(fact.output) is not None
        for spec in a.summary:
            for col in spec.columns:
                assert output(col.output) is not None


# Case 2: Table 1 runs after the analyses whose columns it describes; report order is kept
def test_run_order_follows_after():
    from msrwe.endpoints.analyses import ENDPOINT_ANALYSES

    endpoints = [a.name for a in ENDPOINT_ANALYSES]  # issue 11, all after efficacy
    # Table 1 also shows the Lublin 2014 modifiers of year 1, so it waits for lublin_activity
    cut = endpoints.index("lublin_activity") + 1
    with_t1 = [*endpoints[:cut], "table1", *endpoints[cut:]]
    order = [a.name for a in run_order(Study())]
    # disability_events (issue 9 item 19) reads efficacy's datasets
    assert order == ["cohort", "exposure", "safety", "efficacy", "disability_events", *with_t1]
    off = Study.from_dict({"analyses": {"efficacy": {"enabled": False}}})
    assert [a.name for a in run_order(off)] == ["cohort", "exposure", "safety",
                                                "disability_events", *with_t1]
    no_lublin = Study.from_dict({"analyses": {"lublin_activity": {"enabled": False}}})
    assert [a.name for a in run_order(no_lublin)] == [
        "cohort", "exposure", "safety", "efficacy", "table1", "disability_events",
        *[e for e in endpoints if e != "lublin_activity"]]


# Case 3: [analyses.<name>] tables are checked against the declarations
def test_unknown_analysis_and_keys_are_refused():
    with pytest.raises(StudyFileError, match=r"unknown analysis \[analyses\.mri\]"):
        check_study(Study.from_dict({"analyses": {"mri": {"enabled": True}}}))
    with pytest.raises(StudyFileError, match=r"\[analyses\.safety\] accepts only 'enabled'"):
        check_study(Study.from_dict({"analyses": {"safety": {"window": 3}}}))
    with pytest.raises(StudyFileError, match="must be true or false"):
        Study.from_dict({"analyses": {"safety": {"enabled": "no"}}})


# Case 4: an analysis switched off writes no rows and is not in the report
def test_switching_an_analysis_off(demo, tmp_path):
    db, _ = demo
    study = Study.from_dict({"cohort": {"drug": "methotrexate"},
                             "analyses": {"safety": {"enabled": False}}})
    r = analyze(db, study)
    got = set(r.results.to_polars()["analysis"])
    assert not got & {o.name for o in output_owner("safety").outputs}
    assert "adae" not in r.datasets
    assert "safety" not in [a.name for a in r.analyses]
    html = render_report(r, DataQuality.from_store(db), tmp_path / "r.html").read_text()
    assert '<section id="safety"' not in html
    assert '<section id="efficacy"' in html


def output_owner(name: str) -> Analysis:
    return next(a for a in ANALYSES if a.name == name)


@dataclasses.dataclass(frozen=True)
class _CountOptions:
    min_edss: float = 0.0


class _HighEdss(Analysis):
    """A worked example: patients whose baseline EDSS is at least ``min_edss``."""

    name = "high_edss"
    title = "High baseline EDSS"
    outputs = (Output("high_edss", "Patients with a high baseline EDSS",
                      stats=(Stat("n", "patients at or above the threshold"),)),)
    requires = ("visits",)
    section = ("efficacy", "Disability outcomes")
    facts = (KeyFact("high-edss", "patients with a high baseline EDSS", "high_edss", "n",
                     "base_edss"),)
    options = _CountOptions

    def run(self, context: Context, results: ResultsTable) -> None:
        opts = context.options(self)
        adsl = context.adsl
        for g in context.in_force.groups:
            sub = adsl if g == "overall" else adsl.filter(pl.col("group") == g)
            n = sub.filter(pl.col("base_edss") >= opts.min_edss).height
            results.add("high_edss", g, "base_edss", "", "n", n, label=self.title)

    def methods(self, context: Context) -> list[str]:
        return [f"High EDSS meant at least {context.options(self).min_edss:g}."]


# Case 5: adding an analysis is writing the class and adding it to the list
def test_adding_an_analysis(demo, tmp_path):
    db, study_file = demo
    analyses = (*ANALYSES, _HighEdss())
    study = Study.from_toml_text(Path(study_file).read_text()
                                 + "\n[analyses.high_edss]\nmin_edss = 6.0\n")
    r = analyze(db, study, analyses=analyses)
    rows = r.results.to_polars().filter(pl.col("analysis") == "high_edss")
    adsl = r.datasets["adsl"]
    assert rows.filter(pl.col("group") == "overall")["value"].item() == adsl.filter(
        pl.col("base_edss") >= 6.0).height
    assert "High EDSS meant at least 6." in r.methods
    with pytest.raises(StudyFileError, match=r"unknown key 'analyses\.high_edss\.max'"):
        analyze(db, Study.from_dict({"analyses": {"high_edss": {"max": 1}}}), analyses=analyses)


# Case 6: an analysis whose store table is missing writes a "not computed" row per output
def test_a_missing_table_skips_the_analysis(demo):
    db, study = demo

    class NeedsMri(_HighEdss):
        name = "needs_mri"
        outputs = (Output("needs_mri", "MRI", stats=(Stat("n", "scans"),)),)
        requires = ("optical_coherence",)
        facts = ()

    r = analyze(db, study, analyses=(*ANALYSES, NeedsMri()))
    rows = r.results.to_polars().filter(pl.col("analysis") == "needs_mri")
    assert rows.select("group", "stat", "value", "method").rows() == [
        ("overall", "n", None, "not computed: the store has no optical_coherence table")]
    assert "needs_mri" not in [a.name for a in r.analyses]


# Case 7: the settings appendix, saved as a file, gives the same results
def test_settings_appendix_round_trip(demo, tmp_path):
    db, study_file = demo
    first = analyze(db, study_file)  # rendered as given, not analysed again
    html = build_report(db, tmp_path / "r.html", analysis=first).read_text()
    pre = re.search(r'<pre class="settings">(.*?)</pre>', html, re.S)
    assert pre is not None
    saved = tmp_path / "appendix.toml"
    saved.write_text(unescape(pre.group(1)))
    again = analyze(db, saved)
    assert again.study == first.study
    assert again.results.to_polars().equals(first.results.to_polars())


# Case 8: Study.to_toml reads back to an equal Study, whatever is set
@pytest.mark.parametrize("data", [
    {},
    {"cohort": {"drug": "methotrexate", "route": "intrathecal", "min_administrations": 18,
                "phenotypes": ["SPMS", "PPMS"], "first_dose_from": "2010-01-01",
                "baseline_edss_max": 6.5, "prior_treatment": {"min_drugs": 2}},
     "analysis": {"group_by": "sex", "km_years": [1, 2.5], "level": 0.9},
     "exposure": {"interval_days": [50, 90]},
     "study": {"title": 'A "quoted" title', "description": "line one\nline two"},
     "outcomes": {"delta_fun": "trial", "conf_tol_days": [7, 30]},
     "analyses": {"safety": {"enabled": False}}},
    {"compare": {"arms": ["methotrexate", "rituximab"], "reference": "methotrexate",
                 "method": "matching", "caliper": 0.2}},
])
def test_to_toml_round_trip(data):
    s = Study.from_dict(data)
    assert Study.from_toml_text(s.to_toml()) == s
