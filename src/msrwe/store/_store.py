"""A handle on the store: one connection for every table a stage reads.

Examples
--------
>>> import tempfile, pathlib, polars as pl
>>> from msrwe.store import Store, write_import
>>> db = pathlib.Path(tempfile.mkdtemp()) / "msrwe.duckdb"
>>> write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["A1", "A2"]})})
>>> with Store(db) as store:
...     print(store.tables(), store.read("patients").height, store.quality().quarantine.height)
['import_warnings', 'patients', 'quarantine'] 2 0
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import duckdb
import polars as pl

from msrwe.errors import StoreError
from msrwe.schema import BOOKKEEPING
from msrwe.store._narrow import duckdb_type
from msrwe.store._read import connect

__all__ = [
    "Store", "StoreQuality", "has_table", "opened", "patient_id_enum", "read_table", "table_names",
]

#: DuckDB's integer types (a narrower read applies to these alone).
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
     "UBIGINT"})


@dataclass(frozen=True)
class StoreQuality:
    """What the imports kept and left out: the store's bookkeeping tables.

    Attributes
    ----------
    quarantine
        One row per rule a refused chart row broke (columns of ``BOOKKEEPING["quarantine"]``,
        sorted by table, file and row); empty when nothing was refused.
    import_warnings
        The same columns, for rows imported with a warning.
    import_log
        One row per chart file read, or ``None`` for a store no import wrote.
    """

    quarantine: pl.DataFrame
    import_warnings: pl.DataFrame
    import_log: pl.DataFrame | None

    @property
    def quarantined_rows(self) -> int:
        """Chart rows left out (fewer than ``quarantine`` rows when a row broke several rules)."""
        return self.quarantine.select("table_name", "file", "row_number").unique().height


class Store:
    """An open msrwe store (DuckDB): list its tables, read them, read what the import left out.

    Parameters
    ----------
    path
        The store file written by ``msrwe import``.
    read_only
        Open without the right to write (the default), so readers never change the store.

    Raises
    ------
    StoreError
        When the store is missing, locked or not a DuckDB file.

    Notes
    -----
    Use it as a context manager (``with Store(db) as store: ...``) or call :meth:`close`.
    """

    def __init__(self, path: str | Path, *, read_only: bool = True) -> None:
        self.path = Path(path)
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path, read_only=read_only)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._con is None else "open"
        return f"Store({str(self.path)!r}, {state})"

    def close(self) -> None:
        """Close the connection (a closed store cannot be read any more)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (for SQL of your own)."""
        if self._con is None:
            raise StoreError(f"{self.path}: the store was closed; open it again with Store(path).")
        return self._con

    def tables(self) -> list[str]:
        """Names of the tables the store holds, sorted."""
        rows = self.connection.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
        return sorted(r[0] for r in rows)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.tables()

    def read(self, name: str) -> pl.DataFrame:
        """Read one table as a Polars DataFrame, with its stored types.

        Parameters
        ----------
        name
            A chart table of the contract (``patients``, ``visits``, ...) or a bookkeeping table
            (``quarantine``, ``import_warnings``, ``import_log``).

        Raises
        ------
        StoreError
            When the store has no such table.
        """
        if name not in self:
            raise StoreError(f"{self.path}: the store has no table '{name}'.")
        return self.read_columns(name)

    def read_columns(
        self,
        name: str,
        columns: Iterable[str] | None = None,
        *,
        narrow: Mapping[str, pl.DataType] | None = None,
    ) -> pl.DataFrame:
        """Read a table column by column, each column one contiguous buffer.

        DuckDB hands a result over in batches, which Polars keeps as separate chunks; a frame of
        many chunks is copied whole by the first operation that lines its columns up again
        (adding a column, a join), and again in every frame derived from it. Reading one column at
        a time and joining its chunks into one buffer costs, beyond the table itself, one column
        at a time (a million patients' visits are gigabytes; every full copy counts). A plain scan
        keeps the table's stored order (DuckDB's ``preserve_insertion_order``), so the columns
        line up row by row.

        Parameters
        ----------
        name
            The table (it must exist).
        columns
            The columns to read, in this order (default: all, in the stored order).
        narrow
            Integer columns to read as a narrower integer type (``pl.Int8``, ``pl.Int16``,
            ``pl.Int32``): each is, when every stored value fits the type (checked in the store
            first), so the values are exactly those stored; otherwise it is read as stored.
            Text columns to read as ``pl.Categorical`` (the same values, 4 bytes a row), or as
            a ``pl.Enum`` when every value is one of its categories (otherwise as stored).
        """
        con = self.connection
        head = con.sql(f'select * from "{name}" limit 0')
        names, stored = head.columns, dict(zip(head.columns, head.dtypes, strict=True))
        wanted = names if columns is None else [c for c in columns if c in names]
        if not wanted:
            return head.pl().select([])
        narrow = narrow or {}

        def read(c: str) -> pl.Series:
            expr = f'"{c}"'
            if c in narrow and isinstance(narrow[c], pl.Enum):
                column = con.sql(f'select {expr} from "{name}"').pl().to_series().rechunk()
                if column.dtype != pl.String:
                    return column
                held = column.cast(narrow[c], strict=False)  # a value not of the enum: null
                return held if held.null_count() == column.null_count() else column
            if c in narrow and isinstance(narrow[c], pl.Categorical):
                column = con.sql(f'select {expr} from "{name}"').pl().to_series()
                return column.cast(narrow[c]) if column.dtype == pl.String else column.rechunk()
            if c in narrow and str(stored[c]) in _INTEGER_TYPES:
                to, low, high = duckdb_type(narrow[c])
                ((lo, hi),) = con.sql(
                    f'select min({expr}), max({expr}) from "{name}"').fetchall()
                if lo is None or (low <= lo and hi <= high):
                    expr = f"{expr}::{to} as {expr}"
            return con.sql(f'select {expr} from "{name}"').pl().to_series().rechunk()

        return pl.DataFrame([read(c) for c in wanted])

    def read_or_none(self, name: str) -> pl.DataFrame | None:
        """Read one table, or ``None`` when the store does not hold it."""
        return self.read(name) if name in self else None

    def quality(self) -> StoreQuality:
        """The quarantine, the import warnings and the import log (declared in ``schema``)."""
        names = self.tables()

        def problems(table: str) -> pl.DataFrame:
            spec = BOOKKEEPING[table]
            if table not in names:
                return spec.empty()
            df = self.read(table)
            missing = [c for c in spec.column_names if c not in df.columns]
            df = df.with_columns(
                [pl.lit(None, dtype=spec.polars_schema()[c]).alias(c) for c in missing]
            ).select(spec.column_names)
            return df.sort(
                [pl.col("table_name"), pl.col("file"),
                 pl.col("row_number").cast(pl.Int64, strict=False)],
                nulls_last=True,
            )

        log = self.read("import_log") if "import_log" in names else None
        return StoreQuality(problems("quarantine"), problems("import_warnings"), log)


@contextmanager
def opened(db: str | Path | Store) -> Iterator[Store]:
    """Open ``db`` for the block, or use it as it is when it is already an open :class:`Store`.

    A store given open is left open; one opened here is closed on exit.

    Examples
    --------
    >>> import tempfile, pathlib, duckdb
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> duckdb.connect(str(db)).close()
    >>> with opened(db) as store:
    ...     store.tables()
    []
    """
    if isinstance(db, Store):
        yield db
        return
    store = Store(db)
    try:
        yield store
    finally:
        store.close()


def read_tables(
    db: str | Path | Store,
    names: Iterable[str],
    *,
    narrow: Mapping[str, Mapping[str, pl.DataType]] | None = None,
) -> dict[str, pl.DataFrame | None]:
    """Read several tables of an msrwe store through one connection (``None`` for one it lacks).

    Parameters
    ----------
    db
        Path of the store, or an open :class:`Store` (left open).
    names
        The tables to read.
    narrow
        Table -> integer columns to read narrower when every value fits
        (:meth:`Store.read_columns`).

    Raises
    ------
    StoreError
        When the store has no ``patients`` table (it was not written by ``msrwe import``).
    """
    with opened(db) as store:
        if "patients" not in store:
            raise StoreError(
                f"{store.path}: the store has no 'patients' table. Is this a store written by "
                "`msrwe import`?"
            )
        present = set(store.tables())
        narrow = narrow or {}
        return {name: store.read_columns(name, narrow=narrow.get(name)) if name in present
                else None for name in names}


def patient_id_enum(db: str | Path | Store, checked: Iterable[str] = ()) -> pl.Enum | None:
    """The patients' identifiers as one ``pl.Enum``, their categories in sorted order.

    Every chart table's ``patient_id`` read as this enum (:meth:`Store.read_columns`) is held
    in 4 bytes a row instead of 16, and the frames share one type, so joins and comparisons
    between them work as on text. The categories are sorted as text sorts, so sorting,
    comparing and grouping in order give the rows text gives. A store written by
    ``msrwe import`` charts no row of an unknown patient (``DATA_CONTRACT.md``: "known
    patient").

    Parameters
    ----------
    db
        Path of the store, or an open :class:`Store` (left open).
    checked
        Tables to check in the store for an identifier the ``patients`` table lacks.

    Returns
    -------
    polars.Enum or None
        ``None`` when the store has no patients, a patient identifier that is not text, missing
        or charted twice, or when a table of ``checked`` holds an unknown identifier: then the
        identifiers are held as text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from msrwe.store import write_import
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "msrwe.duckdb"
    >>> write_import(db, tables={"patients": pl.DataFrame({"patient_id": ["B2", "A1"]})})
    >>> patient_id_enum(db).categories.to_list()
    ['A1', 'B2']
    """
    with opened(db) as store:
        con = store.connection
        present = set(store.tables())
        if "patients" not in present:
            return None
        ids = con.sql('select patient_id from patients').pl().to_series()
        if (ids.is_empty() or ids.dtype != pl.String or ids.null_count()
                or not ids.is_unique().all()):
            return None
        for name in checked:
            if name not in present or "patient_id" not in con.sql(
                    f'select * from "{name}" limit 0').columns:
                continue
            ((unknown,),) = con.sql(
                f'select count(*) from "{name}" where patient_id is not null and patient_id '
                'not in (select patient_id from patients)').fetchall()
            if unknown:
                return None
        return pl.Enum(ids.sort())


def table_names(db: str | Path | Store) -> list[str]:
    """Names of the tables the store holds, sorted (one connection per call; see :class:`Store`)."""
    with opened(db) as store:
        return store.tables()


def has_table(db: str | Path | Store, name: str) -> bool:
    """Whether the store holds a table called ``name``."""
    with opened(db) as store:
        return name in store


def read_table(db: str | Path | Store, name: str) -> pl.DataFrame:
    """Read one table of the store as a Polars DataFrame.

    A stage that reads several tables opens one :class:`Store` instead.

    Parameters
    ----------
    db
        Path of the store, or an open :class:`Store`.
    name
        A chart table of the contract (``patients``, ``visits``, ...) or a bookkeeping table.

    Returns
    -------
    polars.DataFrame
        The table with its stored types (dates as ``pl.Date``, numbers as ``pl.Float64``).

    Raises
    ------
    StoreError
        When the store or the table does not exist.
    """
    with opened(db) as store:
        return store.read(name)
