"""``msrwe export``: the chart tables as files, de-identified on request, written atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from msrwe._atomic import atomic_dir, atomic_path, check_output_path
from msrwe._csvsafe import neutralise_formulas
from msrwe._version import __version__
from msrwe.errors import InputError, StoreError
from msrwe.privacy._deidentify import DateMode, SiteMode, deidentify
from msrwe.schema import CONTRACT
from msrwe.store import read_tables

__all__ = ["ExportSummary", "export_store"]

Format = Literal["parquet", "csv", "both"]


@dataclass(frozen=True)
class ExportSummary:
    """What :func:`export_store` wrote.

    Attributes
    ----------
    out
        The export folder.
    rows
        Table name -> rows written.
    dropped
        ``(table, column, reason)`` for every column left out.
    deidentified
        Whether identifiers were replaced.
    key
        Where the key table was written (outside the export), or None.
    files
        Every file written into the export folder.
    """

    out: Path
    rows: dict[str, int]
    dropped: tuple[tuple[str, str, str], ...]
    deidentified: bool
    key: Path | None
    files: list[Path] = field(default_factory=list)


def _read_chart_tables(db: Path) -> dict[str, pl.DataFrame]:
    """The contract's tables the store holds."""
    tables = read_tables(db, CONTRACT.names)
    return {name: t for name, t in tables.items() if t is not None}


def _identified(tables: dict[str, pl.DataFrame], *, keep_extra_columns: bool,
                keep_free_text: bool) -> tuple[dict[str, pl.DataFrame], list[tuple[str, str, str]]]:
    out: dict[str, pl.DataFrame] = {}
    dropped: list[tuple[str, str, str]] = []
    for name, t in tables.items():
        spec = CONTRACT[name]
        known = {c.name: c for c in spec.columns}
        keep = []
        for col in t.columns:
            c = known.get(col)
            if c is None and not keep_extra_columns:
                dropped.append((name, col, "not a chart-contract column"))
            elif c is not None and c.privacy == "free_text" and not keep_free_text:
                dropped.append((name, col, "free text (may name people)"))
            else:
                keep.append(col)
        out[name] = t.select(keep)
    return out, dropped


def export_store(
    db: str | Path,
    out: str | Path,
    *,
    deidentify_data: bool = False,
    key_path: str | Path | None = None,
    dates: DateMode = "shift",
    max_shift_days: int = 364,
    sites: SiteMode = "keep",
    keep_free_text: bool = False,
    keep_extra_columns: bool = False,
    file_format: Format = "parquet",
    seed: int | None = None,
) -> ExportSummary:
    """Write the store's chart tables into a folder, whole or not at all.

    Parameters
    ----------
    db
        The store written by ``msrwe import``.
    out
        The export folder (replaced whole if it exists; never the store or a folder holding it).
    deidentify_data
        Replace identifiers, shift or offset dates, reduce birth dates to the year and drop free
        text and extra columns (:func:`msrwe.privacy.deidentify`).
    key_path
        With ``deidentify_data``: where to write the key table (original id, pseudonym, shift) as
        CSV. It must lie outside ``out``; without it no key is kept and nobody can link the export
        back to the charts.
    dates, max_shift_days, sites, keep_free_text, seed
        See :func:`msrwe.privacy.deidentify`.
    keep_extra_columns
        Without de-identification: keep the chart's own columns outside the contract (names,
        notes, ...). Never with ``deidentify_data``.
    file_format
        ``"parquet"`` (default), ``"csv"`` (formula-like cells neutralised) or ``"both"``.

    Returns
    -------
    ExportSummary
    """
    db = Path(db)
    if not db.is_file():
        raise StoreError(f"{db}: no such store. Run `msrwe import` first.")
    if file_format not in ("parquet", "csv", "both"):
        raise InputError(f"file format must be parquet, csv or both, not {file_format!r}.")
    if keep_extra_columns and deidentify_data:
        raise InputError("extra chart columns never leave a de-identified export; drop "
                         "--keep-extra-columns or --deidentify.")
    if key_path is not None and not deidentify_data:
        raise InputError("a key table exists only for a de-identified export (--deidentify).")
    out_p = check_output_path(out, [db], what="export folder")
    key_p = None
    if key_path is not None:
        key_p = check_output_path(key_path, [db], what="key table")
        if key_p.is_relative_to(out_p):
            raise InputError(f"{key_path}: the key table must not be written inside the export "
                             "folder; keep it at the centre, apart from the export.")
        for p in (key_p.parent, *key_p.parent.parents):
            # checked before any work: an export written without its key could never be
            # linked back, and the file system's own message would name a temporary file
            if p.exists():
                if not p.is_dir():
                    raise InputError(f"--key {key_path}: {p} is a file, not a folder; choose "
                                     "another place for the key table.")
                break
    tables = _read_chart_tables(db)
    site_key = None
    if deidentify_data:
        d = deidentify(tables, dates=dates, max_shift_days=max_shift_days, sites=sites,
                       keep_free_text=keep_free_text, seed=seed)
        written, dropped, key, site_key = d.tables, list(d.dropped), d.key, d.site_key
    else:
        written, dropped = _identified(tables, keep_extra_columns=keep_extra_columns,
                                       keep_free_text=keep_free_text)
        key = None
    files: list[Path] = []
    with atomic_dir(out_p) as tmp:
        for name, t in written.items():
            if file_format in ("parquet", "both"):
                t.write_parquet(tmp / f"{name}.parquet")
                files.append(out_p / f"{name}.parquet")
            if file_format in ("csv", "both"):
                neutralise_formulas(t).write_csv(tmp / f"{name}.csv")
                files.append(out_p / f"{name}.csv")
        manifest = {
            "msrwe_version": __version__,
            "deidentified": deidentify_data,
            "dates": (dates if deidentify_data else "as charted"),
            "sites": (sites if deidentify_data else "as charted"),
            "rows": {n: t.height for n, t in written.items()},
            "columns_left_out": [{"table": t, "column": c, "reason": r} for t, c, r in dropped],
        }
        (tmp / "EXPORT.json").write_text(json.dumps(manifest, indent=2) + "\n")
        files.append(out_p / "EXPORT.json")
    if key_p is not None and key is not None:
        key_p.parent.mkdir(parents=True, exist_ok=True)  # as the report's --key and --out do
        with atomic_path(key_p) as tmp_key:
            neutralise_formulas(key).write_csv(tmp_key)
        if site_key is not None:
            with atomic_path(key_p.with_name(key_p.stem + "_sites.csv")) as tmp_sites:
                site_key.write_csv(tmp_sites)
    return ExportSummary(out_p, {n: t.height for n, t in written.items()}, tuple(dropped),
                         deidentify_data, key_p, files)
