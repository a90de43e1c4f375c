"""QA, issue #9 item 23: ``msrwe init-study`` writes the study file the README tour needs.

The tour's ``analyze`` step read ``study.toml`` and no step made one. ``msrwe init-study`` writes a
commented study file (every section and key, its meaning, allowed values and default; with
``--db`` the store's drugs and phenotypes) that reads back to the same study.

Case 1: without a store the file reads back to the default study, and it lists every key of every
        section (study, cohort, cohort.prior_treatment, analysis, exposure, safety, outcomes,
        each declared analysis, compare).
Case 2: with ``--db`` it suggests the store's most-given drug and its only route, lists the drugs
        and phenotypes the store holds, and reads back to that suggestion.
Case 3: any study, rendered as a template, reads back equal (defaults, many keys set, analyses
        switched off or given options, a comparison, the golden study files).
Case 4: an existing file is never replaced without ``--force``; the store is never the output;
        ``--force`` replaces the file atomically.
Case 5: ``--compare a,b`` writes an active ``[compare]`` section; arms the store does not hold
        or a single arm are refused, naming the drugs the store has.
Case 6: ``analyze`` runs with the written file (the README tour's next step).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.compare.design import CompareDesign
from msrwe.derive.outcomes.options import DEFAULTS
from msrwe.pipeline import ANALYSES
from msrwe.pipeline.template import store_facts, study_template, suggest_study
from msrwe.study import Study
from msrwe.study.config import SET_PER_MEASURE

runner = CliRunner()
GOLDEN = Path(__file__).resolve().parents[1] / "results" / "pipeline" / "make_golden.py"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("qa_init_study")
    write_cohort(root / "charts", 30, seed=3)
    import_folder(root / "charts", root / "s.duckdb")
    return root / "s.duckdb"


def _keys(text: str) -> set[str]:
    """Every ``section.key`` written, commented out or not (a commented line is ``# key = v``)."""
    out: set[str] = set()
    section = ""
    for raw in text.splitlines():
        line = raw[2:] if raw.startswith("# ") else raw
        if line.startswith("[") and line.rstrip().endswith("]"):
            section = line.strip()[1:-1]
        elif " = " in line and not raw.startswith("#  ") and line.split(" = ")[0].isidentifier():
            out.add(f"{section}.{line.split(' = ')[0]}")
    return out


def test_case1_default_file_reads_back_and_lists_every_key(tmp_path):
    res = runner.invoke(app, ["init-study", "--out", str(tmp_path / "study.toml")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "study.toml").read_text()
    assert Study.from_toml(tmp_path / "study.toml") == Study()
    keys = _keys(text)
    expected = set()
    for section, table in Study().to_dict().items():
        if section in ("source", "analyses"):
            continue
        for key, value in table.items():
            if isinstance(value, dict) and section != "outcomes":
                expected |= {f"{section}.{key}.{k}" for k in value}
            else:
                expected.add(f"{section}.{key}")
    expected |= {f"outcomes.{k}" for k in DEFAULTS if k not in SET_PER_MEASURE}
    expected |= {f"compare.{f.name}" for f in dataclasses.fields(CompareDesign)}
    for a in ANALYSES:
        expected.add(f"analyses.{a.name}.enabled")
        if a.options is not None:
            expected |= {f"analyses.{a.name}.{f.name}" for f in dataclasses.fields(a.options)}
    assert expected - keys == set()
    # each key comes with its default, and a choice with its allowed values
    flat = text.replace("\n# ", " ")
    assert "Allowed: phenotype, sex, site, none." in flat
    assert "Allowed: fixed, roving, roving_impr, roving_wors. Default: \"fixed\"." in flat
    assert "# drug = \"methotrexate\"" in text  # not set: a commented example


def test_case2_store_suggestions(store, tmp_path):
    out = tmp_path / "study.toml"
    res = runner.invoke(app, ["init-study", "--db", str(store), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    facts = store_facts(store)
    assert facts.drugs[0][0] == "methotrexate"
    assert Study.from_toml(out) == suggest_study(facts)
    s = Study.from_toml(out)
    assert (s.cohort.drug, s.cohort.route) == ("methotrexate", "intrathecal")
    assert "drugs given: methotrexate (30 patients" in text.replace("\n# ", " ")
    assert "Phenotypes charted: SPMS" in text


STUDIES = [
    {},
    {"study": {"title": 'A "quoted" title', "description": "line one\nline two",
               "show_identifiers": True},
     "cohort": {"drug": "methotrexate", "route": "intrathecal", "min_administrations": 18,
                "phenotypes": ["SPMS", "PPMS"], "first_dose_from": "2010-01-01",
                "baseline_edss_min": 3, "baseline_edss_max": 6.5,
                "prior_treatment": {"min_drugs": 2, "reasons": ["inefficacy"]}},
     "analysis": {"group_by": "sex", "km_years": [1, 2.5], "level": 0.9, "zero_method": "pratt"},
     "exposure": {"interval_days": [50, 90]},
     "safety": {"risk_window_days": 30, "end_at_next_treatment": False},
     "outcomes": {"delta_fun": "trial", "conf_tol_days": [7, 30], "baseline": "roving",
                  "RAW_PIRA": True, "conf_days": [84, 168], "require_sust_days": float("inf"),
                  "worsening_pct": 25.5, "random_state": 3},
     "analyses": {"safety": {"enabled": False}, "arr": {"merge_days": 14},
                  "milestone": {"enabled": True, "values": [6.0]}}},
    {"outcomes": {"profile": "msoutcomes", "event": "CDEseq", "mconf": 180}},
    {"compare": {"arms": ["methotrexate", "rituximab"], "reference": "methotrexate",
                 "routes": {"methotrexate": "intrathecal"}, "method": "weighting",
                 "estimand": "ato", "censoring": "arm", "truncate_percentiles": [1, 99],
                 "index_from": "2010-01-01", "outcomes": ["edss", "nhpt"]}},
]


@pytest.mark.parametrize("data", STUDIES, ids=["default", "many-keys", "msoutcomes", "compare"])
def test_case3_any_study_reads_back(data):
    s = Study.from_dict(data)
    text = study_template(s)
    assert Study.from_toml_text(text) == s
    tomllib.loads(text)  # plain TOML, whatever reads it


def test_case3_golden_study_files_read_back():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN)
    assert spec is not None
    assert spec.loader is not None
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    for case, (_, _, _, text) in golden.CASES.items():
        s = Study.from_toml_text(text)
        assert Study.from_toml_text(study_template(s)) == s, case


def test_case4_never_overwrites(store, tmp_path):
    out = tmp_path / "study.toml"
    out.write_text("# my study\n[cohort]\ndrug = \"rituximab\"\n")
    res = runner.invoke(app, ["init-study", "--out", str(out)])
    assert res.exit_code != 0
    assert "--force" in res.output
    assert "nothing was written" in res.output
    assert out.read_text().startswith("# my study")
    res = runner.invoke(app, ["init-study", "--out", str(store), "--db", str(store)])
    assert res.exit_code != 0
    assert "overwrite an input" in res.output
    res = runner.invoke(app, ["init-study", "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert Study.from_toml(out) == Study()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]  # no temporary file


def test_case5_compare_arms(store, tmp_path):
    out = tmp_path / "c.toml"
    res = runner.invoke(app, ["init-study", "--db", str(store), "--out", str(out),
                              "--compare", "methotrexate,rituximab"])
    assert res.exit_code == 0, res.output
    s = Study.from_toml(out)
    assert s.compare is not None
    assert s.compare.arms == ("methotrexate", "rituximab")
    res = runner.invoke(app, ["init-study", "--db", str(store), "--out", str(tmp_path / "d.toml"),
                              "--compare", "methotrexate,cladribine"])
    assert res.exit_code != 0
    assert "no administration of cladribine" in res.output
    assert "methotrexate, rituximab" in res.output
    res = runner.invoke(app, ["init-study", "--out", str(tmp_path / "e.toml"),
                              "--compare", "methotrexate"])
    assert res.exit_code != 0
    assert "two or more" in res.output
    assert not (tmp_path / "d.toml").exists()
    assert not (tmp_path / "e.toml").exists()


def test_case6_analyze_runs_with_it(store, tmp_path):
    from msrwe.pipeline import analyze

    out = tmp_path / "study.toml"
    assert runner.invoke(app, ["init-study", "--db", str(store), "--out", str(out)]).exit_code == 0
    result = analyze(store, out)
    assert result.study == Study.from_toml(out)
    assert len(result.results) > 0
