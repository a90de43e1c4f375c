"""``analyze``: from the store and a study to one :class:`~msrwe.analysis.result.AnalysisResult`.

The steps, in order: read the chart tables; build the cohort and its attrition table and resolve
what is in force (:class:`~msrwe.analysis.result.InForce`: drug, route, dose window, groups);
derive the per-visit dataset; run each declared analysis of
:data:`msrwe.pipeline.registry.ANALYSES` that the study turns on (an analysis whose store tables
are missing writes ``not computed`` rows instead); write the methods paragraph from the
analyses' own sentences; record the provenance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import polars as pl

from msrwe.analysis.base import Analysis, Context
from msrwe.analysis.result import (
    DATASET_NAMES,
    AnalysisResult,
    ChartedDatasets,
    InForce,
    Provenance,
)
from msrwe.derive._columns import flag_if_sorted
from msrwe.derive.tte import shared_confirmations
from msrwe.derive.visits import derive_advs, derive_vars_adsl
from msrwe.errors import StudyFileError
from msrwe.pipeline.registry import ANALYSES, check_study, run_order
from msrwe.store import ANALYSIS_TYPES, Store, patient_id_enum, read_tables, table_names
from msrwe.study._engine import shared_engine_visits
from msrwe.study.cohort import build_cohort, most_given_drug
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

__all__ = [
    "STEPS",
    "ProgressCallback",
    "analyze",
    "let_go",
    "read_chart_tables",
    "resolve_study",
    "still_read",
]

#: The steps :func:`analyze` reports to its progress callback, in order (one per analysis).
STEPS: tuple[str, ...] = (
    "reading the store",
    "building the cohort",
    *(a.title.lower() for a in ANALYSES),
    "methods and provenance",
)

#: ``progress(step_number, total_steps, description)``, called at the start of each step.
ProgressCallback = Callable[[int, int, str], None]

#: Chart tables the analyses read (``None`` when the store lacks one).
CHART_TABLES: tuple[str, ...] = (
    "patients", "visits", "relapses", "administrations", "treatments", "adverse_events",
    "hospitalizations", "mri", "biomarkers",
)

#: Chart tables the cohort is built from: read before it; the others when first needed.
COHORT_TABLES: tuple[str, ...] = ("patients", "visits", "administrations", "treatments")

Types = Mapping[str, Mapping[str, pl.DataType]]


def _held_types(ids: pl.Enum | None) -> Types:
    """The types the analysis holds chart columns in.

    :data:`msrwe.store.ANALYSIS_TYPES`, and every ``patient_id`` as the patients' enum
    (:func:`msrwe.store.patient_id_enum`) when there is one.
    """
    if ids is None:
        return ANALYSIS_TYPES
    return {t: {**ANALYSIS_TYPES.get(t, {}), "patient_id": ids} for t in CHART_TABLES}


#: A text column of a dataset with at most this many distinct values is held as a categorical.
_FEW = 1000


def _hold_labels(datasets: MutableMapping[str, pl.DataFrame],
                names: Sequence[str] | None = None) -> None:
    """Hold the label columns of the datasets ``names`` (default: all) as categoricals.

    A per-visit, per-dose, per-year or per-event dataset repeats a few labels on every row (the
    group, a parameter, an activity class, a marker): as text each costs 16 bytes a row, as a
    categorical 4 (about 1.7 GB of a million patients' datasets). Text columns of at most
    ``_FEW`` distinct values are cast; ``patient_id`` and ``adsl`` (which every analysis reads
    by group) are left as they are. Categoricals sort, compare and group as text does; the
    result holds them as text again (:func:`msrwe.derive._columns.as_charted`).

    Examples
    --------
    >>> ds = {"advs": pl.DataFrame({"patient_id": ["a", "b"], "group": ["X", "X"]})}
    >>> _hold_labels(ds)
    >>> ds["advs"].schema["group"], ds["advs"].schema["patient_id"]
    (Categorical, String)
    """
    for name in datasets if names is None else names:
        df = datasets.get(name)
        if name == "adsl" or df is None or df.height == 0:
            continue
        labels = [c for c, t in df.schema.items() if t == pl.String and c != "patient_id"
                  and df[c].n_unique() <= _FEW]
        if labels:
            datasets[name] = df.with_columns(pl.col(c).cast(pl.Categorical) for c in labels)


def _ids_as_text(df: pl.DataFrame | None) -> pl.DataFrame | None:
    if df is None or not isinstance(df.schema.get("patient_id"), pl.Enum):
        return df
    return df.with_columns(pl.col("patient_id").cast(pl.String))


def read_chart_tables(store: str | Path | Store) -> dict[str, pl.DataFrame | None]:
    """Every chart table the analysis uses and the import log (``None`` when absent).

    The columns the analysis only carries are held in a narrower type when every value fits
    (:data:`msrwe.store.ANALYSIS_TYPES`; files written from the datasets hold the stored type).

    Parameters
    ----------
    store
        The store's path, or an open :class:`~msrwe.store.Store` (read through its one
        connection and left open).

    Raises
    ------
    StoreError
        When the store has no ``patients`` table.
    """
    # the integer narrowing only: a data report reads the text columns as text (the analysis
    # itself holds the administrations' labels as categoricals while it runs)
    integers = {t: {c: d for c, d in cols.items() if not isinstance(d, pl.Categorical)}
                for t, cols in ANALYSIS_TYPES.items()}
    return read_tables(store, (*CHART_TABLES, "import_log"), narrow=integers)


def resolve_study(
    study: Study | str | Path | Mapping[str, Any] | None,
    administrations: pl.DataFrame | None,
) -> Study:
    """A :class:`Study` from what the caller gave (``None``: the most-given drug's patients)."""
    if isinstance(study, Study):
        return study
    if isinstance(study, Mapping):
        return Study.from_dict(study)
    if study is not None:
        return Study.from_toml(study)
    if administrations is None:
        raise StudyFileError("the store has no administrations, so there is no drug to analyse.")
    return Study.default_for(most_given_drug(administrations))


def _skip_reason(analysis: Analysis, present: set[str]) -> str:
    missing = [t for t in analysis.requires if t not in present]
    if not missing:
        return ""
    return f"the store has no {' or '.join(missing)} table"


def _read_now(
    store: str | Path | Store,
    tables: MutableMapping[str, pl.DataFrame | None],
    reads: Mapping[str, tuple[str, ...] | None],
    released: set[str],
    narrow: Types = ANALYSIS_TYPES,
) -> None:
    """Read the tables of ``reads`` the store has and the context does not hold yet.

    A table let go of is never read again: it is let go of only when no analysis still to run
    reads it.
    """
    wanted = [name for name in reads if name in released and tables.get(name) is None]
    if wanted:
        read = read_tables(store, wanted, narrow=narrow)
        tables.update({name: flag_if_sorted(df) for name, df in read.items()})
        released.difference_update(wanted)


def still_read(
    analyses: Sequence[Analysis], context: Context | None = None
) -> dict[str, set[str] | None]:
    """The chart tables ``analyses`` read, each with the columns read (``None``: every column).

    With ``context``, what each will still read in this run (:meth:`Analysis.reads_from`).

    Examples
    --------
    >>> from msrwe.pipeline.registry import ANALYSES
    >>> sorted(still_read([a for a in ANALYSES if a.name == "persistence"])["administrations"])
    ['date', 'drug', 'patient_id']
    >>> still_read([])
    {}
    """
    need: dict[str, set[str] | None] = {}
    for analysis in analyses:
        reads = analysis.reads if context is None else analysis.reads_from(context)
        for name, columns in reads.items():
            if name in need and need[name] is None:
                continue
            need[name] = None if columns is None else (need.get(name) or set()) | set(columns)
    return need


def let_go(
    tables: MutableMapping[str, pl.DataFrame | None],
    remaining: Sequence[Analysis],
    released: set[str],
    context: Context | None = None,
) -> None:
    """Let go of the chart tables, and columns, that no analysis of ``remaining`` reads.

    A table none of them reads is set to ``None`` and its name added to ``released``; of a table
    still read, only the columns read are kept (a selection: the kept columns are not copied).
    The memory is given back when nothing else (a dataset sharing a column) holds it.

    Examples
    --------
    >>> tables = {"visits": pl.DataFrame({"patient_id": ["a"], "edss": [1.0]}), "mri": None}
    >>> released: set[str] = set()
    >>> let_go(tables, [], released)
    >>> tables, sorted(released)
    ({'visits': None, 'mri': None}, ['visits'])
    """
    need = still_read(remaining, context)
    for name, df in list(tables.items()):
        if df is None or name not in CHART_TABLES:
            continue
        if name not in need:
            tables[name] = None
            released.add(name)
            continue
        columns = need[name]
        if columns is not None and not set(df.columns) <= columns:
            tables[name] = df.select(c for c in df.columns if c in columns)


def _end_sharing(
    block: ExitStack,
    remaining: Sequence[Analysis],
    context: Context,
    uses: Callable[[Analysis, Context], bool],
) -> None:
    """Leave ``block`` (what it shares is let go of) when no analysis of ``remaining`` uses it.

    Leaving it again does nothing.
    """
    if not any(uses(a, context) for a in remaining):
        block.close()


def analyze(
    store: str | Path | Store,
    study: Study | str | Path | Mapping[str, Any] | None = None,
    *,
    progress: ProgressCallback | None = None,
    analyses: tuple[Analysis, ...] = ANALYSES,
    min_cell: int | None = None,
) -> AnalysisResult:
    """Analyse a store: the cohort, then every declared analysis, into one result.

    Parameters
    ----------
    store
        The DuckDB store written by ``msrwe import``: its path or an open
        :class:`~msrwe.store.Store` (every table is read through one connection).
    study
        A :class:`~msrwe.study.config.Study`, a study file (path) or a mapping shaped like one,
        or ``None`` for every patient on the store's most-given drug.
    progress
        Called as ``progress(step, total, description)`` at the start of each of :data:`STEPS`.
    analyses
        The analyses, in report order (default: :data:`msrwe.pipeline.registry.ANALYSES`).
    min_cell
        Small-cell suppression (:meth:`AnalysisResult.suppress`): counts from 1 to
        ``min_cell - 1`` are withheld. ``None`` takes the study's ``[privacy] min_cell``
        (by default not set: nothing is withheld).

    Returns
    -------
    AnalysisResult
        The study, what was in force, the provenance, the results table, the datasets
        (``adsl``, ``addose``, ``advs``, ``adae``, ``adtte``, ``adevents``, ...), the attrition
        table and the methods paragraph.

    Raises
    ------
    StudyFileError
        For a bad study file, a drug nobody received, or an empty cohort.
    StoreError
        When the store is missing or holds no ``patients`` table.
    """
    total = 3 + len(analyses)  # until the study says which analyses are on
    done = 0

    def step(description: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, description)

    step("reading the store")
    # the tables the cohort is built from now; the others when the first analysis reading them
    # runs (a million patients' adverse events, scans and biomarkers need not wait in memory)
    # every patient_id as one enum of the patients' identifiers (4 bytes a row, not 16), when
    # no table charts an unknown patient: the tables read later are checked in the store now,
    # those read now as they are read
    # (with a chart table missing, some analyses make an empty one of text identifiers: text)
    present = set(table_names(store)) & set(CHART_TABLES)
    later = [t for t in CHART_TABLES if t not in COHORT_TABLES]
    ids = patient_id_enum(store, checked=later) if present == set(CHART_TABLES) else None
    narrow = _held_types(ids)
    tables = read_tables(store, (*COHORT_TABLES, "import_log"), narrow=narrow)
    if ids is not None and any(
            df is not None and df.schema.get("patient_id", ids) != ids for df in tables.values()):
        ids, narrow = None, ANALYSIS_TYPES  # an unknown patient: identifiers as text
        tables = {name: _ids_as_text(df) for name, df in tables.items()}
    # a store's tables come in patient order: flagged so, grouping by patient needs no hashing
    tables = {name: flag_if_sorted(df) for name, df in tables.items()}
    tables.update(dict.fromkeys(t for t in CHART_TABLES if t not in tables))
    import_log = tables["import_log"]
    st = resolve_study(study, tables["administrations"])
    check_study(st, analyses)
    order = run_order(st, analyses)
    total = 3 + len(order)
    step("building the cohort")
    adm = tables["administrations"]
    if adm is None:
        raise StudyFileError(f"{store}: the store has no administrations, so no one was treated.")
    cohort = build_cohort(
        st, patients=tables["patients"], administrations=adm, visits=tables["visits"],
        treatments=tables["treatments"], import_log=tables["import_log"],
    )
    in_force = InForce.resolve(
        st, drug=cohort.drug, doses=cohort.doses,
        groups=cohort.adsl["group"].unique().to_list(),
    )
    visits = tables["visits"]
    if visits is None:
        visits = pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date})
    advs = derive_advs(
        visits, cohort.adsl, baseline_window_days=st.analysis.baseline_window_days,
        on_treatment_days=st.analysis.on_treatment_days,
    )
    # from here the chart tables are held by the context alone, which lets go of each table (and
    # column) once no analysis still to run reads it
    del visits, adm
    # a table of the store the context does not hold (not read yet, or let go of)
    released = {name for name in present if tables.get(name) is None}
    let_go(tables, order, released)
    context = Context(
        study=st, tables=tables, cohort=cohort, in_force=in_force,
        datasets={"adsl": derive_vars_adsl(cohort.adsl, advs), "addose": cohort.doses,
                  "advs": advs},
        released=released,
    )
    del advs
    _hold_labels(context.datasets)
    results = ResultsTable()
    ran: list[Analysis] = []
    # The analyses' linear algebra is small (2x2 to 10x10 systems, vectors over patients): a
    # multi-threaded BLAS only adds thread hand-offs, which on a shared or small machine cost
    # more than the arithmetic (the mixed-model fits ran 3-5x slower on 2 busy cores).
    # The limit applies to the BLAS libraries loaded when it is set: scipy's own OpenBLAS (the
    # L-BFGS-B of the mixed model) is loaded here, as the statistics modules import scipy lazily.
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    # The censoring of several analyses asks the same question of the same visits (worsening and
    # improvement, PIRA/RAW, composites): it is answered once per run.
    # (and the engine's input of a measure is selected once: study._engine.shared_engine_visits)
    # Each is let go of after the last analysis using it (Analysis.censors_at_confirmable,
    # Analysis.runs_engine).
    with threadpool_limits(limits=1, user_api="blas"), ExitStack() as confirmations, \
            ExitStack() as engine_inputs:
        confirmations.enter_context(shared_confirmations())
        engine_inputs.enter_context(shared_engine_visits())
        for i, analysis in enumerate(order):
            step(analysis.title.lower())
            reason = _skip_reason(analysis, present)
            if reason:
                analysis.skip(results, reason)
            else:
                _read_now(store, tables, analysis.reads_from(context), released, narrow)
                before = dict(context.datasets)
                analysis.run(context, results)
                _hold_labels(context.datasets, [n for n, df in context.datasets.items()
                                               if before.get(n) is not df])
                del before
                ran.append(analysis)
            let_go(tables, order[i + 1:], released, context)
            _end_sharing(confirmations, order[i + 1:], context,
                         lambda a, c: a.censors_at_confirmable(c))
            _end_sharing(engine_inputs, order[i + 1:], context, lambda a, c: a.runs_engine(c))

    step("methods and provenance")
    methods = [p for a in analyses if a in ran for p in a.methods(context)]
    # the columns held as categoricals during the run (drug, route, unit, the datasets' labels)
    # and the patient identifiers held as an enum are text again in every dataset the result
    # gives out, as charted: each made when asked for (ChartedDatasets)
    ds = context.datasets
    datasets = ChartedDatasets({n: ds[n] for n in DATASET_NAMES if n in ds})
    datasets.update({n: df for n, df in ds.items() if n not in datasets})
    result = AnalysisResult(
        study=st,
        in_force=in_force,
        provenance=Provenance.build(
            store.path if isinstance(store, Store) else store, import_log=import_log,
            study=st,
            study_file=study if isinstance(study, str | Path) else None,
        ),
        results=results,
        datasets=datasets,
        attrition=cohort.attrition,
        methods="\n\n".join(methods),
        analyses=tuple(a for a in analyses if a in ran),
    )
    threshold = min_cell if min_cell is not None else st.privacy.min_cell
    return result if threshold is None else result.suppress(threshold)
