"""A registry-sized synthetic cohort written in blocks of patients, appended to each file.

Up to :data:`SINGLE_DRAW_MAX` patients the cohort is drawn in one go, exactly as before (the same
seed gives the same bytes as every earlier msrwe). Above it, holding a million patients' tables
at once would need about 19 GB, so the cohort is drawn in blocks of at most
:data:`CHUNK_PATIENTS` patients, each block appended to every file before the next is drawn
(peak memory that of one block, about 2 GB). A block is the generator of :func:`make_cohort`
run with its own seed, derived from the cohort's seed and the block's number
(:class:`numpy.random.SeedSequence`), so the files are the same for the same seed, but they are
not the first blocks of a one-go draw: shares that the generator fixes exactly (67:16
SPMS:PPMS, the rituximab switches) hold per block. Patient identifiers are numbered across
blocks (``P0000001`` ... ``P1000000``: one width for the whole cohort, so the files stay sorted
by patient). With ``dirty`` the chart errors are planted once, in the last block, and the
manifest's row numbers count every row written before them; the "unknown patient" is numbered
beyond the last patient.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from msrwe.synth._contract import TABLE_NAMES

__all__ = ["CHUNK_PATIENTS", "SINGLE_DRAW_MAX", "block_seed", "block_sizes", "write_blocks"]

#: Up to this many patients, one draw (the output of every earlier msrwe).
SINGLE_DRAW_MAX = 200_000
#: The largest block of a larger cohort.
CHUNK_PATIENTS = 100_000


def block_sizes(n: int, chunk: int = CHUNK_PATIENTS) -> list[int]:
    """Patients per block: as even as possible, none above ``chunk``.

    Examples
    --------
    >>> block_sizes(250_000)
    [83334, 83333, 83333]
    >>> sum(block_sizes(1_000_000)), len(block_sizes(1_000_000))
    (1000000, 10)
    """
    k = -(-n // chunk)
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def block_seed(seed: int, block: int) -> int:
    """The seed of one block, derived from the cohort's seed and the block's number.

    Examples
    --------
    >>> block_seed(2019, 0) == block_seed(2019, 0) != block_seed(2019, 1)
    True
    """
    return int(np.random.SeedSequence([int(seed), int(block)]).generate_state(1, np.uint64)[0])


def _renumber(frame: pl.DataFrame, offset: int, width: int) -> pl.DataFrame:
    """``patient_id`` (a letter and a number) numbered from ``offset``, ``width`` digits."""
    if "patient_id" not in frame.columns:
        return frame
    pid = pl.col("patient_id")
    return frame.with_columns(
        (pid.str.slice(0, 1) + (pid.str.slice(1).cast(pl.Int64) + offset).cast(pl.String)
         .str.zfill(width)).alias("patient_id"))


class _Appender:
    """One file per table, each block appended (CSV: header once; Parquet: one row group)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.rows = 0
        self._fh: Any = None
        self._writer: Any = None

    def append(self, frame: pl.DataFrame) -> None:
        if self.fmt == "csv":
            if self._fh is None:
                self._fh = self.path.open("wb")
            frame.write_csv(self._fh, include_header=self.rows == 0)
        else:
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, table.schema, write_statistics=False)
            self._writer.write_table(table)
        self.rows += frame.height

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._writer is not None:
            self._writer.close()


@contextlib.contextmanager
def _appenders(folder: Path, fmt: str) -> Iterator[dict[str, _Appender]]:
    files = {name: _Appender(folder / f"{name}.{fmt}", fmt) for name in TABLE_NAMES}
    try:
        yield files
    finally:
        for f in files.values():
            f.close()


def write_blocks(
    folder: Path, n: int, *, draw: Callable[[int, int], dict[str, pl.DataFrame]], seed: int,
    dirty: bool, fmt: str, progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Path], pl.DataFrame | None]:
    """Draw and append the cohort block by block; return the files and the dirty manifest.

    ``draw(patients, seed)`` is the clean cohort of one block (:func:`make_cohort`). The caller
    checked the options and wrote the synthetic-data note.
    """
    from msrwe.synth._dirty import make_dirty

    sizes = block_sizes(n, CHUNK_PATIENTS)
    width = len(str(n))
    manifest: pl.DataFrame | None = None
    offset = 0
    with _appenders(folder, fmt) as files:
        for b, size in enumerate(sizes):
            last = b == len(sizes) - 1
            tables = draw(size, block_seed(seed, b))
            if dirty and last:
                tables, manifest = make_dirty(tables, block_seed(seed, b))
                before = {name: files[name].rows for name in TABLE_NAMES}
                renumbered = pl.when(pl.col("column") == "patient_id").then(
                    pl.col("value").str.slice(0, 1)
                    + (pl.col("value").str.slice(1).cast(pl.Int64, strict=False) + offset)
                    .cast(pl.String).str.zfill(width)).otherwise(pl.col("value"))
                manifest = manifest.with_columns(
                    (pl.col("row_number")
                     + pl.col("table").replace_strict(before, return_dtype=pl.Int64))
                    .cast(manifest.schema["row_number"]),
                    renumbered.fill_null(pl.col("value")).alias("value"))
            for name in TABLE_NAMES:
                files[name].append(_renumber(tables[name], offset, width))
            del tables
            offset += size
            if progress is not None:
                progress(offset, n)
    return [folder / f"{name}.{fmt}" for name in TABLE_NAMES], manifest
