"""``msrwe serve``: explore the cohort in a browser, behind a login.

:func:`create_app` builds the Starlette application for one store; :class:`ServeState` keeps the
accounts, audit trail and review marks in ``<store>.serve.sqlite``; :func:`run_server` checks
the bind address and runs uvicorn. See docs/serve.md.
"""

from msrwe.serve._state import ROLES, ServeState, state_path
from msrwe.serve.app import CSP, create_app
from msrwe.serve.run import check_bind, run_server

__all__ = ["CSP", "ROLES", "ServeState", "check_bind", "create_app", "run_server", "state_path"]
