r"""Chart tables built in memory (from REDCap, OMOP, FHIR) -> the store, through the same rules.

A source reader turns its records into the contract's tables as text (one frame per chart table,
contract column names) and hands them here: every cell goes through the same typing, rules,
rules across tables, quarantine and accounting as a folder of CSV files
(:func:`msrwe.io.import_folder`). Two optional hidden columns tell where each row came from:

- :data:`ORIGIN` (text): the row's place in the source, as a clinician would look it up
  (``record 12, event month_6_arm_1, instance 2``); every quarantine and warning message of the
  row starts with it.
- :data:`SOURCE_ROW` (integer): the row's number in the source file (a REDCap export's line,
  an OMOP table's id); it becomes the ``row_number`` of the row's quarantine entries.

Examples
--------
>>> import polars as pl
>>> frames = {
...     "patients": pl.DataFrame({"patient_id": ["A1"], ORIGIN: ["record A1"]}),
...     "visits": pl.DataFrame({"patient_id": ["A1", "A1"], "date": ["2015-01-01", "2015-06-01"],
...                             "edss": ["6.0", "0.5"], ORIGIN: ["record A1, instance 1",
...                             "record A1, instance 2"], SOURCE_ROW: [3, 4]}),
... }
>>> result = read_frames(frames, source="export.csv")
>>> result.chart.quarantine.select("file", "row_number", "column_name").row(0)
('export.csv', 4, 'edss')
>>> result.chart.quarantine["message"][0][:31]
'record A1, instance 2: EDSS 0.5'
>>> result.rows["visits"]["status"].to_list()
['imported', 'quarantined']
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import polars as pl

from msrwe.errors import ImportRefused, OptionError
from msrwe.io._cross import cross_check
from msrwe.io._frames import ROW, sort_problems
from msrwe.io._import import ChartFolder, ImportSummary, TableSummary, merge_with_store
from msrwe.io._links import patient_links
from msrwe.io._mapping import Mapping
from msrwe.io._read import RawFile
from msrwe.io._validate import CheckedTable, check_table
from msrwe.schema import CONTRACT

__all__ = [
    "ORIGIN",
    "SOURCE_ROW",
    "FramesImport",
    "SourceCount",
    "count_sources",
    "file_sha256",
    "import_frames",
    "read_frames",
]

#: Hidden column: where a row came from, in words (prefixes each of its problem messages).
ORIGIN = "__msrwe_origin"
#: Hidden column: the row's number in the source file (the quarantine's ``row_number``).
SOURCE_ROW = "__msrwe_source_row"

_ROW_REFS = re.compile(r"\brows? (\d+(?:, \d+)*)")


@dataclass(frozen=True)
class SourceCount:
    """The accounting of one source table or form: read = imported + quarantined + ignored.

    Parameters
    ----------
    source
        The source table, form or resource type (``visits_form``, ``measurement``).
    read
        Records read.
    imported
        Records whose chart rows were all imported.
    quarantined
        Records with a chart row that broke a rule.
    ignored
        Records that gave no chart row (an unused instrument, a concept the mapping does not
        name, an incomplete form skipped on request).
    """

    source: str
    read: int
    imported: int
    quarantined: int
    ignored: int

    def to_json_dict(self) -> dict[str, int]:
        """The four counts as a dictionary."""
        return {
            "read": self.read,
            "imported": self.imported,
            "quarantined": self.quarantined,
            "ignored": self.ignored,
        }


@dataclass(frozen=True)
class FramesImport:
    """What :func:`read_frames` validated, and what became of each row handed to it.

    Parameters
    ----------
    chart
        The rows to store, the quarantine (row numbers and messages of the source), the warnings
        and the accounting per chart table, as :func:`msrwe.io.read_chart_folder` gives them.
    rows
        Chart table -> one row per row of the frame handed in, in the same order: ``source_row``,
        ``origin`` and ``status`` (``imported``, ``quarantined`` or ``blank``: a row with no
        value, skipped as a CSV's blank lines are).
    internal
        The same chart numbered as handed in (row 2 = the frame's first row), as the store keeps
        it for checking the rules across tables again after a later import.
    """

    chart: ChartFolder
    rows: dict[str, pl.DataFrame]
    internal: ChartFolder | None = field(default=None, repr=False)


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    casts = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            continue
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.to_string("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            casts.append(pl.col(name).replace_strict({True: "true", False: "false"},
                                                     return_dtype=pl.String))
        else:
            casts.append(pl.col(name).cast(pl.String))
    return frame.with_columns(casts) if casts else frame


def _flag_rows(found: pl.DataFrame, severity: str, table: str, file: str) -> pl.DataFrame:
    rows = found.filter(pl.col("severity") == severity)
    return rows.select(
        pl.lit(table, dtype=pl.String).alias("table_name"),
        pl.lit(file, dtype=pl.String).alias("file"),
        (pl.col("index").cast(pl.Int64) + 2).alias("row_number"),
        *[pl.col(c).cast(pl.String) for c in ("column_name", "value", "rule", "message")],
    )


def _renumber(
    problems: pl.DataFrame, lookup: dict[str, pl.DataFrame], named: dict[str, str]
) -> pl.DataFrame:
    """Row numbers of the source and the row's origin in front of every message."""
    if problems.height == 0:
        return problems
    parts = []
    for (table,), part in problems.group_by(["table_name"], maintain_order=True):
        look = lookup[str(table)]
        numbers = dict(zip(look[ROW].to_list(), look[SOURCE_ROW].to_list(), strict=True))

        def fix(text: str | None, numbers: dict[int, int | None] = numbers) -> str | None:
            if text is None:
                return None
            return _ROW_REFS.sub(
                lambda m: m.group(0).split(" ", 1)[0] + " " + ", ".join(
                    str(numbers.get(int(n)) or n) for n in m.group(1).split(", ")
                ),
                text,
            )

        joined = part.join(look, left_on="row_number", right_on=ROW, how="left")
        message = pl.col("message").map_elements(fix, return_dtype=pl.String)
        field = pl.col("column_name").replace_strict(named, default=None, return_dtype=pl.String)
        where = pl.concat_str(
            pl.col(ORIGIN),
            pl.when(field.is_not_null()).then(pl.concat_str(pl.lit(", field "), field)),
            ignore_nulls=True,
        )
        message = pl.when(where.is_not_null() & (where != "")).then(
            pl.concat_str(where, pl.lit(": "), message)
        ).otherwise(message)
        parts.append(joined.with_columns(
            pl.coalesce(SOURCE_ROW, "row_number").alias("row_number"), message.alias("message")
        ).select(problems.columns))
    return sort_problems(pl.concat(parts))


def read_frames(
    frames: dict[str, pl.DataFrame],
    *,
    source: str,
    files: dict[str, str] | None = None,
    mapping: Mapping | None = None,
    sha256: str = "",
    flags: dict[str, pl.DataFrame] | None = None,
    fields: dict[str, dict[str, str]] | None = None,
) -> FramesImport:
    """Validate chart tables built in memory, exactly as the rows of chart files are validated.

    Parameters
    ----------
    frames
        Chart table -> its rows, with contract column names (any other column is kept as an
        extra column, as in a file); cells may be text or typed. ``patients`` is required. The
        hidden columns :data:`ORIGIN` and :data:`SOURCE_ROW` say where each row came from.
    source
        What the rows were read from (a file name, a URL without its query), written in the
        ``file`` column of the quarantine and of ``import_log``.
    files
        Chart table -> a more precise ``file`` text for that table (default: ``source``).
    mapping
        Renames and recodes applied before the rules, as for a folder.
    sha256
        The SHA-256 of the source, for provenance (``import_log``).
    flags
        Chart table -> problems the source reader found itself (a code that is not a choice of
        the field), columns ``index`` (0-based row of the frame), ``column_name``, ``value``,
        ``rule``, ``message`` and ``severity`` (``quarantine``: the row is quarantined with the
        others; ``warning``: it is imported and listed in ``import_warnings``).
    fields
        Chart table -> contract column -> the source's own name for it; messages then name the
        source field (``record 3, field vis_edss: ...``).

    Returns
    -------
    FramesImport
        The validated chart and the fate of every row handed in.

    Raises
    ------
    ImportRefused
        When there is no patients table, a table is not in the contract, or a required column is
        missing.
    """
    if "patients" not in frames:
        raise ImportRefused(f"{source}: no patients were read; the patients table is required")
    unknown = sorted(set(frames) - set(CONTRACT.names))
    if unknown:
        raise OptionError(f"read_frames: {', '.join(unknown)} is not a chart table of the contract")
    mapping = mapping or Mapping()
    files = files or {}
    checked: dict[str, CheckedTable] = {}
    lookup: dict[str, pl.DataFrame] = {}
    for name in CONTRACT.names:
        if name not in frames:
            continue
        frame = frames[name]
        n = frame.height
        origin = frame[ORIGIN].cast(pl.String) if ORIGIN in frame.columns else pl.Series(
            ORIGIN, [None] * n, dtype=pl.String)
        src_row = frame[SOURCE_ROW].cast(pl.Int64) if SOURCE_ROW in frame.columns else pl.Series(
            SOURCE_ROW, [None] * n, dtype=pl.Int64)
        lookup[name] = pl.DataFrame({
            ROW: pl.int_range(2, n + 2, dtype=pl.Int64, eager=True),
            SOURCE_ROW: src_row,
            ORIGIN: origin,
        })
        values = _as_text(frame.drop([c for c in (ORIGIN, SOURCE_ROW) if c in frame.columns]))
        raw = RawFile(Path(files.get(name, source)), values, sha256=sha256)
        tmap = mapping.table(name)
        dates = (mapping.earliest_date, mapping.latest_date or date.today())
        c = check_table(raw, CONTRACT[name], tmap, dates)
        found = (flags or {}).get(name)
        if found is not None and found.height:
            c = replace(c, failures=pl.concat([c.failures, _flag_rows(found, "quarantine", name,
                                                                        raw.path.name)]),
                        warnings=pl.concat([c.warnings, _flag_rows(found, "warning", name,
                                                                     raw.path.name)]))
        checked[name] = c
    cross = cross_check(checked)
    tables: dict[str, pl.DataFrame] = {}
    summaries: dict[str, TableSummary] = {}
    quarantine, warnings, rows = [], [], {}
    inner_q, inner_w = [], []
    for name, c in checked.items():
        failures = pl.concat([c.failures, cross[name]])
        failed = failures.get_column("row_number").unique().implode()
        kept = c.frame.filter(~pl.col(ROW).is_in(failed))
        flagged = c.warnings.filter(
            pl.col("row_number").is_null() | ~pl.col("row_number").is_in(failed)
        )
        tables[name] = kept.drop(ROW)
        inner_q.append(failures)
        inner_w.append(flagged)
        named = (fields or {}).get(name, {})
        quarantine.append(_renumber(failures, lookup, named))
        warnings.append(_renumber(flagged, lookup, named))
        n_failed = failures.get_column("row_number").n_unique()
        summaries[name] = TableSummary(name, files.get(name, source), sha256, c.rows_read,
                                       kept.height, n_failed, c.extra_columns,
                                       flagged.get_column("row_number").n_unique())
        look = lookup[name]
        status = (
            pl.when(pl.col(ROW).is_in(failed)).then(pl.lit("quarantined"))
            .when(pl.col(ROW).is_in(c.frame[ROW].implode())).then(pl.lit("imported"))
            .otherwise(pl.lit("blank"))
        )
        rows[name] = look.select(
            pl.col(SOURCE_ROW).alias("source_row"), pl.col(ORIGIN).alias("origin"),
            status.alias("status"),
        )
    all_q = sort_problems(pl.concat(quarantine))
    by_rule = all_q.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    summary = ImportSummary(summaries, dict(zip(by_rule["rule"], by_rule["len"], strict=True)))
    chart = ChartFolder(tables, all_q, sort_problems(pl.concat(warnings)), summary, checked)
    internal = ChartFolder(tables, sort_problems(pl.concat(inner_q)),
                           sort_problems(pl.concat(inner_w)), summary, checked)
    return FramesImport(chart, rows, internal)


def import_frames(
    frames: dict[str, pl.DataFrame],
    db: str | Path,
    *,
    source: str,
    files: dict[str, str] | None = None,
    mapping: Mapping | None = None,
    sha256: str = "",
    flags: dict[str, pl.DataFrame] | None = None,
    fields: dict[str, dict[str, str]] | None = None,
) -> FramesImport:
    """Validate chart tables built in memory and store them, as :func:`msrwe.io.import_folder` does.

    The tables handed in (with their quarantine, warnings and ``import_log`` rows) replace those
    of the store in one transaction; the others are kept. Parameters are those of
    :func:`read_frames`, plus ``db``, the DuckDB store (created when missing).

    Returns
    -------
    FramesImport
        As :func:`read_frames`; ``chart.summary.db`` is the store written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from msrwe.store import read_table
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "msrwe.duckdb"
    >>> frames = {"patients": pl.DataFrame({"patient_id": ["A1", "A1"], SOURCE_ROW: [7, 9]})}
    >>> result = import_frames(frames, db, source="api")
    >>> read_table(db, "quarantine").select("row_number", "rule", "message").rows()
    [(9, 'duplicate_row', 'this row repeats row 7 exactly; the first is kept')]
    """
    from msrwe.store import write_import

    result = read_frames(frames, source=source, files=files, mapping=mapping, sha256=sha256,
                         flags=flags, fields=fields)
    chart, internal = result.chart, result.internal
    assert internal is not None
    # as import_folder does: the store's other tables are checked again against these patients
    m = merge_with_store(db, chart, internal)
    # the patient of each quarantined row (its ID after the mapping), under the row number the
    # quarantine gives it: the source's where the caller gave one, else its place (header = 1)
    given = {}
    for name, c in internal.checked.items():
        frame = frames[name]
        place = pl.int_range(2, frame.height + 2, dtype=pl.Int64, eager=True)
        source_row = (frame[SOURCE_ROW].cast(pl.Int64) if SOURCE_ROW in frame.columns
                      else pl.Series([None] * frame.height, dtype=pl.Int64))
        numbers = pl.DataFrame({ROW: place, "__msrwe_source": source_row})
        cols = ["patient_id"] if "patient_id" in c.frame.columns else []
        given[name] = c.frame.select(pl.col(ROW).cast(pl.Int64), *cols).join(
            numbers, on=ROW, how="left").select(
            pl.coalesce("__msrwe_source", ROW).alias(ROW), *cols)
    links = m.with_rechecked_links(patient_links(given, m.quarantine))
    write_import(db, tables=m.tables, quarantine=m.quarantine, warnings=m.warnings,
                 import_log=m.import_log, checked=m.checked, patient_links=links)
    s = chart.summary
    summary = ImportSummary(s.tables, s.quarantined_by_rule, Path(db), s.ignored, m.rechecked)
    done = ChartFolder(tables=m.tables, quarantine=m.quarantine, warnings=m.warnings,
                       summary=summary, checked=chart.checked)
    return FramesImport(done, result.rows, internal)


def count_sources(
    result: FramesImport, groups: dict[str, pl.Series], records: pl.DataFrame
) -> list[SourceCount]:
    """Read / imported / quarantined / ignored per source table, form or resource type.

    Parameters
    ----------
    result
        What :func:`read_frames` or :func:`import_frames` gave.
    groups
        Chart table -> the source record (an integer id, as in ``records``) each row of the frame
        handed in came from, in the frame's order.
    records
        Every record read: columns ``record`` (the integer id) and ``source`` (its source table
        or form). A record no chart row came from is counted as ignored.

    Returns
    -------
    list of SourceCount
        One per source, in order of first appearance in ``records``.
    """
    parts = [
        pl.DataFrame({"record": groups[name].cast(pl.Int64), "status": rows["status"]})
        for name, rows in result.rows.items()
        if name in groups
    ]
    fate = pl.concat(parts) if parts else pl.DataFrame(
        schema={"record": pl.Int64, "status": pl.String})
    fate = fate.group_by("record").agg(
        pl.when((pl.col("status") == "quarantined").any()).then(pl.lit("quarantined"))
        .when((pl.col("status") == "imported").any()).then(pl.lit("imported"))
        .otherwise(pl.lit("ignored")).alias("fate")
    )
    joined = records.with_columns(pl.col("record").cast(pl.Int64)).join(
        fate, on="record", how="left", maintain_order="left"
    ).with_columns(pl.col("fate").fill_null("ignored"))
    counts = joined.group_by("source", maintain_order=True).agg(
        pl.len().alias("read"),
        (pl.col("fate") == "imported").sum().alias("imported"),
        (pl.col("fate") == "quarantined").sum().alias("quarantined"),
        (pl.col("fate") == "ignored").sum().alias("ignored"),
    )
    return [SourceCount(**r) for r in counts.iter_rows(named=True)]


def file_sha256(data: bytes) -> str:
    """The SHA-256 of a source's bytes (hex), for ``import_log``."""
    return hashlib.sha256(data).hexdigest()
