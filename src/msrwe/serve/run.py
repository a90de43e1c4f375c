"""Run the app with uvicorn, on 127.0.0.1 unless TLS or an explicit risk flag says otherwise."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

from msrwe.errors import InputError

__all__ = ["check_bind", "run_server"]


def check_bind(host: str, *, tls: bool, allow_insecure: bool) -> None:
    """Refuse a non-loopback address without TLS or the explicit risk flag.

    Examples
    --------
    >>> check_bind("127.0.0.1", tls=False, allow_insecure=False)
    >>> check_bind("0.0.0.0", tls=False, allow_insecure=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.InputError: refusing to serve patient data on 0.0.0.0 without TLS: ...
    """
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not tls and not allow_insecure:
        raise InputError(
            f"refusing to serve patient data on {host} without TLS: give --tls-cert and "
            "--tls-key, or --insecure-allow-network-without-tls if you accept that passwords "
            "and patient data cross the network unencrypted.")


def run_server(db: str | Path, study: str | Path | None = None, *, host: str = "127.0.0.1",
               port: int = 8050, tls_cert: Path | None = None, tls_key: Path | None = None,
               allow_insecure: bool = False) -> None:
    """Serve the app until interrupted (no access log: URLs may hold patient IDs)."""
    import uvicorn

    from msrwe.serve.app import create_app

    tls = tls_cert is not None and tls_key is not None
    check_bind(host, tls=tls, allow_insecure=allow_insecure)
    logging.getLogger("msrwe.serve").setLevel(logging.INFO)
    app = create_app(db, study, secure_cookies=tls, warm=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info",
                ssl_certfile=str(tls_cert) if tls else None,
                ssl_keyfile=str(tls_key) if tls else None)
