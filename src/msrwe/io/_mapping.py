"""Mapping files: how a site's own export is adapted to the chart contract.

A mapping is a TOML file with one section per table (and an optional ``[defaults]``)::

    [defaults]
    date_format = "%d/%m/%Y"            # every date column, unless a table overrides it
    [visits]
    file = "Clinic_Visits.xlsx"        # the file of this table, if not named after it
    date_format = "%Y-%m-%d"
    [visits.columns]                   # site column -> contract column
    "Visit date" = "date"
    "EDSS score" = "edss"
    [patients.values.phenotype]        # recode values of a contract column (after renaming)
    "Secondary progressive" = "SPMS"
    [relapses.values.confirmed]
    "Yes" = true

Every problem is a :class:`~msrwe.errors.MappingError` naming the key.

Examples
--------
>>> from msrwe.io import SiteMapping
>>> m = SiteMapping.from_dict({"visits": {"columns": {"EDSS score": "edss"}}})
>>> m.table("visits").columns
{'EDSS score': 'edss'}
>>> m.table("relapses").date_format
'%Y-%m-%d'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from msrwe.errors import MappingError
from msrwe.io._settings import read_toml_file
from msrwe.schema import CONTRACT

__all__ = ["ISO_DATE", "SiteMapping", "TableMapping", "load_mapping"]

#: The date format of the contract (ISO 8601).
ISO_DATE = "%Y-%m-%d"

_TABLE_KEYS = {"file", "date_format", "columns", "values"}


@dataclass(frozen=True)
class TableMapping:
    """How one table of a site's export maps onto the contract.

    Parameters
    ----------
    file
        The file that holds the table, relative to the folder (``None``: named after the table).
    date_format
        The strftime format of the table's date columns.
    columns
        Site column name -> contract column name.
    values
        Contract column -> {site value -> contract value (as text)}.
    """

    file: str | None = None
    date_format: str = ISO_DATE
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteMapping:
    """A whole mapping file: the per-table mappings and the defaults.

    Parameters
    ----------
    tables
        Table name -> :class:`TableMapping`, for the tables the file mentions.
    date_format
        The default date format of every table the file does not override.
    source
        Where the mapping came from (a path), for messages.
    """

    tables: dict[str, TableMapping] = field(default_factory=dict)
    date_format: str = ISO_DATE
    source: str = "mapping"

    def table(self, name: str) -> TableMapping:
        """The mapping of table ``name`` (the defaults when the file does not mention it)."""
        return self.tables.get(name, TableMapping(date_format=self.date_format))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "mapping") -> SiteMapping:
        """Build and validate a mapping from parsed TOML.

        Parameters
        ----------
        data
            The parsed TOML document.
        source
            The file name used in error messages.

        Returns
        -------
        Mapping
            The validated mapping.

        Raises
        ------
        MappingError
            When a key is unknown or a value has the wrong type, naming the key.
        """
        if not isinstance(data, dict):
            raise MappingError(f"{source}: a mapping is a TOML table")
        default_fmt = ISO_DATE
        defaults = data.get("defaults", {})
        if not isinstance(defaults, dict):
            raise MappingError(f"{source}: [defaults] must be a table")
        for key, value in defaults.items():
            if key != "date_format":
                raise MappingError(
                    f"{source}: unknown key 'defaults.{key}'; [defaults] only takes date_format"
                )
            default_fmt = _date_format(value, f"{source}: defaults.date_format")
        tables: dict[str, TableMapping] = {}
        for name, section in data.items():
            if name == "defaults":
                continue
            if name not in CONTRACT:
                raise MappingError(
                    f"{source}: [{name}] is not a chart table; the tables are "
                    + ", ".join(CONTRACT.names)
                )
            tables[name] = _table_mapping(name, section, default_fmt, source)
        return cls(tables=tables, date_format=default_fmt, source=source)


def _date_format(value: object, where: str) -> str:
    if not isinstance(value, str) or "%" not in value:
        raise MappingError(f'{where} must be a strftime format such as "%d/%m/%Y"; got {value!r}')
    try:
        date(2001, 2, 3).strftime(value)
    except ValueError as exc:
        raise MappingError(f"{where}: {value!r} is not a valid date format ({exc})") from exc
    return value


def _value_text(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise MappingError(f"{where} must be text, a number or true/false; got {value!r}")


def _table_mapping(name: str, section: object, default_fmt: str, source: str) -> TableMapping:
    where = f"{source}: [{name}]"
    if not isinstance(section, dict):
        raise MappingError(f"{where} must be a table of settings")
    unknown = sorted(set(section) - _TABLE_KEYS)
    if unknown:
        raise MappingError(
            f"{source}: unknown key '{name}.{unknown[0]}'; a table section takes "
            + ", ".join(sorted(_TABLE_KEYS))
        )
    table = CONTRACT[name]
    file = section.get("file")
    if file is not None and (not isinstance(file, str) or not file.strip()):
        raise MappingError(f"{source}: {name}.file must be a file name; got {file!r}")
    fmt = default_fmt
    if "date_format" in section:
        fmt = _date_format(section["date_format"], f"{source}: {name}.date_format")
    columns_raw = section.get("columns", {})
    if not isinstance(columns_raw, dict):
        raise MappingError(f"{source}: [{name}.columns] must be a table of site -> contract names")
    columns: dict[str, str] = {}
    for site, target in columns_raw.items():
        key = f"{name}.columns.{site!r}"
        if not isinstance(target, str):
            raise MappingError(f"{source}: {key} must name a contract column; got {target!r}")
        if target not in table.column_names:
            raise MappingError(
                f"{source}: {key} = {target!r} is not a column of {name}; its columns are "
                + ", ".join(table.column_names)
            )
        if target in columns.values():
            raise MappingError(f"{source}: two site columns of {name} are mapped to {target!r}")
        columns[site] = target
    values_raw = section.get("values", {})
    if not isinstance(values_raw, dict):
        raise MappingError(f"{source}: [{name}.values] must be a table of column recodings")
    values: dict[str, dict[str, str]] = {}
    for column, recode in values_raw.items():
        if column not in table.column_names:
            raise MappingError(
                f"{source}: [{name}.values.{column}] names no column of {name}; its columns are "
                + ", ".join(table.column_names)
            )
        if not isinstance(recode, dict):
            raise MappingError(f"{source}: [{name}.values.{column}] must be a table of recodings")
        values[column] = {
            str(old): _value_text(new, f"{source}: {name}.values.{column}.{old!r}")
            for old, new in recode.items()
        }
    return TableMapping(file=file, date_format=fmt, columns=columns, values=values)


def load_mapping(path: str | Path) -> SiteMapping:
    r"""Read and validate a mapping file (TOML).

    Parameters
    ----------
    path
        The mapping file.

    Returns
    -------
    Mapping
        The validated mapping.

    Raises
    ------
    MappingError
        When the file is missing, is not TOML, or has an unknown key or a bad value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "site.toml"
    >>> _ = p.write_text('[defaults]\ndate_format = "%d/%m/%Y"\n')
    >>> load_mapping(p).table("visits").date_format
    '%d/%m/%Y'
    """
    p = Path(path)
    data = read_toml_file(p, kind="mapping file", option="--mapping", error=MappingError)
    return SiteMapping.from_dict(data, source=str(p))


#: The earlier name of :class:`SiteMapping`, for this package's own modules; the public
#: ``msrwe.io.Mapping`` warns (it clashed with :class:`collections.abc.Mapping`).
Mapping = SiteMapping
