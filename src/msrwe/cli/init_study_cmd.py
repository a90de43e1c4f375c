"""``msrwe init-study``: write a commented study file to start a study from.

Every section and key is written with what it means, its allowed values and its default; with
``--db`` the cohort is suggested from the store (its most-given drug, the drugs and phenotypes it
holds). The file reads back to the same study (:mod:`msrwe.pipeline.template`).
"""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe.cli._common import console, guard, shown

__all__ = ["init_study", "register"]


@guard
def init_study(
    out: Path = typer.Option(Path("study.toml"), "--out", help="The study file to write."),
    db: Path | None = typer.Option(
        None, "--db",
        help="A store: suggest its most-given drug (and route) and list its drugs and phenotypes.",
    ),
    compare: str | None = typer.Option(
        None, "--compare",
        help="Drugs to compare, comma-separated, the reference first (e.g. "
        "methotrexate,rituximab): writes an active [compare] section for `msrwe compare`.",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing --out file."),
) -> None:
    """Write a commented study file: every key, its meaning, allowed values and default."""
    from msrwe.pipeline.template import init_study as write

    if db is not None and not db.is_file():
        from msrwe.errors import OptionError

        raise OptionError(f"--db {db}: no store here; import charts first (msrwe import).",
                          option="--db")
    path = write(out, db=db, compare=(compare or "").split(","), force=force)
    console.print(f"Wrote the study file {shown(path)}; edit it, then: msrwe analyze "
                  f"--db {shown(db or 'msrwe.duckdb')} --study {shown(path)}")


def register(app: typer.Typer) -> None:
    """Add the ``init-study`` command to ``app``."""
    app.command("init-study")(init_study)
