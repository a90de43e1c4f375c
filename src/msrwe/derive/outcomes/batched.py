"""The outcome engine over a stream of Arrow record batches: one code path for DuckDB and Spark.

A registry does not fit in memory as one table, and a Spark cluster hands its workers Arrow
batches. Both are served by :func:`detect_events_batched`: it takes record batches in which every
patient's rows are contiguous (visits and relapses of one patient together, as a sort by patient
gives), runs :func:`msrwe.derive.outcomes.detect_events` once per batch on the patients the batch
holds completely, and carries the last patient of a batch, whom the batch boundary may have cut,
over to the next batch. The events are exactly those of one call over the whole table, because
the engine treats patients independently (a property the engine's tests check).

The input layout, :data:`KIND_COLUMN` telling visits from relapses, is what
:func:`stack_visits_relapses` builds and what :mod:`msrwe.spark` builds with Spark SQL.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> d0 = dt.date(2020, 1, 1)
>>> visits = pl.DataFrame({
...     "patient_id": ["A"] * 4 + ["B"] * 3,
...     "date": [d0 + dt.timedelta(days=k) for k in (0, 90, 180, 270, 0, 100, 200)],
...     "edss": [3.0, 4.0, 4.0, 4.5, 2.0, 2.0, 2.5],
... })
>>> stacked = stack_visits_relapses(visits, None, outcome="edss")
>>> batches = stacked.to_arrow().to_batches(max_chunksize=3)   # A is cut across two batches
>>> out = pl.from_arrow(list(detect_events_batched(batches, outcome="edss")))
>>> out.select("patient_id", "event_type", "bl_value").rows()
[('A', 'CDW', 3.0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from msrwe._duckdb import quiet
from msrwe.derive.outcomes.api import detect_events
from msrwe.errors import InputError, OptionError

__all__ = [
    "KIND_COLUMN",
    "detect_events_batched",
    "detect_events_store",
    "events_schema",
    "outcome_columns",
    "stack_visits_relapses",
]

#: Column that tells a visit row (``"visit"``) from a relapse row (``"relapse"``) in the stacked
#: layout; a relapse row carries its onset in ``date``.
KIND_COLUMN = "record_kind"

#: The chart columns each outcome reads (the 9-hole peg test needs both hands).
_OUTCOME_COLUMNS: dict[str, tuple[str, ...]] = {
    "edss": ("edss",),
    "sdmt": ("sdmt",),
    "t25fw": ("t25fw_s",),
    "nhpt": ("nhpt_dominant_s", "nhpt_nondominant_s"),
}


def outcome_columns(outcome: str, value_col: str | None = None) -> tuple[str, ...]:
    """The visit columns the engine reads for ``outcome`` (``value_col`` when it is given).

    Examples
    --------
    >>> outcome_columns("t25fw")
    ('t25fw_s',)
    """
    if value_col is not None:
        return (value_col,)
    try:
        return _OUTCOME_COLUMNS[outcome]
    except KeyError:
        raise OptionError(
            f"The 'outcome' option must be one of {sorted(_OUTCOME_COLUMNS)} or 'custom' with a "
            f"value_col; got {outcome!r}.", option="outcome",
        ) from None


def stack_visits_relapses(
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None,
    *,
    outcome: str = "edss",
    value_col: str | None = None,
    extra_columns: Iterable[str] = (),
) -> pl.DataFrame:
    """Visits and relapses in one table sorted by patient and date, the batched engine's input.

    Parameters
    ----------
    visits
        ``patient_id``, ``date`` and the outcome's columns.
    relapses
        ``patient_id`` and ``onset_date``, or None.
    outcome, value_col
        Which visit columns to keep (see :func:`outcome_columns`).
    extra_columns
        Further visit columns to keep (e.g. a ``validconf_col``).

    Returns
    -------
    polars.DataFrame
        ``patient_id, date, record_kind`` and the outcome columns, relapses with null values.
    """
    cols = [*outcome_columns(outcome, value_col), *extra_columns]
    missing = [c for c in ("patient_id", "date", *cols) if c not in visits.columns]
    if missing:
        raise InputError(f"visits lack the column(s) {missing} that outcome {outcome!r} needs.")
    v = visits.select("patient_id", "date", *cols).with_columns(
        pl.lit("visit").alias(KIND_COLUMN)
    )
    if relapses is not None and relapses.height:
        r = relapses.select(
            pl.col("patient_id").cast(v.schema["patient_id"]),
            pl.col("onset_date").cast(v.schema["date"]).alias("date"),
        ).with_columns(pl.lit("relapse").alias(KIND_COLUMN))
        v = pl.concat([v, r], how="diagonal_relaxed")
    return v.sort("patient_id", "date", KIND_COLUMN, maintain_order=True).select(
        "patient_id", "date", KIND_COLUMN, *cols
    )


def _check_options(options: dict[str, Any]) -> None:
    imp = options.get("impute_last_visit", 0)
    if isinstance(imp, int | float) and 0 < imp < 1:
        raise OptionError(
            "impute_last_visit between 0 and 1 draws a random number per patient in the order of "
            "the whole table, so results would depend on how the data are cut into batches; use 0, "
            "or a number of days above 1, in batched runs.", option="impute_last_visit",
        )
    if options.get("return_unconfirmed"):
        raise OptionError("return_unconfirmed is not available in batched runs.",
                          option="return_unconfirmed")


def _split(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    visits = df.filter(pl.col(KIND_COLUMN) == "visit").drop(KIND_COLUMN)
    relapses = df.filter(pl.col(KIND_COLUMN) == "relapse").select(
        "patient_id", pl.col("date").alias("onset_date")
    )
    return visits, relapses


def events_schema(sample: pl.DataFrame, **options: Any) -> pa.Schema:
    """The Arrow schema of the events the engine returns for input shaped like ``sample``.

    Parameters
    ----------
    sample
        A table in the stacked layout (its rows are not used, only its column types).
    **options
        The options of :func:`~msrwe.derive.outcomes.detect_events`.

    Returns
    -------
    pyarrow.Schema
    """
    visits, relapses = _split(sample.clear())
    return detect_events(visits, relapses, **options).events.to_arrow().schema


def _run(df: pl.DataFrame, schema: pa.Schema | None, options: dict[str, Any]) -> pa.Table:
    visits, relapses = _split(df)
    events = detect_events(visits, relapses, **options).events.to_arrow()
    return events.cast(schema) if schema is not None else events


def detect_events_batched(
    batches: Iterable[pa.RecordBatch],
    *,
    schema: pa.Schema | None = None,
    **options: Any,
) -> Iterator[pa.RecordBatch]:
    """Run the outcome engine over record batches whose patients' rows are contiguous.

    Parameters
    ----------
    batches
        Arrow record batches in the stacked layout (:func:`stack_visits_relapses`), sorted by
        ``patient_id`` and then ``date`` (each patient's rows together and in date order).
    schema
        The events' schema to cast every output batch to (Spark needs one fixed schema); by
        default the engine's own.
    **options
        Every option of :func:`~msrwe.derive.outcomes.detect_events` except ``return_unconfirmed``
        and ``0 < impute_last_visit < 1`` (they depend on the whole table).

    Yields
    ------
    pyarrow.RecordBatch
        The events of the patients completed so far; together, exactly the events of one call
        of :func:`~msrwe.derive.outcomes.detect_events` over all the rows.

    Raises
    ------
    msrwe.errors.InputError
        When the batches are not sorted by ``patient_id``.
    """
    _check_options(options)
    carry: pl.DataFrame | None = None
    previous: str | None = None
    for rb in batches:
        if rb.num_rows == 0:
            continue
        df = pl.from_arrow(rb)
        assert isinstance(df, pl.DataFrame)  # a record batch is always a table
        ids = df["patient_id"]
        if not ids.is_sorted() or (previous is not None and ids[0] < previous):
            raise InputError(
                "the input is not sorted by patient_id: sort it by patient_id and date before "
                "running the engine in batches, so that each patient's rows are together."
            )
        previous = ids[-1]
        if carry is not None:
            df = pl.concat([carry, df], how="vertical_relaxed")
        complete = df.filter(pl.col("patient_id") != previous)
        carry = df.filter(pl.col("patient_id") == previous)
        if complete.height:
            yield from _run(complete, schema, options).to_batches()
    if carry is not None and carry.height:
        yield from _run(carry, schema, options).to_batches()


def detect_events_store(
    db: str | Path,
    *,
    outcome: str = "edss",
    value_col: str | None = None,
    batch_rows: int = 1_000_000,
    **options: Any,
) -> pl.DataFrame:
    """The events of every patient in a store, read from DuckDB in batches of ``batch_rows``.

    Memory stays bounded by the batch size, not by the store: this is how a registry of a million
    patients is scanned on one machine. Relapses charted as not confirmed are left out, as
    ``msrwe analyze`` does.

    Parameters
    ----------
    db
        The DuckDB store written by ``msrwe import``.
    outcome, value_col
        As in :func:`~msrwe.derive.outcomes.detect_events`.
    batch_rows
        Rows per Arrow batch read from DuckDB.
    **options
        The other options of :func:`~msrwe.derive.outcomes.detect_events`.

    Returns
    -------
    polars.DataFrame
        The events, as :func:`~msrwe.derive.outcomes.detect_events` returns them.
    """
    import duckdb

    cols = outcome_columns(outcome, value_col)
    value_list = ", ".join(f'"{c}"' for c in cols)
    nulls = ", ".join(f'null as "{c}"' for c in cols)
    con = quiet(duckdb.connect(str(db), read_only=True))
    try:
        tables = {r[0] for r in con.execute("show tables").fetchall()}
        if "visits" not in tables:
            raise InputError(f"{db}: the store has no visits table.")
        rel_sql = ""
        if "relapses" in tables:
            rel_cols = {r[0] for r in con.execute("describe relapses").fetchall()}
            # As analyze does: a relapse charted as not confirmed is left out
            # (msrwe.derive.relapses.filter_confirmed_relapses).
            where = " where confirmed is distinct from false" if "confirmed" in rel_cols else ""
            rel_sql = (f"union all select patient_id, onset_date as date, 'relapse' as "
                       f"{KIND_COLUMN}, {nulls} from relapses{where}")
        sql = (f"select * from (select patient_id, date, 'visit' as {KIND_COLUMN}, {value_list} "
               f"from visits {rel_sql}) order by patient_id, date, {KIND_COLUMN}")
        with con.sql(sql).to_arrow_reader(batch_size=batch_rows) as reader:
            sample = pl.from_arrow(reader.schema.empty_table())
            assert isinstance(sample, pl.DataFrame)
            opts = {"outcome": outcome, "value_col": value_col, **options}
            schema = events_schema(sample, **opts)
            parts = list(detect_events_batched(reader, schema=schema, **opts))
    finally:
        con.close()
    out = pl.from_arrow(pa.Table.from_batches(parts, schema=schema))
    assert isinstance(out, pl.DataFrame)
    return out
