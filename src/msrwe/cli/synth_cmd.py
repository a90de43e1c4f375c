"""The ``synth`` command: write the synthetic intrathecal-methotrexate cohort to a folder."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from msrwe.cli._common import console, guard, progress, shown
from msrwe.errors import OptionError

__all__ = ["register", "synth"]


@guard
def synth(
    out: Path = typer.Option(..., "--out", help="Folder to write the chart files into."),
    patients: int | None = typer.Option(
        None, "--patients",
        help="Number of patients (default 83, 67:16 SPMS:PPMS; 900 with --arms).",
    ),
    seed: int = typer.Option(
        2019, "--seed", help="Random seed; the same seed gives the same files."
    ),
    dirty: bool = typer.Option(
        False,
        "--dirty/--clean",
        help="Plant realistic chart errors and list them in dirty_manifest.csv.",
    ),
    fmt: str = typer.Option(
        "csv", "--format",
        help="File format: csv, parquet or xlsx; omop (an OMOP CDM 5.4 DuckDB database "
        "OUT/cdm.duckdb) or fhir (FHIR R4 Bundle files in OUT).",
    ),
    arms: str | None = typer.Option(
        None, "--arms",
        help="Write a comparison cohort instead: new users of these drugs, comma-separated, "
        "the first the reference (e.g. methotrexate,rituximab,cladribine), with confounding by "
        "indication and a true hazard ratio printed in SYNTHETIC_DATA.txt.",
    ),
) -> None:
    """Write a synthetic cohort modelled on the long-term intrathecal methotrexate series."""
    from msrwe.synth import FORMATS, MANIFEST_FILE, MIN_DIRTY_PATIENTS, write_cohort
    from msrwe.synth import MAX_WRITE_PATIENTS as MAX_PATIENTS
    from msrwe.synth._arms import ARM_REGIMENS

    arm_names: tuple[str, ...] | None = None
    if arms is not None:
        arm_names = tuple(a.strip().lower() for a in arms.split(",") if a.strip())
        unknown = [a for a in arm_names if a not in ARM_REGIMENS]
        if len(arm_names) < 2 or len(set(arm_names)) != len(arm_names) or unknown:
            raise OptionError(
                f"--arms must name two or more distinct drugs of {', '.join(ARM_REGIMENS)}, "
                f"separated by commas; got {arms!r}."
            )
        if dirty:
            raise OptionError("--dirty cannot be combined with --arms (the comparison cohort "
                              "has no planted chart errors).")
    if patients is None:
        patients = 900 if arm_names else 83

    if not 1 <= patients <= MAX_PATIENTS:
        raise OptionError(f"--patients must be between 1 and {MAX_PATIENTS:,}; got {patients}.")
    if dirty and patients < MIN_DIRTY_PATIENTS:
        raise OptionError(
            f"--dirty needs at least {MIN_DIRTY_PATIENTS} patients to place its chart errors on "
            f"distinct patients; got --patients {patients}."
        )
    if seed < 0:
        raise OptionError(f"--seed must be a whole number >= 0; got {seed}.")
    if fmt in ("omop", "fhir"):
        if dirty:
            raise OptionError(f"--dirty cannot be combined with --format {fmt}.")
        from msrwe.sources.cohorts import write_source_cohort

        for path in write_source_cohort(fmt, out, patients, seed=seed, arms=arm_names):
            console.print(f"Wrote {shown(path)} (synthetic data)", highlight=False)
        return
    if fmt not in FORMATS:
        raise OptionError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    with progress() as bar:
        task = bar.add_task(f"writing {patients:,} synthetic patients", total=None)

        def done(written: int, total: int) -> None:
            bar.update(task, completed=written, total=total)

        paths = write_cohort(out, patients, seed=seed, dirty=dirty, fmt=fmt,  # type: ignore[arg-type]
                             arms=arm_names, progress=done)
    table = Table(title=f"Synthetic cohort: {patients} patients, seed {seed}, written to {out}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for path in paths:
        table.add_row(path.name, f"{_rows(path):,}")
    console.print(table)
    if arm_names:
        from msrwe.synth._arms import arms_note

        console.print(arms_note(arm_names).rstrip(), highlight=False)
    if dirty:
        manifest = pl.read_csv(out / MANIFEST_FILE, schema_overrides={"value": pl.String})
        kinds = manifest.group_by("kind").len().sort("kind")
        planted = ", ".join(f"{k} {n}" for k, n in kinds.iter_rows())
        console.print(f"Chart errors planted ({manifest.height} cells): {planted}")
        console.print(f"Import it to see them quarantined: msrwe import {shown(out)}")


def _rows(path: Path) -> int:
    """Data rows of a written file (header excluded)."""
    if path.suffix == ".csv":
        return pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()
    if path.suffix == ".parquet":
        return pl.scan_parquet(path).select(pl.len()).collect().item()
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return int(book.worksheets[0].max_row or 1) - 1
    finally:
        book.close()


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""
    app.command("synth")(synth)
