"""The synthetic demo cohort written as a source system would hold it (``msrwe synth --format``).

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_source_cohort("omop", out, 3, seed=1)]
['cdm.duckdb', 'SYNTHETIC_DATA.txt']
"""

from __future__ import annotations

from pathlib import Path

from msrwe._atomic import atomic_write_text
from msrwe.errors import OptionError

__all__ = ["SOURCE_FORMATS", "write_source_cohort"]

#: Formats of a source system: an OMOP CDM 5.4 DuckDB database, FHIR R4 Bundles.
SOURCE_FORMATS: tuple[str, ...] = ("omop", "fhir")

_NOTE = ("These files hold a SYNTHETIC cohort written by msrwe synth --format {fmt} "
         "(seed {seed}, {n} patients). No real patient is described.\n")


def write_source_cohort(
    fmt: str, out: str | Path, n_patients: int, *, seed: int,
    arms: tuple[str, ...] | None = None,
) -> list[Path]:
    """Write the synthetic cohort of :func:`msrwe.synth.make_cohort` as OMOP or FHIR.

    Parameters
    ----------
    fmt
        ``omop`` (``OUT/cdm.duckdb``) or ``fhir`` (``OUT/bundle.json``, FHIR R4 Bundle).
    out
        Folder to write into (created if needed).
    n_patients, seed, arms
        As in :func:`msrwe.synth.make_cohort`.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from msrwe.synth import make_cohort

    if fmt not in SOURCE_FORMATS:
        raise OptionError(f"format must be one of {', '.join(SOURCE_FORMATS)}; got {fmt!r}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    tables = make_cohort(n_patients, seed=seed, arms=arms)
    if fmt == "omop":
        from msrwe.sources.omop import chart_to_omop, write_omop_duckdb

        written = [write_omop_duckdb(chart_to_omop(tables), folder / "cdm.duckdb")]
    else:
        from msrwe.sources.fhir import write_fhir_bundle

        written = [write_fhir_bundle(tables, folder / "bundle.json")]
    note = atomic_write_text(folder / "SYNTHETIC_DATA.txt",
                             _NOTE.format(fmt=fmt, seed=seed, n=n_patients))
    return [*written, note]
