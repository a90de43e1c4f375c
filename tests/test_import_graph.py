"""No import cycles in src/msrwe, and ``import msrwe`` stays light.

The rule (docs/architecture.md): the imports between msrwe's own modules form no cycle, counting
every ``import`` statement wherever it stands (at module level or inside a function: a deferred
import is still a dependency), except those under ``if TYPE_CHECKING:``, which never run. On top
of that the packages directly under ``msrwe`` (``io``, ``store``, ``study``, ...) depend on each
other one way only. The graph is read from the source with :mod:`ast`, so nothing is imported to
check it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def module_sources(root: Path = SRC) -> dict[str, tuple[str, bool]]:
    """Module name -> (source text, is a package ``__init__``) for every file under msrwe."""
    out = {}
    for path in sorted((root / "msrwe").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out[".".join(parts)] = (path.read_text(encoding="utf-8"), is_pkg)
    return out


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, skipping the bodies of ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def import_graph(sources: Mapping[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module -> the msrwe modules it imports (``from pkg import sub`` counts as ``pkg.sub``)."""
    graph: dict[str, set[str]] = {}
    for name, (text, is_pkg) in sources.items():
        deps: set[str] = set()
        for node in _imports(ast.parse(text)):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
                continue
            module = node.module or ""
            if node.level:  # relative import
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                deps.add(sub if sub in sources else module)
        graph[name] = {d for d in deps if d in sources and d != name}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def package_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """The same graph between the packages (and modules) directly under msrwe."""
    top = {name: ".".join(name.split(".")[:2]) for name in graph}
    out: dict[str, set[str]] = {}
    for name, deps in graph.items():
        out.setdefault(top[name], set()).update(top[d] for d in deps if top[d] != top[name])
    return out


def _explain(graph: Mapping[str, set[str]], comps: list[list[str]]) -> str:
    lines = []
    for comp in comps:
        lines.append(" <-> ".join(comp))
        lines += [f"    {a} imports {', '.join(sorted(graph[a] & set(comp)))}" for a in comp]
    return "\n".join(lines)


# Case 1: the modules of msrwe import each other without a cycle
def test_case1_no_module_cycle():
    graph = import_graph(module_sources())
    assert len(graph) > 100  # the walk really read the package
    comps = cycles(graph)
    assert not comps, "import cycles:\n" + _explain(graph, comps)


# Case 2: the packages under msrwe depend on each other one way only
def test_case2_no_package_cycle():
    graph = package_graph(import_graph(module_sources()))
    assert {"msrwe.io", "msrwe.store", "msrwe.study", "msrwe.derive"} <= set(graph)
    comps = cycles(graph)
    assert not comps, "package cycles:\n" + _explain(graph, comps)


def _doc_layers() -> dict[str, int]:
    text = (SRC.parent / "docs" / "dependencies.md").read_text(encoding="utf-8")
    layers = {}
    for number, cells in re.findall(r"^\| (\d+) \| (.+) \|$", text, flags=re.MULTILINE):
        for name in re.findall(r"`([a-z_]+)`", cells):
            layers[f"msrwe.{name}"] = int(number)
    return layers


#: Used by every package; not in the layer table.
_BASE = {"msrwe", "msrwe.errors", "msrwe._version", "msrwe._atomic", "msrwe._outputs",
         "msrwe._csvsafe", "msrwe._validate", "msrwe._lazy", "msrwe._duckdb", "msrwe._threads",
         "msrwe.outcomes"}


# Case 2b: every package is in the layer table of docs/dependencies.md and uses only lower layers
def test_case2b_layers_of_the_docs_hold():
    layers = _doc_layers()
    graph = package_graph(import_graph(module_sources()))
    missing = sorted(set(graph) - set(layers) - _BASE)
    assert not missing, f"add these packages to the table of docs/dependencies.md: {missing}"
    wrong = sorted(f"{a} (layer {layers[a]}) imports {b} (layer {layers[b]})"
                   for a, deps in graph.items() if a in layers
                   for b in deps if b in layers and layers[b] >= layers[a])
    assert not wrong, "imports against the layers of docs/dependencies.md:\n" + "\n".join(wrong)


# Case 3: the checker finds cycles through function-level and relative imports, not through
# TYPE_CHECKING imports
def test_case3_checker_finds_planted_cycles():
    sources = {
        "msrwe": ("", True),
        "msrwe.a": ("from msrwe import b\n", False),
        "msrwe.b": ("def f():\n    from .c import x\n", False),
        "msrwe.c": ("import msrwe.a\n", False),
        "msrwe.d": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from msrwe.e import y\n", False),
        "msrwe.e": ("from msrwe.d import z\n", False),
    }
    graph = import_graph(sources)
    assert graph["msrwe.b"] == {"msrwe.c"}
    assert cycles(graph) == [["msrwe.a", "msrwe.b", "msrwe.c"]]
    assert cycles(package_graph(graph)) == [["msrwe.a", "msrwe.b", "msrwe.c"]]


def _loaded(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "; import sys; print(sorted(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(ast.literal_eval(out.stdout.strip().splitlines()[-1]))


#: What ``import msrwe`` (and ``msrwe --help``) must not load: heavy libraries and the stages
#: that are loaded when used.
HEAVY = ("numba", "matplotlib", "scipy", "msrwe.derive.outcomes.kernel", "msrwe.report",
         "msrwe.derive.outcomes", "msrwe.study", "lifelines", "statsmodels", "great_tables")


# Case 4: import msrwe loads none of the heavy parts
def test_case4_import_msrwe_is_light():
    loaded = _loaded("import msrwe")
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not heavy, f"import msrwe loaded {heavy}"
    assert "msrwe" in loaded


#: ``msrwe --help`` reads the outcome options' declaration (for the flags of ``msrwe outcomes``),
#: so it may load ``msrwe.derive.outcomes.options``, but not the engine that uses them.
CLI_HEAVY = (*(h for h in HEAVY if h != "msrwe.derive.outcomes"), "msrwe.derive.outcomes.api",
             "msrwe.derive.outcomes.engine", "msrwe.derive.outcomes.prepare", "pyarrow")


# Case 5: the command line's --help loads none of them either
@pytest.mark.parametrize("argv", [["--help"], ["outcomes", "--help"], ["analyze", "--help"]])
def test_case5_cli_help_is_light(argv):
    code = ("import sys; from msrwe.cli.main import app; sys.argv = ['msrwe', *"
            f"{argv!r}]\ntry:\n    app()\nexcept SystemExit:\n    pass")
    out = subprocess.run([sys.executable, "-c", code + "\nprint(sorted(sys.modules))"],
                         capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in CLI_HEAVY))
    assert not heavy, f"msrwe {' '.join(argv)} loaded {heavy}"


#: What a command that computes no statistics and draws nothing must not load (issue 14 item 3):
#: scipy's statistics and optimisers and pandas cost about 1.5 s of start-up.
STATS_HEAVY = ("scipy.stats", "scipy.optimize", "pandas", "matplotlib", "lifelines",
               "statsmodels", "great_tables")


# Case 6: commands that only write, import or detect events load no statistics library
@pytest.mark.parametrize("steps", [
    ["init-study --out {tmp}/study.toml"],
    ["synth --patients 5 --out {tmp}/charts", "import {tmp}/charts --db {tmp}/s.duckdb",
     "outcomes --db {tmp}/s.duckdb --out {tmp}/events.csv"],
])
def test_case6_commands_load_no_statistics(tmp_path, steps):
    runs = "\n".join(
        f"sys.argv = ['msrwe', *{step.format(tmp=tmp_path).split()!r}]\n"
        "try:\n    app()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code"
        for step in steps)
    code = f"import sys; from msrwe.cli.main import app\n{runs}\nprint(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = set(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in STATS_HEAVY))
    assert not heavy, f"msrwe {' / '.join(steps)} loaded {heavy}"


#: Umbrella modules that load a whole library; msrwe imports the modules it uses instead.
#: ``statsmodels.api`` loads statsmodels' time series, graphics and formula modules (about 0.3
#: CPU-s of each ``msrwe demo`` that fits a propensity score or a negative binomial).
UMBRELLAS = ("statsmodels.api",)


# Case 7: no module of msrwe imports an umbrella module, wherever the import stands
def test_case7_no_umbrella_imports():
    found = []
    for name, (text, _) in module_sources().items():
        if not any(u.rsplit(".", 1)[-1] in text for u in UMBRELLAS):
            continue  # parse only the files that could
        for node in _imports(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""])
            found += [f"{name} imports {n}" for n in names if n in UMBRELLAS]
    assert not found, "\n".join(found)
