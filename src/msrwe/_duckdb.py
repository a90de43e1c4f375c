"""DuckDB connections as msrwe uses them: nothing drawn on standard output.

DuckDB draws a progress bar on standard output during a query of more than two seconds (a
registry's table), into what a command writes there (``msrwe import --json``, ``msrwe outcomes``
printing its events). Every connection msrwe opens is passed through :func:`quiet`: the store's
(:func:`msrwe.store.connect`, the import's staged copy), the batched outcome engine's and the OMOP
reader's. It lives below every package (like :mod:`msrwe._atomic`) so that ``derive``, which may
not use ``store``, calls the same switch.

Examples
--------
>>> import duckdb
>>> con = quiet(duckdb.connect())
>>> con.execute("select current_setting('enable_progress_bar')").fetchone()
(False,)
>>> con.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # duckdb is imported by the caller that opens the connection
    import duckdb

__all__ = ["quiet"]


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` without DuckDB's progress bar, which it writes to standard output.

    Parameters
    ----------
    con
        An open connection.

    Returns
    -------
    duckdb.DuckDBPyConnection
        The same connection, so that ``quiet(duckdb.connect(path))`` opens one quietly.
    """
    con.execute("set enable_progress_bar = false")
    return con
