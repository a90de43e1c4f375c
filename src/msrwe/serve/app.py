"""The Starlette application of ``msrwe serve``.

Every route but ``/login`` and ``/static`` needs a session; every POST needs the session's CSRF
token; responses carry a strict Content-Security-Policy (no script, nothing from the network).
Nothing the app logs holds a password, a token, a patient ID or a cell value.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from msrwe.serve._auth import Session, Sessions, Throttle
from msrwe.serve._data import EVENT_FILTERS, QUALITY_FILTERS, SORTS, Cohort
from msrwe.serve._state import ServeState
from msrwe.serve._timeline import event_why, timeline_svg

__all__ = ["CSP", "create_app"]

log = logging.getLogger("msrwe.serve")
HERE = Path(__file__).parent
#: The Content-Security-Policy of every response (the report's, plus same-origin forms/CSS).
CSP = ("default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
COOKIE = "msrwe_session"
LOGIN_COOKIE = "msrwe_login"
_RANK = {"viewer": 0, "analyst": 1, "data-manager": 2}


class _Denied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _neutralise(value: Any) -> Any:
    """Keep a spreadsheet from running a CSV cell as a formula (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _SecurityHeaders:
    """ASGI middleware: the CSP and the other protective headers on every response."""

    HEADERS = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
               (b"cache-control", b"no-store"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _v in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.HEADERS if k not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: str | Path, study: str | Path | None = None, *, secure_cookies: bool = False,
               throttle: Throttle | None = None, warm: bool = False) -> Starlette:
    """Build the web app for the store ``db`` (and the study file ``study``, if any).

    With ``warm``, the overview's analysis starts at once in a background thread.
    """
    state = ServeState(db)
    cohort = Cohort(db, state.secret())
    sessions = Sessions()
    throttle = throttle or Throttle()
    templates = Jinja2Templates(env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True))
    analysis: dict[str, Any] = {}
    analysis_lock = threading.Lock()

    def analysed() -> Any:
        with analysis_lock:
            if "result" not in analysis:
                from msrwe.pipeline import analyze

                try:
                    analysis["result"] = analyze(db, study)
                    analysis["error"] = None
                except Exception as exc:  # noqa: BLE001 shown on the overview, never a traceback
                    analysis["result"], analysis["error"] = None, str(exc)
            return analysis["result"]

    def session_of(request: Request, need: str = "viewer") -> Session:
        session = sessions.get(request.cookies.get(COOKIE))
        if session is None:
            raise _Denied(303, "login")
        if _RANK[session.role] < _RANK[need]:
            raise _Denied(403, f"This page needs the {need} role.")
        return session

    async def checked_form(request: Request, session: Session) -> Any:
        form = await request.form()
        if not session.csrf_ok(form.get("csrf")):  # type: ignore[arg-type]
            raise _Denied(403, "The form's security token is missing or wrong; reload the page.")
        return form

    def page(request: Request, name: str, session: Session | None, *, status_code: int = 200,
             **ctx: Any) -> Response:
        return templates.TemplateResponse(request, name, {"session": session, **ctx},
                                          status_code=status_code)

    def client(request: Request) -> str:
        return request.client.host if request.client else ""

    # login ----------------------------------------------------------------------------------
    async def login_form(request: Request) -> Response:
        token = secrets.token_urlsafe(32)
        resp = page(request, "login.html", None, csrf=token, error=None)
        resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies, path="/login")
        return resp

    async def login(request: Request) -> Response:
        form = await request.form()
        pre = request.cookies.get(LOGIN_COOKIE, "")
        given = str(form.get("csrf", ""))
        if not pre or not secrets.compare_digest(pre.encode(), given.encode()):
            return page(request, "error.html", None, message="The login form expired; "
                        "reload the page.", status_code=403)
        user, password = str(form.get("username", ""))[:64], str(form.get("password", ""))
        key_user, key_client = f"user:{user}", f"client:{client(request)}"
        if throttle.blocked(key_user, key_client):
            state.audit(user, "login throttled", client=client(request))
            return page(request, "login.html", None, csrf=pre, status_code=429,
                        error="Too many wrong passwords: wait a few minutes and try again.")
        role = state.check_password(user, password)
        if role is None:
            throttle.fail(key_user, key_client)
            state.audit(user, "failed login", client=client(request))
            log.info("failed login")
            return page(request, "login.html", None, csrf=pre, status_code=401,
                        error="Wrong user name or password.")
        throttle.clear(key_user)
        token, _session = sessions.start(user, role)
        state.audit(user, "login", f"role {role}", client(request))
        log.info("login")
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies)
        resp.delete_cookie(LOGIN_COOKIE, path="/login")
        return resp

    async def logout(request: Request) -> Response:
        session = session_of(request)
        await checked_form(request, session)
        sessions.end(request.cookies.get(COOKIE))
        state.audit(session.user, "logout", client=client(request))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    # pages ----------------------------------------------------------------------------------
    async def overview(request: Request) -> Response:
        session = session_of(request)
        from starlette.concurrency import run_in_threadpool

        result = await run_in_threadpool(analysed)
        tables: dict[str, Any] = {}
        if result is not None:
            res = result.results.to_polars()
            for name in ("table1", "time_to_cdw", "edss_change", "safety"):
                part = res.filter(res["analysis"] == name).drop("analysis", "method")
                if part.height:
                    tables[name] = part.head(60).rows()
                    tables[name + "_cols"] = part.columns
        return page(request, "overview.html", session, result=result, tables=tables,
                    error=analysis.get("error"),
                    attrition=result.attrition.rows() if result is not None else [])

    async def patients(request: Request) -> Response:
        session = session_of(request)
        q = request.query_params
        try:
            page_no = max(1, int(q.get("page", "1")))
        except ValueError:
            page_no = 1
        filters = {"phenotype": q.get("phenotype", ""), "drug": q.get("drug", ""),
                   "event": q.get("event", "") if q.get("event", "") in EVENT_FILTERS else "",
                   "search": q.get("search", "")[:64],
                   "sort": q.get("sort", "id") if q.get("sort", "id") in SORTS else "id"}
        from starlette.concurrency import run_in_threadpool

        rules = await run_in_threadpool(cohort.quality_rules)
        quality = q.get("quality", "")
        filters["quality"] = quality if quality in QUALITY_FILTERS or quality in rules else ""
        reviews = state.reviews()
        rows, total = await run_in_threadpool(lambda: cohort.patient_page(
            session.role, page=page_no, reviews=reviews, **filters))
        return page(request, "patients.html", session, rows=rows, total=total, page=page_no,
                    pages=max(1, -(-total // 50)), filters=filters, choices=cohort.choices(),
                    sorts=list(SORTS), events=EVENT_FILTERS, rules=rules)

    async def patient(request: Request) -> Response:
        session = session_of(request)
        pid = cohort.resolve(request.path_params["pid"], session.role)
        if pid is None:
            raise _Denied(404, "No such patient.")
        baseline = request.query_params.get("baseline", "fixed")
        baseline = baseline if baseline in ("fixed", "roving") else "fixed"
        conf = 24 if request.query_params.get("conf") == "24" else 12
        from starlette.concurrency import run_in_threadpool

        rec = await run_in_threadpool(lambda: cohort.patient(pid, session.role,
                                                             baseline=baseline, conf_weeks=conf))
        events = [dict(e, why=event_why(e, rec.options)) for e in rec.events.iter_rows(named=True)]
        svg = await run_in_threadpool(lambda: timeline_svg(rec.tables, rec.events, rec.options))
        return page(request, "patient.html", session, rec=rec, events=events,
                    svg=Markup(svg), baseline=baseline, conf=conf,
                    tables={k: v for k, v in rec.tables.items() if k != "visits" and v.height})

    def quarantine_rows() -> list[dict[str, Any]]:
        """The quarantine by rule, then patient (data managers only: it holds identifiers)."""
        rows = cohort.problems().to_dicts()
        reviews = state.reviews()
        for r in rows:
            key = (r["table_name"], r["file"], int(r["row_number"] or 0), r["column_name"] or "",
                   r["rule"])
            r["key"] = "\x1f".join(str(k) for k in key)
            r["review"] = reviews.get(key)
            r["listed"] = cohort.resolve(r["patient_id"], "data-manager") is not None \
                if r["patient_id"] is not None else False
        return rows

    async def quality(request: Request) -> Response:
        session = session_of(request, "data-manager")
        rows = quarantine_rows()
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault(r["rule"], []).append(r)
        return page(request, "quality.html", session, groups=groups, n=len(rows),
                    reviewed=sum(r["review"] is not None for r in rows))

    async def review(request: Request) -> Response:
        session = session_of(request, "data-manager")
        form = await checked_form(request, session)
        parts = str(form.get("key", "")).split("\x1f")
        if len(parts) != 5 or not parts[2].isdigit():
            raise _Denied(400, "Unknown quarantine row.")
        key = (parts[0], parts[1], int(parts[2]), parts[3], parts[4])
        if not any(r["key"] == form.get("key") for r in quarantine_rows()):
            raise _Denied(400, "Unknown quarantine row.")
        state.review(key, str(form.get("comment", ""))[:500], session.user)
        state.audit(session.user, "review", f"rule {parts[4]}", client(request))
        return RedirectResponse("/quality", status_code=303)

    downloads_allowed = {"results.csv": "analyst", "report.html": "analyst",
                         "quarantine.csv": "data-manager"}

    async def downloads(request: Request) -> Response:
        session = session_of(request, "analyst")
        names = [n for n, need in downloads_allowed.items() if _RANK[session.role] >= _RANK[need]]
        return page(request, "downloads.html", session, names=names)

    async def download(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in downloads_allowed:
            raise _Denied(404, "No such download.")
        session = session_of(request, downloads_allowed[name])
        from starlette.concurrency import run_in_threadpool

        if name == "quarantine.csv":
            buf = io.StringIO()
            rows = quarantine_rows()
            cols = ["table_name", "file", "row_number", "column_name", "value", "rule", "message"]
            w = csv.writer(buf)
            w.writerow(cols)
            for r in rows:
                w.writerow([_neutralise(r[c]) for c in cols])
            body, media = buf.getvalue().encode(), "text/csv"
        else:
            result = await run_in_threadpool(analysed)
            if result is None:
                raise _Denied(409, "The analysis could not run: " + str(analysis.get("error")))
            if name == "results.csv":
                body, media = result.results.to_polars().write_csv().encode(), "text/csv"
            else:
                from msrwe.pipeline import build_report

                def write() -> bytes:
                    with tempfile.TemporaryDirectory() as tmp:
                        out = Path(tmp) / "report.html"
                        build_report(db, out, study=study, analysis=result)
                        return out.read_bytes()

                body, media = await run_in_threadpool(write), "text/html"
        state.audit(session.user, "export", name, client(request))
        log.info("export")
        return Response(body, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})

    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", overview),
        Route("/patients", patients),
        Route("/patients/{pid:path}", patient),
        Route("/quality", quality),
        Route("/quality/review", review, methods=["POST"]),
        Route("/downloads", downloads),
        Route("/downloads/{name:str}", download),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    async def denied(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, _Denied)
        if exc.status == 303:
            return RedirectResponse("/login", status_code=303)
        session = sessions.get(request.cookies.get(COOKIE))
        return page(request, "error.html", session, message=exc.message, status_code=exc.status)

    app = Starlette(routes=routes, exception_handlers={_Denied: denied},
                    middleware=[Middleware(_SecurityHeaders)])
    if warm:
        threading.Thread(target=analysed, name="msrwe-serve-analysis", daemon=True).start()
    app.state.serve_state = state
    app.state.cohort = cohort
    app.state.sessions = sessions
    return app
