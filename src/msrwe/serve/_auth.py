"""Sessions, CSRF tokens and the failed-login throttle (all kept in the server's memory).

A session is a random 256-bit token in an HttpOnly, SameSite=strict cookie; the server keeps
the user, role and CSRF token behind it. Every POST carries the CSRF token in a form field,
compared in constant time (OWASP CSRF cheat sheet: synchroniser token). After ``LIMIT`` wrong
passwords for one user name or from one client within ``WINDOW`` seconds, logins are refused
until the window has passed.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

__all__ = ["LIMIT", "WINDOW", "Session", "Sessions", "Throttle"]

#: Wrong passwords allowed per user name or client within :data:`WINDOW` seconds.
LIMIT = 5
#: The throttle's window in seconds.
WINDOW = 300.0
#: Idle time after which a session ends, in seconds.
IDLE = 8 * 3600.0


@dataclass
class Session:
    """One logged-in user."""

    user: str
    role: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    seen: float = field(default_factory=time.monotonic)

    def csrf_ok(self, token: str | None) -> bool:
        """Whether ``token`` is this session's CSRF token (constant-time comparison)."""
        return bool(token) and hmac.compare_digest(self.csrf.encode(), str(token).encode())


class Sessions:
    """The server's sessions, by token."""

    def __init__(self) -> None:
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, user: str, role: str) -> tuple[str, Session]:
        """Open a session; returns its new token and the session."""
        token = secrets.token_urlsafe(32)
        session = Session(user, role)
        with self._lock:
            self._by_token[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session behind ``token``, or ``None``."""
        if not token:
            return None
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if time.monotonic() - session.seen > IDLE:
                del self._by_token[token]
                return None
            session.seen = time.monotonic()
            return session

    def end(self, token: str | None) -> None:
        """Close the session behind ``token`` (nothing if there is none)."""
        with self._lock:
            self._by_token.pop(token or "", None)


class Throttle:
    """Counts wrong passwords per key (user name, client address) in a sliding window."""

    def __init__(self, limit: int = LIMIT, window: float = WINDOW) -> None:
        self.limit, self.window = limit, window
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        """Whether any of ``keys`` has reached the limit within the window."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                recent = [t for t in self._fails.get(key, []) if now - t < self.window]
                self._fails[key] = recent
                if len(recent) >= self.limit:
                    return True
        return False

    def fail(self, *keys: str) -> None:
        """Record one wrong password for each of ``keys``."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._fails.setdefault(key, []).append(now)

    def clear(self, key: str) -> None:
        """Forget the failures of ``key`` (after a right password)."""
        with self._lock:
            self._fails.pop(key, None)
