"""The analysis bundle: what ``msrwe analyze`` computed, kept for ``msrwe report --analysis``.

``msrwe analyze --out DIR`` writes, beside ``results.csv``, the folder ``DIR/analysis``: everything
the report renders, so that ``msrwe report --analysis DIR`` writes the report without analysing
the store again (issue 14: the chain analysed twice). The folder is written whole or not at all
(:func:`msrwe._atomic.atomic_dir`) and describes itself in ``analysis.json``:

=====================  =========================================================================
``analysis.json``      ``format`` (``"msrwe-analysis"``), ``version`` (:data:`BUNDLE_VERSION`),
                       the msrwe version that wrote it, when, the analyses that ran (report
                       order), the datasets, ``min_cell`` and the list of files
``results.parquet``    the long results table
``datasets/*.parquet`` the analysis datasets (``adsl``, ``advs``, ...), all columns, in order;
                       left out when counts are withheld (``--min-cell``), since the report then
                       draws no figure from patient-level data
``attrition.parquet``  the cohort's attrition table
``methods.txt``        the methods paragraph
``study.toml``         the study as given (:meth:`~msrwe.study.config.Study.to_toml`)
``in_force.json``      what was resolved from the data (:class:`~msrwe.analysis.result.InForce`)
``provenance.json``    the store, its input files with SHA-256, versions, time
``quarantine.parquet``, ``import_warnings.parquet``, ``import_log.parquet``
                       the store's bookkeeping tables as they were at analysis time (the
                       report's data-quality appendix)
=====================  =========================================================================

Like the store, the bundle is patient-level (the quarantine's chart values, and the datasets
unless counts are withheld): it stays at the centre. What leaves a centre is ``results.csv``
(with ``--min-cell``), ``msrwe export --deidentify`` or a site package (``--aggregate-only``).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from msrwe.analysis.result import AnalysisResult
>>> from msrwe.report.dataquality import DataQuality
>>> from msrwe.study import Study
>>> from msrwe.tables.results import ResultsTable
>>> r = ResultsTable()
>>> r.add("cohort", "overall", "patients", "", "N", 12)
>>> empty = pl.DataFrame(schema={"table_name": pl.String, "file": pl.String,
...                              "row_number": pl.Int64})
>>> quality = DataQuality(quarantine=empty, import_warnings=empty, import_log=None)
>>> folder = save_analysis(AnalysisResult(results=r, study=Study()), tempfile.mkdtemp(),
...                        quality=quality)
>>> folder.name
'analysis'
>>> load_analysis(folder.parent).result.results.get("cohort", "N", variable="patients")
12.0
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from msrwe._atomic import atomic_dir
from msrwe._version import __version__
from msrwe.analysis.result import AnalysisResult, InForce, Provenance
from msrwe.errors import BundleError
from msrwe.pipeline.registry import ANALYSES
from msrwe.store import as_held, as_stored
from msrwe.study.config import Study
from msrwe.tables.results import ResultsTable

if TYPE_CHECKING:  # the report package (matplotlib) is imported only to read a bundle back
    from msrwe.report.dataquality import DataQuality

__all__ = [
    "BUNDLE_FOLDER",
    "BUNDLE_FORMAT",
    "BUNDLE_MANIFEST",
    "BUNDLE_VERSION",
    "AnalysisBundle",
    "BundleDatasets",
    "BundleError",
    "bundle_path",
    "check_bundle_folder",
    "load_analysis",
    "save_analysis",
]

#: The bundle's folder inside ``msrwe analyze --out DIR``.
BUNDLE_FOLDER = "analysis"
#: The file that says what the folder is.
BUNDLE_MANIFEST = "analysis.json"
#: ``format`` of the manifest.
BUNDLE_FORMAT = "msrwe-analysis"
#: The layout's version: a reader refuses any other (the files changed meaning).
BUNDLE_VERSION = 1

_QUALITY = ("quarantine", "import_warnings", "import_log")


@dataclass(frozen=True)
class AnalysisBundle:
    """A bundle read back: the result and the store's data quality at analysis time.

    Attributes
    ----------
    result
        The :class:`~msrwe.analysis.result.AnalysisResult` as ``analyze`` returned it (the
        analyses are the registry's, found by name).
    quality
        The store's bookkeeping tables when the analysis ran.
    path
        The bundle's folder.
    manifest
        The parsed ``analysis.json``.
    """

    result: AnalysisResult
    quality: DataQuality
    path: Path
    manifest: dict[str, Any]


class BundleDatasets(Mapping[str, pl.DataFrame]):
    """A bundle's datasets, read from their Parquet files when asked for (issue 14, item 1).

    A million patients' bundle holds 40 million administrations and as many visits: read whole
    at once they took more than 20 GB. This mapping reads nothing when the bundle is opened.
    ``datasets[name]`` reads that dataset whole, as :func:`load_analysis` always did (the
    type the analysis held, :func:`msrwe.store.as_held`); it is not kept, so asking twice reads
    twice. :meth:`scan` gives the dataset as a :class:`polars.LazyFrame`, so that a query
    reads only the columns and rows it uses (the report's figures, ``msrwe report
    --analysis``), and :meth:`columns` its column names from the file's schema alone.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "datasets").mkdir()
    >>> pl.DataFrame({"patient_id": ["1", "2"], "fs_visual": [0, 6], "edss": [2.0, 6.5]}
    ...              ).write_parquet(folder / "datasets" / "advs.parquet")
    >>> ds = BundleDatasets(folder, ["advs"])
    >>> list(ds), "advs" in ds, "adae" in ds
    (['advs'], True, False)
    >>> ds.columns("advs")
    ['patient_id', 'fs_visual', 'edss']
    >>> ds.scan("advs").select("edss").collect()["edss"].to_list()
    [2.0, 6.5]
    >>> ds["advs"].schema["fs_visual"], ds.scan("advs").collect_schema()["fs_visual"]
    (Int8, Int8)
    """

    def __init__(self, folder: str | Path, names: Sequence[str]) -> None:
        self._folder = Path(folder)
        self._names = tuple(names)

    def _path(self, name: str) -> Path:
        if name not in self._names:
            raise KeyError(name)
        return self._folder / "datasets" / f"{name}.parquet"

    def _unreadable(self, name: str, exc: Exception) -> BundleError:
        return BundleError(f"{self._path(name)}: the dataset {name} cannot be read ({exc}); "
                           "run `msrwe analyze` again.")

    def __getitem__(self, name: str) -> pl.DataFrame:
        try:
            return as_held(pl.read_parquet(self._path(name)))
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise self._unreadable(name, exc) from exc

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"BundleDatasets({str(self._folder)!r}, {list(self._names)!r})"

    def columns(self, name: str) -> list[str]:
        """The dataset's column names, from its file's schema (no row is read)."""
        try:
            return pl.read_parquet_schema(self._path(name)).names()
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise self._unreadable(name, exc) from exc

    def scan(self, name: str) -> pl.LazyFrame:
        """The dataset as a lazy query: what ``datasets[name]`` holds, read only as used.

        The columns the analysis held narrower (:data:`msrwe.store.ANALYSIS_TYPES`) are cast
        as :func:`msrwe.store.as_held` casts them, after one look at their smallest and
        largest values.
        """
        try:
            lf = pl.scan_parquet(self._path(name))
            schema = lf.collect_schema()
            # as_held casts a column of an empty frame whenever it may narrow it ...
            maybe = [c for c, t in as_held(pl.DataFrame(schema=schema)).schema.items()
                     if t != schema[c]]
            if maybe:  # ... and decides from the column's smallest and largest values
                ends = pl.concat([lf.select(pl.col(maybe).min()),
                                  lf.select(pl.col(maybe).max())]).collect()
                held = as_held(ends).schema
                lf = lf.with_columns(pl.col(c).cast(held[c]) for c in maybe
                                     if held[c] != schema[c])
            return lf
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise self._unreadable(name, exc) from exc


def save_analysis(
    result: AnalysisResult, out_dir: str | Path, *, quality: Any
) -> Path:
    """Write ``result`` and ``quality`` as the bundle ``out_dir/analysis``; return its path.

    Parameters
    ----------
    result
        What :func:`msrwe.pipeline.analyze` returned (suppressed or not).
    out_dir
        The folder of ``msrwe analyze --out`` (created if needed); the bundle replaces a
        previous bundle there whole, atomically.
    quality
        The store's bookkeeping tables (``Store.quality()`` or a
        :class:`~msrwe.report.dataquality.DataQuality`).

    Raises
    ------
    BundleError
        When ``out_dir/analysis`` exists and is not a bundle (it is never overwritten).
    """
    folder = check_bundle_folder(out_dir)
    folder.parent.mkdir(parents=True, exist_ok=True)
    keep_datasets = result.min_cell is None  # the report draws no figure from them otherwise
    datasets = list(result.datasets) if keep_datasets else []
    files: list[str] = []
    with atomic_dir(folder) as tmp:
        result.results.to_polars().write_parquet(tmp / "results.parquet")
        files.append("results.parquet")
        if datasets:
            (tmp / "datasets").mkdir()
        for name in datasets:
            as_stored(result.datasets[name]).write_parquet(tmp / "datasets" / f"{name}.parquet")
            files.append(f"datasets/{name}.parquet")
        result.attrition.write_parquet(tmp / "attrition.parquet")
        files.append("attrition.parquet")
        for name in _QUALITY:
            df = getattr(quality, name)
            if df is not None:
                df.write_parquet(tmp / f"{name}.parquet")
                files.append(f"{name}.parquet")
        texts = {
            "methods.txt": result.methods,
            "study.toml": result.study.to_toml(),
            "in_force.json": json.dumps(result.in_force.to_dict(), indent=2) + "\n",
            "provenance.json": json.dumps(result.provenance.to_dict(), indent=2, default=str)
            + "\n",
        }
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
            files.append(name)
        manifest = {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "description": "What `msrwe analyze` computed, for `msrwe report --analysis`. "
                           "Patient-level: keep it at the centre.",
            "msrwe_version": __version__,
            "written_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "analyses": [a.name for a in result.analyses],
            "datasets": datasets,
            "min_cell": result.min_cell,
            "study_source": result.study.source,
            "files": files,
        }
        (tmp / BUNDLE_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
    return folder


def check_bundle_folder(out_dir: str | Path) -> Path:
    """``out_dir/analysis``, refused when something other than a bundle is there.

    ``msrwe analyze`` calls it before analysing, so a refusal costs no minutes.

    Raises
    ------
    BundleError
        When ``out_dir/analysis`` is a file, or a folder of other files (never overwritten).
    """
    folder = Path(out_dir) / BUNDLE_FOLDER
    if folder.exists() and not (folder / BUNDLE_MANIFEST).is_file() and (
            not folder.is_dir() or any(folder.iterdir())):
        raise BundleError(f"{folder}: exists and is not an analysis bundle msrwe wrote; it is "
                          "left as it is. Choose another --out folder.")
    return folder


def bundle_path(path: str | Path) -> Path:
    """The bundle's folder for what the user gave: ``analyze``'s ``--out`` or the bundle itself.

    Raises
    ------
    BundleError
        When neither holds an ``analysis.json``, with what the folder looks like instead.
    """
    given = Path(path)
    if not given.exists():
        raise BundleError(f"{given}: no such folder. Give the --out folder of `msrwe analyze`.")
    if not given.is_dir():
        raise BundleError(f"{given}: is a file; give the --out folder of `msrwe analyze` "
                          f"(it holds {BUNDLE_FOLDER}/{BUNDLE_MANIFEST}).")
    for folder in (given, given / BUNDLE_FOLDER):
        if (folder / BUNDLE_MANIFEST).is_file():
            return folder
    if (given / "manifest.json").is_file():
        raise BundleError(f"{given}: is a site package (`msrwe analyze --aggregate-only`), not "
                          "an analysis; pool site packages with `msrwe pool`, or run "
                          "`msrwe analyze --out DIR` without --aggregate-only.")
    if (given / "results.csv").is_file() or (given / "results.parquet").is_file():
        raise BundleError(f"{given}: holds results but no analysis bundle ({BUNDLE_FOLDER}/"
                          f"{BUNDLE_MANIFEST}): it was written by `msrwe analyze --export`, by "
                          "`msrwe report --export` or by an older msrwe that wrote "
                          "no bundle. Run `msrwe analyze --out DIR` again.")
    raise BundleError(f"{given}: is not an analysis of msrwe (no {BUNDLE_MANIFEST} in it or in "
                      f"{given / BUNDLE_FOLDER}). Give the --out folder of `msrwe analyze`.")


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / BUNDLE_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{folder / BUNDLE_MANIFEST}: cannot be read as JSON ({exc}); run "
                          "`msrwe analyze` again.") from exc
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
    if fmt != BUNDLE_FORMAT:
        raise BundleError(f"{folder / BUNDLE_MANIFEST}: is not the manifest of an msrwe analysis "
                          f"(format {fmt!r}, expected {BUNDLE_FORMAT!r}).")
    version = manifest.get("version")
    if version != BUNDLE_VERSION:
        by = manifest.get("msrwe_version", "an unknown version")
        when = "older" if isinstance(version, int) and version < BUNDLE_VERSION else "newer"
        raise BundleError(
            f"{folder}: an analysis bundle of layout {version} (written by msrwe {by}); this "
            f"msrwe {__version__} reads layout {BUNDLE_VERSION} only, so the bundle is {when} than "
            "it. Run `msrwe analyze` again with this msrwe"
            + (", or report with the msrwe that wrote it." if when == "newer" else "."))
    missing = [f for f in manifest.get("files", []) if not (folder / f).is_file()]
    if missing:
        raise BundleError(f"{folder}: the bundle lacks {', '.join(missing)} (moved or deleted "
                          "files?); run `msrwe analyze` again.")
    return manifest


def load_analysis(path: str | Path) -> AnalysisBundle:
    """Read a bundle back (the ``--out`` folder of ``msrwe analyze``, or the bundle itself).

    The datasets are not read here: :attr:`AnalysisResult.datasets` is a
    :class:`BundleDatasets`, which reads a dataset when it is asked for (whole, or as a lazy
    scan of the columns and rows a query uses).

    Raises
    ------
    BundleError
        When the folder is missing, not a bundle (an export, a site package, another folder), of
        another layout version, lacks a file, or names an analysis this msrwe does not have; a
        dataset's file that cannot be read raises it when the dataset is read.
    """
    from msrwe.report.dataquality import DataQuality

    folder = bundle_path(path)
    manifest = _manifest(folder)
    registry = {a.name: a for a in ANALYSES}
    unknown = [n for n in manifest.get("analyses", []) if n not in registry]
    if unknown:
        raise BundleError(f"{folder}: names analyses this msrwe {__version__} does not have "
                          f"({', '.join(unknown)}); report with the msrwe that wrote it "
                          f"({manifest.get('msrwe_version')}) or run `msrwe analyze` again.")
    try:
        text = {n: (folder / n).read_text(encoding="utf-8") for n in (
            "methods.txt", "study.toml", "in_force.json", "provenance.json")}
        results = pl.read_parquet(folder / "results.parquet")
        datasets = BundleDatasets(folder, manifest.get("datasets", []))
        attrition = pl.read_parquet(folder / "attrition.parquet")
        quality = {n: pl.read_parquet(folder / f"{n}.parquet")
                   if (folder / f"{n}.parquet").is_file() else None for n in _QUALITY}
        force = json.loads(text["in_force.json"])
        prov = json.loads(text["provenance.json"])
    except (OSError, pl.exceptions.PolarsError, json.JSONDecodeError) as exc:
        raise BundleError(f"{folder}: a file of the bundle cannot be read ({exc}); run "
                          "`msrwe analyze` again.") from exc
    study = Study.from_toml_text(text["study.toml"],
                                 source=str(manifest.get("study_source") or "study file"))
    window = force.get("interval_days")
    in_force = InForce(drug=force["drug"], route=force["route"],
                       interval_days=tuple(window) if window else None,  # type: ignore[arg-type]
                       groups=tuple(force["groups"]))
    provenance = Provenance(
        store=prov["store"], files=tuple(prov["files"]), study_source=prov["study_source"],
        study_sha256=prov["study_sha256"], versions=prov["versions"], run_at=prov["run_at"])
    result = AnalysisResult(
        results=ResultsTable(list(results.iter_rows())), study=study, in_force=in_force,
        provenance=provenance, datasets=datasets, attrition=attrition,
        methods=text["methods.txt"],
        analyses=tuple(registry[n] for n in manifest.get("analyses", [])),
        min_cell=manifest.get("min_cell"),
    )
    empty = pl.DataFrame(schema={"table_name": pl.String, "file": pl.String,
                                 "row_number": pl.Int64})
    dq = DataQuality(
        quarantine=quality["quarantine"] if quality["quarantine"] is not None else empty,
        import_warnings=(quality["import_warnings"] if quality["import_warnings"] is not None
                         else empty),
        import_log=quality["import_log"])
    return AnalysisBundle(result=result, quality=dq, path=folder, manifest=manifest)
