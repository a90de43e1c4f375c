"""The web app's own file beside the store: accounts, the audit trail and review marks.

The chart store stays read-only for the app; everything the app writes (users with their
password hashes, the audit table, "reviewed" marks on quarantine rows and the server secret that
keys the pseudonyms) lives in ``<store>.serve.sqlite`` next to it. SQLite (standard library)
lets ``msrwe users add`` write while a server is running.

Examples
--------
>>> import tempfile, pathlib
>>> from msrwe.serve import ServeState
>>> state = ServeState(pathlib.Path(tempfile.mkdtemp()) / "msrwe.duckdb")
>>> state.add_user("ana", "correct horse battery", "analyst")
>>> state.check_password("ana", "correct horse battery")
'analyst'
>>> state.check_password("ana", "wrong") is None
True
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from msrwe.errors import InputError

__all__ = ["ROLES", "ServeState", "state_path"]

#: The roles an account can have, from the least to the most trusted.
ROLES: tuple[str, ...] = ("viewer", "analyst", "data-manager")

_SCHEMA = """
create table if not exists users (name text primary key, role text not null, hash text not null,
                                   created_at text not null);
create table if not exists audit (at text not null, user_name text, action text not null,
                                  detail text, client text);
create table if not exists reviews (table_name text, file text, row_number integer,
                                    column_name text, rule text, comment text,
                                    user_name text not null, at text not null);
create table if not exists settings (key text primary key, value text not null);
"""

_HASHER = PasswordHasher()
#: A hash to verify against for unknown users, so their answer takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def state_path(db: str | Path) -> Path:
    """The app's file for the store ``db``: ``<db>.serve.sqlite`` in the same folder."""
    db = Path(db)
    return db.with_name(db.name + ".serve.sqlite")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class ServeState:
    """Accounts, audit trail, review marks and the pseudonym secret of one store.

    Parameters
    ----------
    db
        The chart store (``msrwe import``'s DuckDB file); the state file sits beside it.
    """

    def __init__(self, db: str | Path) -> None:
        self.path = state_path(db)
        self._lock = threading.Lock()
        with self._connect() as con:
            con.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            con = sqlite3.connect(self.path, timeout=10)
            try:
                with con:
                    yield con
            finally:
                con.close()

    # accounts -------------------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str) -> None:
        """Create or replace an account; only the argon2 hash of ``password`` is kept."""
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}.")
        if not name or len(name) > 64 or not name.isprintable() or name.strip() != name:
            raise InputError("a user name is 1 to 64 printable characters without outer spaces.")
        if len(password) < 8:
            raise InputError("a password needs at least 8 characters.")
        with self._connect() as con:
            con.execute("insert or replace into users values (?, ?, ?, ?)",
                        (name, role, _HASHER.hash(password), _now()))

    def users(self) -> list[tuple[str, str]]:
        """``(name, role)`` of every account."""
        with self._connect() as con:
            return list(con.execute("select name, role from users order by name"))

    def check_password(self, name: str, password: str) -> str | None:
        """The user's role when ``password`` is right, else ``None`` (same time either way)."""
        with self._connect() as con:
            row = con.execute("select role, hash from users where name = ?", (name,)).fetchone()
        try:
            _HASHER.verify(row[1] if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return row[0] if row else None

    # audit ----------------------------------------------------------------------------------
    def audit(self, user: str | None, action: str, detail: str = "", client: str = "") -> None:
        """Append one line to the audit table (never a password, a token or a cell value)."""
        with self._connect() as con:
            con.execute("insert into audit values (?, ?, ?, ?, ?)",
                        (_now(), user, action, detail, client))

    def audit_rows(self) -> list[tuple[str, str | None, str, str, str]]:
        """Every audit row, oldest first."""
        with self._connect() as con:
            return list(con.execute("select * from audit order by rowid"))

    # reviews --------------------------------------------------------------------------------
    def review(self, key: tuple[str, str, int, str, str], comment: str, user: str) -> None:
        """Mark one quarantine problem reviewed (``key``: table, file, row, column, rule)."""
        with self._connect() as con:
            con.execute("insert into reviews values (?, ?, ?, ?, ?, ?, ?, ?)",
                        (*key, comment, user, _now()))

    def reviews(self) -> dict[tuple[str, str, int, str, str], tuple[str, str, str]]:
        """The latest review of each problem: key -> ``(comment, user, when)``."""
        with self._connect() as con:
            rows = con.execute("select * from reviews order by rowid").fetchall()
        return {(r[0], r[1], int(r[2]), r[3], r[4]): (r[5], r[6], r[7]) for r in rows}

    # secret ---------------------------------------------------------------------------------
    def secret(self) -> bytes:
        """The server's secret (made once, kept in the state file): keys the pseudonyms."""
        with self._connect() as con:
            row = con.execute("select value from settings where key = 'secret'").fetchone()
            if row is None:
                value = secrets.token_hex(32)
                con.execute("insert into settings values ('secret', ?)", (value,))
                return bytes.fromhex(value)
        return bytes.fromhex(row[0])
