"""A small store for the web app's tests: the synthetic cohort (dirty, so the quarantine has
rows) plus a patient whose ID and adverse-event term are HTML with script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from msrwe.io import import_folder
from msrwe.serve import ServeState, create_app
from msrwe.synth import write_cohort

EVIL_ID = '<script>alert("id")</script>'
EVIL_TERM = '<img src=x onerror=alert(1)>'
PASSWORDS = {"vera": "viewer-pass-1", "ana": "analyst-pass-1", "dora": "manager-pass-1"}
ROLES = {"vera": "viewer", "ana": "analyst", "dora": "data-manager"}


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    charts = folder / "charts"
    write_cohort(charts, 30, seed=7, dirty=True)
    with (charts / "patients.csv").open("a", encoding="utf-8") as f:
        f.write(f'"{EVIL_ID.replace(chr(34), chr(34) * 2)}",F,1960-01-01,1990-01-01,'
                f"1991-01-01,SPMS,2005-01-01,SITE-01,\n")
    rows = [("2015-01-01", "4.0"), ("2015-07-01", "4.0"), ("2016-01-01", "4.5"),
            ("2016-04-15", "4.5"), ("2016-10-01", "4.5"), ("2017-04-01", "5.0"),
            ("2017-10-01", "5.0")]
    evil = f'"{EVIL_ID.replace(chr(34), chr(34) * 2)}"'
    with (charts / "visits.csv").open("a", encoding="utf-8") as f:
        for date, edss in rows:
            f.write(f"{evil},{date},{edss},,,,,,,,,,,,,true\n")
    with (charts / "adverse_events.csv").open("r", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    values = {"patient_id": evil, "onset_date": "2016-02-01", "term": f'"{EVIL_TERM}"',
              "grade": "1"}
    with (charts / "adverse_events.csv").open("a", encoding="utf-8") as f:
        f.write(",".join(values.get(c, "") for c in header) + "\n")
    db = folder / "msrwe.duckdb"
    import_folder(charts, db)
    state = ServeState(db)
    for user, role in ROLES.items():
        state.add_user(user, PASSWORDS[user], role)
    return db


@pytest.fixture(scope="session")
def study(store: Path) -> Path:
    path = store.parent / "study.toml"
    path.write_text('[study]\ntitle = "Serve test"\n\n[cohort]\ndrug = "methotrexate"\n'
                    'route = "intrathecal"\nmin_administrations = 18\n'
                    'phenotypes = ["SPMS", "PPMS"]\n\n[analysis]\ngroup_by = "phenotype"\n',
                    encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def app(store: Path, study: Path):
    return create_app(store, study)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def login(client: TestClient, user: str, password: str | None = None) -> TestClient:
    """Log ``client`` in as ``user``; returns it."""
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"csrf": token, "username": user,
                                       "password": password or PASSWORDS[user]})
    assert resp.status_code == 200, resp.text[:300]
    return client


@pytest.fixture
def client_for(app):
    def make(user: str | None = None) -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        return login(client, user) if user else client

    return make
