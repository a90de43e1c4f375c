"""What the import kept and left out, read from the store for the data-quality appendix.

The import writes ``import_log`` (one row per file read), ``quarantine`` (one row per refused
value: ``table_name, file, row_number, column_name, value, rule, message``) and
``import_warnings`` (same columns, rows kept with a warning). This module summarises them and
builds the per-patient overview of the data report. Every function reads the store only.

Examples
--------
>>> import duckdb, tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
>>> con = duckdb.connect(str(db))
>>> _ = con.execute("create table patients (patient_id varchar, phenotype varchar)")
>>> _ = con.execute("insert into patients values ('P1', 'SPMS')")
>>> con.close()
>>> patient_overview(db).row(0, named=True)["n_visits"]
0
>>> quarantine_summary(db).height
0
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from msrwe.store import Store, read_table, table_names

__all__ = [
    "ISSUE_COLUMNS",
    "DataQuality",
    "import_log",
    "issue_rows",
    "overview_of",
    "patient_overview",
    "quarantine_summary",
    "quarantined_rows",
    "summarize_issues",
]

#: Columns of ``quarantine`` and ``import_warnings`` in the store.
ISSUE_COLUMNS: tuple[str, ...] = (
    "table_name", "file", "row_number", "column_name", "value", "rule", "message",
)


def import_log(db: str | Path) -> pl.DataFrame | None:
    """The store's ``import_log`` table (one row per file read), or ``None`` without one.

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> duckdb.connect(str(db)).close()
    >>> import_log(db) is None
    True
    """
    if "import_log" not in table_names(db):
        return None
    return read_table(db, "import_log")


def issue_rows(db: str | Path, table: str = "quarantine") -> pl.DataFrame:
    """Every row of ``quarantine`` (or ``import_warnings``), sorted by table, file and row.

    Parameters
    ----------
    db
        The store.
    table
        ``"quarantine"`` or ``"import_warnings"``.

    Returns
    -------
    polars.DataFrame
        The :data:`ISSUE_COLUMNS` (empty when the store has no such table).

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> duckdb.connect(str(db)).close()
    >>> issue_rows(db).columns[:3]
    ['table_name', 'file', 'row_number']
    """
    empty = pl.DataFrame(schema={c: pl.String for c in ISSUE_COLUMNS})
    if table not in table_names(db):
        return empty
    df = read_table(db, table)
    for c in ISSUE_COLUMNS:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    df = df.select(ISSUE_COLUMNS)
    return df.sort(
        [pl.col("table_name"), pl.col("file"), pl.col("row_number").cast(pl.Int64, strict=False)],
        nulls_last=True,
    )


def quarantine_summary(db: str | Path, table: str = "quarantine") -> pl.DataFrame:
    """Refused values counted by table, column and rule, with an example value and message.

    Parameters
    ----------
    db, table
        As for :func:`issue_rows`: the store, and ``"quarantine"`` or ``"import_warnings"``.

    Returns
    -------
    polars.DataFrame
        ``table_name, column_name, rule, rows, example_value, message``, most frequent first.

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> con = duckdb.connect(str(db))
    >>> _ = con.execute("create table quarantine (table_name varchar, file varchar, "
    ...     "row_number integer, column_name varchar, value varchar, rule varchar, "
    ...     "message varchar)")
    >>> _ = con.execute("insert into quarantine values ('visits', 'visits.csv', 4, 'edss', "
    ...     "'0.5', 'edss_scale', 'EDSS 0.5 is not a valid score'), ('visits', 'visits.csv', "
    ...     "9, 'edss', '11', 'edss_scale', 'EDSS 11 is not a valid score')")
    >>> con.close()
    >>> quarantine_summary(db).select("table_name", "rule", "rows").row(0)
    ('visits', 'edss_scale', 2)
    """
    return summarize_issues(issue_rows(db, table))


def quarantined_rows(db: str | Path) -> tuple[int, int]:
    """Chart rows left out, and problems found in them (a row can break several rules).

    Examples
    --------
    >>> import duckdb, tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.duckdb"
    >>> duckdb.connect(str(db)).close()
    >>> quarantined_rows(db)
    (0, 0)
    """
    rows = issue_rows(db, "quarantine")
    return rows.select("table_name", "file", "row_number").unique().height, rows.height


def patient_overview(db: str | Path) -> pl.DataFrame:
    """One row per patient: phenotype, visits, first and last visit and EDSS, doses, AEs.

    Parameters
    ----------
    db
        The store (must hold ``patients``).

    Returns
    -------
    polars.DataFrame
        ``patient_id, phenotype, n_visits, first_visit, last_visit, edss_first, edss_last,
        n_doses, n_adverse_events, n_relapses``, sorted by ``patient_id``.

    Raises
    ------
    StoreError
        When the store has no ``patients`` table.
    """
    names = table_names(db)
    read_table(db, "patients")  # a store without patients is an error, as before
    charts = {
        t: read_table(db, t) if t in names else None
        for t in ("patients", "visits", "administrations", "adverse_events", "relapses")
    }
    return overview_of(charts)


@dataclass(frozen=True)
class DataQuality:
    """What the imports kept and left out: the store's bookkeeping tables, read once.

    The report renders it (:func:`msrwe.report.render_report`); it never reads the store. It has
    the attributes of :class:`msrwe.store.StoreQuality` (``Store.quality()``), which the report
    accepts as well.

    Attributes
    ----------
    quarantine, import_warnings
        One row per problem (:data:`ISSUE_COLUMNS`), sorted by table, file and row.
    import_log
        One row per chart file read, or ``None`` for a store no import wrote.
    """

    quarantine: pl.DataFrame
    import_warnings: pl.DataFrame
    import_log: pl.DataFrame | None

    @classmethod
    def from_store(cls, db: str | Path) -> DataQuality:
        """Read the bookkeeping tables of a store (:meth:`msrwe.store.Store.quality`)."""
        with Store(db) as store:
            q = store.quality()
        return cls(quarantine=q.quarantine, import_warnings=q.import_warnings,
                   import_log=q.import_log)

    @property
    def quarantined_rows(self) -> int:
        """Chart rows left out (fewer than problems when a row broke several rules)."""
        return self.quarantine.select("table_name", "file", "row_number").unique().height


#: A word of a message that may be an identifier (quotes, brackets and punctuation around it).
_TOKEN = re.compile(r"[^\s'\"(),;:=\[\]]+")

#: What the report shows instead of a withheld value.
WITHHELD = "(withheld)"


def withhold_identifiers(
    rows: pl.DataFrame, *, pseudonyms: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """Quarantine or warning rows with identifying values withheld (issue 9, item 12).

    A value in a column the chart contract classes ``identifier``, ``birth_date`` or
    ``free_text`` (:attr:`msrwe.schema.Column.privacy`), or in an extra chart column (outside the
    contract: names, record numbers, notes), is replaced by ``(withheld)``, in ``value`` and
    wherever the message quotes it. The file and row still say where to correct it. With
    ``pseudonyms`` (identifier -> pseudonym, ``msrwe report --deidentify``) an identifier
    shows its pseudonym instead (``(withheld)`` when it has none); the rest stays withheld.

    Examples
    --------
    >>> rows = pl.DataFrame({"table_name": ["patients", "visits"], "file": ["p.csv", "v.csv"],
    ...     "row_number": [3, 4], "column_name": ["birth_date", "edss"],
    ...     "value": ["1850-01-01", "12"], "rule": ["range", "range"],
    ...     "message": ["birth_date '1850-01-01' is before 1900", "edss 12 is above 10"]})
    >>> withhold_identifiers(rows).select("value", "message").rows()
    [('(withheld)', "birth_date '(withheld)' is before 1900"), ('12', 'edss 12 is above 10')]
    """
    from msrwe.schema import CONTRACT

    if rows.is_empty() or "column_name" not in rows.columns:
        return rows
    open_cols: set[tuple[str, str]] = set()
    for table in CONTRACT:
        for col in table.columns:
            if col.privacy not in ("identifier", "birth_date", "free_text"):
                open_cols.add((table.name, col.name))
    ids = {(t.name, c.name) for t in CONTRACT for c in t.columns if c.privacy == "identifier"}
    pairs = rows.select("table_name", "column_name").iter_rows()
    keep = [(t, c) in open_cols or c is None for t, c in pairs]
    is_id = [(t, c) in ids for t, c in rows.select("table_name", "column_name").iter_rows()]
    out_values, out_messages = [], []
    for ok, ident, value, message in zip(keep, is_id, rows["value"].cast(pl.String).to_list(),
                                         rows["message"].to_list(), strict=True):
        if ok or value is None or value == "":
            out_values.append(value)
            out_messages.append(message)
        else:
            shown = (pseudonyms or {}).get(value, WITHHELD) if ident else WITHHELD
            if pseudonyms is not None and ident:
                shown = pseudonyms.get(value.strip(), shown)
            out_values.append(shown)
            out_messages.append(None if message is None else message.replace(value, shown))
    if pseudonyms is not None:  # a message of another column may quote the patient too
        out_messages = [None if m is None else _TOKEN.sub(
            lambda t: pseudonyms.get(t.group(0), t.group(0)), m) for m in out_messages]
    return rows.with_columns(pl.Series("value", out_values, dtype=pl.String),
                             pl.Series("message", out_messages, dtype=pl.String))


def collapse_issues(rows: pl.DataFrame) -> pl.DataFrame:
    """Identical problems of one file listed once, with every row they occur on (issue 9, item 18).

    Rows whose table, file, column, value, rule and message are the same (a patient's visits
    all refused for the same unknown patient, say) become one line; ``row_number`` is then the
    text ``"4, 9, 12"`` and ``rows`` counts them.

    Examples
    --------
    >>> rows = pl.DataFrame({"table_name": ["visits"] * 3, "file": ["v.csv"] * 3,
    ...     "row_number": [4, 9, 12], "column_name": ["patient_id"] * 3, "value": ["X"] * 3,
    ...     "rule": ["foreign_key"] * 3, "message": ["no such patient"] * 3})
    >>> collapse_issues(rows).select("row_number", "rows").rows()
    [('4, 9, 12', 3)]
    """
    keys = [c for c in ("table_name", "file", "column_name", "value", "rule", "message")
            if c in rows.columns]
    if rows.is_empty() or "row_number" not in rows.columns:
        return rows
    other = [c for c in rows.columns if c not in (*keys, "row_number")]
    return (
        rows.group_by(keys, maintain_order=True)
        .agg(
            pl.col("row_number").cast(pl.String).str.join(", ").alias("row_number"),
            pl.len().cast(pl.Int64).alias("rows"),
            *[pl.col(c).first() for c in other],
        )
        .select([*[c for c in rows.columns], "rows"])
    )


def summarize_issues(rows: pl.DataFrame) -> pl.DataFrame:
    """Problems counted by table, column and rule, with an example value and message."""
    return (
        rows.group_by("table_name", "column_name", "rule", maintain_order=True)
        .agg(
            pl.len().alias("rows"),
            pl.col("value").cast(pl.String).drop_nulls().first().alias("example_value"),
            pl.col("message").first().alias("message"),
        )
        .sort(["rows", "table_name", "column_name"], descending=[True, False, False])
        .with_columns(pl.col("rows").cast(pl.Int64))
    )


def overview_of(charts: Mapping[str, pl.DataFrame | None]) -> pl.DataFrame:
    """One row per patient from the chart tables (as :func:`patient_overview` from a store)."""
    patients = charts.get("patients")
    if patients is None:
        return pl.DataFrame(schema={"patient_id": pl.String})
    keep = ["patient_id"] + [c for c in ("phenotype", "sex", "site") if c in patients.columns]
    out = patients.select(keep).with_columns(pl.col("patient_id").cast(pl.String))
    visits = charts.get("visits")
    if visits is not None:
        visits = visits.sort("patient_id", "date")
        edss = pl.col("edss") if "edss" in visits.columns else pl.lit(None, dtype=pl.Float64)
        per = visits.with_columns(edss.alias("_edss")).group_by("patient_id").agg(
            pl.len().alias("n_visits"),
            pl.col("date").min().alias("first_visit"),
            pl.col("date").max().alias("last_visit"),
            pl.col("_edss").drop_nulls().first().alias("edss_first"),
            pl.col("_edss").drop_nulls().last().alias("edss_last"),
        )
    else:
        per = pl.DataFrame(schema={"patient_id": pl.String, "n_visits": pl.UInt32,
                                   "first_visit": pl.Date, "last_visit": pl.Date,
                                   "edss_first": pl.Float64, "edss_last": pl.Float64})
    out = out.join(per, on="patient_id", how="left")
    for table, alias in (("administrations", "n_doses"), ("adverse_events", "n_adverse_events"),
                         ("relapses", "n_relapses")):
        df = charts.get(table)
        counts = (
            df.group_by("patient_id").agg(pl.len().alias(alias)) if df is not None
            else pl.DataFrame(schema={"patient_id": pl.String, alias: pl.UInt32})
        )
        out = out.join(counts, on="patient_id", how="left")
    counts_cols = ["n_visits", "n_doses", "n_adverse_events", "n_relapses"]
    return out.with_columns(pl.col(counts_cols).fill_null(0).cast(pl.Int64)).sort("patient_id")
