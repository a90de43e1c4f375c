"""The ``msrwe`` command line.

Each command lives in its own module of this package and adds itself to the app through a
``register(app)`` function; this module only assembles them and runs the app.
"""

from __future__ import annotations

import importlib
import warnings

import click
import typer
import typer.core

from msrwe._version import __version__
from msrwe.cli._common import show_warning

__all__ = ["COMMAND_MODULES", "app", "main"]

#: Modules that each register one or more commands, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "msrwe.cli.import_cmd",
    "msrwe.cli.synth_cmd",
    "msrwe.cli.outcomes_cmd",
    "msrwe.cli.init_study_cmd",
    "msrwe.cli.analyze_cmd",
    "msrwe.cli.report_cmd",
    "msrwe.cli.export_cmd",
    "msrwe.cli.demo_cmd",
    "msrwe.cli.design_cmd",
    "msrwe.cli.compare_cmd",
    "msrwe.cli.redcap_cmd",
    "msrwe.cli.omop_cmd",
    "msrwe.cli.fhir_cmd",
    "msrwe.cli.serve_cmd",
    "msrwe.cli.pool_cmd",
)

def _flags_without_type() -> None:
    """Show on/off options (``--version``, ``--help``, ``--dirty/--clean``) without ``<bool>``.

    typer's rich help writes a type after every option, ``<bool>`` for a flag that takes no
    value, which reads as if ``--version`` wanted one; a flag has no type column, as in click's
    plain help.
    """
    option = getattr(typer.core, "TyperOption", None)
    show = getattr(option, "display_type_rich", None)
    if show is None or getattr(show, "_msrwe_flags", False):
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: click.Context) -> str | None:
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return show(self, ctx)

    display_type_rich._msrwe_flags = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich  # type: ignore[union-attr]


_flags_without_type()

app = typer.Typer(
    name="msrwe",
    help="Real-world evidence for progressive MS treatments from clinic charts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"msrwe {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Real-world evidence for progressive MS treatments from clinic charts."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    """Entry point of the ``msrwe`` console script.

    When the command is done the process ends at once, without Python's teardown of every
    object (:mod:`msrwe.cli._exit`); an error that is a bug still shows its traceback.
    """
    from msrwe.cli._exit import exit_now

    warnings.showwarning = show_warning  # a warning for the user is one plain line
    try:
        app()
    except SystemExit as exc:  # every command ends so (click's standalone mode)
        exit_now(exc.code)
    exit_now(0)
