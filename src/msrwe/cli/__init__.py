"""The ``msrwe`` command line (typer)."""
