"""Mapping files: how a site's own export is adapted to the chart contract.

A mapping is a TOML file with one section per table (and an optional ``[defaults]``)::

    [defaults]
    date_format = "%d/%m/%Y"            # every date column, unless a table overrides it
    earliest_date = 1900-01-01         # dates before it are quarantined (the default)
    latest_date = 2030-12-31           # dates after it are quarantined (default: today)
    [visits]
    file = "Clinic_Visits.xlsx"        # the file of this table, if not named after it
    sheet = "Clinic visits"            # the sheet of a workbook that holds the table
    date_format = "%Y-%m-%d"
    [visits.columns]                   # site column -> contract column
    "Visit date" = "date"
    "EDSS score" = "edss"
    [patients.values.phenotype]        # recode values of a contract column (after renaming)
    "Secondary progressive" = "SPMS"
    [relapses.values.confirmed]
    "Yes" = true
    [administrations.constants]        # a column the export lacks, the same on every row
    dose_unit = "mg"

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

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import polars as pl

from msrwe.errors import MappingError
from msrwe.io._settings import read_toml_file
from msrwe.schema import CONTRACT

__all__ = ["ISO_DATE", "SiteMapping", "TableMapping", "load_mapping"]

#: The date format of the contract (ISO 8601).
ISO_DATE = "%Y-%m-%d"

_TABLE_KEYS = {"file", "sheet", "date_format", "columns", "values", "constants"}
_DEFAULT_KEYS = {"date_format", "earliest_date", "latest_date"}

#: Dates before this are quarantined unless ``[defaults] earliest_date`` says otherwise.
EARLIEST_DATE = date(1900, 1, 1)


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
    sheet
        The sheet of an Excel workbook that holds the table (``None``: the sheet named after
        the table, or the only sheet with data).
    constants
        Contract column -> the value (as text) of every row, for a column the export lacks
        (``dose_unit = "mg"``).
    """

    file: str | None = None
    date_format: str = ISO_DATE
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sheet: str | None = None
    constants: dict[str, str] = field(default_factory=dict)


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
    earliest_date, latest_date
        Dates outside this span are quarantined as ``implausible_date`` (the latest defaults
        to the day of the import).
    """

    tables: dict[str, TableMapping] = field(default_factory=dict)
    date_format: str = ISO_DATE
    source: str = "mapping"
    earliest_date: date = EARLIEST_DATE
    latest_date: date | None = None

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
        bounds: dict[str, date] = {}
        for key, value in defaults.items():
            if key not in _DEFAULT_KEYS:
                raise MappingError(
                    f"{source}: unknown key 'defaults.{key}'; [defaults] takes "
                    + ", ".join(sorted(_DEFAULT_KEYS))
                )
            if key == "date_format":
                default_fmt = _date_format(value, f"{source}: defaults.date_format")
            else:
                bounds[key] = _a_date(value, f"{source}: defaults.{key}")
        earliest = bounds.get("earliest_date", EARLIEST_DATE)
        latest = bounds.get("latest_date")
        if latest is not None and latest < earliest:
            raise MappingError(
                f"{source}: defaults.latest_date {latest} is before defaults.earliest_date "
                f"{earliest}"
            )
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
        return cls(
            tables=tables,
            date_format=default_fmt,
            source=source,
            earliest_date=earliest,
            latest_date=latest,
        )


def _a_date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise MappingError(f"{where} must be a date such as 1900-01-01; got {value!r}")


def _date_format(value: object, where: str) -> str:
    """Check a date format: a year of four digits, a month and a day, that Polars reads back.

    ``%y`` (two-digit years) is refused: ``03/04/15`` could be 1915 or 2015.
    """
    if not isinstance(value, str) or "%" not in value:
        raise MappingError(f'{where} must be a strftime format such as "%d/%m/%Y"; got {value!r}')
    if "%y" in value.replace("%%", ""):
        raise MappingError(
            f"{where}: {value!r} has a two-digit year (%y), so 03/04/15 could be 1915 or 2015. "
            "Export the dates with four-digit years (in Excel: format the column as "
            f'dd/mm/yyyy) and write {value.replace("%y", "%Y")!r}'
        )
    codes = set(re.findall(r"%-?([A-Za-z%])", value))
    unknown = sorted(codes - _DATE_CODES)
    if unknown:
        raise MappingError(
            f"{where}: {value!r} uses %{unknown[0]}, which is not a part of a date; use %Y "
            "(year), %m (month), %b or %B (month name), %d or %e (day), e.g. \"%d/%m/%Y\""
        )
    if "Y" not in codes or not codes & {"m", "b", "B"} or not codes & {"d", "e"}:
        raise MappingError(
            f"{where}: {value!r} must give the year (%Y), the month (%m) and the day (%d), "
            'e.g. "%d/%m/%Y"'
        )
    example = date(2019, 12, 3)
    try:
        text = example.strftime(value)
        back = pl.Series([text]).str.to_date(value, strict=True)[0]
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise MappingError(f"{where}: {value!r} is not a date format msrwe can read") from exc
    if back != example:
        raise MappingError(
            f"{where}: {value!r} does not read back the date it writes ({text!r})"
        )
    return value


#: The strftime codes a date format may use (``-`` removes padding: ``%-d``).
_DATE_CODES = {"Y", "m", "b", "B", "h", "d", "e", "a", "A", "%"}


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
    if file is not None and _outside(file):
        raise MappingError(
            f"{source}: {name}.file = {file!r} is outside the chart folder; a mapping names a "
            "file of the folder it imports (copy the file into the folder and give its name)"
        )
    sheet = section.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        raise MappingError(f"{source}: {name}.sheet must be the name of a sheet; got {sheet!r}")
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
    constants_raw = section.get("constants", {})
    if not isinstance(constants_raw, dict):
        raise MappingError(f"{source}: [{name}.constants] must be a table of column = value")
    constants: dict[str, str] = {}
    for column, value in constants_raw.items():
        if column not in table.column_names:
            raise MappingError(
                f"{source}: {name}.constants.{column} names no column of {name}; its columns "
                "are " + ", ".join(table.column_names)
            )
        if column in columns.values():
            raise MappingError(
                f"{source}: {name}.constants.{column} is also given by a renamed column; "
                "keep one of them"
            )
        constants[column] = _value_text(value, f"{source}: {name}.constants.{column}")
    return TableMapping(
        file=file,
        date_format=fmt,
        columns=columns,
        values=values,
        sheet=sheet.strip() if sheet else None,
        constants=constants,
    )


def _outside(name: str) -> bool:
    """Whether a file name of a mapping leads out of the folder (absolute, or through ``..``)."""
    for flavour in (PurePosixPath, PureWindowsPath):
        p = flavour(name)
        if p.is_absolute() or p.anchor or ".." in p.parts:
            return True
    return False


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
