"""``msrwe design``: simulate a trial design and write its results and report."""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe._outputs import check_out_file
from msrwe.cli._common import console, guard, out_folder, progress, shown

__all__ = ["design", "register"]


@guard
def design(
    design_file: Path = typer.Argument(..., help="The design file (TOML); see docs/design.md."),
    out: Path = typer.Option(Path("design-output"), "--out",
                             help="Folder for results.csv and design.html."),
    db: Path | None = typer.Option(
        None, "--db", help="An msrwe store: needed when the design says source = 'store'."),
    trials: int | None = typer.Option(None, "--trials", min=1,
                                      help="Override the design's number of simulated trials."),
) -> None:
    """Simulate a two-arm trial many times and report power, event rates and type I error."""
    from msrwe.design import load_design, simulate, store_params, write_design_outputs
    from msrwe.design.config import DesignError

    d = load_design(design_file)
    out_folder(out, "--out")
    for name, kind in (("results.csv", "csv"), ("design.html", "html")):
        check_out_file(out / name, kind=kind, what="design output", inputs=[design_file], db=db)
    params = None
    if d.population.source == "store":
        if db is None:
            raise DesignError(f"{design_file}: [population] source = 'store' needs the store: "
                              "give --db msrwe.duckdb.")
        params = store_params(db, d)
    with progress() as bar:
        task = bar.add_task("design", total=None)

        def on_step(step: int, total: int, description: str) -> None:
            bar.update(task, description=description, total=total, completed=step - 1)

        result = simulate(d, params=params, n_trials=trials, progress=on_step)
        bar.update(task, description="writing the report", total=1, completed=1)
        csv, html = write_design_outputs(result, out)
    console.print(f"Simulated {result.design.n_trials} trials in {result.seconds:.1f} s "
                  f"({result.trials_per_second:.1f} trials/s).")
    console.print(f"Results: {shown(csv)}")
    console.print(f"[bold green]Report:[/] {shown(html.resolve())}")


def register(app: typer.Typer) -> None:
    """Add the ``design`` command to ``app``."""
    app.command("design")(design)
