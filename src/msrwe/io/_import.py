r"""Importing a folder of chart files: read, validate, quarantine, and store atomically.

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.io import import_folder
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "patients.csv").write_text("patient_id,phenotype\nA1,SPMS\nA2,PPMS\n")
>>> _ = (folder / "visits.csv").write_text("patient_id,date,edss\nA1,2015-01-01,6.0\nA2,2015-01-01,0.5\n")
>>> summary = import_folder(folder, folder / "msrwe.duckdb")
>>> summary.to_json_dict()["tables"]["visits"]
{'read': 2, 'imported': 1, 'quarantined': 1, 'extra_columns': []}
>>> summary.quarantined_by_rule
{'edss_half_step': 1}
"""  # noqa: E501

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from msrwe._version import __version__
from msrwe.errors import ImportRefused, OptionError
from msrwe.io._batched import check_batches
from msrwe.io._cross import cross_check
from msrwe.io._frames import ROW, empty_problems, sort_problems
from msrwe.io._links import patient_links
from msrwe.io._mapping import Mapping, load_mapping
from msrwe.io._merge import merge_with_store
from msrwe.io._names import name_key, table_of_name
from msrwe.io._read import SUFFIXES, Unbatched, file_type, read_raw
from msrwe.io._reconcile import ROW_NUMBERS, Rechecked
from msrwe.io._validate import CheckedTable, check_table, make_plan
from msrwe.schema import BOOKKEEPING, CONTRACT

__all__ = [
    "ChartFolder",
    "IgnoredFile",
    "ImportSummary",
    "TableSummary",
    "import_folder",
    "read_chart_folder",
]


@dataclass(frozen=True)
class TableSummary:
    """The accounting of one imported table: rows read = imported + quarantined.

    Parameters
    ----------
    table
        The chart table.
    file
        The file it came from.
    sha256
        The file's SHA-256.
    read, imported, quarantined
        Row counts (blank rows are skipped and not counted).
    extra_columns
        Columns the contract does not name, kept as text.
    warnings
        Rows imported with a warning.
    sheet
        The sheet read, for an Excel workbook.
    """

    table: str
    file: str
    sha256: str
    read: int
    imported: int
    quarantined: int
    extra_columns: tuple[str, ...] = ()
    warnings: int = 0
    sheet: str | None = None


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, table by table.

    Parameters
    ----------
    tables
        Table name -> :class:`TableSummary`, in contract order.
    quarantined_by_rule
        Rule code -> number of quarantine entries (a row that breaks two rules counts twice).
    db
        The store written, or ``None`` when nothing was written (:func:`read_chart_folder`).
    ignored
        Every other entry of the folder, with the reason it was not read.
    rechecked
        The store's tables that the folder did not hold and whose rows changed when the rules
        across tables were checked again (a patient gone or back): table -> what changed.
    """

    tables: dict[str, TableSummary]
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)
    db: Path | None = None
    ignored: tuple[IgnoredFile, ...] = ()
    rechecked: dict[str, Rechecked] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The summary as ``msrwe import --json`` prints it.

        Returns
        -------
        dict
            ``{"tables": {name: {"read", "imported", "quarantined", "extra_columns"}},
            "quarantined_by_rule": {rule: n}, "ignored": [{"file", "reason"}],
            "rechecked": {name: {"file", "imported", "released", "quarantined"}}}``; a table
            read from a workbook also has ``"sheet"``.
        """
        tables: dict[str, Any] = {}
        for name, t in self.tables.items():
            tables[name] = {
                "read": t.read,
                "imported": t.imported,
                "quarantined": t.quarantined,
                "extra_columns": list(t.extra_columns),
            }
            if t.sheet is not None:
                tables[name]["sheet"] = t.sheet
        return {
            "tables": tables,
            "quarantined_by_rule": dict(self.quarantined_by_rule),
            "ignored": [{"file": i.file, "reason": i.reason} for i in self.ignored],
            "rechecked": {
                name: {
                    "file": r.file,
                    "imported": r.imported,
                    "released": r.released,
                    "quarantined": r.quarantined,
                }
                for name, r in self.rechecked.items()
            },
        }


@dataclass(frozen=True)
class ChartFolder:
    """A validated folder of chart files, ready to store.

    Parameters
    ----------
    tables
        Table name -> the imported rows (typed contract columns in contract order, then extras).
    quarantine
        Every broken rule of every row, in the columns of the store's ``quarantine`` table.
    warnings
        Rows imported but flagged, in the same columns.
    summary
        The accounting per table.
    checked
        Each table after its own rules (before the rules across tables), which the store keeps
        so that a later import can check the rules across tables again.
    """

    tables: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    summary: ImportSummary
    checked: dict[str, CheckedTable] = field(default_factory=dict)
    #: Tables already written to a staged store as they were checked (``import_folder``), which
    #: ``tables`` does not hold: name -> the row numbers of their rows quarantined.
    spilled: dict[str, list[int]] = field(default_factory=dict)
    #: Of those, the rows that passed the table's own rules but broke a rule across tables
    #: (the store keeps them to check again after a later import).
    held: dict[str, list[int]] = field(default_factory=dict)

    def kept_for_rechecks(self) -> dict[str, pl.DataFrame]:
        """What the store keeps so that a later import can check the rules across tables again.

        For each table: ``NAME`` holds the rows that passed the table's own rules but broke a
        rule across tables (they can come back), and ``NAME__row_numbers`` the row number of
        each imported row, in the order of the stored table. See :mod:`msrwe.io._reconcile`.
        """
        out: dict[str, pl.DataFrame] = {}
        for name, c in self.checked.items():
            if name in self.spilled:  # the staged store gives them (StagedImport.settle)
                continue
            own = c.failures.get_column("row_number").unique().implode()
            stored = self.tables[name].height
            failed = self.quarantine.filter(pl.col("table_name") == name)
            failed = failed.get_column("row_number").unique().implode()
            out[name] = c.frame.filter(~pl.col(ROW).is_in(own) & pl.col(ROW).is_in(failed))
            rows = c.frame.filter(~pl.col(ROW).is_in(failed)).select(ROW)
            if rows.height != stored:  # the same filter as the stored table
                raise AssertionError(f"{name}: {rows.height} row numbers for {stored} rows")
            out[f"{name}{ROW_NUMBERS}"] = rows
        return out

    def import_log(self, imported_at: str) -> pl.DataFrame:
        """One provenance row per table, as the store's ``import_log`` holds it."""
        rows = [
            {
                "table_name": t.table,
                "file": t.file,
                "sha256": t.sha256,
                "rows_read": t.read,
                "rows_imported": t.imported,
                "rows_quarantined": t.quarantined,
                "extra_columns": ", ".join(t.extra_columns),
                "imported_at": imported_at,
                "msrwe_version": __version__,
            }
            for t in self.summary.tables.values()
        ]
        return pl.DataFrame(rows, schema=IMPORT_LOG_SCHEMA)


#: Columns of the store's ``import_log`` (declared in ``msrwe.schema.BOOKKEEPING``).
IMPORT_LOG_SCHEMA: dict[str, pl.DataType] = BOOKKEEPING["import_log"].polars_schema()


@dataclass(frozen=True)
class IgnoredFile:
    """A file of the chart folder that was not imported, and why.

    Parameters
    ----------
    file
        The name in the folder.
    reason
        Why it was not read, in words (with "did you mean" for a near-miss of a table name).
    """

    file: str
    reason: str


def _split_name(name: str) -> tuple[str, str]:
    """``visits.csv.gz`` -> (``visits``, ``.csv.gz``); ``Visits.XLSX`` -> ``.xlsx``."""
    suffix = file_type(name)
    return (name[: -len(suffix)], suffix) if suffix else (name, "")


def _did_you_mean(stem: str) -> str:
    key = name_key(stem)
    close = difflib.get_close_matches(key, CONTRACT.names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _why_ignored(path: Path) -> str | None:
    """Why a folder entry is not a chart file, or ``None`` when it may be one."""
    name = path.name
    stem, suffix = _split_name(name)
    table = table_of_name(stem.lstrip("."))
    like = f" (named like the {table} table)" if table else ""
    if name.startswith("~$"):
        return "Excel's lock file of an open workbook"
    if name.startswith("."):
        return f"a hidden file{like}; rename it without the leading dot to import it"
    if path.is_symlink() and not path.exists():
        return f"a link to a file that does not exist{like}"
    if path.is_dir():
        return f"a folder{like}; the importer reads files, not folders"
    if not path.is_file():
        return "not a regular file"
    if suffix not in SUFFIXES:
        kinds = "CSV, TSV, TXT (also .gz), XLSX, XLS or Parquet"
        if table:
            return f"files of type {suffix or '(none)'} are not read{like}; export it as {kinds}"
        return f"not a chart table (files of type {suffix or '(none)'} are not read)"
    if table is None:
        return f"the name is not a chart table{_did_you_mean(stem)}"
    return None


def find_table_files(
    folder: Path, mapping: Mapping
) -> tuple[dict[str, Path], tuple[IgnoredFile, ...]]:
    """Which file holds which chart table (patients first), and every other file with the reason.

    A file is a chart table when its name, without the file type, is a table name up to case,
    "-" or spaces for "_", and a plural "s" (``Relapse.csv``, ``adverse-events.csv.gz``).

    Raises
    ------
    ImportRefused
        When the folder is missing, two files claim one table, or there is no patients table.
    """
    if not folder.exists():
        raise ImportRefused(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ImportRefused(f"{folder}: not a folder; give the folder that holds the chart files")
    found: dict[str, Path] = {}
    named = {t: m.file for t, m in mapping.tables.items() if m.file}
    for table, name in named.items():
        path = folder / name
        if not path.is_file():
            raise ImportRefused(
                f"the mapping ({mapping.source}) says {table} is in {name!r}, but {folder} has "
                "no such file"
            )
        found[table] = path
    claimed = {p.resolve() for p in found.values()}
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise ImportRefused(f"{folder}: cannot list the folder ({exc.strerror or exc})") from exc
    ignored: list[IgnoredFile] = []
    for path in entries:
        if path.exists() and path.resolve() in claimed:
            continue
        reason = _why_ignored(path)
        if reason is not None:
            ignored.append(IgnoredFile(path.name, reason))
            continue
        table = table_of_name(_split_name(path.name)[0])
        assert table is not None  # _why_ignored said it is a table's file
        if table in named:
            ignored.append(IgnoredFile(
                path.name, f"the mapping reads {table} from {named[table]!r} instead"
            ))
            continue
        if table in found:
            raise ImportRefused(
                f"{folder}: both {found[table].name} and {path.name} hold the {table} table; "
                "keep one of them"
            )
        found[table] = path
    if "patients" not in found:
        raise ImportRefused(
            f"{folder}: no patients table (patients.csv, .xlsx or .parquet); it is required"
            + "".join(f"; {i.file}: {i.reason}" for i in ignored if "patient" in i.file.lower())
        )
    return {name: found[name] for name in CONTRACT.names if name in found}, tuple(ignored)


def _a_path(value: object, name: str, function: str) -> str | Path:
    """``value`` when it is a path (text or :class:`~pathlib.Path`), else an OptionError."""
    if isinstance(value, str | Path) and str(value).strip():
        return value
    raise OptionError(
        f"The {name!r} parameter of {function} must be a path (a str or pathlib.Path). "
        f"Got {value!r} instead.",
        option=name,
        rule=f"must be a path (a str or pathlib.Path). Got {value!r} instead.",
    )


def read_chart_folder(
    folder: str | Path, mapping: str | Path | Mapping | None = None
) -> ChartFolder:
    r"""Read and validate every chart table of a folder without writing anything.

    Parameters
    ----------
    folder
        The folder of chart files (``patients.csv``, ``visits.xlsx``, ...).
    mapping
        A mapping file (TOML) or :class:`~msrwe.io.Mapping` adapting a site's export.

    Returns
    -------
    ChartFolder
        The rows to import, the quarantine, the warnings and the accounting.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "patients.csv").write_text("patient_id,sex\nA1,F\nA2,female\n")
    >>> chart = read_chart_folder(folder)
    >>> chart.tables["patients"]["patient_id"].to_list()
    ['A1']
    >>> chart.quarantine.select("row_number", "column_name", "rule").row(0)
    (3, 'sex', 'not_allowed')

    Raises
    ------
    ImportRefused
        On a fatal problem (missing folder, unreadable or binary file, not a table, a required
        column missing), naming the file.
    MappingError
        When the mapping file is malformed.
    """
    return _read_chart_folder(folder, mapping)


def _read_chart_folder(
    folder: str | Path, mapping: str | Path | Mapping | None, spill: Any = None
) -> ChartFolder:
    """:func:`read_chart_folder`, or with ``spill`` the reading of ``import_folder``.

    ``spill`` is a :class:`msrwe.store._write.StagedImport`: every table but patients is written
    to the staged store as soon as it is checked, and only what the rules across tables need of
    it is kept in memory (see ``ChartFolder.spilled``).
    """
    folder = Path(_a_path(folder, "folder", "read_chart_folder"))
    if mapping is None:
        mapping = Mapping()
    elif isinstance(mapping, str | Path):
        mapping = load_mapping(mapping)
    elif not isinstance(mapping, Mapping):
        raise OptionError(
            "The 'mapping' parameter of read_chart_folder must be a path to a TOML file, a "
            f"Mapping or None. Got {mapping!r} instead."
        )
    files, ignored = find_table_files(folder, mapping)
    dates = (mapping.earliest_date, mapping.latest_date or date.today())
    checked: dict[str, CheckedTable] = {}
    sheets: dict[str, str | None] = {}
    for name, path in files.items():
        tmap = mapping.table(name)
        raw = read_raw(path, name, tmap.sheet, native=True, batched=True)
        sheets[name] = raw.sheet
        sink = spill.sink(name) if spill is not None and name != "patients" else None
        streamed = False
        try:
            if raw.batches is not None:
                plan = make_plan(raw, CONTRACT[name], tmap, dates)
                if sink is None:
                    checked[name] = check_batches(plan, raw)
                else:  # each batch's rows are written as soon as they are checked
                    checked[name] = check_batches(plan, raw, sink)
                    streamed = True
            else:
                checked[name] = check_table(raw, CONTRACT[name], tmap, dates)
        except Unbatched:  # read in batches, the file could differ from the whole: read it whole
            raw = read_raw(path, name, tmap.sheet, native=True)
            checked[name] = check_table(raw, CONTRACT[name], tmap, dates)
        del raw  # the text copy of a large file is not needed any more
        if sink is not None and not streamed:
            checked[name] = _spill(spill, checked[name])
    cross = cross_check(checked)
    tables: dict[str, pl.DataFrame] = {}
    summaries: dict[str, TableSummary] = {}
    quarantine_parts = [empty_problems()]
    warning_parts = [empty_problems()]
    spilled: dict[str, list[int]] = {}
    held: dict[str, list[int]] = {}
    for name, c in checked.items():
        failures = pl.concat([c.failures, cross[name]])
        failed_rows = failures.get_column("row_number").unique()
        if spill is not None and name != "patients":
            spilled[name] = failed_rows.drop_nulls().sort().to_list()
            held[name] = cross[name].get_column("row_number").unique().drop_nulls().sort().to_list()
        if failed_rows.len():
            warnings = c.warnings.filter(
                pl.col("row_number").is_null() | ~pl.col("row_number").is_in(failed_rows.implode())
            )
        else:
            warnings = c.warnings
        if name in spilled:  # stored already: only counted (no copy of a registry's table)
            out = c.frame.get_column(ROW).is_in(failed_rows.implode()).sum()
            imported = c.frame.height - int(out)
        else:
            kept = c.frame
            if failed_rows.len():
                kept = kept.filter(~pl.col(ROW).is_in(failed_rows.implode()))
            tables[name] = kept.drop(ROW)
            imported = kept.height
        quarantine_parts.append(failures)
        warning_parts.append(warnings)
        summaries[name] = TableSummary(
            table=name,
            file=c.file,
            sha256=c.sha256,
            read=c.rows_read,
            imported=imported,
            quarantined=failed_rows.len(),
            extra_columns=c.extra_columns,
            warnings=warnings.get_column("row_number").n_unique(),
            sheet=sheets[name],
        )
    quarantine = sort_problems(pl.concat(quarantine_parts))
    by_rule = quarantine.group_by("rule").len().sort(["len", "rule"], descending=[True, False])
    summary = ImportSummary(
        summaries, dict(zip(by_rule["rule"], by_rule["len"], strict=True)), ignored=ignored
    )
    return ChartFolder(
        tables, quarantine, sort_problems(pl.concat(warning_parts)), summary, checked, spilled,
        held,
    )


def _spill(spill: Any, c: CheckedTable) -> CheckedTable:
    """Write the rows of ``c`` that passed its own rules to the staged store.

    What is kept is what the rules across tables and the quarantine's patient links need: the
    patient, the dates and the row number of every row.
    """
    frame = c.frame
    if c.failures.height:
        own = c.failures.get_column("row_number").unique().implode()
        frame = frame.filter(~pl.col(ROW).is_in(own))
    spill.spill(c.table.name, frame)
    del frame
    slim = [n for n in ("patient_id", *c.table.date_columns) if n in c.frame.columns]
    return replace(c, frame=c.frame.select(*slim, ROW))


def import_folder(
    folder: str | Path,
    db: str | Path = "msrwe.duckdb",
    *,
    mapping: str | Path | Mapping | None = None,
) -> ImportSummary:
    r"""Import a folder of chart files into the store, quarantining every row that breaks a rule.

    The tables of the folder (and their quarantine, warning and log rows) replace those of the
    store in one transaction, on a copy of the store renamed over it at the end: each table is
    written to the copy as soon as it is checked, so that a registry's tables are never all in
    memory at once. Tables the folder does not contain are kept. A fatal problem leaves the store
    exactly as it was.

    Parameters
    ----------
    folder
        The folder of chart files.
    db
        The DuckDB store (created when missing).
    mapping
        A mapping file (TOML) or :class:`~msrwe.io.Mapping` adapting a site's export.

    Returns
    -------
    ImportSummary
        Rows read, imported and quarantined per table, and quarantine entries per rule.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from msrwe.store import read_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "patients.csv").write_text("patient_id\nA1\n")
    >>> text = "patient_id,onset_date\nA1,2015-01-01\nB2,2016-01-01\n"
    >>> _ = (folder / "relapses.csv").write_text(text)
    >>> summary = import_folder(folder, folder / "msrwe.duckdb")
    >>> summary.tables["relapses"].imported, summary.tables["relapses"].quarantined
    (1, 1)
    >>> read_table(folder / "msrwe.duckdb", "quarantine")["rule"].to_list()
    ['unknown_patient']

    Raises
    ------
    ImportRefused
        On a fatal problem with a chart file, naming the file.
    MappingError
        When the mapping is malformed.
    StoreError
        When the store cannot be written (locked, not a DuckDB file).
    """
    from msrwe.store._write import staged_import

    _a_path(db, "db", "import_folder")
    _a_path(folder, "folder", "import_folder")
    # Each table is written to a staged copy of the store as soon as it is checked (so that a
    # registry's tables are never all in memory at once); the copy replaces the store only when
    # everything is written.
    with staged_import(db) as staged:
        chart = _read_chart_folder(folder, mapping, staged)
        m = merge_with_store(db, chart, chart)
        for name, failed in chart.spilled.items():
            m.checked[name] = staged.settle(name, failed, chart.held.get(name, []))
            # the row number of each stored row, in the order of the stored table
            rows = chart.checked[name].frame.select(ROW)
            if failed:
                rows = rows.filter(~pl.col(ROW).is_in(pl.Series(failed, dtype=pl.Int64)
                                                      .implode()))
            m.checked[f"{name}{ROW_NUMBERS}"] = rows
        # the patient of each quarantined row: this folder's rows, and those of the stored
        # tables checked again (their earlier links are kept by write_import)
        links = m.with_rechecked_links(
            patient_links({name: c.frame for name, c in chart.checked.items()}, m.quarantine))
        staged.write(
            tables=m.tables,
            quarantine=m.quarantine,
            warnings=m.warnings,
            import_log=m.import_log,
            checked=m.checked,
            patient_links=links,
            replaced=set(m.tables) | set(chart.spilled),
        )
    s = chart.summary
    return ImportSummary(s.tables, s.quarantined_by_rule, Path(db), s.ignored, m.rechecked)
