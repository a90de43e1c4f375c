"""``msrwe compare``: only the study's ``[compare]`` comparison, into ``DIR/results.csv``."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from msrwe._atomic import atomic_path, check_output_path
from msrwe._outputs import check_out_file
from msrwe.cli._common import MIN_CELL, console, err_console, guard, out_folder, progress, shown

__all__ = ["compare", "effect_table", "register", "write_atomic"]


def write_atomic(frame: pl.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` (CSV or Parquet by suffix) through ``msrwe._atomic``.

    A reader never sees a half-written file, and an error leaves any earlier file as it was.
    """
    from msrwe._csvsafe import neutralise_formulas

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            frame.write_parquet(tmp)
        else:
            neutralise_formulas(frame).write_csv(tmp)
    return path


def _f(v: float | None, digits: int = 2) -> str:
    from msrwe.tables.formatting import fmt_num

    return fmt_num(v, digits)


def effect_table(results: pl.DataFrame) -> Table:
    """A console table of the hazard ratios: adjusted, naive, E-value, PH test."""
    from msrwe.tables.formatting import fmt_estimate_ci, fmt_p

    t = Table(title="Comparative effectiveness: hazard ratio, comparator vs reference")
    for name in ("comparator", "outcome", "HR (95% CI)", "naive HR (95% CI)", "E-value",
                 "PH p"):
        t.add_column(name, justify="left" if name in ("comparator", "outcome") else "right")
    eff = results.filter(pl.col("analysis") == "compare_effect")
    for (group, variable), d in eff.group_by(["group", "variable"], maintain_order=True):
        s = dict(zip(d["stat"], d["value"], strict=True))
        t.add_row(
            str(group), str(variable),
            fmt_estimate_ci(s.get("hr"), s.get("hr_ci_low"), s.get("hr_ci_high"), 2),
            fmt_estimate_ci(s.get("hr_naive"), s.get("hr_naive_ci_low"),
                            s.get("hr_naive_ci_high"), 2),
            _f(s.get("e_value")), fmt_p(s.get("ph_p_value")),
        )
    return t


@guard
def compare(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to analyse."),
    study: Path = typer.Option(..., "--study", help="The study file (TOML) with [compare]."),
    out: Path = typer.Option(Path("results"), "--out", help="Folder for results.csv."),
    quiet: bool = typer.Option(False, "--quiet", help="Print only the path written."),
    min_cell: int | None = MIN_CELL,
) -> None:
    """Compare treatments (the study's compare section): matching or weighting, effects."""
    from msrwe.compare.run import run_comparison
    from msrwe.errors import StudyFileError
    from msrwe.study.config import Study

    out_folder(out)
    check_output_path(out / "results.csv", [db, study], what="the results table")
    for name, kind in (("results.csv", "csv"), ("results.parquet", "parquet")):
        check_out_file(out / name, kind=kind, what="results table", inputs=[study], db=db)
    st = Study.from_toml(study)
    if st.compare is None:
        raise StudyFileError(
            f"{study}: the study file has no [compare] section, so there is nothing to compare. "
            'A minimal one: [compare] arms = ["methotrexate", "rituximab"] (docs/compare.md).'
        )
    with progress() as bar:
        bar.add_task("comparing arms", total=None)
        result = run_comparison(db, st)
    df = result.results.to_polars()
    threshold = min_cell if min_cell is not None else st.privacy.min_cell
    if threshold is not None:
        from msrwe.privacy import suppress_results

        df = suppress_results(df, threshold)
    csv = write_atomic(df, out / "results.csv")
    write_atomic(df, out / "results.parquet")
    for note in result.notes:
        err_console.print(shown(note), highlight=False, soft_wrap=True)
    if not quiet:
        console.print(effect_table(df))
    console.print(f"Wrote {df.height} result rows to {shown(csv)}")
    if threshold is not None:
        console.print(f"Counts from 1 to {threshold - 1} are withheld (small-cell suppression): "
                      "their value is empty and their method starts with 'suppressed'.")


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command to ``app``."""
    app.command("compare")(compare)
