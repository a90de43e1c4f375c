r"""Which patient each quarantined row belongs to, for the store's ``quarantine_patients``.

The quarantine names a row by its table, file and row number and holds only the offending
value; the patient the row's ``patient_id`` names is kept beside it (the table
:data:`msrwe.store.CHECKED_SCHEMA` ``.quarantine_patients``, see
:func:`msrwe.store.write_import`) so that ``msrwe serve`` can list the patients who have data
problems. The ID is the row's own ``patient_id`` as read (after the mapping's renames), whether or
not that patient is in the store.

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.io import import_folder
>>> from msrwe.store import connect
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "patients.csv").write_text("patient_id\nA1\n")
>>> _ = (folder / "visits.csv").write_text("patient_id,date,edss\nA1,2015-01-01,12\n")
>>> _ = import_folder(folder, folder / "s.duckdb")
>>> with connect(folder / "s.duckdb") as con:
...     con.sql("select table_name, row_number, patient_id "
...             "from msrwe_checked.quarantine_patients").fetchall()
[('visits', 2, 'A1')]
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from msrwe.io._frames import ROW

__all__ = ["patient_links"]


def patient_links(
    frames: Mapping[str, pl.DataFrame], quarantine: pl.DataFrame, *, every_row: bool = True
) -> pl.DataFrame:
    """``table_name, row_number, patient_id`` of the quarantined rows of ``frames``.

    Parameters
    ----------
    frames
        Table name -> its rows with :data:`~msrwe.io._frames.ROW` (the row number the quarantine
        names) and ``patient_id`` (a table without it links nobody).
    quarantine
        The quarantine as it will be stored: only its rows are linked.
    every_row
        Give every quarantined row of the tables a link, null when ``frames`` does not name its
        patient (a table read anew: an earlier link of the same row number must not survive);
        ``False`` gives only the rows ``frames`` holds (a stored table checked again, whose
        other quarantined rows keep their earlier links).

    Returns
    -------
    polars.DataFrame
        One row per quarantined row linked (``patient_id`` null when blank or unknown).
    """
    schema = {"table_name": pl.String, "row_number": pl.Int64, "patient_id": pl.String}
    parts = [pl.DataFrame(schema=schema)]
    for name, frame in frames.items():
        rows = (quarantine.filter(pl.col("table_name") == name).select("row_number")
                .drop_nulls().unique())
        if "patient_id" in frame.columns and ROW in frame.columns:
            # only the quarantined rows are linked: filter before the (costly) unique
            ids = frame.select(pl.col(ROW).cast(pl.Int64).alias("row_number"),
                               pl.col("patient_id").cast(pl.String))
            ids = ids.filter(pl.col("row_number").is_in(rows.get_column("row_number").implode()))
            ids = ids.unique()
        else:
            ids = pl.DataFrame(schema={"row_number": pl.Int64, "patient_id": pl.String})
        linked = rows.join(ids, on="row_number", how="left" if every_row else "inner")
        parts.append(linked.select(pl.lit(name, dtype=pl.String).alias("table_name"),
                                   "row_number", "patient_id"))
    return pl.concat(parts)
