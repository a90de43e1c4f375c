"""make_cohort and write_cohort: the synthetic intrathecal-methotrexate cohort in the contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from numbers import Integral
from pathlib import Path
from typing import Literal

import polars as pl

from msrwe.errors import InputError, OptionError
from msrwe.synth import _params as par
from msrwe.synth._arms import arms_note, check_arms, make_arms_cohort
from msrwe.synth._clinic import make_clinic
from msrwe.synth._contract import TABLE_NAMES, TABLES
from msrwe.synth._dirty import (
    MANIFEST_COLUMNS,
    MANIFEST_FILE,
    MIN_DIRTY_PATIENTS,
    make_dirty,
)
from msrwe.synth._dosing import make_administrations, make_rituximab
from msrwe.synth._history import make_history
from msrwe.synth._paraclinic import make_paraclinic
from msrwe.synth._safety import make_safety
from msrwe.synth._skeleton import make_skeleton

__all__ = ["FORMATS", "MAX_PATIENTS", "MAX_WRITE_PATIENTS", "make_cohort",
           "make_cohort_and_manifest", "write_cohort"]

#: File formats write_cohort can write.
FORMATS: tuple[str, ...] = ("csv", "parquet", "xlsx")
#: The largest cohort make_cohort draws: about 8 million visits and 5 GB of memory at the peak.
MAX_PATIENTS = 200_000
#: The largest cohort write_cohort writes: above ``MAX_PATIENTS`` it is drawn and appended in
#: blocks of 100,000 patients (:mod:`msrwe.synth._chunked`), about 2 GB at the peak.
MAX_WRITE_PATIENTS = 2_000_000

Format = Literal["csv", "parquet", "xlsx"]


def _check_params(func: str, n_patients: object, seed: object, dirty: object,
                  limit: int | None = None) -> None:
    limit = MAX_PATIENTS if limit is None else limit
    if isinstance(n_patients, bool) or not isinstance(n_patients, Integral):
        raise OptionError(
            f"The 'n_patients' parameter of {func} must be a whole number of patients "
            f"between 1 and {limit:,}. Got {n_patients!r} instead."
        )
    if not 1 <= int(n_patients) <= limit:
        more = (" (write_cohort writes larger cohorts, in blocks)" if limit == MAX_PATIENTS
                else "")
        raise OptionError(
            f"The 'n_patients' parameter of {func} must be between 1 and {limit:,}{more}. "
            f"Got {n_patients} instead."
        )
    if isinstance(seed, bool) or not isinstance(seed, Integral) or int(seed) < 0:
        raise OptionError(
            f"The 'seed' parameter of {func} must be a whole number >= 0. Got {seed!r} instead."
        )
    if not isinstance(dirty, bool):
        raise OptionError(
            f"The 'dirty' parameter of {func} must be True or False. Got {dirty!r} instead."
        )
    if dirty and int(n_patients) < MIN_DIRTY_PATIENTS:
        raise OptionError(
            f"The 'dirty' option of {func} needs at least {MIN_DIRTY_PATIENTS} patients to place "
            f"its chart errors on distinct patients. Got {n_patients} patients."
        )


def _clean_cohort(n: int, seed: int) -> dict[str, pl.DataFrame]:
    sk = make_skeleton(n, seed)
    rtx = make_rituximab(sk, seed)
    history = make_history(sk, rtx, seed)
    clinic = make_clinic(sk, rtx, seed)
    safety = make_safety(sk, rtx, clinic.last_visit, seed)
    para = make_paraclinic(sk, clinic.last_visit, seed, relapse_pid=clinic.relapse_pid,
                           relapse_day=clinic.relapse_day)
    tables = {
        "patients": history.patients,
        "visits": clinic.visits,
        "relapses": clinic.relapses,
        "administrations": make_administrations(sk, rtx, seed),
        "treatments": history.treatments,
        "adverse_events": safety.adverse_events,
        "hospitalizations": safety.hospitalizations,
        "mri": para.mri,
        "biomarkers": para.biomarkers,
    }
    # exactly the contract's columns, order and types, whatever the generators did
    return {
        name: tables[name].select([pl.col(c).cast(t, strict=True) for c, t in TABLES[name].items()])
        for name in TABLE_NAMES
    }


def make_cohort_and_manifest(
    n_patients: int = par.DEFAULT_PATIENTS,
    *,
    seed: int = par.DEFAULT_SEED,
    dirty: bool = False,
    arms: tuple[str, ...] | list[str] | None = None,
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The cohort (as :func:`make_cohort`) and the manifest of the chart errors it holds.

    Parameters
    ----------
    n_patients, seed, dirty, arms
        As in :func:`make_cohort`.

    Returns
    -------
    tuple of (dict of str to polars.DataFrame, polars.DataFrame)
        The tables, and the manifest with columns ``table, row_number, column, value, kind``
        (``row_number`` as a spreadsheet shows it: header = row 1). Empty when ``dirty`` is False.

    Examples
    --------
    >>> tables, manifest = make_cohort_and_manifest(40, seed=1, dirty=True)
    >>> manifest.columns
    ['table', 'row_number', 'column', 'value', 'kind']
    >>> manifest.filter(kind="edss_not_half_step")["value"].sort().to_list()
    ['0.5', '6.25']
    """
    _check_params("make_cohort", n_patients, seed, dirty)
    if arms is not None:
        arm_names = check_arms("make_cohort", arms)
        if dirty:
            raise OptionError(
                "The 'dirty' option of make_cohort cannot be combined with 'arms': the comparison "
                "cohort has no planted chart errors. Drop one of them."
            )
        tables = make_arms_cohort(int(n_patients), arm_names, seed=int(seed))
        return tables, pl.DataFrame(schema=MANIFEST_COLUMNS)
    tables = _clean_cohort(int(n_patients), int(seed))
    if not dirty:
        return tables, pl.DataFrame(schema=MANIFEST_COLUMNS)
    return make_dirty(tables, int(seed))


def make_cohort(
    n_patients: int = par.DEFAULT_PATIENTS,
    *,
    seed: int = par.DEFAULT_SEED,
    dirty: bool = False,
    arms: tuple[str, ...] | list[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Draw the synthetic intrathecal-methotrexate cohort, one frame per contract table.

    The cohort imitates the long-term ITMTX series of Stark et al. 2019 (clinical-methods.md
    sections 7 and 9.2); docs/synth.md lists every parameter. The same seed always gives the same
    tables.

    Parameters
    ----------
    n_patients
        Number of patients (1 to 200,000); SPMS and PPMS in the ratio 67:16, exact at 83.
    seed
        Seed of the random streams (a whole number >= 0).
    dirty
        Inject realistic chart errors (invalid EDSS, impossible dates, an unknown patient, ...)
        at a known, seeded set of rows; then every table holds text columns, as a chart export
        would. Needs at least 20 patients. :func:`make_cohort_and_manifest` also returns the list
        of injected errors.
    arms
        Draw instead a comparison cohort of new users of these drugs (two or more of
        methotrexate, rituximab, cladribine, ocrelizumab, natalizumab, mitoxantrone; the first
        is the reference), with confounding by indication and a known true hazard ratio of
        0.7 (docs/compare.md; ``msrwe.synth._arms``). Not with ``dirty``.

    Returns
    -------
    dict of str to polars.DataFrame
        ``patients, visits, relapses, administrations, treatments, adverse_events,
        hospitalizations, mri, biomarkers``, with the contract's columns in its order; dates are
        ``pl.Date``, numbers ``Float64``, integers ``Int64``, booleans ``Boolean`` (all ``String``
        when ``dirty``).

    Raises
    ------
    OptionError
        When an option has a value it does not accept (e.g. ``n_patients=0``).

    Examples
    --------
    >>> cohort = make_cohort()
    >>> cohort["patients"]["phenotype"].value_counts(sort=True).rows()
    [('SPMS', 67), ('PPMS', 16)]
    >>> cohort["visits"].columns[:4]
    ['patient_id', 'date', 'edss', 'fs_pyramidal']
    """
    return make_cohort_and_manifest(n_patients, seed=seed, dirty=dirty, arms=arms)[0]


def _write_xlsx(frame: pl.DataFrame, path: Path, table: str) -> None:
    try:
        import xlsxwriter
    except ModuleNotFoundError as exc:  # an optional dependency
        raise OptionError(
            "Writing .xlsx files needs the xlsxwriter package: pip install xlsxwriter "
            "(or choose fmt='csv' or 'parquet')."
        ) from exc
    # native cells, as a spreadsheet holds them: dates as date cells shown as ISO dates
    from xlsxwriter.exceptions import FileCreateError

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": dt.datetime(2019, 1, 1)})  # byte-identical files
    try:
        frame.write_excel(
            workbook,
            worksheet=table,
            autofit=False,
            table_style=None,
            dtype_formats={pl.Date: "yyyy-mm-dd"},
        )
    finally:
        try:
            workbook.close()
        except FileCreateError as exc:
            raise InputError(f"{path}: cannot write this file ({exc}).") from exc


#: The note ``write_cohort`` leaves in every folder it writes: the charts are synthetic, and the
#: folder may be written over by the next ``msrwe synth``.
SYNTHETIC_NOTE = "SYNTHETIC_DATA.txt"
_NOTE_TEXT = (
    "The chart files in this folder are synthetic: msrwe synth wrote them from a model of a\n"
    "published series. No file here describes a real patient. msrwe synth may write over\n"
    "them; it never writes into a folder of chart files without this note.\n"
)


def write_cohort(
    out_dir: str | Path,
    n_patients: int = par.DEFAULT_PATIENTS,
    *,
    seed: int = par.DEFAULT_SEED,
    dirty: bool = False,
    fmt: Format = "csv",
    arms: tuple[str, ...] | list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write the synthetic cohort to a folder the importer reads, one file per table.

    Parameters
    ----------
    out_dir
        Folder to write into (created if needed). It gets a ``SYNTHETIC_DATA.txt`` note saying
        the charts are synthetic; files of the same names are replaced only in a folder with that
        note, so real chart exports are never overwritten.
    n_patients, seed, dirty
        As in :func:`make_cohort`, but up to 2,000,000 patients: above 200,000 the cohort is
        drawn in blocks of at most 100,000 patients, each appended to every file before the next
        is drawn (about 2 GB at the peak instead of ~19 GB for a million at once). Each block has
        its own seed derived from ``seed``: the same seed gives the same files, but not those a
        single draw would give (:mod:`msrwe.synth._chunked`, docs/synth.md); up to 200,000 the
        output is that of every earlier msrwe. ``.xlsx`` stops at 200,000.
    progress
        Called as ``progress(patients_written, n_patients)`` after each block (once for a
        cohort drawn in one go); ``msrwe synth`` draws its progress bar with it.
    fmt
        ``"csv"`` (UTF-8, comma, header row), ``"parquet"`` or ``"xlsx"`` (one sheet named after
        the table). The same seed gives byte-identical files.
    arms
        As in :func:`make_cohort`; the note then also states the true effects built in.

    Returns
    -------
    list of pathlib.Path
        The files written, in contract order; with ``dirty`` the last one is
        ``dirty_manifest.csv`` (``table, row_number, column, value, kind``; row numbers as a
        spreadsheet shows them, header = row 1), which lists every injected chart error.

    Raises
    ------
    OptionError
        When an option has a value it does not accept.
    InputError
        When the folder cannot be written, already holds the same tables in another format, or
        holds chart files that ``write_cohort`` did not write.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_cohort(tempfile.mkdtemp(), 20, seed=1)
    >>> [p.name for p in paths][:3]
    ['patients.csv', 'visits.csv', 'relapses.csv']
    """
    if fmt not in FORMATS:
        raise OptionError(
            f"The 'fmt' parameter of write_cohort must be one of {{'csv', 'parquet', 'xlsx'}}. "
            f"Got {fmt!r} instead."
        )
    _check_params("write_cohort", n_patients, seed, dirty, limit=MAX_WRITE_PATIENTS)
    chunked = int(n_patients) > MAX_PATIENTS
    if chunked and fmt == "xlsx":
        raise OptionError(
            f"write_cohort writes at most {MAX_PATIENTS:,} patients as .xlsx (a sheet holds "
            f"about a million rows); got {n_patients}. Choose fmt='csv' or 'parquet'.")
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: this is a file, not a folder; choose a folder to write into.")
    clash = sorted(
        p.name
        for t in TABLE_NAMES
        for other in FORMATS
        if other != fmt and (p := folder / f"{t}.{other}").exists()
    )
    if clash:
        raise InputError(
            f"{folder} already holds {', '.join(clash)}; writing .{fmt} files next to them would "
            "give the importer two files for the same table. Choose an empty folder."
        )
    ours = (folder / SYNTHETIC_NOTE).is_file()
    theirs = sorted(p.name for t in TABLE_NAMES if (p := folder / f"{t}.{fmt}").exists())
    if theirs and not ours:
        raise InputError(
            f"{folder} already holds {', '.join(theirs)}, which msrwe synth did not write (the "
            f"folder has no {SYNTHETIC_NOTE}); a synthetic cohort would overwrite these charts. "
            "Choose an empty folder."
        )
    note = _NOTE_TEXT
    if arms is not None:
        note += "\n" + arms_note(check_arms("write_cohort", arms))
    if chunked:
        if arms is not None and dirty:
            raise OptionError(
                "The 'dirty' option of write_cohort cannot be combined with 'arms': the "
                "comparison cohort has no planted chart errors. Drop one of them.")
        return _write_in_blocks(folder, int(n_patients), int(seed), dirty, fmt, arms, note,
                                progress)
    tables, manifest = make_cohort_and_manifest(n_patients, seed=seed, dirty=dirty, arms=arms)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SYNTHETIC_NOTE).write_text(note, encoding="utf-8")
        paths: list[Path] = []
        for name in TABLE_NAMES:
            path = folder / f"{name}.{fmt}"
            frame = tables[name]
            if fmt == "csv":
                frame.write_csv(path)
            elif fmt == "parquet":
                frame.write_parquet(path, statistics=False)
            else:
                _write_xlsx(frame, path, name)
            paths.append(path)
        stale = folder / MANIFEST_FILE
        if dirty:
            manifest.write_csv(stale)
            paths.append(stale)
        elif stale.exists():  # a manifest of an earlier dirty cohort would now be wrong
            stale.unlink()
    except OSError as exc:
        raise InputError(f"{folder}: cannot write the cohort here ({exc.strerror}).") from exc
    if progress is not None:
        progress(int(n_patients), int(n_patients))
    return paths


def _write_in_blocks(folder: Path, n: int, seed: int, dirty: bool, fmt: str,
                     arms: tuple[str, ...] | list[str] | None, note: str,
                     progress: Callable[[int, int], None] | None) -> list[Path]:
    """``write_cohort`` above :data:`MAX_PATIENTS`: drawn and appended block by block."""
    from msrwe.synth._chunked import write_blocks

    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SYNTHETIC_NOTE).write_text(
            note + "\nThe cohort was drawn in blocks of at most 100,000 patients "
            "(docs/synth.md).\n", encoding="utf-8")
        def draw(size: int, block_seed: int) -> dict[str, pl.DataFrame]:
            return make_cohort(size, seed=block_seed, arms=arms)

        paths, manifest = write_blocks(folder, n, draw=draw, seed=seed, dirty=dirty, fmt=fmt,
                                       progress=progress)
        stale = folder / MANIFEST_FILE
        if manifest is not None:
            manifest.write_csv(stale)
            paths.append(stale)
        elif stale.exists():
            stale.unlink()
    except OSError as exc:
        raise InputError(f"{folder}: cannot write the cohort here ({exc.strerror}).") from exc
    return paths
