"""Read / imported / quarantined / ignored per source table or resource type.

A source record (an OMOP row, a FHIR resource) may feed several chart rows, and a chart row may
come from several records (a visit from its EDSS, T25FW and SDMT). A record counts as quarantined
when any chart row it fed was quarantined, imported when one was imported, else ignored.

Examples
--------
>>> import polars as pl
>>> rows = {"visits": pl.DataFrame({"status": ["imported", "quarantined"]})}
>>> feeds = {"visits": pl.DataFrame({"index": [0, 1, 1], "record": [10, 11, 12]})}
>>> records = pl.DataFrame({"record": [10, 11, 12, 13], "source": ["m", "m", "o", "o"]})
>>> [tuple(c.to_json_dict().values()) for c in count_records(rows, feeds, records, ["m", "o"])]
[(2, 1, 1, 0), (2, 0, 1, 1)]
"""

from __future__ import annotations

import polars as pl

from msrwe.io import SourceCount

__all__ = ["count_records"]


def count_records(rows: dict[str, pl.DataFrame], feeds: dict[str, pl.DataFrame],
                  records: pl.DataFrame, sources: list[str]) -> list[SourceCount]:
    """Accounting per source, in the order of ``sources`` (a source with no record gives zeros).

    Parameters
    ----------
    rows
        Chart table -> ``status`` of each row handed to :func:`msrwe.io.read_frames`.
    feeds
        Chart table -> (``index`` of the chart row, ``record`` it used) pairs.
    records
        Every record read: ``record`` (integer) and ``source``.
    sources
        The sources to report.
    """
    parts = []
    for name, feed in feeds.items():
        status = rows[name].with_row_index("index").select(
            pl.col("index").cast(pl.Int64), "status")
        parts.append(feed.select(pl.col("index").cast(pl.Int64), pl.col("record").cast(pl.Int64))
                     .join(status, on="index", how="left").select("record", "status"))
    fate = (pl.concat(parts) if parts else pl.DataFrame(
        schema={"record": pl.Int64, "status": pl.String})).group_by("record").agg(
        pl.when((pl.col("status") == "quarantined").any()).then(pl.lit("quarantined"))
        .when((pl.col("status") == "imported").any()).then(pl.lit("imported"))
        .otherwise(pl.lit("ignored")).alias("fate"))
    joined = records.with_columns(pl.col("record").cast(pl.Int64)).join(
        fate, on="record", how="left", maintain_order="left").with_columns(
        pl.col("fate").fill_null("ignored"))
    counts = joined.group_by("source", maintain_order=True).agg(
        pl.len().alias("read"),
        (pl.col("fate") == "imported").sum().alias("imported"),
        (pl.col("fate") == "quarantined").sum().alias("quarantined"),
        (pl.col("fate") == "ignored").sum().alias("ignored"),
    )
    found = {r["source"]: SourceCount(**r) for r in counts.iter_rows(named=True)}
    return [found.get(s, SourceCount(s, 0, 0, 0, 0)) for s in sources]
