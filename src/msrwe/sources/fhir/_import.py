r"""``msrwe import-fhir``: FHIR R4 Bundles or Bulk Data NDJSON -> the validated store.

Every chart row goes through :func:`msrwe.io.import_frames` (the contract's rules, quarantine
and accounting); a resource fhir.resources finds invalid is quarantined with its ``Type/id`` and
the path of the problem (``Observation/edss-3: not a valid FHIR R4 Observation: valueQuantity.value:
...``).

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.synth import make_cohort
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> bundle = write_fhir_bundle(make_cohort(3, seed=1), folder / "bundle.json")
>>> result = import_fhir(bundle, folder / "msrwe.duckdb")
>>> patients = next(s for s in result.sources if s.source == "Patient")
>>> (patients.read, patients.imported, patients.quarantined, patients.ignored)
(3, 3, 0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from msrwe.io import ChartFolder, SourceCount, import_frames, read_frames
from msrwe.sources._accounting import count_records
from msrwe.sources.fhir._convert import fhir_to_chart
from msrwe.sources.fhir._export import write_fhir_bundle
from msrwe.sources.fhir._read import RESOURCE_TYPES, read_fhir
from msrwe.sources.omop import Concepts, load_concepts

__all__ = ["FhirImport", "import_fhir", "read_fhir_chart", "write_fhir_bundle"]


@dataclass(frozen=True)
class FhirImport:
    """What a FHIR import did.

    Parameters
    ----------
    chart
        The tables, quarantine, warnings and accounting per chart table.
    sources
        Read / imported / quarantined / ignored per resource type (a resource is ignored when no
        chart row came from it).
    """

    chart: ChartFolder
    sources: list[SourceCount]


def _digest(path: Path) -> str:
    h = sha256()
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    for f in files:
        if f.is_file() and f.suffix in (".json", ".ndjson"):
            h.update(f.read_bytes())
    return h.hexdigest()


def _run(path: str | Path, concepts: str | Path | Concepts | None, db: str | Path | None,
         ) -> FhirImport:
    c = concepts if isinstance(concepts, Concepts) else load_concepts(concepts)
    p = Path(path)
    records = read_fhir(p)
    conv = fhir_to_chart(records, c)
    kinds = [*RESOURCE_TYPES, *sorted({r.kind for r in records} - set(RESOURCE_TYPES))]
    kw = {"source": p.name, "flags": conv.flags, "sha256": _digest(p)}
    result = (import_frames(conv.frames, db, **kw) if db is not None  # type: ignore[arg-type]
              else read_frames(conv.frames, **kw))  # type: ignore[arg-type]
    return FhirImport(result.chart, count_records(result.rows, conv.feeds, conv.records, kinds))


def read_fhir_chart(path: str | Path, concepts: str | Path | Concepts | None = None
                    ) -> FhirImport:
    """Validate FHIR resources as chart tables without writing a store."""
    return _run(path, concepts, None)


def import_fhir(path: str | Path, db: str | Path,
                concepts: str | Path | Concepts | None = None) -> FhirImport:
    """Import FHIR R4 resources (a Bundle, an NDJSON file, or a folder of them) into the store.

    Parameters
    ----------
    path
        A Bundle or resource (``.json``), a Bulk Data export file (``.ndjson``), or a folder.
    db
        The msrwe store (DuckDB) to write.
    concepts
        The concept file giving the codes (default: msrwe's own).

    Raises
    ------
    ImportRefused
        When a file is not JSON, or there is nothing to read.
    """
    return _run(path, concepts, db)
