"""``analyze``: from the store and a study file to one :class:`~msrwe.study.result.AnalysisResult`.

The steps, in order: read the chart tables; build the cohort and its attrition table; derive the
per-visit dataset; add the cohort, exposure, safety and efficacy rows to one results table; write
the methods paragraph; record where the data came from (the store's ``import_log``).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from msrwe._version import __version__
from msrwe.derive.relapses import filter_confirmed_relapses
from msrwe.errors import StoreError
from msrwe.store import connect
from msrwe.study.cohort import Cohort, build_cohort
from msrwe.study.config import Study, load_study
from msrwe.study.datasets import derive_advs, derive_vars_adsl
from msrwe.study.efficacy import add_efficacy
from msrwe.study.methods import describe_methods
from msrwe.study.result import DATASET_NAMES, AnalysisResult
from msrwe.tables.results import ResultsTable
from msrwe.tables.table1 import compute_table1

__all__ = ["STEPS", "ProgressCallback", "analyze"]

#: The steps :func:`analyze` reports to its progress callback, in order.
STEPS: tuple[str, ...] = (
    "reading the store",
    "building the cohort",
    "exposure",
    "safety",
    "efficacy",
    "methods and provenance",
)

#: ``progress(step_number, total_steps, description)``, called at the start of each step.
ProgressCallback = Callable[[int, int, str], None]

_OPTIONAL_TABLES = (
    "visits", "relapses", "administrations", "treatments", "adverse_events",
    "hospitalizations", "mri", "biomarkers",
)


def _read_tables(db: str | Path) -> dict[str, pl.DataFrame | None]:
    """Every chart table the analysis uses (``None`` when absent), through one connection."""
    con = connect(db)
    try:
        names = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
        if "patients" not in names:
            raise StoreError(
                f"{db}: the store has no 'patients' table. Is this a store written by "
                "`msrwe import`?"
            )
        return {
            name: con.sql(f'select * from "{name}"').pl() if name in names else None
            for name in ("patients", *_OPTIONAL_TABLES, "import_log")
        }
    finally:
        con.close()


def _provenance(db: str | Path, import_log: pl.DataFrame | None) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    if import_log is not None:
        keep = [
            c for c in ("table_name", "file", "sha256", "rows_read", "rows_imported",
                        "rows_quarantined", "imported_at", "msrwe_version")
            if c in import_log.columns
        ]
        for row in import_log.select(keep).iter_rows(named=True):
            files.append({k: (str(v) if isinstance(v, dt.date | dt.datetime) else v)
                          for k, v in row.items()})
    return {
        "store": str(db),
        "msrwe_version": __version__,
        "run_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "input_files": files,
    }


def _cohort_rows(results: ResultsTable, cohort: Cohort) -> None:
    """``cohort`` (patients per group) and ``attrition`` rows of the results table."""
    adsl = cohort.adsl
    groups = sorted(str(g) for g in adsl["group"].unique().to_list() if g != "overall")
    for g in groups:
        results.add("cohort", g, "patients", "", "N", int((adsl["group"] == g).sum()),
                    label="Patients in the cohort")
    results.add("cohort", "overall", "patients", "", "N", adsl.height,
                label="Patients in the cohort")
    for step, criterion, excluded, remaining in cohort.attrition.iter_rows():
        level = str(step)
        results.add("attrition", "overall", "criterion", level, "excluded", excluded,
                    label=criterion)
        results.add("attrition", "overall", "criterion", level, "remaining", remaining,
                    label=criterion)


def _entry(module: str, name: str) -> Callable[..., Any] | None:
    """A function of another engineer's module, or ``None`` while it does not exist yet."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
    return getattr(mod, name, None)


def analyze(
    db: str | Path,
    study: Study | str | Path | Mapping[str, Any] | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> AnalysisResult:
    """Analyse a store: cohort, exposure, safety and efficacy into one results table.

    Parameters
    ----------
    db
        Path of the DuckDB store written by ``msrwe import``.
    study
        A study file (path), a mapping shaped like one, a :class:`~msrwe.study.config.Study`, or
        ``None`` for every patient on the store's most-given drug.
    progress
        Called as ``progress(step, total, description)`` at the start of each of :data:`STEPS`.

    Returns
    -------
    AnalysisResult
        The results table, the datasets ``adsl``, ``addose``, ``advs``, ``adae``, ``adtte``,
        ``adevents``, the attrition table, the methods paragraph, the settings in force and the
        provenance.

    Raises
    ------
    StudyFileError
        For a bad study file, a drug nobody received, or an empty cohort.
    StoreError
        When the store is missing or holds no ``patients`` table.
    """

    def step(i: int) -> None:
        if progress is not None:
            progress(i + 1, len(STEPS), STEPS[i])

    step(0)
    tables = _read_tables(db)
    st = load_study(study, db)
    step(1)
    adm = tables["administrations"]
    if adm is None:
        from msrwe.errors import StudyFileError

        raise StudyFileError(f"{db}: the store has no administrations, so no one was treated.")
    cohort = build_cohort(
        st,
        patients=tables["patients"],
        administrations=adm,
        visits=tables["visits"],
        treatments=tables["treatments"],
    )
    visits = tables["visits"]
    if visits is None:
        visits = pl.DataFrame(schema={"patient_id": pl.String, "date": pl.Date})
    advs = derive_advs(visits, cohort.adsl, st)
    adsl = derive_vars_adsl(cohort.adsl, advs)
    results = ResultsTable()
    _cohort_rows(results, cohort)
    datasets: dict[str, pl.DataFrame] = {"addose": cohort.doses}

    step(2)
    datasets.update(_exposure(results, adsl, cohort, st))
    if "adexpo" in datasets:
        adsl = _join_exposure(adsl, datasets["adexpo"])
    step(3)
    datasets.update(_safety(results, adsl, cohort, tables, st))

    step(4)
    relapses = tables["relapses"]
    if relapses is None:
        relapses = pl.DataFrame(schema={"patient_id": pl.String, "onset_date": pl.Date})
    relapses = filter_confirmed_relapses(relapses)
    eff = add_efficacy(results, adsl=adsl, advs=advs, relapses=relapses, study=st)

    step(5)
    datasets = {
        "adsl": eff.adsl,
        "addose": datasets.get("addose", cohort.doses),
        "advs": advs,
        "adae": datasets.get("adae", pl.DataFrame()),
        "adtte": eff.adtte,
        "adevents": eff.adevents,
        **{k: v for k, v in datasets.items() if k not in DATASET_NAMES},
    }
    results.extend(compute_table1(datasets["adsl"]))
    settings = st.to_dict()
    settings["cohort"]["drug_in_force"] = cohort.drug
    if st.exposure.interval_days is None:
        # The regimen's known window (e.g. 56-77 days for intrathecal methotrexate) is in force.
        known = _entry("msrwe.derive.exposure", "regimen_interval")
        route = st.cohort.route
        if route is None and "route" in cohort.doses.columns:
            routes = cohort.doses["route"].drop_nulls().unique().to_list()
            route = routes[0] if len(routes) == 1 else None
        window = known(cohort.drug, route) if known is not None else None
        settings["exposure"]["interval_days"] = list(window) if window else None
    methods = describe_methods(
        st, drug=cohort.drug, engine=eff.engine, n_patients=adsl.height,
        interval_days=settings["exposure"]["interval_days"],
    )
    return AnalysisResult(
        results=results,
        datasets=datasets,
        attrition=cohort.attrition,
        methods=methods,
        study=settings,
        provenance=_provenance(db, tables["import_log"]),
    )


_EXPOSURE_COLUMNS = (
    "years_on_treatment", "median_interval_days", "pct_intervals_in_window", "cum_mg",
    "cum_mg_m2", "cum_mg_kg", "n_alerts",
)


def _join_exposure(adsl: pl.DataFrame, adexpo: pl.DataFrame) -> pl.DataFrame:
    """The per-patient exposure summary as columns of ``adsl`` (``exposure_years`` too)."""
    cols = [c for c in _EXPOSURE_COLUMNS if c in adexpo.columns and c not in adsl.columns]
    if "patient_id" not in adexpo.columns or not cols:
        return adsl
    out = adsl.join(
        adexpo.select("patient_id", *cols).unique("patient_id", keep="first"),
        on="patient_id", how="left", maintain_order="left",
    )
    if "years_on_treatment" in out.columns and "exposure_years" not in out.columns:
        out = out.with_columns(pl.col("years_on_treatment").alias("exposure_years"))
    return out


def _exposure(
    results: ResultsTable, adsl: pl.DataFrame, cohort: Cohort, study: Study
) -> dict[str, pl.DataFrame]:
    """Exposure rows and ``addose`` (engineer A's :mod:`msrwe.study.exposure`)."""
    add = _entry("msrwe.study.exposure", "add_exposure")
    if add is None:
        return {}
    out = add(results, doses=cohort.doses, adsl=adsl, study=study)
    return dict(out) if isinstance(out, Mapping) else {}


def _safety(
    results: ResultsTable,
    adsl: pl.DataFrame,
    cohort: Cohort,
    tables: Mapping[str, pl.DataFrame | None],
    study: Study,
) -> dict[str, pl.DataFrame]:
    """Safety rows and ``adae`` (engineer A's :mod:`msrwe.study.safety`)."""
    add = _entry("msrwe.study.safety", "add_safety")
    if add is None:
        return {}
    out = add(
        results,
        doses=cohort.doses,
        adsl=adsl,
        adverse_events=tables["adverse_events"],
        hospitalizations=tables["hospitalizations"],
        study=study,
    )
    return dict(out) if isinstance(out, Mapping) else {}
