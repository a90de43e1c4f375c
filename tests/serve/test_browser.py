"""The web app in real headless Chromium (Debian's, driven by Playwright) against a real uvicorn.

The test starts ``msrwe serve`` on a free port of 127.0.0.1 and stops it after. Walk: log in,
open the overview, filter the patient list, open a patient with a PIRA event and read its
"why", change the baseline option and see the events change, mark a quarantine row reviewed,
list the patients with a problem not yet reviewed, log out; a viewer cannot reach identifiers
or exports; a wrong password five times is throttled.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.serve.conftest import PASSWORDS

CHROMIUM = os.environ.get("MSRWE_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(store: Path, study: Path) -> Iterator[str]:
    port = _free_port()
    log = store.parent / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from msrwe.cli.main import main; main()", "serve", "--db",
             str(store), "--study", str(study), "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/login", timeout=1)
                    break
                except OSError:
                    if proc.poll() is not None:
                        pytest.fail("msrwe serve stopped: " + log.read_text())
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log.read_text()
    for secret in PASSWORDS.values():
        assert secret not in text
    assert "P001" not in text
    assert "GET /" not in text


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        print("SKIP: Debian's chromium is not installed (make test installs it)")
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()
        print(f"browser: {b.version} at {CHROMIUM}")


def _login(page, url: str, user: str, password: str | None = None) -> None:
    page.set_default_timeout(180_000)  # the first overview runs the analysis on a loaded machine
    page.goto(url + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password or PASSWORDS[user])
    page.click("#login")


def test_case1_data_manager_walk(server: str, browser) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/patients")
    assert page.url.endswith("/login")
    _login(page, server, "dora")
    page.wait_for_selector("#flow", timeout=120_000)  # the overview (the analysis runs once)
    assert "patients in the store" in page.inner_text("#flow")
    assert page.is_visible("#h-table1")
    page.click("text=Patients")
    total = page.inner_text("#count")
    page.select_option("select[name=event]", "PIRA")
    page.click("#apply")
    filtered = page.inner_text("#count")
    assert filtered != total
    assert int(filtered.split()[0]) < int(total.split()[0])
    page.click("a.pid >> nth=0")
    page.wait_for_selector("#events")
    whys = page.locator("li.PIRA .why").all_inner_texts()
    assert whys
    assert "PIRA" in whys[0]
    assert "baseline" in whys[0]
    assert "confirmed" in whys[0]
    assert page.locator(".chart svg").count() == 1
    before = page.inner_text("#events")
    page.select_option("#baseline", "roving")
    page.click("#rerun")
    page.wait_for_selector("#events")
    assert "baseline=roving" in page.url
    after = page.inner_text("#events")
    assert after != before
    assert "roving baseline" in after
    page.click("text=Data quality")
    count = page.inner_text("#qcount")
    page.fill("form.review >> nth=0 >> input[name=comment]", "checked the chart")
    page.click("form.review >> nth=0 >> button")
    assert page.inner_text("#qcount") != count
    assert "reviewed by dora" in page.content()
    page.click("text=Patients")
    page.select_option("#quality", "open")
    page.click("#apply")
    assert "quality=open" in page.url
    open_count = int(page.inner_text("#count").split()[0])
    assert 0 < open_count < int(total.split()[0])
    assert all(int(n) > 0 for n in page.locator("td.nopen").all_inner_texts())
    page.click("#logout")
    assert page.url.endswith("/login")
    page.goto(server + "/patients")
    assert page.url.endswith("/login")
    assert not errors, errors  # nothing blocked by the CSP, no script errors


def test_case2_viewer_limits(server: str, browser) -> None:
    page = browser.new_page()
    _login(page, server, "vera")
    page.wait_for_selector("#flow", timeout=120_000)
    assert page.locator("text=Downloads").count() == 0
    assert page.locator("text=Data quality").count() == 0
    page.goto(server + "/patients")
    ids = page.locator("a.pid").all_inner_texts()
    assert ids
    assert all(i.startswith("S-") for i in ids)
    resp = page.goto(server + "/downloads/results.csv")
    assert resp.status == 403
    resp = page.goto(server + "/patients/P001")
    assert resp.status == 404


def test_case3_csrf_and_throttle(server: str, browser) -> None:
    page = browser.new_page()
    _login(page, server, "dora")
    page.wait_for_selector("#flow", timeout=120_000)
    resp = page.request.post(server + "/logout", form={"csrf": "forged"})
    assert resp.status == 403
    page.goto(server + "/patients")
    assert page.url.endswith("/patients")  # still logged in
    fresh = browser.new_page()
    for _ in range(5):
        _login(fresh, server, "ana", "wrong password")
        assert "Wrong user name or password" in fresh.inner_text("#login-error")
    _login(fresh, server, "ana")
    assert "Too many wrong passwords" in fresh.inner_text("#login-error")
