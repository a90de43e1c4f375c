"""The building blocks of the chart contract: columns, tables and the rules between them.

Everything here is a frozen value object. The contract itself (:data:`msrwe.schema.CONTRACT`) is
written with these blocks in :mod:`msrwe.schema._contract`; the importer, the pandera schemas and
``docs/contract.md`` are all generated from it.

Examples
--------
>>> from msrwe.schema import Column
>>> Column("edss", "number", minimum=0, maximum=10).dtype
'number'
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from msrwe.errors import DefinitionError

__all__ = [
    "DTYPES",
    "Column",
    "Contract",
    "DType",
    "DateOrder",
    "OnlyWhen",
    "Table",
]

DType = Literal["text", "date", "number", "integer", "boolean"]

#: The column types the contract knows, and how each is stored in DuckDB.
DTYPES: dict[str, str] = {
    "text": "VARCHAR",
    "date": "DATE",
    "number": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    """One column of a chart table.

    Parameters
    ----------
    name
        The column's name in the contract (lower case, as in DATA_CONTRACT.md).
    dtype
        One of ``text``, ``date``, ``number``, ``integer``, ``boolean``.
    description
        What the column holds, in a clinician's words.
    unit
        The unit of a measure (``s``, ``mL``), when it has one.
    required
        Whether every row must have a value.
    allowed
        The values a text column may take (``None``: any text).
    multiple
        The separator when a cell may list several allowed values (``";"``), else ``None``.
    minimum, maximum
        Bounds of a numeric column (``None``: unbounded).
    minimum_inclusive
        Whether the minimum itself is allowed (``False`` for "> 0").
    special
        Numeric codes that are allowed outside the bounds (777: unable because of MS).
    check
        The name of a special rule of this column: ``edss_half_step`` (Kurtzke's 20 steps) or
        ``lower_case`` (generic drug names are stored in lower case).
    default
        The value stored when the cell is empty (``scheduled`` and ``confirmed`` default to true).
    aliases
        Values recoded on import with a warning (PRMS -> PPMS), as ``(old, new, reason)``.
    source
        Where a rule comes from (a section of reference/clinical-methods.md).
    privacy
        How the column must be handled when data leave the centre (interop-privacy.md 5.1):
        ``"identifier"`` (replaced by a pseudonym), ``"birth_date"`` (reduced to the year, ages
        over 89 grouped), ``"quasi"`` (kept or coded on request, e.g. the site), ``"free_text"``
        (dropped by default: it may name people) or ``None`` (an analysis value).
    """

    name: str
    dtype: DType
    description: str = ""
    unit: str | None = None
    required: bool = False
    allowed: tuple[str, ...] | None = None
    multiple: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    minimum_inclusive: bool = True
    special: tuple[float, ...] = ()
    check: str | None = None
    default: bool | None = None
    aliases: tuple[tuple[str, str, str], ...] = ()
    source: str | None = None
    privacy: str | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise DefinitionError(f"column {self.name}: unknown dtype {self.dtype!r}")
        if self.allowed is not None and self.dtype != "text":
            raise DefinitionError(f"column {self.name}: allowed values need a text column")
        numeric = self.dtype in ("number", "integer")
        if (self.minimum is not None or self.maximum is not None) and not numeric:
            raise DefinitionError(f"column {self.name}: bounds need a numeric column")
        if self.check not in (None, "edss_half_step", "lower_case"):
            raise DefinitionError(f"column {self.name}: unknown check {self.check!r}")
        if self.privacy not in (None, "identifier", "birth_date", "quasi", "free_text"):
            raise DefinitionError(f"column {self.name}: unknown privacy class {self.privacy!r}")

    @property
    def sql_type(self) -> str:
        """The DuckDB type the column is stored as."""
        return DTYPES[self.dtype]


@dataclass(frozen=True)
class DateOrder:
    """Within one row, ``later`` must not be before ``earlier`` (when both are given).

    Parameters
    ----------
    earlier, later
        Two date columns of the same table.
    rule
        The stable code of the rule (``stop_before_start``).
    message
        The clinician's message; ``{earlier}``, ``{later}``, ``{earlier_value}`` and
        ``{later_value}`` are filled in.
    """

    earlier: str
    later: str
    rule: str
    message: str


@dataclass(frozen=True)
class OnlyWhen:
    """Within one row, ``column`` may be filled only when ``when`` holds one of ``values``.

    Parameters
    ----------
    column
        The column that may be filled only in some rows.
    when
        The column that decides.
    values
        The values of ``when`` that allow ``column``.
    rule
        The stable code of the rule.
    message
        The clinician's message; ``{value}`` and ``{when_value}`` are filled in.
    """

    column: str
    when: str
    values: tuple[str, ...]
    rule: str
    message: str


@dataclass(frozen=True)
class Table:
    """One chart table of the contract.

    Parameters
    ----------
    name
        The table's name (also the file stem: ``visits.csv``).
    description
        What one row is.
    columns
        The contract's columns, in contract order.
    key
        Columns that identify a row; rows that share a key but differ elsewhere are conflicts.
    required
        Whether the folder must contain this table.
    row_rules
        Rules between the columns of one row.
    needs_patient
        Whether each row must belong to a patient of ``patients`` (every table but patients).
    measures
        Columns of which at least one should be filled; a row with none is kept with a warning.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    row_rules: tuple[DateOrder | OnlyWhen, ...] = ()
    needs_patient: bool = True
    measures: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise DefinitionError(f"table {self.name}: a column is declared twice")
        used = list(self.key) + list(self.measures)
        for rule in self.row_rules:
            if isinstance(rule, DateOrder):
                used += [rule.earlier, rule.later]
            else:
                used += [rule.column, rule.when]
        unknown = sorted(set(used) - set(names))
        if unknown:
            raise DefinitionError(f"table {self.name}: rules name unknown columns {unknown}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """The contract's column names, in contract order."""
        return tuple(c.name for c in self.columns)

    @property
    def date_columns(self) -> tuple[str, ...]:
        """The date columns (each is checked against birth and death)."""
        return tuple(c.name for c in self.columns if c.dtype == "date")

    def column(self, name: str) -> Column:
        """The column called ``name``.

        Raises
        ------
        KeyError
            When the table has no such column.
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


@dataclass(frozen=True)
class Contract:
    """The set of chart tables, in the order the importer handles them (patients first).

    Parameters
    ----------
    tables
        The tables; the first must be ``patients``.
    patient_table
        The name of the table every other row belongs to.
    """

    tables: tuple[Table, ...]
    patient_table: str = "patients"
    _index: dict[str, Table] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.tables or self.tables[0].name != self.patient_table:
            raise DefinitionError("the contract must start with the patients table")
        self._index.update({t.name: t for t in self.tables})

    @property
    def names(self) -> tuple[str, ...]:
        """The table names, patients first."""
        return tuple(t.name for t in self.tables)

    def __getitem__(self, name: str) -> Table:
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(
                f"no chart table called {name!r}; the contract has {', '.join(self.names)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)
