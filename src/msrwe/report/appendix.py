"""The report's appendix: the data-quality account of the import and the settings in force.

Both the analysis report and the data report end with it (:func:`appendix_sections`). Values that
identify a patient are withheld unless asked for, and with ``min_cell`` the counts of rows are
suppressed as the results are (:mod:`msrwe.privacy`).

Examples
--------
>>> print(settings_text({"report": {"min_cell": 5}}))
[report]
min_cell = 5
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from msrwe.report import tables as tb
from msrwe.report._section import Section
from msrwe.report.dataquality import (
    DataQuality,
    collapse_issues,
    summarize_issues,
    withhold_identifiers,
)
from msrwe.report.formatting import plural

__all__ = ["ISSUE_MAX_ROWS", "appendix_sections", "settings_text"]

#: Quarantined rows listed one by one in the appendix (all are summarised).
ISSUE_MAX_ROWS = 200


def settings_text(study: dict[str, Any], prefix: str = "") -> str:
    """The settings in force as TOML-like text (sections, then ``key = value``).

    Examples
    --------
    >>> print(settings_text({"cohort": {"drug": "methotrexate", "min_administrations": 18}}))
    [cohort]
    drug = "methotrexate"
    min_administrations = 18
    """
    lines: list[str] = []
    flat = {k: v for k, v in study.items() if not isinstance(v, dict)}
    for k, v in flat.items():
        lines.append(f"{k} = {_toml_value(v)}")
    for k, v in study.items():
        if isinstance(v, dict):
            name = f"{prefix}.{k}" if prefix else k
            if lines:
                lines.append("")
            lines.append(f"[{name}]")
            body = settings_text(v, name)
            lines.extend(body.splitlines())
    return "\n".join(lines)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    if v is None:
        return '""  # not set'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)


def _small(n: int, min_cell: int) -> str:
    return f"<{min_cell}" if 1 <= n < min_cell else str(n)


def _small_counts(frame: pl.DataFrame, min_cell: int) -> pl.DataFrame:
    """``rows`` as text, counts from 1 to ``min_cell - 1`` shown as ``<min_cell``."""
    return frame.with_columns(pl.col("rows").map_elements(
        lambda n: _small(int(n), min_cell), return_dtype=pl.String))


def _small_log(log: pl.DataFrame, min_cell: int) -> pl.DataFrame:
    """The import log with its row counts suppressed (read = imported + quarantined)."""
    from msrwe.privacy import suppress_counts

    cols = [c for c in ("rows_imported", "rows_quarantined", "rows_read") if c in log.columns]
    texts: dict[str, list[str]] = {c: [] for c in cols}
    for row in log.select(cols).iter_rows():
        values = [None if v is None else float(v) for v in row]
        eqs = [(0, 1, 2)] if len(cols) == 3 else []
        for c, v, code in zip(cols, values, suppress_counts(values, eqs, min_cell),
                              strict=True):
            texts[c].append("–" if v is None else (
                str(int(v)) if code == 0 else (f"<{min_cell}" if code == 1 else "–")))
    return log.with_columns(pl.Series(c, t, dtype=pl.String) for c, t in texts.items())


def appendix_sections(
    quality: DataQuality,
    *,
    files: pl.DataFrame | None = None,
    study_toml: str | None = None,
    study_file: tuple[str, str] | None = None,
    show_identifiers: bool = False,
    pseudonyms: Mapping[str, str] | None = None,
    min_cell: int | None = None,
) -> list[Section]:
    """The data-quality appendix (import log, quarantine, warnings) and the settings in force.

    Quarantined values that identify a patient (identifiers, birth dates, free text, extra
    chart columns) are withheld unless ``show_identifiers``
    (:func:`~msrwe.report.dataquality.withhold_identifiers`); identical problems of one file
    are listed once with their rows (:func:`~msrwe.report.dataquality.collapse_issues`).

    Parameters
    ----------
    quality
        The store's bookkeeping tables (:class:`~msrwe.report.dataquality.DataQuality`, or
        ``msrwe.store.Store.quality()``).
    files
        Input files with checksums, shown when the quality has no import log.
    study_toml
        The settings in force as a study file (:meth:`msrwe.study.config.Study.to_toml`), or
        ``None`` in a data report.
    study_file
        The study file's path and SHA-256, when one was given.
    show_identifiers
        Show quarantined identifying values as charted (the study's
        ``[study] show_identifiers = true``).
    pseudonyms
        Identifier -> pseudonym (``msrwe report --deidentify``): identifiers show their
        pseudonym and every other identifying value stays withheld, whatever
        ``show_identifiers`` says.
    min_cell
        Small-cell suppression (``--min-cell``): the import log's and the quarantine's row
        counts from 1 to ``min_cell - 1`` show ``<min_cell`` (with complementary suppression of
        rows read = imported + quarantined), and the rows themselves (values, messages) are
        left out: only the counts by table, column and rule remain.

    Returns
    -------
    list[Section]
    """
    dq = Section("data-quality", "Appendix A. Data quality", appendix=True)
    log = quality.import_log
    shown = log if log is not None and log.height else files
    if min_cell is not None and shown is not None:
        shown = _small_log(shown, min_cell)
    if shown is not None and shown.height:
        dq.table(tb.frame_table(
            shown, title="Files imported", table_id="tbl-import-log",
            subtitle="SHA-256 checksums identify exactly which chart files this report used.",
            labels={"table_name": "Table", "file": "File", "sha256": "SHA-256",
                    "rows_read": "Rows read", "rows_imported": "Imported",
                    "rows_quarantined": "Quarantined", "extra_columns": "Extra columns",
                    "imported_at": "Imported at", "msrwe_version": "msrwe"},
        ))
    else:
        dq.text("The store holds no import log.", "muted")
    if pseudonyms is not None:
        show_identifiers = False

    def withhold(rows: pl.DataFrame) -> pl.DataFrame:
        return rows if show_identifiers else withhold_identifiers(rows, pseudonyms=pseudonyms)

    raw = quality.quarantine
    issues = withhold(raw)
    q = summarize_issues(issues)
    n_rows = raw.select("table_name", "file", "row_number").unique().height
    n_problems = raw.height
    dq.heading("Quarantine: rows left out of the analysis")
    if n_rows and min_cell is not None:
        dq.text(f"{_small(n_rows, min_cell)} chart rows broke a rule of the data contract and "
                "were left out. With small-cell suppression only their counts by table, column "
                "and rule are shown; the rows are listed in the centre's own report.")
        dq.table(tb.frame_table(
            _small_counts(q.drop("example_value", "message"), min_cell),
            title="Quarantined rows by table, column and rule", table_id="tbl-quarantine",
            labels={"table_name": "Table", "column_name": "Column", "rule": "Rule",
                    "rows": "Rows"},
        ))
    elif n_rows:
        extra = f" ({plural(n_problems, 'problem')})" if n_problems != n_rows else ""
        dq.text(f"{plural(n_rows, 'chart row')} broke a rule of the data contract{extra} and "
                "were left out. Each problem is listed with its file, row, column, value and the "
                "rule it broke; correct them at the source and import again.")
        dq.table(tb.frame_table(
            q, title="Quarantined rows by table, column and rule", table_id="tbl-quarantine",
            labels={"table_name": "Table", "column_name": "Column", "rule": "Rule",
                    "rows": "Rows", "example_value": "Example value", "message": "Message"},
        ))
        if pseudonyms is not None:
            dq.text("Patients are named by random pseudonyms (msrwe report --deidentify); "
                    "birth dates, free text and extra chart columns are withheld; the file "
                    "and row say where to correct them.", "muted")
        elif not show_identifiers:
            dq.text("Values that could identify a patient (identifiers, birth dates, free "
                    "text, extra chart columns) are withheld; the file and row say where to "
                    "correct them. Set show_identifiers = true in [study] to show them.",
                    "muted")
        dq.table(tb.frame_table(
            collapse_issues(issues), title="Quarantined rows", table_id="tbl-quarantine-rows",
            labels={"table_name": "Table", "file": "File", "row_number": "Rows",
                    "column_name": "Column", "value": "Value", "rule": "Rule",
                    "message": "Message", "rows": "Count"},
            max_rows=ISSUE_MAX_ROWS,
        ))
    else:
        dq.text("No row was quarantined: every chart row met the data contract.")
    warn = quality.import_warnings
    w = summarize_issues(withhold(warn))
    if min_cell is not None:
        w = _small_counts(w.drop("example_value", "message"), min_cell)
    dq.heading("Warnings: rows kept with a note")
    if w.height:
        dq.table(tb.frame_table(
            w, title="Rows kept with a warning", table_id="tbl-warnings",
            labels={"table_name": "Table", "column_name": "Column", "rule": "Rule",
                    "rows": "Rows", "example_value": "Example value", "message": "Message"},
        ))
    else:
        dq.text("No warnings.")
    out = [dq]
    if study_toml:
        settings_sec = Section("settings", "Appendix B. Settings in force", appendix=True)
        settings_sec.text("Every definition used, with defaults filled in, as a study file: "
                          "saved as a .toml file and given to `msrwe analyze --study` with the "
                          "same store, it gives the same results.")
        if study_file is not None:
            settings_sec.text(f"Study file {study_file[0]}, SHA-256 {study_file[1]}.", "mono")
        settings_sec.pre(study_toml)
        out.append(settings_sec)
    return out
