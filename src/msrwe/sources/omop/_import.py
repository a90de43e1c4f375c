r"""``msrwe import-omop``: an OMOP CDM 5.4 database -> the validated store.

Every chart row built from OMOP goes through :func:`msrwe.io.import_frames`, the same rules,
quarantine and accounting as a folder of CSV files; each quarantine message starts with the OMOP
table and row id it came from (``measurement 412``, ``condition_occurrence 17``).

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.synth import make_cohort
>>> from msrwe.sources.omop import chart_to_omop, write_omop_duckdb
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> cdm = write_omop_duckdb(chart_to_omop(make_cohort(5, seed=1)), folder / "cdm.duckdb")
>>> result = import_omop(cdm, folder / "msrwe.duckdb")
>>> person = next(s for s in result.sources if s.source == "person")
>>> (person.read, person.imported, person.quarantined, person.ignored)
(5, 5, 0, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from msrwe.io import ChartFolder, SourceCount, file_sha256, import_frames, read_frames
from msrwe.sources._accounting import count_records
from msrwe.sources.omop._concepts import Concepts, load_concepts
from msrwe.sources.omop._convert import omop_to_chart
from msrwe.sources.omop._source import describe_source, read_omop

__all__ = ["OmopImport", "import_omop", "read_omop_chart"]


@dataclass(frozen=True)
class OmopImport:
    """What an OMOP import did.

    Parameters
    ----------
    chart
        The tables, quarantine, warnings and accounting per chart table.
    sources
        Read / imported / quarantined / ignored per OMOP table (a row is ignored when no chart
        row came from it: a concept the concept file does not name, an observation period).
    """

    chart: ChartFolder
    sources: list[SourceCount]


def _sha(source: str | Path) -> str:
    p = Path(str(source))
    if p.is_file():
        from hashlib import sha256

        h = sha256()
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    return file_sha256(describe_source(source).encode())


def read_omop_chart(
    source: str | Path, concepts: str | Path | Concepts | None = None, *,
    schema: str | None = None,
) -> OmopImport:
    """Validate an OMOP database as chart tables without writing a store."""
    c = concepts if isinstance(concepts, Concepts) else load_concepts(concepts)
    omop = read_omop(source, schema=schema)
    conv = omop_to_chart(omop, c)
    name = describe_source(source)
    result = read_frames(conv.frames, source=name, flags=conv.flags, sha256=_sha(source))
    counts = count_records(result.rows, conv.feeds, conv.records, list(omop))
    return OmopImport(result.chart, counts)


def import_omop(
    source: str | Path, db: str | Path, concepts: str | Path | Concepts | None = None, *,
    schema: str | None = None,
) -> OmopImport:
    """Import an OMOP CDM 5.4 database (DuckDB file or PostgreSQL URL) into the store.

    Parameters
    ----------
    source
        The OMOP database: a DuckDB file or ``postgresql://user@host/db``.
    db
        The msrwe store (DuckDB) to write.
    concepts
        The concept file (default: msrwe's own, ``msrwe.sources.omop.default_concepts_path()``).
    schema
        The schema holding the CDM tables (default: ``main`` / the search path).

    Returns
    -------
    OmopImport
        The chart stored and the accounting per OMOP table.

    Raises
    ------
    ImportRefused
        When the database cannot be read, has no person table or a table lacks a CDM column.
    """
    c = concepts if isinstance(concepts, Concepts) else load_concepts(concepts)
    omop = read_omop(source, schema=schema)
    conv = omop_to_chart(omop, c)
    name = describe_source(source)
    result = import_frames(conv.frames, db, source=name, flags=conv.flags, sha256=_sha(source))
    counts = count_records(result.rows, conv.feeds, conv.records, list(omop))
    return OmopImport(result.chart, counts)
