"""What ``analyze`` returns: one typed :class:`AnalysisResult`.

It holds the frozen :class:`~msrwe.study.config.Study` as given, an :class:`InForce` record of
what was resolved from the data (drug, route, dose-interval window, groups), a
:class:`Provenance` (inputs with checksums, versions, time), the results table and the analysis
datasets. :meth:`AnalysisResult.export` is the only way results are written to a folder (both
``msrwe analyze --export`` and ``msrwe report --export`` call it) and
:meth:`AnalysisResult.summary` the one summary the console prints and the report shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, ItemsView, Iterator, Mapping, ValuesView
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from msrwe._atomic import atomic_dir, atomic_path
from msrwe._version import __version__
from msrwe.analysis.base import Analysis
from msrwe.analysis.summary import Summary, build_summary
from msrwe.derive._columns import as_charted
from msrwe.derive.exposure import regimen_interval
from msrwe.tables.results import ResultsTable

if TYPE_CHECKING:
    from msrwe.study.config import Study

__all__ = ["DATASET_NAMES", "EXPORT_FILES", "AnalysisResult", "InForce", "Provenance"]

#: Derived datasets, in the spirit of CDISC ADaM:
#: ``adsl`` one row per patient (cohort flags, group, baseline, exposure summary);
#: ``addose`` one row per administration in the cohort (with ``interval_days``);
#: ``advs`` one row per visit of a cohort patient (``days`` since first dose, outcomes);
#: ``adae`` one row per adverse event (``trt_emergent``, ``days_since_dose``, flags);
#: ``adtte`` one row per patient and time-to-event parameter (``param``, ``time_days``,
#: ``event``); ``adevents`` one row per disability event from the outcome engine.
DATASET_NAMES: tuple[str, ...] = ("adsl", "addose", "advs", "adae", "adtte", "adevents")

#: Files :meth:`AnalysisResult.export` writes besides the datasets (``<name>.csv/.parquet``).
EXPORT_FILES: tuple[str, ...] = (
    "results.csv", "results.parquet", "attrition.csv", "methods.txt", "settings.json",
    "study.toml", "provenance.json",
)

_VERSIONED = ("polars", "duckdb", "numpy", "scipy", "statsmodels", "lifelines")


@dataclass(frozen=True)
class InForce:
    """What the analysis resolved from the data, computed once in the cohort step.

    Attributes
    ----------
    drug
        The study drug (``cohort.drug``, or the most-given drug of the store).
    route
        ``cohort.route``, or the route most of the cohort's doses were given by.
    interval_days
        The dose-interval window counted as on schedule: ``exposure.interval_days``, else the
        known regimen of the drug and route (56-77 days for intrathecal methotrexate), else
        ``None``.
    groups
        The groups of the cohort, in the results table's order (``overall`` last).

    Examples
    --------
    >>> from msrwe.study import Study
    >>> doses = pl.DataFrame({"drug": ["methotrexate"] * 2, "route": ["intrathecal"] * 2})
    >>> f = InForce.resolve(Study(), drug="methotrexate", doses=doses, groups=["SPMS"])
    >>> f.route, f.interval_days, f.groups
    ('intrathecal', (56, 77), ('SPMS', 'overall'))
    """

    drug: str
    route: str | None
    interval_days: tuple[int, int] | None
    groups: tuple[str, ...]

    @classmethod
    def resolve(
        cls, study: Study, *, drug: str, doses: pl.DataFrame, groups: list[str] | tuple[str, ...]
    ) -> InForce:
        """The one rule: the study's setting when it has one, else what the doses say."""
        route = study.cohort.route
        if route is None and "route" in doses.columns and doses.height:
            modes = doses["route"].drop_nulls().mode().sort().to_list()
            route = str(modes[0]) if modes else None
        window = study.exposure.interval_days
        if window is None:
            window = regimen_interval(drug, route)
        named = sorted(str(g) for g in groups if g != "overall")
        return cls(drug=drug, route=route, interval_days=window, groups=(*named, "overall"))

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists for tuples) for JSON."""
        d = asdict(self)
        d["interval_days"] = list(self.interval_days) if self.interval_days else None
        d["groups"] = list(self.groups)
        return d


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"msrwe": __version__}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - every one is a dependency
            continue
    return out


@dataclass(frozen=True)
class Provenance:
    """Where the results came from: the store, its input files, the study file, versions, time.

    Attributes
    ----------
    store
        Path of the store.
    files
        One entry per imported chart file (from the store's ``import_log``): ``table_name``,
        ``file``, ``sha256``, ``rows_read``, ``rows_imported``, ``rows_quarantined``,
        ``imported_at``, ``msrwe_version``.
    study_source
        The study file's path (or how the study was given).
    study_sha256
        SHA-256 of the study file, empty when the study was not read from a file.
    versions
        msrwe's version and those of the libraries that computed the numbers.
    run_at
        When the analysis ran (UTC, ISO 8601, seconds).
    """

    store: str
    files: tuple[Mapping[str, Any], ...] = ()
    study_source: str = ""
    study_sha256: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)
    run_at: str = ""

    @classmethod
    def build(
        cls,
        store: str | Path,
        *,
        import_log: pl.DataFrame | None,
        study: Study,
        study_file: str | Path | None = None,
    ) -> Provenance:
        """The one builder of provenance (``analyze`` calls it)."""
        files: list[dict[str, Any]] = []
        if import_log is not None:
            keep = [
                c for c in ("table_name", "file", "sha256", "rows_read", "rows_imported",
                            "rows_quarantined", "extra_columns", "imported_at", "msrwe_version")
                if c in import_log.columns
            ]
            for row in import_log.select(keep).iter_rows(named=True):
                files.append({k: (str(v) if isinstance(v, dt.date | dt.datetime) else v)
                              for k, v in row.items()})
        path = Path(study_file) if study_file is not None else None
        return cls(
            store=str(store),
            files=tuple(files),
            study_source=str(path) if path is not None else study.source,
            study_sha256=sha256_file(path) if path is not None and path.is_file() else "",
            versions=_package_versions(),
            run_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        )

    @property
    def msrwe_version(self) -> str:
        """The msrwe version that computed the results."""
        return self.versions.get("msrwe", __version__)

    def files_frame(self) -> pl.DataFrame | None:
        """The input files as a table (``None`` when the store has no import log)."""
        return pl.DataFrame(list(self.files)) if self.files else None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {
            "store": self.store,
            "files": [dict(f) for f in self.files],
            "study_source": self.study_source,
            "study_sha256": self.study_sha256,
            "versions": dict(self.versions),
            "run_at": self.run_at,
        }


def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return path


def _flat(df: pl.DataFrame) -> pl.DataFrame:
    """CSV cannot hold nested columns; they stay in Parquet only."""
    return df.select([c for c, t in df.schema.items() if not isinstance(t, pl.List | pl.Struct)])


class ChartedDatasets(dict[str, pl.DataFrame]):
    """Datasets kept as the analysis held them and given out as charted, one at a time.

    While it runs, the analysis holds the patient identifiers as an enum and the labels of its
    datasets as categoricals (4 bytes a row instead of 16). Each dataset taken from this
    mapping (``[name]``, ``get``, ``values``, ``items``, ``dict(...)``) has those columns as
    text again (:func:`msrwe.derive._columns.as_charted`): the same values, made when asked
    for, so writing a million patients' datasets one after the other never holds every text
    copy at once.

    Examples
    --------
    >>> held = pl.DataFrame({"patient_id": ["a"]}, schema={"patient_id": pl.Enum(["a"])})
    >>> ds = ChartedDatasets({"adsl": held})
    >>> ds["adsl"].schema["patient_id"], dict(ds)["adsl"].schema["patient_id"]
    (String, String)
    """

    def __getitem__(self, name: str) -> pl.DataFrame:
        return as_charted(super().__getitem__(name))

    def __iter__(self) -> Iterator[str]:  # (a subclass's own iteration: dict(...) asks [name])
        return super().__iter__()

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The dataset ``name`` as charted, or ``default``."""
        return self[name] if name in self else default  # noqa: SIM401 (self.get is this)

    def values(self) -> ValuesView[pl.DataFrame]:  # type: ignore[override]
        """The datasets as charted, each made as it is reached."""
        return ValuesView(self)

    def items(self) -> ItemsView[str, pl.DataFrame]:  # type: ignore[override]
        """``(name, dataset as charted)``, each made as it is reached."""
        return ItemsView(self)


@dataclass
class AnalysisResult:
    """The outcome of :func:`msrwe.pipeline.analyze`.

    Attributes
    ----------
    study
        The study as given (frozen; :meth:`Study.to_toml` writes it back as a study file).
    in_force
        What was resolved from the data (drug, route, dose-interval window, groups).
    provenance
        Store, input files with checksums, study file checksum, versions, time.
    results
        The long results table (``analysis, group, variable, level, stat, value, label,
        method``).
    datasets
        Derived datasets keyed by the names in :data:`DATASET_NAMES` (and a few more, such as
        ``adexpo`` and ``adrisk``).
    attrition
        One row per cohort criterion: ``step``, ``criterion``, ``excluded``, ``remaining``.
    methods
        The methods paragraph generated from the definitions in force.
    analyses
        The declared analyses that ran (:class:`~msrwe.analysis.base.Analysis`), in report
        order: the report lays out their sections and the summary reads their declarations.
    min_cell
        Set by :meth:`suppress`: counts from 1 to ``min_cell - 1`` are withheld from
        ``results`` (value empty, ``method`` starting with ``suppressed``) and from
        ``attrition`` (NaN for a small count, null for a complementary one); the report and
        the summary show them as ``<min_cell>``. ``None``: nothing is withheld.
    """

    results: ResultsTable
    study: Study
    in_force: InForce = field(default_factory=lambda: InForce("", None, None, ("overall",)))
    provenance: Provenance = field(default_factory=lambda: Provenance(store=""))
    datasets: dict[str, pl.DataFrame] = field(default_factory=dict)
    attrition: pl.DataFrame = field(default_factory=pl.DataFrame)
    methods: str = ""
    analyses: tuple[Analysis, ...] = ()
    min_cell: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.study, Mapping) or not hasattr(self.study, "to_toml"):
            raise TypeError(
                f"AnalysisResult.study must be a msrwe.study.Study; got "
                f"{type(self.study).__name__}"
            )
        for name, kind in (("results", ResultsTable), ("in_force", InForce),
                           ("provenance", Provenance)):
            if not isinstance(getattr(self, name), kind):
                raise TypeError(
                    f"AnalysisResult.{name} must be a {kind.__name__}; got "
                    f"{type(getattr(self, name)).__name__}"
                )

    def settings(self) -> dict[str, Any]:
        """The settings in force: the study's sections and, under ``in_force``, the resolved."""
        return {**self.study.to_dict(), "in_force": self.in_force.to_dict()}

    def suppress(self, min_cell: int) -> AnalysisResult:
        """A copy with small-cell suppression applied to every aggregate output.

        ``results`` go through :func:`msrwe.privacy.suppress_results` (counts 1 to
        ``min_cell - 1`` withheld, complementary suppression, derived values withheld with
        their count; a stat whose name does not say what it is may say so in its declaration,
        :attr:`msrwe.analysis.Stat.kind`); ``attrition`` takes its counts from the withheld
        rows; the datasets stay (the report draws its figures from them) but :meth:`export`
        refuses to write them. The study records ``[privacy] min_cell`` so the settings appendix and
        ``study.toml`` show it. A result already suppressed at this threshold or a higher one
        is returned as it is; a higher threshold withholds more of it.

        Examples
        --------
        >>> from msrwe.study import Study
        >>> r = ResultsTable()
        >>> r.add_stats("cohort", "A", "patients", "", {"N": 3})
        >>> r.add_stats("cohort", "B", "patients", "", {"N": 40})
        >>> r.add_stats("cohort", "overall", "patients", "", {"N": 43})
        >>> s = AnalysisResult(results=r, study=Study()).suppress(5)
        >>> [v for *_, v, _l, _m in s.results._rows], s.study.privacy.min_cell
        ([None, None, 43.0], 5)
        """
        import dataclasses

        from msrwe.privacy import check_min_cell, suppress_results, suppression_code

        min_cell = check_min_cell(min_cell, option="min_cell")
        if self.min_cell is not None and min_cell <= self.min_cell:
            return self  # already withheld at this threshold or a stricter one
        kinds = {(out.name, name): stat.kind for a in self.analyses for out in a.outputs
                 for stat in out.stats if stat.kind for name in stat.names}
        frame = suppress_results(self.results.to_polars(), min_cell, kinds=kinds)
        attrition = self.attrition
        if attrition.height and {"step", "excluded", "remaining"} <= set(attrition.columns):
            steps = frame.filter(pl.col("analysis") == "attrition")
            shown: dict[tuple[str, str], float | None] = {}
            for lev, stat, value, method in steps.select(
                    "level", "stat", "value", "method").iter_rows():
                small = suppression_code(method) == 1
                shown[(str(lev), str(stat))] = float("nan") if small else value
            attrition = attrition.with_columns(
                pl.Series(col, [shown.get((str(step), col), v) for step, v in
                                attrition.select("step", col).iter_rows()], dtype=pl.Float64)
                for col in ("excluded", "remaining")
            )
        privacy = type(self.study.privacy)(min_cell=min_cell)  # the study's [privacy] section
        study = self.study.replace(privacy=privacy)
        return dataclasses.replace(self, results=ResultsTable(list(frame.iter_rows())),
                                   attrition=attrition, study=study, min_cell=min_cell)

    def export(self, out_dir: str | Path, *, keep_extra_columns: bool = False) -> list[Path]:
        """Write everything into ``out_dir``: the one export of msrwe.

        ``results.csv``/``.parquet``, each dataset as ``<name>.csv`` (nested columns left out)
        and ``<name>.parquet``, ``attrition.csv``, ``methods.txt``, ``settings.json`` (the
        study and what was in force), ``study.toml`` (a study file ``msrwe analyze --study``
        accepts and that gives the same results) and ``provenance.json``.

        The folder is written whole or not at all (:func:`msrwe._atomic.atomic_dir`): a full
        disk leaves a previous export as it was. Datasets keep only analysis columns
        (:func:`msrwe.privacy.analysis_columns`): birth dates, free text and the chart's extra
        columns stay in the store unless ``keep_extra_columns``. Text cells that a spreadsheet
        would read as a formula are written inert (:func:`msrwe.io.neutralise_formulas`).

        Parameters
        ----------
        out_dir
            The folder; an existing one is replaced whole.
        keep_extra_columns
            Also export the chart's extra columns, birth dates and free text.

        Returns
        -------
        list[pathlib.Path]
            The files written, results first.
        """
        from msrwe._csvsafe import neutralise_formulas
        from msrwe.errors import OptionError
        from msrwe.schema._release import analysis_columns
        from msrwe.store import as_stored

        if self.min_cell is not None:
            raise OptionError(
                f"these results withhold counts below {self.min_cell} (small-cell suppression) "
                "to leave the centre, but an export holds every patient's datasets; write the "
                "results alone (ResultsTable.write, `msrwe analyze --out`) or export without "
                "--min-cell.", option="--export")
        out = Path(out_dir)
        extras = {c.strip() for f in self.provenance.files
                  for c in str(f.get("extra_columns") or "").split(",") if c.strip()}
        frame = self.results.to_polars()
        names: list[str] = ["results.csv", "results.parquet"]
        with atomic_dir(out) as tmp:
            neutralise_formulas(frame).write_csv(tmp / "results.csv")
            frame.write_parquet(tmp / "results.parquet")
            for name, df in self.datasets.items():
                df = as_stored(df)
                if not keep_extra_columns:
                    df = analysis_columns(df, extra_columns=extras)
                neutralise_formulas(_flat(df)).write_csv(tmp / f"{name}.csv")
                df.write_parquet(tmp / f"{name}.parquet")
                names += [f"{name}.csv", f"{name}.parquet"]
            neutralise_formulas(self.attrition).write_csv(tmp / "attrition.csv")
            names.append("attrition.csv")
            texts = {
                "methods.txt": self.methods + "\n",
                "settings.json": json.dumps(self.settings(), indent=2, default=str) + "\n",
                "study.toml": self.study.to_toml(),
                "provenance.json": json.dumps(self.provenance.to_dict(), indent=2, default=str)
                + "\n",
            }
            for name, text in texts.items():
                (tmp / name).write_text(text, encoding="utf-8")
                names.append(name)
        return [out / n for n in names]

    def summary(self) -> Summary:
        """The summary tables (statsmodels style): attrition, then every declared summary.

        Returns
        -------
        Summary
            Print it, or ``.as_text()``, ``.as_html()``, ``.tables``.
        """
        frame = self.results.to_polars()
        if self.min_cell is None:
            return build_summary(frame, self.attrition, analyses=self.analyses)
        from msrwe.privacy import display_frame

        return build_summary(display_frame(frame), self.attrition, analyses=self.analyses,
                             small=f"<{self.min_cell}")
