"""The ``redcap`` commands (``template``, ``synth``) and ``import-redcap``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from msrwe.cli._common import console, guard, progress, shown

__all__ = ["import_redcap_cmd", "redcap_app", "register"]

redcap_app = typer.Typer(
    name="redcap",
    help="REDCap: msrwe's project template and a demo export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@redcap_app.command("template")
@guard
def template(
    out: Path = typer.Option(..., "--out", help="Folder to write the template into."),
) -> None:
    """Write msrwe's REDCap data dictionary and repeating-instrument list (the whole contract)."""
    from msrwe.sources.redcap import write_template

    files = write_template(out)
    for path in files.values():
        console.print(f"Wrote {shown(path)}", highlight=False)
    console.print("Upload the dictionary in REDCap (Project Setup -> Data Dictionary); "
                  f"{shown(files['readme'].name)} says how.", highlight=False)


@redcap_app.command("synth")
@guard
def synth(
    out: Path = typer.Option(..., "--out", help="Folder to write the export and dictionary into."),
    patients: int = typer.Option(83, "--patients", help="Number of synthetic patients."),
    seed: int = typer.Option(20190101, "--seed", help="Random seed."),
    labels: bool = typer.Option(False, "--labels", help="Write choice labels, not codes."),
) -> None:
    """Write the synthetic demo cohort as a REDCap export of a template project."""
    from msrwe.sources.redcap import write_redcap_export
    from msrwe.synth import make_cohort

    files = write_redcap_export(make_cohort(patients, seed=seed), out, labels=labels)
    console.print(f"Wrote {shown(files['export'])} and {shown(files['dictionary'])} "
                  "(synthetic data)",
                  highlight=False)


def _print_summary(result: object, source: str, db: Path) -> None:
    from msrwe.sources.redcap import RedcapImport

    assert isinstance(result, RedcapImport)
    forms = Table(title=f"REDCap forms read from {source}")
    for name in ("form", "read", "imported", "quarantined", "ignored"):
        forms.add_column(name, justify="left" if name == "form" else "right")
    for c in result.forms:
        forms.add_row(c.source, str(c.read), str(c.imported),
                      f"[red]{c.quarantined}[/]" if c.quarantined else "0", str(c.ignored))
    console.print(forms)
    tables = Table(title=f"Chart tables stored in {shown(db)}")
    for name in ("table", "read", "imported", "quarantined"):
        tables.add_column(name, justify="left" if name == "table" else "right")
    for t in result.chart.summary.tables.values():
        tables.add_row(t.table, str(t.read), str(t.imported),
                       f"[red]{t.quarantined}[/]" if t.quarantined else "0")
    console.print(tables)
    if result.chart.summary.quarantined_by_rule:
        by_rule = ", ".join(f"{r} {n}" for r, n in result.chart.summary.quarantined_by_rule.items())
        console.print(f"Quarantined by rule: {shown(by_rule)}. See why: msrwe quarantine --db "
                      f"{shown(db)}",
                      highlight=False)
    else:
        console.print("Nothing quarantined.")
    flagged = result.chart.warnings.height
    if flagged:
        console.print(f"{flagged} warning{'s' if flagged != 1 else ''}: "
                      f"msrwe quarantine --db {shown(db)} --warnings", highlight=False)


@guard
def import_redcap_cmd(
    export: Path | None = typer.Argument(
        None, help="The export: flat CSV (raw or labels), JSON, or CDISC ODM XML."),
    dictionary: Path | None = typer.Option(
        None, "--dictionary",
        help="The project's data dictionary (CSV); an ODM XML file carries its own."),
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to write."),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="A TOML file mapping a non-template project to the contract."),
    incomplete: str = typer.Option(
        "warn", "--incomplete", help="Forms marked incomplete: warn (import them) or skip."),
    url: str | None = typer.Option(
        None, "--url", help="Pull through the REDCap API at this address instead of a file."),
    token_file: Path | None = typer.Option(
        None, "--token-file",
        help="File holding the API token (else the environment variable MSRWE_REDCAP_TOKEN)."),
    api_format: str = typer.Option("csv", "--api-format", help="Ask the API for csv or json."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary on stdout."),
) -> None:
    """Import a REDCap project (export file or API) into the store, through the chart rules."""
    from msrwe.errors import OptionError
    from msrwe.sources.redcap import import_redcap, import_redcap_frame, read_dictionary

    if (export is None) == (url is None):
        raise OptionError("give either an export file or --url (the REDCap API), not both",
                          option="--url")
    with progress() as bar:
        if url is not None:
            from msrwe.io import file_sha256
            from msrwe.sources.redcap._api import fetch_redcap, redcap_token

            bar.add_task("pulling records through the REDCap API", total=None)
            frame, api_dict, data = fetch_redcap(url, redcap_token(token_file), fmt=api_format)
            d = read_dictionary(dictionary) if dictionary is not None else api_dict
            source = "REDCap API"
            result = import_redcap_frame(frame, d, db, source=source, mapping=mapping,
                                         incomplete=incomplete, sha256=file_sha256(data))
        else:
            assert export is not None
            source = export.name
            bar.add_task(f"importing {export}", total=None)
            result = import_redcap(export, dictionary, db, mapping=mapping,
                                   incomplete=incomplete)
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
        return
    _print_summary(result, source, db)


def register(app: typer.Typer) -> None:
    """Add ``redcap`` (``template``, ``synth``) and ``import-redcap`` to ``app``."""
    app.add_typer(redcap_app, name="redcap")
    app.command("import-redcap")(import_redcap_cmd)
