"""Security of the web app, through the ASGI test client (numbered cases).

1 every route but the login page and static files needs a session; 2 POSTs without the CSRF
token are refused; 3 five wrong passwords throttle the login; 4 HTML in IDs and values is shown
as text; 5 viewers see no identifiers, free text, data quality or exports; 6 the audit table
holds logins, failed logins and exports; 7 logs hold no password, token or cell value;
8 binding beyond loopback needs TLS or the risk flag; 9 security headers.
"""

from __future__ import annotations

import html
import logging
import re
from urllib.parse import quote

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from tests.serve.conftest import EVIL_ID, EVIL_TERM, PASSWORDS, csrf_of
from typer.testing import CliRunner

from msrwe.errors import InputError
from msrwe.serve import CSP, ServeState, check_bind, create_app


def _paths(app) -> list[tuple[str, str]]:
    out = []
    for route in app.routes:
        if isinstance(route, Route):
            path = route.path.replace("{pid:path}", "P001").replace("{name:str}", "results.csv")
            out.extend((m, path) for m in sorted(route.methods or ()) if m != "HEAD")
    return out


def test_case1_every_route_needs_a_session(app) -> None:
    client = TestClient(app)
    paths = _paths(app)
    assert len(paths) >= 10
    for method, path in paths:
        if path == "/login":
            continue
        resp = client.request(method, path, follow_redirects=False)
        assert resp.status_code == 303, (method, path)
        assert resp.headers["location"] == "/login", (method, path)
    assert client.get("/login").status_code == 200
    assert client.get("/static/serve.css").status_code == 200
    assert any(isinstance(r, Mount) and r.path == "/static" for r in app.routes)


def test_case1b_forged_cookie_is_no_session(app) -> None:
    client = TestClient(app, cookies={"msrwe_session": "forged"})
    assert client.get("/patients", follow_redirects=False).status_code == 303


def test_case2_csrf_refused(client_for) -> None:
    dora = client_for("dora")
    page = dora.get("/quality").text
    key = html.unescape(re.search(r'name="key" value="([^"]+)"', page).group(1))
    for data in ({"key": key, "comment": "x"}, {"key": key, "comment": "x", "csrf": "wrong"}):
        resp = dora.post("/quality/review", data=data)
        assert resp.status_code == 403
        assert "security token" in resp.text
    assert dora.post("/logout", data={}).status_code == 403
    assert dora.get("/patients").status_code == 200  # still logged in
    # the login form has its own token
    anon = TestClient(dora.app)
    resp = anon.post("/login", data={"username": "dora", "password": PASSWORDS["dora"]})
    assert resp.status_code == 403


def test_case2b_review_with_token_is_kept_with_who_and_when(client_for, store) -> None:
    dora = client_for("dora")
    page = dora.get("/quality").text
    key = html.unescape(re.search(r'name="key" value="([^"]+)"', page).group(1))
    resp = dora.post("/quality/review", data={"key": key, "comment": "checked <b>chart</b>",
                                              "csrf": csrf_of(page)})
    assert resp.status_code == 200
    assert "reviewed by dora" in resp.text
    assert "checked &lt;b&gt;chart&lt;/b&gt;" in resp.text
    reviews = ServeState(store).reviews()
    assert any(v[0] == "checked <b>chart</b>" and v[1] == "dora" for v in reviews.values())
    bad = dora.post("/quality/review", data={"key": "a\x1fb\x1f1\x1fc\x1fd", "csrf": csrf_of(page)})
    assert bad.status_code == 400


def test_case3_five_wrong_passwords_throttle(store, study) -> None:
    client = TestClient(create_app(store, study))
    for _ in range(5):
        token = csrf_of(client.get("/login").text)
        resp = client.post("/login", data={"csrf": token, "username": "ana", "password": "nope"})
        assert resp.status_code == 401
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"csrf": token, "username": "ana",
                                       "password": PASSWORDS["ana"]})
    assert resp.status_code == 429
    assert "Too many wrong passwords" in resp.text
    actions = [r[2] for r in ServeState(store).audit_rows() if r[1] == "ana"]
    assert actions.count("failed login") >= 5
    assert "login throttled" in actions


def test_case4_html_in_ids_and_values_is_text(client_for) -> None:
    dora = client_for("dora")
    listing = dora.get("/patients", params={"search": "script"}).text
    assert EVIL_ID not in listing
    assert html.escape(EVIL_ID, quote=False) in listing or "&lt;script&gt;" in listing
    page = dora.get("/patients/" + quote(EVIL_ID, safe=""))
    assert page.status_code == 200
    assert EVIL_ID not in page.text
    assert EVIL_TERM not in page.text
    assert "&lt;script&gt;" in page.text
    assert "&lt;img src=x" in page.text
    assert "<script" not in page.text  # no script at all on any page


def test_case5_viewer_sees_no_identifiers_free_text_quality_or_exports(client_for) -> None:
    vera = client_for("vera")
    listing = vera.get("/patients").text
    assert not re.search(r">P0\d\d<", listing)
    assert "S-" in listing
    assert "script" not in vera.get("/patients", params={"search": "script"}).text.split(
        'id="count"')[1].split("</table>")[0]
    assert vera.get("/patients/P001").status_code == 404
    pseudo = re.search(r'class="pid" href="/patients/([^"]+)"', listing).group(1)
    page = vera.get(f"/patients/{pseudo}").text
    assert "birth_date" not in page
    assert "term" not in page.split("<h2>Confirmed")[1]
    assert "P0" not in re.sub(r"<svg.*</svg>", "", page, flags=re.S)
    for path in ("/quality", "/downloads", "/downloads/results.csv", "/downloads/quarantine.csv",
                 "/downloads/report.html"):
        assert vera.get(path).status_code == 403, path
    ana = client_for("ana")
    assert ana.get("/quality").status_code == 403
    assert ana.get("/downloads/quarantine.csv").status_code == 403
    assert ana.get("/patients/P001").status_code == 404
    dora = client_for("dora")
    assert ">P001<" in dora.get("/patients").text
    assert dora.get("/patients/P001").status_code == 200


def test_case6_audit_has_logins_failures_and_exports(client_for, store) -> None:
    ana = client_for("ana")
    resp = ana.get("/downloads/results.csv")
    assert resp.status_code == 200
    assert resp.text.startswith("analysis,")
    bad = TestClient(ana.app)
    bad.post("/login", data={"csrf": csrf_of(bad.get("/login").text), "username": "nobody",
                             "password": "x"})
    rows = ServeState(store).audit_rows()
    assert ("ana", "login") in {(r[1], r[2]) for r in rows}
    assert ("ana", "export", "results.csv") in {(r[1], r[2], r[3]) for r in rows}
    assert ("nobody", "failed login") in {(r[1], r[2]) for r in rows}
    text = repr(rows)
    assert all(p not in text for p in PASSWORDS.values())


def test_case7_logs_hold_no_secrets_or_values(client_for, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    dora = client_for("dora")
    token = dora.cookies.get("msrwe_session")
    dora.get("/patients/P001")
    dora.get("/patients", params={"search": "P00"})
    dora.get("/downloads/quarantine.csv")
    wrong = TestClient(dora.app)
    wrong.post("/login", data={"csrf": csrf_of(wrong.get("/login").text), "username": "dora",
                               "password": "hunter2-wrong"})
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() for r in server) + repr([r.args for r in server])
    assert "login" in logged
    for secret in (token, PASSWORDS["dora"], "hunter2-wrong", "P001", "P00"):
        assert secret not in logged


def test_case8_bind_needs_tls_or_flag() -> None:
    check_bind("127.0.0.1", tls=False, allow_insecure=False)
    check_bind("::1", tls=False, allow_insecure=False)
    with pytest.raises(InputError, match="without TLS"):
        check_bind("0.0.0.0", tls=False, allow_insecure=False)
    check_bind("0.0.0.0", tls=True, allow_insecure=False)
    check_bind("0.0.0.0", tls=False, allow_insecure=True)


def test_case9_headers_and_cookie_flags(app) -> None:
    client = TestClient(app)
    resp = client.get("/login")
    assert resp.headers["content-security-policy"] == CSP
    assert "script-src" not in CSP
    assert "default-src 'none'" in CSP
    token = csrf_of(resp.text)
    resp = client.post("/login", data={"csrf": token, "username": "vera",
                                       "password": PASSWORDS["vera"]}, follow_redirects=False)
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_case10_users_add_cli(tmp_path, store) -> None:
    from msrwe.cli.main import app as cli

    db = tmp_path / "msrwe.duckdb"
    db.write_bytes(store.read_bytes())
    result = CliRunner().invoke(cli, ["users", "add", "newbie", "--role", "analyst", "--db",
                                      str(db)], input="long-password-9\nlong-password-9\n")
    assert result.exit_code == 0, result.output
    assert "long-password-9" not in result.output
    state = ServeState(db)
    assert state.check_password("newbie", "long-password-9") == "analyst"
    assert "long-password-9" not in state.path.read_bytes().decode("latin-1")
    bad = CliRunner().invoke(cli, ["users", "add", "x", "--role", "admin", "--db", str(db)],
                             input="long-password-9\nlong-password-9\n")
    assert bad.exit_code == 1
    assert "admin" in bad.output
    assert ServeState(db).check_password("x", "long-password-9") is None
