"""The demo report in headless Chromium: screenshot, PDF, DOM, and no request off the machine.

Needs Debian's ``chromium`` (``make test`` installs it via scripts/ensure_system_deps.sh); the
tests are skipped, saying so, only when no Chromium is installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from msrwe.report.formatting import fmt_int, fmt_n_pct_events, fmt_p

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (apt-get install chromium, or run "
    "scripts/ensure_system_deps.sh)",
)
NETWORK_SCHEMES = re.compile(r"^(https?|wss?|ftp)://", re.IGNORECASE)


def _chromium(url: str, profile: Path, *extra: str, timeout: int = 120) -> str:
    args = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-default-apps", "--disable-extensions", "--mute-audio",
        f"--user-data-dir={profile}", '--host-resolver-rules=MAP * ~NOTFOUND',
        "--hide-scrollbars", *extra, url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def page_requests(netlog: Path) -> list[str]:
    """Network URLs the page asked for, from a Chromium net-log.

    Chromium itself pings Google (time, updates, accounts) even headless; those requests have
    the initiator ``"not an origin"``. A request made by the page carries the page's origin
    (``"null"`` for a file: page), so only those count.
    """
    log = json.loads(netlog.read_text())
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    out = []
    for event in log.get("events", []):
        if types.get(event["type"]) != "URL_REQUEST_START_JOB":
            continue
        params = event.get("params", {})
        url = params.get("url", "")
        if NETWORK_SCHEMES.match(url) and params.get("initiator") != "not an origin":
            out.append(url)
    return sorted(set(out))


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report ``msrwe demo`` writes: synthetic charts, import, analysis, report."""
    from msrwe.io import import_folder
    from msrwe.pipeline import build_report
    from msrwe.synth import write_cohort

    out = tmp_path_factory.mktemp("demo")
    write_cohort(out / "charts", 83, seed=2019, dirty=True)
    summary = import_folder(out / "charts", out / "msrwe.duckdb")
    tables = summary.to_json_dict()["tables"]
    pl.DataFrame({"n": [sum(t["quarantined"] for t in tables.values())]}).write_csv(
        out / "quarantine_count.csv")
    return build_report(out / "msrwe.duckdb", out / "report.html", export=out / "results")


def _check_in_browser(html_path: Path, tmp: Path) -> tuple[str, Path, Path]:
    url = html_path.resolve().as_uri()
    netlog = tmp / "net.json"
    dom = _chromium(url, tmp / "p1", f"--log-net-log={netlog}", "--net-log-capture-mode=Everything",
                    "--virtual-time-budget=5000", "--dump-dom")
    png, pdf = tmp / "shot.png", tmp / "report.pdf"
    _chromium(url, tmp / "p2", "--window-size=1280,2400", f"--screenshot={png}")
    _chromium(url, tmp / "p3", "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    # No request may leave the machine: every URL Chromium saw is file: or data:.
    leaving = page_requests(netlog)
    assert leaving == [], leaving
    return dom, png, pdf


def _check_files(png: Path, pdf: Path) -> None:
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000  # a rendered page, not a blank one
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3
    assert pdf.stat().st_size > 100_000


@needs_chromium
@pytest.mark.filterwarnings("ignore:visits.*NHPT value:UserWarning")  # 777 s in the demo data
def test_demo_report_in_chromium(demo_report, tmp_path):
    dom, png, pdf = _check_in_browser(demo_report, tmp_path)
    _check_files(png, pdf)
    html = demo_report.read_text()
    # Every figure of the file made it into the browser's DOM with its alt text and caption.
    fig_ids = re.findall(r'<figure id="([^"]+)">', html)
    assert len(fig_ids) >= 3
    for fid in fig_ids:
        m = re.search(rf'<figure id="{fid}">\s*<img src="data:image/svg\+xml;base64,[^"]+" '
                      r'alt="([^"]{20,})">\s*<figcaption>', dom)
        assert m, f"figure {fid} missing from the rendered page"
    # Key numbers, from the results table written beside the report, are on the page.
    res = pl.read_parquet(demo_report.parent / "results" / "results.parquet")

    def value(analysis: str, variable: str, stat: str) -> float:
        return res.filter((pl.col("analysis") == analysis) & (pl.col("group") == "overall")
                          & (pl.col("variable") == variable) & (pl.col("level") == "")
                          & (pl.col("stat") == stat)).get_column("value")[0]

    n = fmt_int(value("cohort", "patients", "N"))
    assert f'<span class="num" data-key="patients">{n}</span>' in dom
    any_ae = fmt_n_pct_events(value("ae_incidence", "any", "n"),
                              value("ae_incidence", "any", "pct"),
                              value("ae_incidence", "any", "events"))
    assert any_ae in dom
    assert fmt_p(value("edss_change", "edss", "p_value")) in dom
    # The appendix's quarantine count equals the import's.
    quarantined = pl.read_csv(demo_report.parent / "quarantine_count.csv")["n"][0]
    assert f"{quarantined} chart rows broke a rule" in dom


@needs_chromium
def test_full_report_numbers_in_chromium(full_report, analysis, tmp_path):
    dom, png, pdf = _check_in_browser(full_report, tmp_path)
    _check_files(png, pdf)
    for text in ("3 (33.3%) [4]", "14.63 (3.02–42.77)", "Wilcoxon signed-rank",
                 "Table 1. Characteristics at baseline"):
        assert text in dom
    for fid in ("fig-intervals", "fig-swimmer", "fig-km", "fig-edss", "fig-t25fw-s"):
        assert f'<figure id="{fid}">' in dom


@needs_chromium
def test_the_network_check_catches_a_page_request(tmp_path):
    """Control: a page that loads an image from the network is caught by the net-log check."""
    page = tmp_path / "leak.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://example.invalid/x.png">'
                    '<link rel="stylesheet" href="https://example.invalid/s.css"></body></html>')
    netlog = tmp_path / "net.json"
    _chromium(page.as_uri(), tmp_path / "p", f"--log-net-log={netlog}",
              "--net-log-capture-mode=Everything", "--virtual-time-budget=3000", "--dump-dom")
    assert page_requests(netlog) == ["http://example.invalid/x.png",
                                     "https://example.invalid/s.css"]
