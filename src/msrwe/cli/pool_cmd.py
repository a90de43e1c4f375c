"""``msrwe pool``: combine the site packages of ``msrwe analyze --aggregate-only``."""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe.cli._common import console, guard, out_folder, shown

__all__ = ["pool", "register"]


@guard
def pool(
    sites: list[Path] = typer.Argument(..., help="Site package folders (two or more)."),
    out: Path = typer.Option(Path("pooled"), "--out", help="Folder for the pooled results."),
) -> None:
    """Pool site packages: exact counts, person-time and rates; meta-analysis otherwise."""
    from msrwe._atomic import check_output_path
    from msrwe.federated import pool_sites, write_pooled

    check_output_path(out, sites, what="pooled results folder")
    out_folder(out)
    written = write_pooled(pool_sites(sites), out)
    console.print(f"Pooled {len(sites)} sites into {shown(written)} (report.html, counts.csv, "
                  "rates.csv, km.csv, meta.csv)")


def register(app: typer.Typer) -> None:
    """Add the ``pool`` command to ``app``."""
    app.command("pool")(pool)
