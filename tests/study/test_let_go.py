"""The runner lets go of chart tables and columns no analysis still to run reads (issue 14.1).

Numbered cases: the union of the declared reads (case 1), a table nobody reads any more is let
go of and a narrowed one keeps its column buffers (case 2), reading a released table is a
:class:`DefinitionError` naming it (case 3), every ``context.table`` call of the registered
analyses reads a table its analysis declares (case 4), and the demo analysed with and without
letting go (and with the patient identifiers held as text, not as an enum) gives the same
results and datasets (case 5), tables are read when first needed and
the shared engine inputs are let go of after the last analysis running the engine (case 6).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from msrwe.analysis.base import Analysis, Context, reading
from msrwe.cli.demo_cmd import DEMO_STUDY
from msrwe.errors import DefinitionError
from msrwe.io import import_folder
from msrwe.pipeline import run
from msrwe.pipeline.registry import ANALYSES
from msrwe.synth import write_cohort


class _Reads(Analysis):
    def __init__(self, **tables: tuple[str, ...] | None) -> None:
        self._reads = reading(**tables)

    @property
    def reads(self):  # type: ignore[override]
        return self._reads


def test_case1_still_read_unions_columns_and_none_means_all() -> None:
    need = run.still_read([
        _Reads(administrations=("patient_id", "date")),
        _Reads(administrations=("drug",), relapses=None),
        _Reads(relapses=("patient_id",), visits=None),
        _Reads(visits=("date",)),
    ])
    assert need == {"administrations": {"patient_id", "date", "drug"}, "relapses": None,
                    "visits": None}


def test_case2_let_go_drops_unread_tables_and_columns() -> None:
    adm = pl.DataFrame({"patient_id": ["a", "b"], "date": [1, 2], "drug": ["x", "y"],
                        "dose": [1.0, 2.0]})
    mri = pl.DataFrame({"patient_id": ["a"], "gd_lesions": [1]})
    log = pl.DataFrame({"table_name": ["patients"]})
    tables: dict[str, pl.DataFrame | None] = {
        "administrations": adm, "mri": mri, "relapses": None, "import_log": log}
    released: set[str] = set()
    run.let_go(tables, [_Reads(administrations=("drug", "patient_id", "date"))], released)
    kept = tables["administrations"]
    assert kept is not None
    assert kept.columns == ["patient_id", "date", "drug"]
    assert tables["mri"] is None
    assert released == {"mri"}
    assert tables["relapses"] is None  # absent, not released
    assert tables["import_log"] is log  # bookkeeping is not a chart table
    # the kept columns are the same buffers (a selection, not a copy)
    assert np.shares_memory(kept["date"].to_numpy(), adm["date"].to_numpy())
    # every column still read: the frame itself
    run.let_go(tables, [_Reads(administrations=None)], released)
    assert tables["administrations"] is kept


def test_case3_reading_a_released_table_names_it() -> None:
    ctx = Context(study=None, tables={"mri": None}, cohort=None, in_force=None,  # type: ignore[arg-type]
                  released={"mri"})
    with pytest.raises(DefinitionError, match=r"'mri'.*reads"):
        ctx.table("mri")
    assert Context(study=None, tables={}, cohort=None,  # type: ignore[arg-type]
                   in_force=None).table("mri") is None  # type: ignore[arg-type]


def _tables_read(cls: type) -> set[str]:
    """Table names of ``context.table("...")`` calls in the source of ``cls``'s run()."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls.run)))
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "table" and node.args
            and isinstance(node.args[0], ast.Constant)}


def test_case4_every_table_read_is_declared() -> None:
    for analysis in ANALYSES:
        read = _tables_read(type(analysis))
        assert read <= set(analysis.reads), (analysis.name, read - set(analysis.reads))
    # endpoint_data (shared by the endpoint analyses) reads relapses, mri and biomarkers
    from msrwe.endpoints import analyses as ep

    shared = {node.args[0].value for node in ast.walk(ast.parse(inspect.getsource(
        ep.endpoint_data))) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "table"}
    assert shared == {"relapses", "mri", "biomarkers"}
    callers = [a for a in ANALYSES if "endpoint_data(context)" in inspect.getsource(type(a).run)]
    assert len(callers) >= 9
    for analysis in callers:
        assert shared <= set(analysis.reads), analysis.name


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("let_go")
    write_cohort(root / "charts")
    import_folder(root / "charts", root / "store.duckdb")
    (root / "study.toml").write_text(DEMO_STUDY)
    return root / "store.duckdb", root / "study.toml"


def test_case5_same_results_with_and_without_letting_go(
    demo_store: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, study = demo_store
    released: list[str] = []
    real = run.let_go

    def spy(tables, remaining, rel, context=None):  # type: ignore[no-untyped-def]
        real(tables, remaining, rel, context)
        released[:] = sorted(rel)

    monkeypatch.setattr(run, "let_go", spy)
    lean = run.analyze(db, study)
    assert {"patients", "adverse_events", "administrations"} <= set(released)
    # and with the patient identifiers held as text throughout (no enum)
    monkeypatch.setattr(run, "let_go", lambda *args: None)
    monkeypatch.setattr(run, "patient_id_enum", lambda *args, **kw: None)
    whole = run.analyze(db, study)
    assert_frame_equal(lean.results.to_polars(), whole.results.to_polars())
    assert list(lean.datasets) == list(whole.datasets)
    for name, df in whole.datasets.items():
        assert_frame_equal(lean.datasets[name], df)


def test_case6_tables_read_when_first_needed_and_shared_reads_end(
    demo_store: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, study = demo_store
    reads: list[tuple[str, ...]] = []
    id_types: set[pl.DataType] = set()
    real = run.read_tables

    def spy(store, names, **kw):  # type: ignore[no-untyped-def]
        reads.append(tuple(names))
        out = real(store, names, **kw)
        id_types.update(df.schema["patient_id"] for df in out.values()
                        if df is not None and "patient_id" in df.columns)
        return out

    monkeypatch.setattr(run, "read_tables", spy)
    from msrwe.derive import tte
    from msrwe.study import _engine

    # whether the shared engine inputs and confirmations are held as each step starts
    held: dict[str, tuple[bool, bool]] = {}

    def progress(step: int, total: int, what: str) -> None:
        held[what] = (_engine._SHARED.get() is not None, tte._SHARED.get() is not None)

    result = run.analyze(db, study, progress=progress)
    # the drug, route and unit held as categoricals during the run are text in the result
    assert result.datasets["addose"].schema["drug"] == pl.String
    assert not [n for n, df in result.datasets.items()
                if any(isinstance(t, pl.Categorical) for t in df.schema.values())]
    # every table read held the patient identifiers as one enum; the result holds them as text
    assert len(id_types) == 1
    assert isinstance(id_types.pop(), pl.Enum)
    assert not [n for n, df in result.datasets.items()
                if any(isinstance(t, pl.Enum) for t in df.schema.values())]
    assert result.datasets["advs"].schema["patient_id"] == pl.String
    # the engine inputs are held through the last analysis running the engine (the first
    # endpoint analysis builds endpoint_data), the confirmable assessments through the last
    # deriving times to confirmed events; each is let go of after it
    steps = list(held)
    first, confirming, engine = (steps.index("disability outcomes"), steps.index(
        "confirmed improvement, pira/raw, sdmt and composite endpoints"), steps.index("relapses"))
    assert all(held[s][0] for s in steps[first:engine + 1])
    assert not any(held[s][0] for s in steps[engine + 1:])
    assert all(held[s][1] for s in steps[first:confirming + 1])
    assert not any(held[s][1] for s in steps[confirming + 1:])
    assert reads[0] == (*run.COHORT_TABLES, "import_log")
    later = [name for names in reads[1:] for name in names]
    assert sorted(later) == sorted(set(later))  # each table read once
    assert {"adverse_events", "relapses", "mri", "biomarkers"} <= set(later)
    # the endpoint analyses stop declaring the shared tables once endpoint_data is built
    from msrwe.endpoints.analyses import Milestone

    ctx = Context(study=None, tables={}, cohort=None, in_force=None)  # type: ignore[arg-type]
    assert set(Milestone().reads_from(ctx)) == {"relapses", "mri", "biomarkers", "visits"}
    ctx.notes["endpoint_data"] = object()
    assert set(Milestone().reads_from(ctx)) == {"visits"}
