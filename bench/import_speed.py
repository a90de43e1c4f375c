"""Import speed and peak memory of `msrwe import` on a large valid visits.csv.

Writes a chart folder with N patients and a visits.csv of R rows, then, each in a fresh
subprocess (so peak RSS is that of one import alone):

- reference: DuckDB's own unvalidated ``read_csv`` of visits.csv into a table;
- msrwe: the ``msrwe import FOLDER --db DB --json`` command, as users run it (read, validate
  every rule, quarantine, store; with the allocator setting the command makes before Polars
  loads), its rows counted from its own JSON summary;

and the same two for the folder written as Parquet with typed columns (DuckDB's ``read_parquet``
beside ``msrwe import``, which validates the typed columns as they are).

Each side is a whole process, timed from its start to its end (start-up and imports included,
about 0.1 s for DuckDB and 0.5 s for msrwe). It prints absolute rows/s, the ratio to the
reference (time / reference time), the CPU seconds of the child process (user + system, from
``wait4``; a figure that other work on the machine does not inflate, unlike the time), and peak
RSS, at two sizes (250k and 1M rows by default) so that memory scaling shows.
Target (issue 14): >= 1,000,000 rows/s, CSV and Parquet. The machine is shared: the 1-minute
load average is printed with each size.

OMOP source (``--omop-rows``, default 1,000,000; 0 skips it): an OMOP CDM 5.4 DuckDB database
whose ``measurement`` table holds that many EDSS rows (20,000 persons), read by
``msrwe.sources.omop.import_omop`` (visits built, validated, stored) beside DuckDB copying the same
table unvalidated, in the same run.

    .venv/bin/python bench/import_speed.py [--sizes 250000 1000000] [--repeat 2]

Chart folders (``--folders DIR ...``, e.g. ``msrwe synth --patients 100000 --clean [--format
parquet]``): every chart file of each folder, DuckDB's own unvalidated ``read_csv`` /
``read_parquet`` of each file into a table beside ``msrwe import`` of the folder, in the same
run; rows are all the folder's chart rows, as the import's JSON summary counts them.
``--patients N`` writes such a folder (CSV and Parquet) first. The sizes and the OMOP source
are skipped unless asked for as well.

    .venv/bin/python bench/import_speed.py --patients 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import polars as pl

# The DuckDB references (and the OMOP importer), each run as its own process.
CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    mode, folder, db = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if mode == "omop-duckdb":
        import duckdb
        con = duckdb.connect(str(db))
        con.execute(f"attach '{folder}' as cdm (read_only)")
        con.execute("create table measurement as select * from cdm.measurement")
        con.close()
    elif mode == "omop-msrwe":
        from msrwe.sources.omop import import_omop
        result = import_omop(folder, db)
        m = next(c for c in result.sources if c.source == "measurement")
        assert m.read == m.imported, "the benchmark data should be valid"
    elif mode == "duckdb-folder":
        import duckdb
        con = duckdb.connect(str(db))
        for f in sorted(folder.iterdir()):
            if f.suffix in (".csv", ".parquet") and f.stem != "dirty_manifest":
                reader = "read_csv" if f.suffix == ".csv" else "read_parquet"
                con.execute(f"create table {f.stem} as select * from {reader}(?)", [str(f)])
        con.close()
    elif mode in ("duckdb", "duckdb-parquet"):
        import duckdb
        con = duckdb.connect(str(db))
        reader, suffix = ("read_csv", "csv") if mode == "duckdb" else ("read_parquet", "parquet")
        con.execute(
            f"create or replace table visits as select * from {reader}(?)",
            [str(folder / f"visits.{suffix}")],
        )
        con.close()
    else:
        raise SystemExit(f"unknown mode {mode}")
    """
)


def write_folder(folder: Path, rows: int, patients: int = 20_000, seed: int = 1) -> None:
    """A valid chart folder: patients.csv and a visits.csv of ``rows`` rows."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:06d}" for i in range(patients)])
    pl.DataFrame(
        {
            "patient_id": ids,
            "sex": rng.choice(["F", "M"], patients),
            "birth_date": ["1960-01-01"] * patients,
            "phenotype": rng.choice(["SPMS", "PPMS"], patients),
        }
    ).write_csv(folder / "patients.csv")
    per = rows // patients + 1
    pid = np.repeat(ids, per)[:rows]
    day = np.tile(np.arange(per), patients)[:rows] * 91
    dates = (np.datetime64("2000-01-01") + day.astype("timedelta64[D]")).astype(str)
    edss = rng.choice(np.array([0.0, *np.arange(1.0, 10.01, 0.5)]), rows)
    pl.DataFrame(
        {
            "patient_id": pid,
            "date": dates,
            "edss": edss,
            "fs_pyramidal": rng.integers(0, 7, rows),
            "fs_cerebellar": rng.integers(0, 6, rows),
            "fs_sensory": rng.integers(0, 7, rows),
            "ambulation": rng.integers(0, 17, rows),
            "t25fw_s": np.round(rng.uniform(4, 60, rows), 1),
            "nhpt_dominant_s": np.round(rng.uniform(15, 90, rows), 1),
            "sdmt": rng.integers(10, 80, rows),
            "scheduled": rng.choice(["true", "false"], rows),
        }
    ).write_csv(folder / "visits.csv")


def write_parquet(folder: Path, out: Path) -> None:
    """The chart folder as Parquet files with typed columns (dates, numbers, yes/no)."""
    out.mkdir()
    for name in ("patients", "visits"):
        frame = pl.read_csv(folder / f"{name}.csv", try_parse_dates=True)
        frame.write_parquet(out / f"{name}.parquet")


def write_omop(path: Path, rows: int, persons: int = 20_000) -> None:
    """An OMOP CDM 5.4 DuckDB database: ``persons`` people, ``rows`` EDSS measurements."""
    import duckdb

    from msrwe.sources.omop import CDM, create_sql, load_concepts

    edss = load_concepts().id("measurement", "edss")
    steps = ", ".join(str(v) for v in [0.0, *np.arange(1.0, 10.01, 0.5)])
    con = duckdb.connect(str(path))
    for name in CDM:
        con.execute(create_sql(name))
    con.execute(
        "insert into person (person_id, gender_concept_id, year_of_birth, month_of_birth, "
        "day_of_birth, race_concept_id, ethnicity_concept_id, person_source_value) "
        f"select i, 8532, 1960, 1, 1, 0, 0, 'P' || i from range(1, {persons} + 1) t(i)"
    )
    con.execute(
        "insert into measurement (measurement_id, person_id, measurement_concept_id, "
        "measurement_date, measurement_type_concept_id, value_as_number) "
        f"select i + 1, i % {persons} + 1, {edss}, "
        f"date '2000-01-01' + cast(i // {persons} * 91 as integer), 0, "
        f"list_value({steps})[i % 20 + 1] from range({rows}) t(i)"
    )
    con.close()


def _msrwe() -> list[str]:
    """The ``msrwe`` command of this interpreter's environment (as users run it)."""
    script = Path(sys.executable).with_name("msrwe")
    return [str(script)] if script.exists() else [sys.executable, "-m", "msrwe"]


def run(argv: list[str]) -> tuple[dict[str, float], str]:
    """Run ``argv`` as a process: its time, CPU seconds and peak RSS, and its output."""
    with tempfile.TemporaryFile("w+") as out:
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - t0
        child.returncode = os.waitstatus_to_exitcode(status)
        err = child.stderr.read() if child.stderr else ""
        if child.returncode:
            raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n{err}")
        out.seek(0)
        text = out.read()
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": seconds, "cpu": cpu, "peak_rss": usage.ru_maxrss * 1024.0}, text


def measure(mode: str, folder: Path, repeat: int) -> dict[str, float]:
    """Best time (and its CPU and peak RSS) over ``repeat`` fresh processes.

    ``msrwe`` runs ``msrwe import FOLDER --json`` and adds ``rows`` (every table's rows read,
    from its JSON summary) and ``valid`` (no row quarantined); any other mode is a DuckDB child.
    """
    best: dict[str, float] | None = None
    for i in range(repeat):
        db = folder.parent / f"{mode}-{i}.duckdb"
        db.unlink(missing_ok=True)
        if mode == "msrwe":
            result, out = run([*_msrwe(), "import", str(folder), "--db", str(db), "--json"])
            tables = json.loads(out[out.index("{"):])["tables"]
            result["rows"] = sum(t["read"] for t in tables.values())
            result["valid"] = all(t["read"] == t["imported"] for t in tables.values())
        else:
            result, _ = run([sys.executable, "-c", CHILD, mode, str(folder), str(db)])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
        db.unlink(missing_ok=True)
    assert best is not None
    return best


def bench_folders(folders: list[Path], repeat: int) -> None:
    """DuckDB's read of every chart file of each folder beside ``msrwe import`` of it."""
    for folder in folders:
        kind = "parquet" if any(folder.glob("*.parquet")) else "csv"
        ref = measure("duckdb-folder", folder, repeat)
        ours = measure("msrwe", folder, repeat)
        rows = int(ours["rows"])
        for name, r in ((f"duckdb read_{kind} (all)", ref), (f"msrwe import ({kind})", ours)):
            print(
                f"{rows:>9} {name:<22} {r['seconds']:>8.2f} {rows / r['seconds']:>11,.0f} "
                f"{r['seconds'] / ref['seconds']:>6.2f} {r['cpu']:>6.2f} "
                f"{r['peak_rss'] / 2**20:>8.0f}"
            )
        print(f"{'':>9} ({folder.name}: {kind}, every chart file; load average "
              f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")


def main() -> None:
    """Run the benchmark and print one line per size and method."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--omop-rows", type=int, default=None)
    parser.add_argument("--folders", type=Path, nargs="*", default=[],
                        help="chart folders (msrwe synth --clean) to import whole")
    parser.add_argument("--patients", type=int, default=0,
                        help="write a clean synthetic folder of N patients (CSV and Parquet)")
    args = parser.parse_args()
    whole = bool(args.folders or args.patients)
    if args.sizes is None:
        args.sizes = [] if whole else [250_000, 1_000_000]
    if args.omop_rows is None:
        args.omop_rows = 0 if whole else 1_000_000
    print(
        f"{'rows':>9} {'method':<22} {'seconds':>8} {'rows/s':>11} {'ratio':>6} "
        f"{'cpu s':>6} {'peak MB':>8}"
    )
    if args.folders:
        bench_folders(args.folders, args.repeat)
    if args.patients:
        with tempfile.TemporaryDirectory() as tmp:
            made = []
            for fmt in ("csv", "parquet"):
                out = Path(tmp) / f"{args.patients}-{fmt}"
                subprocess.run(
                    [sys.executable, "-m", "msrwe", "synth", "--patients",
                     str(args.patients), "--clean", "--format", fmt, "--out", str(out)],
                    check=True, capture_output=True,
                )
                made.append(out)
            bench_folders(made, args.repeat)
    for rows in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "charts"
            folder.mkdir()
            write_folder(folder, rows)
            parquet = Path(tmp) / "charts-parquet"
            write_parquet(folder, parquet)
            size_mb = (folder / "visits.csv").stat().st_size / 2**20
            for label, where, reference in (("csv", folder, "duckdb"),
                                            ("parquet", parquet, "duckdb-parquet")):
                ref = measure(reference, where, args.repeat)
                ours = measure("msrwe", where, args.repeat)
                assert ours["valid"], "the benchmark data should be valid"
                named = ((f"duckdb read_{label}", ref), (f"msrwe import ({label})", ours))
                for name, r in named:
                    print(
                        f"{rows:>9} {name:<22} {r['seconds']:>8.2f} "
                        f"{rows / r['seconds']:>11,.0f} {r['seconds'] / ref['seconds']:>6.2f} "
                        f"{r['cpu']:>6.2f} {r['peak_rss'] / 2**20:>8.0f}"
                    )
            print(f"{'':>9} (visits.csv is {size_mb:.0f} MB; load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if args.omop_rows:
        rows = args.omop_rows
        with tempfile.TemporaryDirectory() as tmp:
            cdm = Path(tmp) / "cdm.duckdb"
            write_omop(cdm, rows)
            ref = measure("omop-duckdb", cdm, args.repeat)
            ours = measure("omop-msrwe", cdm, args.repeat)
            for name, r in (("duckdb copy (OMOP)", ref), ("msrwe import-omop", ours)):
                print(
                    f"{rows:>9} {name:<20} {r['seconds']:>8.2f} {rows / r['seconds']:>11,.0f} "
                    f"{r['seconds'] / ref['seconds']:>6.2f} {r['cpu']:>6.2f} "
                    f"{r['peak_rss'] / 2**20:>8.0f}"
                )
            print(f"{'':>9} (OMOP measurement rows -> visits)")


if __name__ == "__main__":
    main()
