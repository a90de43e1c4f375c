"""``msrwe serve`` and ``msrwe users``: the web app and its accounts."""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe.cli._common import console, guard, shown

__all__ = ["register"]

users_app = typer.Typer(help="Accounts of the web app (msrwe serve).", no_args_is_help=True)


def serve(
    db: Path = typer.Option(..., "--db", help="The store written by msrwe import."),
    study: Path | None = typer.Option(None, "--study", help="The study file (TOML)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8050, "--port", help="Port to listen on."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="TLS certificate (PEM)."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="TLS private key (PEM)."),
    insecure: bool = typer.Option(
        False, "--insecure-allow-network-without-tls",
        help="Serve on a non-loopback address without TLS (passwords and patient data travel "
        "unencrypted)."),
) -> None:
    """Explore the cohort in a browser behind a login (add accounts with `msrwe users add`)."""
    _serve(db, study, host, port, tls_cert, tls_key, insecure)


@guard
def _serve(db: Path, study: Path | None, host: str, port: int, tls_cert: Path | None,
           tls_key: Path | None, insecure: bool) -> None:
    from msrwe.errors import StoreError
    from msrwe.serve import ServeState, check_bind, run_server

    if not db.is_file():
        raise StoreError(f"{db}: no such store; run `msrwe import` first.")
    check_bind(host, tls=tls_cert is not None and tls_key is not None, allow_insecure=insecure)
    if not ServeState(db).users():
        console.print(f"No account yet: add one with `msrwe users add NAME --role data-manager "
                      f"--db {db}`.")
    console.print(f"Serving {shown(db)} on http://{shown(host)}:{port}/ (Ctrl-C to stop)")
    run_server(db, study, host=host, port=port, tls_cert=tls_cert, tls_key=tls_key,
               allow_insecure=insecure)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="The user name."),
    role: str = typer.Option(..., "--role", help="viewer, analyst or data-manager."),
    db: Path = typer.Option(..., "--db", help="The store the account is for."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                 help="Asked for when not given (never echoed)."),
) -> None:
    """Add an account (or replace its password and role); only an argon2 hash is kept."""
    _users_add(name, role, db, password)


@guard
def _users_add(name: str, role: str, db: Path, password: str) -> None:
    from msrwe.errors import StoreError
    from msrwe.serve import ServeState

    if not db.is_file():
        raise StoreError(f"{db}: no such store; run `msrwe import` first.")
    state = ServeState(db)
    state.add_user(name, password, role)
    console.print(f"Account {name!r} ({role}) saved in {state.path}.", markup=False)


@users_app.command("list")
def users_list(db: Path = typer.Option(..., "--db", help="The store.")) -> None:
    """List the accounts and their roles."""
    from msrwe.serve import ServeState

    for name, role in ServeState(db).users():
        console.print(f"{name}\t{role}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` and ``users`` commands to ``app``."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
