r"""Which REDCap form and fields give which chart table and column: the template's, or a file's.

A project built from ``msrwe redcap template`` needs no mapping. Any other project is described
by a TOML file in the shape of the folder mapping (docs/import.md), with a ``form`` per table::

    [redcap]
    values = "auto"             # raw, label or auto: how the export writes choices
    [patients.columns]          # REDCap field -> contract column (record id = patient_id)
    gender = "sex"
    [patients.values.sex]       # choice code or label -> contract value
    "1" = "F"
    "2" = "M"
    [visits]
    form = "neuro_exam"         # the (repeating) instrument whose instances are visits
    [visits.columns]
    exam_date = "date"
    edss_score = "edss"
    [adverse_events.columns]
    sae_criteria = "serious_criteria"   # a checkbox: its ticked choices, joined with ";"
    "ae_kind___2" = "infection"         # one checkbox choice: ticked = true

Examples
--------
>>> m = redcap_mapping_from_dict({"visits": {"form": "exam", "columns": {"d": "date"}}})
>>> m.tables["visits"].form, m.tables["visits"].columns
('exam', {'date': 'd'})
>>> template_mapping().tables["visits"].columns["edss"]
'vis_edss'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msrwe.errors import MappingError
from msrwe.io._settings import read_toml_file
from msrwe.schema import CONTRACT
from msrwe.sources.redcap._template import TEMPLATE_FORMS, template_field

__all__ = [
    "VALUE_MODES",
    "RedcapMapping",
    "SourceTable",
    "load_redcap_mapping",
    "redcap_mapping_from_dict",
    "template_mapping",
]

#: How an export writes choices: coded values, labels, or either (decided from the data).
VALUE_MODES = ("auto", "raw", "label")


@dataclass(frozen=True)
class SourceTable:
    """Where one chart table comes from in a REDCap project.

    Parameters
    ----------
    table
        The chart table.
    form
        The form (instrument) whose instances or rows give the table's rows; ``None`` for
        ``patients`` when its fields come from the record's non-repeating rows.
    columns
        Contract column -> REDCap field (or ``field___code`` for one checkbox choice).
    values
        Contract column -> choice code or label -> contract value.
    """

    table: str
    form: str | None
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RedcapMapping:
    """A REDCap project's fields mapped to the chart contract.

    Parameters
    ----------
    tables
        Chart table -> :class:`SourceTable` (``patients`` always present).
    values
        One of :data:`VALUE_MODES`.
    source
        Where the mapping came from (for messages).
    """

    tables: dict[str, SourceTable]
    values: str = "auto"
    source: str = "template"


def template_mapping() -> RedcapMapping:
    """The mapping of a project made from ``msrwe redcap template`` (every contract column)."""
    tables = {}
    for name, design in TEMPLATE_FORMS.items():
        cols = {c: template_field(name, c) for c in CONTRACT[name].column_names}
        tables[name] = SourceTable(name, design.form, cols)
    return RedcapMapping(tables, "auto", "template")


def _text(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MappingError(f"{where}: expected text, a number or true/false, got {value!r}")


def redcap_mapping_from_dict(data: dict[str, Any], *, source: str = "mapping") -> RedcapMapping:
    """Build and check a mapping from parsed TOML.

    Raises
    ------
    MappingError
        Naming the key of an unknown table, column, option or value.
    """
    options = data.get("redcap", {})
    if not isinstance(options, dict) or set(options) - {"values"}:
        raise MappingError(f"{source}: [redcap] takes only 'values' (raw, label or auto)")
    mode = options.get("values", "auto")
    if mode not in VALUE_MODES:
        raise MappingError(f"{source}: [redcap] values = {mode!r}; use raw, label or auto")
    tables: dict[str, SourceTable] = {}
    for name, section in data.items():
        if name == "redcap":
            continue
        if name not in CONTRACT.names:
            raise MappingError(
                f"{source}: [{name}] is not a chart table; the tables are "
                f"{', '.join(CONTRACT.names)}"
            )
        if not isinstance(section, dict) or set(section) - {"form", "columns", "values"}:
            raise MappingError(f"{source}: [{name}] takes form, columns and values")
        form = section.get("form")
        if form is None and name != "patients":
            raise MappingError(f"{source}: [{name}] needs form = the instrument of its rows")
        cols_in = section.get("columns", {})
        if not isinstance(cols_in, dict):
            raise MappingError(f"{source}: [{name}.columns] must map REDCap fields to columns")
        columns: dict[str, str] = {}
        for fld, col in cols_in.items():
            if col not in CONTRACT[name].column_names:
                raise MappingError(
                    f"{source}: [{name}.columns] {fld} = {col!r}: {name} has no column {col!r}"
                )
            if col in columns:
                raise MappingError(f"{source}: [{name}.columns] two fields give {name}.{col}")
            columns[col] = str(fld).lower()
        values: dict[str, dict[str, str]] = {}
        for col, recode in section.get("values", {}).items():
            if col not in CONTRACT[name].column_names or not isinstance(recode, dict):
                raise MappingError(f"{source}: [{name}.values.{col}] names no column of {name}")
            values[col] = {str(k): _text(v, f"{source}: [{name}.values.{col}] {k}")
                           for k, v in recode.items()}
        tables[name] = SourceTable(name, None if form is None else str(form).lower(), columns,
                                   values)
    if "patients" not in tables:
        tables["patients"] = SourceTable("patients", None, {})
    ordered = {n: tables[n] for n in CONTRACT.names if n in tables}
    return RedcapMapping(ordered, mode, source)


def load_redcap_mapping(path: str | Path) -> RedcapMapping:
    """Read a REDCap mapping file (TOML).

    Raises
    ------
    MappingError
        When the file cannot be read or is malformed, naming the key.
    """
    path = Path(path)
    data = read_toml_file(path, kind="REDCap mapping file", option="--mapping", error=MappingError)
    return redcap_mapping_from_dict(data, source=path.name)
