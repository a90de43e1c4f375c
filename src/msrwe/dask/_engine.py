"""``msrwe.dask.detect_events``: the outcome engine over Dask DataFrames, one call per partition."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl
import pyarrow as pa

from msrwe.derive.outcomes.batched import (
    KIND_COLUMN,
    detect_events_batched,
    events_schema,
    outcome_columns,
)
from msrwe.errors import InputError, MissingExtraError

if TYPE_CHECKING:  # pragma: no cover
    import dask.dataframe as dd

__all__ = ["detect_events", "require_dask"]


def require_dask(module: str = "dask.dataframe") -> ModuleType:
    """Return a Dask module, or raise :class:`~msrwe.errors.MissingExtraError` with the fix."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            "msrwe.dask needs Dask, an optional part of msrwe: install it with "
            "pip install 'msrwe[dask]'."
        ) from exc


def _value_types(visits: dd.DataFrame, cols: list[str], what: str) -> dict[str, pl.DataType]:
    """The Polars types of the outcome columns, read from the Dask DataFrame's metadata."""
    missing = [c for c in ("patient_id", "date", *cols) if c not in visits.columns]
    if missing:
        raise InputError(f"the {what} lack the column(s) {missing} that the engine needs.")
    # A column of the wrong type (text) is named by the engine's own check, in events_schema.
    return dict(pl.from_pandas(visits._meta[cols], include_index=False).schema)


#: Column holding a row's place in the input (partition number, then row): the shuffle may
#: reorder rows, and the engine keeps the last of a patient's two visits on one day.
_ORDER = "__msrwe_row_order"


def _stacked_rows(part: pd.DataFrame, *, kind: str, date_col: str,
                  value_types: dict[str, pl.DataType],
                  partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """One partition of visits or relapses in the stacked layout, with Arrow-backed columns."""
    df = pl.from_pandas(part, include_index=False)
    number = partition_info["number"] if partition_info else 0
    day = pl.col(date_col)
    # Dask stores ``datetime.date`` objects as text (its ``dataframe.convert-string`` default).
    day = day.str.to_date("%Y-%m-%d") if df.schema[date_col] == pl.String else day.cast(pl.Date)
    values = [
        (pl.col(c).cast(t) if kind == "visit" else pl.lit(None, dtype=t)).alias(c)
        for c, t in value_types.items()
    ]
    out = df.select(
        pl.col("patient_id").cast(pl.String),
        day.alias("date"),
        pl.lit(kind, dtype=pl.String).alias(KIND_COLUMN),
        *values,
        (pl.int_range(pl.len(), dtype=pl.Int64) + (number << 32)).alias(_ORDER),
    )
    return out.to_arrow().to_pandas(types_mapper=pd.ArrowDtype)


def _partition_events(part: pd.DataFrame, *, schema: pa.Schema,
                      options: dict[str, Any]) -> pd.DataFrame:
    """The events of one partition: its rows sorted by patient and date, one batch."""
    df = pl.from_pandas(part, include_index=False).sort(
        "patient_id", "date", KIND_COLUMN, _ORDER
    ).drop(_ORDER)
    batches = df.rechunk().to_arrow().to_batches()
    out = pa.Table.from_batches(
        list(detect_events_batched(batches, schema=schema, **options)), schema=schema
    )
    return out.to_pandas(types_mapper=pd.ArrowDtype)


def detect_events(
    visits: dd.DataFrame,
    relapses: dd.DataFrame | None = None,
    *,
    outcome: str = "edss",
    value_col: str | None = None,
    partitions: int | None = None,
    shuffle_method: str | None = None,
    **options: Any,
) -> dd.DataFrame:
    """Confirmed worsening and improvement events of Dask DataFrames, as a Dask DataFrame.

    The visits (and relapses) are stacked into one Dask DataFrame and shuffled by
    ``patient_id``, so that every patient's rows are in one partition. Each partition is sorted
    by patient and date and handed, as one Arrow batch, to
    :func:`msrwe.derive.outcomes.batched.detect_events_batched` (the wrapper :mod:`msrwe.spark`
    and the DuckDB streaming reader share): one engine call for the patients of the partition
    (and a second, small one for its last patient, whom the wrapper holds back in case the next
    batch continues it). The result has the same rows and values as :func:`msrwe.detect_events`
    on the same data.

    Parameters
    ----------
    visits
        Dask DataFrame with ``patient_id``, ``date`` and the outcome's columns. Patient ids are
        compared as text; dates (``datetime64``, ``datetime.date``, Arrow ``date32`` or
        ISO text ``YYYY-MM-DD``) are read as calendar days. Of a patient's two visits on one
        day, the engine keeps the later in the input (by partition, then row), as on one machine.
    relapses
        Dask DataFrame with ``patient_id`` and ``onset_date``, or None.
    outcome, value_col
        As in :func:`msrwe.detect_events`.
    partitions
        Number of partitions after the shuffle (default: as many as ``visits`` has).
    shuffle_method
        Dask's shuffle method (``"tasks"``, ``"disk"``, ``"p2p"``); by default Dask's choice
        (``"disk"`` on the local schedulers, ``"p2p"`` on a distributed cluster).
    **options
        Every other option of :func:`msrwe.detect_events` (msprog's names), except
        ``return_unconfirmed`` and ``0 < impute_last_visit < 1``.

    Returns
    -------
    dask.dataframe.DataFrame
        One row per event, with the columns of ``msrwe.detect_events(...).events`` as Arrow-backed
        pandas columns (``pd.ArrowDtype``: dates stay dates, counts stay integers). Dask
        evaluates it lazily: the engine runs on ``.compute()``, ``.to_parquet(...)`` and the like.

    Raises
    ------
    msrwe.errors.MissingExtraError
        When Dask is not installed.
    msrwe.errors.InputError
        When a column the engine needs is missing or has the wrong type.
    msrwe.errors.OptionError
        For an option the engine does not accept (checked before any task runs).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import polars as pl
    >>> import msrwe, msrwe.dask
    >>> t = msrwe.make_cohort(50, seed=1)
    >>> visits = dd.from_pandas(t["visits"].to_pandas(), npartitions=2)
    >>> relapses = dd.from_pandas(t["relapses"].to_pandas(), npartitions=1)
    >>> events = msrwe.dask.detect_events(visits, relapses, outcome="edss", event="multiple")
    >>> ref = msrwe.detect_events(t["visits"], t["relapses"], outcome="edss",
    ...                           event="multiple").events
    >>> got = pl.from_pandas(events.compute())
    >>> got.sort("patient_id", "nevent").equals(ref.sort("patient_id", "nevent"))
    True
    """
    dd_ = require_dask("dask.dataframe")
    cols = list(outcome_columns(outcome, value_col))
    if options.get("validconf_col"):
        cols.append(options["validconf_col"])
    value_types = _value_types(visits, cols, "visits")
    stacked_types = {"patient_id": pl.String, "date": pl.Date, KIND_COLUMN: pl.String,
                     **value_types}
    sample = pl.DataFrame(schema=stacked_types)
    ordered = sample.with_columns(pl.lit(0, dtype=pl.Int64).alias(_ORDER))
    stacked_meta = ordered.to_arrow().to_pandas(types_mapper=pd.ArrowDtype)
    parts = [visits[["patient_id", "date", *cols]].map_partitions(
        _stacked_rows, kind="visit", date_col="date", value_types=value_types, meta=stacked_meta,
    )]
    if relapses is not None:
        missing = [c for c in ("patient_id", "onset_date") if c not in relapses.columns]
        if missing:
            raise InputError(f"the relapses lack the column(s) {missing} that the engine needs.")
        parts.append(relapses[["patient_id", "onset_date"]].map_partitions(
            _stacked_rows, kind="relapse", date_col="onset_date", value_types=value_types,
            meta=stacked_meta,
        ))
    stacked = dd_.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    stacked = stacked.shuffle(on="patient_id", npartitions=partitions or visits.npartitions,
                              ignore_index=True, shuffle_method=shuffle_method)
    opts = {"outcome": outcome, "value_col": value_col, **options}
    # Both check the options here, before any task runs: the engine's own checks, and the
    # wrapper's refusal of the options that depend on the whole table (an empty run).
    schema = events_schema(sample, **opts)
    list(detect_events_batched((), schema=schema, **opts))
    meta = schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    return stacked.map_partitions(_partition_events, schema=schema, options=opts, meta=meta)
