r"""Reading the CDM tables msrwe uses from an OMOP database: a DuckDB file or PostgreSQL.

PostgreSQL is read with psycopg (``COPY ... TO STDOUT`` as CSV, then typed by msrwe's CDM
declaration): DuckDB's postgres extension would have to be downloaded at run time, which a
hospital network (and msrwe's CI) may not allow. Both readers give the same typed frames.

Examples
--------
>>> import tempfile, pathlib, polars as pl
>>> from msrwe.sources.omop._export import chart_to_omop, write_omop_duckdb
>>> import datetime as dt
>>> chart = {"patients": pl.DataFrame({"patient_id": ["P1"], "sex": ["M"],
...                                   "birth_date": [dt.date(1960, 1, 5)]})}
>>> path = write_omop_duckdb(chart_to_omop(chart), pathlib.Path(tempfile.mkdtemp()) / "cdm.duckdb")
>>> tables = read_omop(path)
>>> tables["person"].select("person_id", "year_of_birth", "person_source_value").row(0)
(1, 1960, 'P1')
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl

from msrwe._duckdb import quiet
from msrwe.errors import ImportRefused, MissingExtraError, OptionError
from msrwe.sources.omop._cdm import CDM, CdmTable

__all__ = ["cdm_dtype", "describe_source", "is_postgres_url", "read_omop"]

_POSTGRES = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_postgres_url(source: str | Path) -> bool:
    """Whether ``source`` is a PostgreSQL connection URL (``postgresql://...``)."""
    return bool(_POSTGRES.match(str(source)))


def describe_source(source: str | Path) -> str:
    """The source as it may be printed and stored: a URL loses its password and query.

    Examples
    --------
    >>> describe_source("postgresql://omop:s3cret@db.example/cdm?sslmode=require")
    'postgresql://omop:***@db.example/cdm'
    >>> describe_source("/data/cdm.duckdb")
    'cdm.duckdb'
    """
    text = str(source)
    if not is_postgres_url(text):
        return Path(text).name
    text = text.split("?", 1)[0]
    return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", text)


def cdm_dtype(sql_type: str) -> pl.DataType:
    """The Polars type of a CDM SQL type."""
    t = sql_type.lower()
    if t == "integer":
        return pl.Int64()
    if t == "date":
        return pl.Date()
    if t == "numeric":
        return pl.Float64()
    if t == "timestamp":
        return pl.Datetime("us")
    return pl.String()


def _typed(frame: pl.DataFrame, table: CdmTable) -> pl.DataFrame:
    out = []
    for c in table.columns:
        dtype = cdm_dtype(c.sql_type)
        col = pl.col(c.name)
        if frame.schema[c.name] == pl.String and dtype == pl.Date():
            out.append(col.str.to_date("%Y-%m-%d"))
        elif frame.schema[c.name] == pl.String and isinstance(dtype, pl.Datetime):
            out.append(col.str.to_datetime(time_unit="us"))
        else:
            out.append(col.cast(dtype))
    return frame.select(out)


def _check_columns(name: str, found: set[str], where: str) -> None:
    missing = [c for c in CDM[name].names if c not in found]
    if missing:
        raise ImportRefused(
            f"the OMOP table {name} has no column {', '.join(missing)}; msrwe reads "
            "OMOP CDM 5.4 tables with the columns of the OHDSI specification", file=where)


def read_omop(source: str | Path, *, schema: str | None = None) -> dict[str, pl.DataFrame]:
    """The declared CDM tables of an OMOP database, typed as the CDM 5.4 specification says.

    Parameters
    ----------
    source
        A DuckDB file, or a PostgreSQL URL (``postgresql://user@host/db``; a password is best
        given through ``PGPASSWORD`` or ``~/.pgpass``, never on the command line).
    schema
        The database schema holding the CDM tables (default: DuckDB's ``main``, PostgreSQL's
        search path).

    Returns
    -------
    dict of str to polars.DataFrame
        CDM table -> its rows; a table the database does not have is absent (``person`` must be
        there).

    Raises
    ------
    ImportRefused
        When the database cannot be opened, has no ``person`` table, or a table lacks a column.
    """
    if schema is not None and not _SCHEMA.match(schema):
        raise OptionError(f"--schema must be a plain SQL name; got {schema!r}")
    where = describe_source(source)
    tables = (_read_postgres(str(source), schema, where) if is_postgres_url(source)
              else _read_duckdb(Path(source), schema, where))
    if "person" not in tables:
        raise ImportRefused("there is no OMOP person table"
                            + (f" in schema {schema}" if schema else ""), file=where)
    return tables


def _read_duckdb(path: Path, schema: str | None, where: str) -> dict[str, pl.DataFrame]:
    import duckdb

    if not path.is_file():
        raise ImportRefused("the OMOP database does not exist", file=str(path))
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ImportRefused(f"not a DuckDB database msrwe can open ({exc})",
                            file=str(path)) from exc
    quiet(con)
    try:
        sch = schema or "main"
        found = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = ?", [sch]).fetchall()
        cols: dict[str, set[str]] = {}
        for t, col in found:
            cols.setdefault(t.lower(), set()).add(col.lower())
        out = {}
        for name, table in CDM.items():
            if name not in cols:
                continue
            _check_columns(name, cols[name], where)
            frame = con.sql(f"SELECT {', '.join(table.names)} FROM {sch}.{name}").pl()
            out[name] = _typed(frame, table)
        return out
    finally:
        con.close()


def _read_postgres(url: str, schema: str | None, where: str) -> dict[str, pl.DataFrame]:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        raise MissingExtraError("reading OMOP from PostgreSQL needs psycopg "
                                "(pip install 'psycopg[binary]')") from exc
    try:
        con = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        raise ImportRefused("cannot connect to the PostgreSQL OMOP database "
                            f"({type(exc).__name__})", file=where) from None
    try:
        with con.cursor() as cur:
            if schema:
                cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = %s", [schema])
            else:
                cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                            "WHERE table_schema = current_schema()")
            cols: dict[str, set[str]] = {}
            for t, col in cur.fetchall():
                cols.setdefault(str(t).lower(), set()).add(str(col).lower())
            out = {}
            for name, table in CDM.items():
                if name not in cols:
                    continue
                _check_columns(name, cols[name], where)
                target = f"{schema}.{name}" if schema else name
                buf = io.BytesIO()
                query = (f"COPY (SELECT {', '.join(table.names)} FROM {target}) "
                         "TO STDOUT WITH (FORMAT csv, HEADER true)")
                with cur.copy(query) as copy:
                    for block in copy:
                        buf.write(block)
                buf.seek(0)
                frame = pl.read_csv(buf, infer_schema=False) if buf.getbuffer().nbytes else \
                    pl.DataFrame(schema=dict.fromkeys(table.names, pl.String))
                out[name] = _typed(frame, table)
        return out
    finally:
        con.close()
