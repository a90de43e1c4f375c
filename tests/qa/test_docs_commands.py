"""QA, issue #9 item 23: every command of the README and of docs/*.md runs as written.

The README tour's ``analyze`` step failed (no step wrote ``study.toml``) and docs/synth.md showed
a command msrwe refuses as working. This reads every fenced ``console``/``bash``/``sh`` block (and
unlabelled block) that holds an ``msrwe`` command, in the README and in every page of docs/, and
runs its commands as written, one after the other, in an empty folder, with the ``msrwe`` of this
environment; each must exit with 0.

A block either runs or is listed in :data:`PLANS` with the reason it does not. A command that reads
what the reader brings (their REDCap export, an OMOP database, a FHIR bundle, a design file, other
sites' packages, a password typed at the prompt) gets it from :data:`PLANS`: made with msrwe's own
writers (``msrwe redcap synth``, ``msrwe synth --format omop/fhir``) or the test fixtures, never
by changing the command. Only a command that needs a server (``msrwe serve``, a REDCap API, a
PostgreSQL OMOP database) is skipped, each with its reason; their own tests start those servers.

Case 1: every command block of the README and docs is run here or skipped with a reason (a new
        block must be added to PLANS), and every plan still names a block that exists.
Case 2: each block runs as written (slow: the tour imports, analyses and reports several times).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_SHELL_LANGS = ("", "console", "bash", "sh", "shell")
FIXTURES = ROOT / "tests" / "sources" / "redcap" / "fixtures" / "clinic_project"

#: A design file for the blocks that run ``msrwe design design.toml``: the docs' example with 20
#: trials of one size, so that it runs in seconds (docs/design.md documents every key).
DESIGN = """\
[design]
title = "Intrathecal methotrexate vs placebo in progressive MS"
n_trials = 20
seed = 1

[population]
phenotype = "SPMS"
edss = [3.0, 6.5]

[arms]
placebo = 1
active = 1

[schedule]
duration_weeks = 96
visit_every_weeks = 12

[effect]
hazard_ratio = 0.7

[[endpoints]]
name = "edss_cdw24"
outcome = "edss"
conf_days = 168

[analysis]
n_per_arm = [50]
"""

#: A site's mapping for docs/import.md: the recoding docs/synth.md shows.
MAPPING = """\
[patients.values.phenotype]
"Secondary progressive" = "SPMS"
[patients.values.sex]
"female" = "F"
"""


@dataclass(frozen=True)
class Block:
    """One fenced block: the page, its line, and its commands (continuation lines joined)."""

    doc: str
    line: int
    commands: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        """The page and the first command without its trailing comment."""
        return self.doc, re.sub(r"\s+#.*$", "", self.commands[0])


def _commands(body: str) -> list[str]:
    lines = body.splitlines()
    prompted = any(line.startswith("$ ") for line in lines)
    out: list[str] = []
    pending = ""
    for line in lines:
        if pending:
            line = pending + " " + line.strip()
            pending = ""
        elif prompted:
            if not line.startswith("$ "):
                continue  # the output shown under a prompt
            line = line[2:]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending = stripped[:-1].rstrip()
            continue
        out.append(stripped)
    return out


def command_blocks(path: Path) -> list[Block]:
    """The blocks of ``path`` that hold at least one ``msrwe`` command."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M):
        if m.group(1) not in _SHELL_LANGS:
            continue
        commands = _commands(m.group(2))
        if any(c.startswith("msrwe ") for c in commands):
            blocks.append(Block(str(path.relative_to(ROOT)), text[: m.start()].count("\n") + 1,
                                tuple(commands)))
    return blocks


ALL_BLOCKS = [b for doc in DOCS for b in command_blocks(doc)]


# -- what the reader brings -------------------------------------------------------------------


def _msrwe(work: Path, *args: str) -> None:
    res = subprocess.run(["msrwe", *args], cwd=work, env=_env(), capture_output=True, text=True,
                         timeout=900, check=False)
    assert res.returncode == 0, f"setup: msrwe {' '.join(args)}\n{res.stdout}\n{res.stderr}"


#: What a setup step made, by step: made once per test session (once per worker under
#: ``make test``) in a folder of its own, then copied into the folder of each block that needs it.
#: The steps make things that depend on nothing in that folder (charts, a store, site packages);
#: a block may change its copy.
_MADE: dict[str, Path] = {}


def _once(key: str, make: Callable[[Path], None], work: Path,
          rename: dict[str, str] | None = None) -> None:
    """Copy what ``make`` made into ``work`` (``rename``: made name -> name there)."""
    made = _MADE.get(key)
    if made is None:
        made = Path(tempfile.mkdtemp(prefix=f"msrwe-docs-{key}-"))
        try:
            make(made)
        except BaseException:
            shutil.rmtree(made, ignore_errors=True)
            raise
        _MADE[key] = made
    for path in made.iterdir():
        target = work / (rename or {}).get(path.name, path.name)
        if path.is_dir():
            shutil.copytree(path, target)
        else:
            shutil.copy2(path, target)


@pytest.fixture(scope="session", autouse=True)  # session: the blocks run apart under -n
def _forget_what_was_made() -> Iterator[None]:
    yield
    for made in _MADE.values():
        shutil.rmtree(made, ignore_errors=True)
    _MADE.clear()


def _redcap_export(work: Path) -> None:
    def make(folder: Path) -> None:
        _msrwe(folder, "redcap", "synth", "--out", "_redcap")
        shutil.copy(folder / "_redcap" / "msrwe_redcap_export.csv", folder / "export.csv")
        shutil.copy(folder / "_redcap" / "msrwe_redcap_dictionary.csv", folder / "dictionary.csv")

    _once("redcap", make, work)


def _omop(work: Path) -> None:
    def make(folder: Path) -> None:
        _msrwe(folder, "synth", "--format", "omop", "--out", "_omop")
        shutil.copy(folder / "_omop" / "cdm.duckdb", folder / "cdm.duckdb")

    _once("omop", make, work)


def _fhir(work: Path) -> None:
    def make(folder: Path) -> None:
        _msrwe(folder, "synth", "--format", "fhir", "--out", "_fhir")
        shutil.copy(folder / "_fhir" / "bundle.json", folder / "bundle.json")

    _once("fhir", make, work)


def _store(work: Path, name: str = "msrwe.duckdb") -> None:
    def make(folder: Path) -> None:
        _msrwe(folder, "synth", "--out", "_charts")
        _msrwe(folder, "import", "_charts", "--db", "store.duckdb")

    _once("store", make, work, {"store.duckdb": name})


def _study(work: Path, db: str = "msrwe.duckdb") -> None:
    _msrwe(work, "init-study", "--db", db, "--out", "study.toml")


def _sites(work: Path, *names: str) -> None:
    """Site packages of other sites (other synthetic cohorts, the same drug)."""
    made = [f"site-package-{i}" for i in range(len(names))]

    def make(folder: Path) -> None:
        for i, name in enumerate(made):
            _msrwe(folder, "synth", "--out", f"_site{i}", "--patients", "40", "--seed", str(11 + i))
            _msrwe(folder, "import", f"_site{i}", "--db", f"_site{i}.duckdb")
            _msrwe(folder, "analyze", "--db", f"_site{i}.duckdb", "--aggregate-only", "--site",
                   f"site {i + 2}", "--out", name)

    _once(f"sites-{len(names)}", make, work, dict(zip(made, names, strict=True)))


def _arms_store(work: Path) -> None:
    """A store where two arms can be compared, and its study file with ``[compare]``."""
    _msrwe(work, "synth", "--out", "_arms", "--arms", "methotrexate,rituximab")
    _msrwe(work, "import", "_arms", "--db", "msrwe.duckdb")
    _msrwe(work, "init-study", "--db", "msrwe.duckdb", "--compare", "methotrexate,rituximab",
           "--out", "study.toml")


def _copy(source: str, target: str) -> Callable[[Path], None]:
    return lambda work: shutil.copy(work / source, work / target) and None


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda work: (work / name).write_text(text, encoding="utf-8") and None


def _python_block(doc: str, name: str) -> Callable[[Path], None]:
    """Write the page's ``python`` block that starts with the comment ``# NAME`` as ``NAME``."""

    def write(work: Path) -> None:
        text = (ROOT / doc).read_text(encoding="utf-8")
        blocks = re.findall(r"^```python\n(# " + re.escape(name) + r"\n.*?)^```", text,
                            flags=re.S | re.M)
        assert len(blocks) == 1, f"{doc}: one python block starting with '# {name}' expected"
        (work / name).write_text(blocks[0], encoding="utf-8")

    return write


@dataclass(frozen=True)
class Plan:
    """How a block runs: what to set up first, lines skipped (prefix -> reason), stdin per line."""

    setup: tuple[Callable[[Path], None], ...] = ()
    skip_lines: dict[str, str] = field(default_factory=dict)
    stdin: dict[str, str] = field(default_factory=dict)
    skip: str | None = None


_SERVE = ("msrwe serve runs a web server until it is stopped; tests/serve start it and drive it "
          "with a browser")
_PASSWORD = "correct horse battery staple\ncorrect horse battery staple\n"

#: Every command block, by page and first command.
PLANS: dict[tuple[str, str], Plan] = {
    ("README.md", "msrwe synth --out charts --dirty"): Plan(
        setup=(_redcap_export, _omop, _fhir, _write("design.toml", DESIGN),
               lambda w: _sites(w, "site-b", "site-c")),
        skip_lines={"msrwe serve": _SERVE},
        stdin={"msrwe users add": _PASSWORD},
    ),
    ("docs/analysis.md", "msrwe analyze --db STORE.duckdb [--study STUDY.toml] --out DIR "
                         "[--export] [--quiet]"): Plan(
        skip="a synopsis of the options (STORE, STUDY and DIR are placeholders), not a command"),
    ("docs/analysis.md", "msrwe init-study --db msrwe.duckdb --out study.toml"): Plan(
        setup=(_store,)),
    ("docs/compare.md",
     "msrwe synth --out charts --arms methotrexate,rituximab,cladribine"): Plan(),
    ("docs/dask.md", "msrwe synth --out charts --patients 2000 --format parquet"): Plan(
        setup=(_python_block("docs/dask.md", "dask_events.py"),)),
    ("docs/design.md", "msrwe design design.toml --out design-output"): Plan(
        setup=(_write("design.toml", DESIGN), _store)),
    ("docs/federated.md", 'msrwe analyze --db site.duckdb --study study.toml --aggregate-only '
                          '--site "Site A" --out pkg_site_a'): Plan(
        setup=(lambda w: _store(w, "site.duckdb"), lambda w: _study(w, "site.duckdb"),
               lambda w: _sites(w, "pkg_site_b", "pkg_site_c"))),
    ("docs/import.md", "msrwe import charts/ --db msrwe.duckdb"): Plan(
        setup=(lambda w: _msrwe(w, "synth", "--out", "charts"), _write("site.toml", MAPPING))),
    ("docs/outcomes.md", "msrwe outcomes --db chart.duckdb --outcome edss --event multiple "
                         "--baseline roving --raw-pira --conf-days 168 --out events.csv "
                         "--describe"): Plan(setup=(lambda w: _store(w, "chart.duckdb"),)),
    ("docs/privacy.md", "msrwe export --db msrwe.duckdb --out share --deidentify --key "
                        "../msrwe-key.csv"): Plan(setup=(_store,)),
    ("docs/privacy.md", "msrwe analyze --db msrwe.duckdb --study study.toml --out results "
                        "--min-cell 5"): Plan(setup=(_store, _study)),
    ("docs/privacy.md", "msrwe report --db msrwe.duckdb --out share.html --deidentify --key "
                        "../report-key.csv"): Plan(setup=(_store,)),
    ("docs/report.md", "msrwe analyze --db msrwe.duckdb --study study.toml --out results "
                       "--quiet"): Plan(setup=(_store, _study)),
    ("docs/serve.md", "msrwe demo"): Plan(
        skip="msrwe demo runs the whole demo (tests/cli/test_demo_cmd.py runs it) and " + _SERVE),
    ("docs/sources.md", "msrwe redcap template --out redcap-template"): Plan(),
    ("docs/sources.md", "msrwe import-redcap export.csv --dictionary dictionary.csv --db "
                        "msrwe.duckdb"): Plan(setup=(_redcap_export,)),
    ("docs/sources.md", "export MSRWE_REDCAP_TOKEN=..."): Plan(
        skip="needs a REDCap server and its API token; tests/sources/redcap/test_api.py serves a "
             "local one"),
    ("docs/sources.md", "msrwe import-redcap export_labels.csv --dictionary dictionary.csv "
                        "--mapping mapping.toml --db msrwe.duckdb"): Plan(
        setup=(lambda w: [shutil.copy(FIXTURES / n, w / n)  # type: ignore[func-returns-value]
                          for n in ("export_labels.csv", "dictionary.csv", "mapping.toml")]
               and None,)),
    ("docs/sources.md", "msrwe redcap synth --out redcap-demo"): Plan(),
    ("docs/sources.md", "msrwe import-omop --source cdm.duckdb --db msrwe.duckdb"): Plan(
        setup=(_omop,),
        skip_lines={"msrwe import-omop --source postgresql://": "needs a PostgreSQL server "
                    "holding an OMOP CDM; tests/sources/omop start one"}),
    ("docs/sources.md", "msrwe export-omop --db msrwe.duckdb --out cdm.duckdb"): Plan(
        setup=(_store,)),
    ("docs/sources.md", "msrwe import-fhir bundle.json --db msrwe.duckdb"): Plan(setup=(_fhir,)),
    ("docs/synth.md", "msrwe synth --out charts"): Plan(),
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["COLUMNS"] = "120"
    return env


def test_case1_every_block_is_planned():
    keys = [b.key for b in ALL_BLOCKS]
    unplanned = [f"{b.doc}:{b.line}: {b.commands[0]}" for b in ALL_BLOCKS if b.key not in PLANS]
    assert unplanned == [], "add these blocks to PLANS (run, or skip with a reason)"
    stale = [k for k in PLANS if k not in keys]
    assert stale == [], "these PLANS name no block any more"
    assert len(keys) == len(set(keys))


def test_case1_the_tour_writes_its_study_file_before_using_it():
    tour = next(b for b in ALL_BLOCKS if b.doc == "README.md")
    first_use = next(i for i, c in enumerate(tour.commands) if "--study study.toml" in c)
    assert any(c.startswith("msrwe init-study") for c in tour.commands[:first_use])


_RUN = [pytest.param(b, id=f"{b.doc}:{b.line}",
                     marks=[pytest.mark.slow] + ([pytest.mark.skip(reason=PLANS[b.key].skip)]
                                                 if b.key in PLANS and PLANS[b.key].skip else []))
        for b in ALL_BLOCKS]


@pytest.mark.parametrize("block", _RUN)
def test_case2_block_runs_as_written(block: Block, tmp_path: Path) -> None:
    if shutil.which("msrwe", path=_env()["PATH"]) is None:
        pytest.skip("the msrwe command is not installed in this environment (pip install -e .)")
    plan = PLANS.get(block.key)
    assert plan is not None, f"{block.doc}:{block.line} is not in PLANS"
    work = tmp_path / "work"  # a folder of its own: '../' in a command stays inside tmp_path
    work.mkdir()
    for step in plan.setup:
        step(work)
    for command in block.commands:
        reason = next((r for p, r in plan.skip_lines.items() if command.startswith(p)), None)
        if reason is not None:
            print(f"skipped: {command} ({reason})")
            continue
        stdin = next((s for p, s in plan.stdin.items() if command.startswith(p)), None)
        res = subprocess.run(["bash", "-c", command], cwd=work, env=_env(), input=stdin,
                             capture_output=True, text=True, timeout=1800, check=False)
        assert res.returncode == 0, (
            f"{block.doc}:{block.line}: `{command}` exited with {res.returncode}\n"
            f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        )
