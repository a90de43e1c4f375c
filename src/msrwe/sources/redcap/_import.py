r"""Importing a REDCap project into the store: export + dictionary (+ mapping) -> validated tables.

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.sources.redcap import write_template
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> dictionary = write_template(folder)["dictionary"]
>>> _ = (folder / "export.csv").write_text(
...     "record_id,redcap_repeat_instrument,redcap_repeat_instance,sex,vis_date,vis_edss\n"
...     "P1,,,F,,\nP1,visit,1,,2020-01-02,9\nP1,visit,2,,2020-07-01,42\n")
>>> result = import_redcap(folder / "export.csv", dictionary, folder / "msrwe.duckdb")
>>> [(c.source, c.read, c.imported, c.quarantined) for c in result.forms]
[('patient', 1, 1, 0), ('visit', 2, 1, 1)]
>>> result.chart.quarantine["message"][0][:60]
"record P1, visit instance 2, field vis_edss: '42' is not a c"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from msrwe.errors import OptionError
from msrwe.io import (
    ChartFolder,
    FramesImport,
    SourceCount,
    count_sources,
    file_sha256,
    import_frames,
    read_frames,
)
from msrwe.sources.redcap._convert import convert
from msrwe.sources.redcap._dictionary import Dictionary, read_dictionary
from msrwe.sources.redcap._export import read_export
from msrwe.sources.redcap._mapping import RedcapMapping, load_redcap_mapping, template_mapping
from msrwe.sources.redcap._odm import odm_dictionary

__all__ = ["INCOMPLETE_OPTIONS", "RedcapImport", "import_redcap", "import_redcap_frame"]

#: What to do with a form marked incomplete (``<form>_complete`` = 0).
INCOMPLETE_OPTIONS = ("warn", "skip")


@dataclass(frozen=True)
class RedcapImport:
    """What a REDCap import did.

    Parameters
    ----------
    chart
        The tables, quarantine, warnings and accounting per chart table.
    forms
        Read / imported / quarantined / ignored per REDCap form (instrument).
    """

    chart: ChartFolder
    forms: list[SourceCount]

    def to_json_dict(self) -> dict[str, object]:
        """The chart summary plus ``forms``: the accounting per REDCap form."""
        out = self.chart.summary.to_json_dict()
        out["forms"] = {c.source: c.to_json_dict() for c in self.forms}
        return out


def _mapping(mapping: str | Path | RedcapMapping | None) -> RedcapMapping:
    if mapping is None:
        return template_mapping()
    if isinstance(mapping, RedcapMapping):
        return mapping
    if isinstance(mapping, str | Path):
        return load_redcap_mapping(mapping)
    raise OptionError(f"mapping must be a TOML file, a RedcapMapping or None; got {mapping!r}")


def import_redcap_frame(
    export: pl.DataFrame,
    dictionary: Dictionary,
    db: str | Path | None,
    *,
    source: str,
    mapping: str | Path | RedcapMapping | None = None,
    incomplete: str = "warn",
    sha256: str = "",
) -> RedcapImport:
    """Import a flat export already read as text (from a file, the API or ODM).

    Parameters
    ----------
    export
        The flat export with :data:`~msrwe.io.SOURCE_ROW`.
    dictionary
        The project's data dictionary.
    db
        The store to write, or ``None`` to validate only.
    source
        What the export was read from (the ``file`` of quarantine rows and ``import_log``).
    mapping
        A mapping file, a :class:`RedcapMapping`, or ``None`` for a template project.
    incomplete
        ``warn`` or ``skip`` (see :func:`msrwe.sources.redcap.convert`).
    sha256
        The export's SHA-256.
    """
    if incomplete not in INCOMPLETE_OPTIONS:
        raise OptionError(f"incomplete must be warn or skip; got {incomplete!r}",
                          option="--incomplete")
    conv = convert(export, dictionary, _mapping(mapping), incomplete=incomplete)
    kwargs = {"source": source, "sha256": sha256, "flags": conv.flags, "fields": conv.fields}
    result: FramesImport = (
        import_frames(conv.frames, db, **kwargs) if db is not None  # type: ignore[arg-type]
        else read_frames(conv.frames, **kwargs)  # type: ignore[arg-type]
    )
    return RedcapImport(result.chart, count_sources(result, conv.groups, conv.records))


def import_redcap(
    export: str | Path,
    dictionary: str | Path | Dictionary | None,
    db: str | Path | None,
    *,
    mapping: str | Path | RedcapMapping | None = None,
    incomplete: str = "warn",
) -> RedcapImport:
    """Import a REDCap export file (flat CSV, JSON, or CDISC ODM XML) into the store.

    Every row goes through the chart contract's rules and quarantine, as a folder of CSV files
    does; messages name the record, event, repeat instance and REDCap field.

    Parameters
    ----------
    export
        The export file: ``.csv`` (raw or label values), ``.json`` or ``.xml`` (CDISC ODM).
    dictionary
        The project's data dictionary (CSV), or a :class:`Dictionary`; ``None`` for an ODM file,
        whose metadata holds it.
    db
        The DuckDB store (created when missing), or ``None`` to validate only.
    mapping
        A mapping file (TOML) for a project not made from ``msrwe redcap template``.
    incomplete
        ``warn`` (import incomplete forms with a warning) or ``skip`` (leave them out).

    Returns
    -------
    RedcapImport
        The accounting per chart table and per REDCap form.

    Raises
    ------
    ImportRefused
        When the export or dictionary cannot be read or do not fit together.
    MappingError
        When the mapping file is malformed.
    """
    frame, data = read_export(export)
    if isinstance(dictionary, Dictionary):
        d = dictionary
    elif dictionary is not None:
        d = read_dictionary(dictionary)
    elif Path(export).suffix.lower() == ".xml":
        d = odm_dictionary(data, source=Path(export).name)
    else:
        raise OptionError("the data dictionary is required with a CSV or JSON export (REDCap: "
                          "Project Setup -> Data Dictionary -> Download)", option="--dictionary")
    return import_redcap_frame(frame, d, db, source=Path(export).name, mapping=mapping,
                               incomplete=incomplete, sha256=file_sha256(data))
