"""Regenerate the screenshots of docs/serve.md (docs/img/serve-*.png).

Usage::

    .venv/bin/python scripts/serve_screenshots.py

Builds the synthetic demo cohort (dirty, 83 patients, seed 2019) in a temporary folder, adds a
data-manager account, starts ``msrwe serve`` on a free port of 127.0.0.1, drives Debian's
headless Chromium (Playwright with ``/usr/bin/chromium``) through the main pages and stops the
server. Nothing is downloaded.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "img"
STUDY = """[study]
title = "Long-term intrathecal methotrexate in progressive MS (synthetic demo cohort)"

[cohort]
drug = "methotrexate"
route = "intrathecal"
min_administrations = 18
phenotypes = ["SPMS", "PPMS"]

[analysis]
group_by = "phenotype"
"""


def main() -> None:
    """Build the demo store, serve it, take the screenshots."""
    from playwright.sync_api import sync_playwright

    from msrwe.io import import_folder
    from msrwe.serve import ServeState
    from msrwe.synth import write_cohort

    DOCS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_cohort(folder / "charts", 83, seed=2019, dirty=True)
        db = folder / "msrwe.duckdb"
        import_folder(folder / "charts", db)
        (folder / "study.toml").write_text(STUDY, encoding="utf-8")
        ServeState(db).add_user("dora", "screenshot-pass", "data-manager")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-c", "from msrwe.cli.main import main; main()",
                                 "serve", "--db", str(db), "--study", str(folder / "study.toml"),
                                 "--port", str(port)], stdout=subprocess.DEVNULL)
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(url + "/login", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.set_default_timeout(300_000)  # the first overview runs the analysis
                page.goto(url + "/login")
                page.screenshot(path=str(DOCS / "serve-login.png"))
                page.fill("input[name=username]", "dora")
                page.fill("input[name=password]", "screenshot-pass")
                page.click("#login")
                page.wait_for_selector("#flow", timeout=300_000)
                page.screenshot(path=str(DOCS / "serve-overview.png"))
                page.goto(url + "/patients?event=PIRA")
                page.screenshot(path=str(DOCS / "serve-patients.png"))
                page.click("a.pid >> nth=0")
                page.wait_for_selector("#events")
                page.screenshot(path=str(DOCS / "serve-patient.png"), full_page=False)
                page.goto(url + "/quality")
                page.screenshot(path=str(DOCS / "serve-quality.png"))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    for png in sorted(DOCS.glob("serve-*.png")):
        print(png)


if __name__ == "__main__":
    main()
