"""A throw-away PostgreSQL 15 cluster for the OMOP tests (Unix socket only, trust auth).

The cluster lives in a temp folder and is stopped and removed after the tests. As root,
``initdb`` refuses to run, so the cluster is made and run as the user ``nobody`` (``runuser``).
When no PostgreSQL binaries are found (``PG_BIN``, ``pg_config --bindir``,
/usr/lib/postgresql/*/bin) the tests that need it skip and say why; CI installs them
(scripts/ensure_system_deps.sh).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    candidates = [os.environ.get("PG_BIN", "")]
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A URL of a fresh PostgreSQL database on a Unix socket; skips when none can be started."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                    "scripts/ensure_system_deps.sh installs them")
    root = os.geteuid() == 0
    if root and not shutil.which("runuser"):
        pytest.skip("running as root and runuser is missing: initdb cannot run as root")
    base = Path(tempfile.mkdtemp(prefix="msrwe-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    user = "nobody" if root else None
    if root:
        os.chmod(base, 0o755)
        shutil.chown(base, user="nobody")
        shutil.chown(sock, user="nobody")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(pg_bin / args[0]), *args[1:]]
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    init = run("initdb", "-D", str(data), "--auth=trust", "-U", "omop", "--no-sync",
               "-E", "UTF8", "--locale=C")
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"initdb failed: {init.stderr.strip()[:300]}")
    start = run("pg_ctl", "-D", str(data), "-w", "-t", "60", "-l", str(base / "log.txt"),
                "-o", f"-k {sock} -c listen_addresses='' -c fsync=off", "start")
    if start.returncode != 0:
        log = (base / "log.txt").read_text() if (base / "log.txt").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {(start.stderr + log).strip()[:300]}")
    try:
        yield f"postgresql://omop@/postgres?host={sock}"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
