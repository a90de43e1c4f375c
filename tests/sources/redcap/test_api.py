"""``import-redcap --url``: the REDCap API, answered by a local server on 127.0.0.1.

The server (stdlib http.server in a thread, started and stopped by the fixture) answers as the
REDCap API documents: one POST of form fields (token, content=record|metadata, format=csv|json,
type=flat, returnFormat=json), the records and the data dictionary in CSV or JSON, and
``{"error": "..."}`` with HTTP 403 for a wrong token. Its answers are fixtures written here.

Case 1: records + metadata pulled as CSV and as JSON import like the export file does.
Case 2: the token is read from MSRWE_REDCAP_TOKEN or --token-file, and never appears in any
        output, log record, stored table or exception text (also when the API refuses it).
Case 3: the requests carry REDCap's documented form fields.
Case 4: no token, http to a non-local host, a URL with a query: clear refusals.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import ImportRefused, OptionError
from msrwe.sources.redcap import import_redcap
from msrwe.sources.redcap._api import fetch_redcap, redcap_token
from msrwe.store import read_table

FIX = Path(__file__).parent / "fixtures" / "clinic_project"
TOKEN = "0123456789ABCDEF0123456789ABCDEF"  # REDCap tokens are 32 hexadecimal characters


def _csv_to_json(text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    return json.dumps([{k: v for k, v in r.items()} for r in rows])


def _metadata_json(text: str) -> str:
    from msrwe.sources.redcap._dictionary import API_COLUMNS

    rows = list(csv.reader(io.StringIO(text)))[1:]
    return json.dumps([dict(zip(API_COLUMNS, r, strict=True)) for r in rows])


class _Api(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, str]]] = []

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        return

    def _answer(self, code: int, body: str, ctype: str) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        _Api.requests.append(fields)
        if self.path.startswith("/echo/"):
            # not REDCap: a misconfigured proxy that echoes the request; msrwe must scrub it
            self._answer(500, f"bad gateway for request {fields}", "text/plain")
            return
        if fields.get("token") != TOKEN:
            # REDCap's answer to a wrong token (403 with a JSON error); it echoes nothing back
            self._answer(403, json.dumps({"error": "You do not have permissions to use the "
                                          "API"}), "application/json")
            return
        fmt = fields.get("format", "xml")
        if fields.get("content") == "metadata":
            text = (FIX / "dictionary.csv").read_text()
            body = _metadata_json(text) if fmt == "json" else text
        elif fields.get("content") == "record":
            text = (FIX / "export_raw.csv").read_text()
            body = _csv_to_json(text) if fmt == "json" else text
        else:
            self._answer(400, json.dumps({"error": "The value of the parameter \"content\" is "
                                          "not valid"}), "application/json")
            return
        self._answer(200, body, "application/json" if fmt == "json" else "text/csv")


@pytest.fixture
def server():
    _Api.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _store_text(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute("select table_schema, table_name from information_schema.tables")
        return "\n".join(str(con.execute(f'select * from "{s}"."{n}"').fetchall())
                         for s, n in names.fetchall())
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_case1_same_as_export_file(server, tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("MSRWE_REDCAP_TOKEN", TOKEN)
    db = tmp_path / "api.duckdb"
    res = CliRunner().invoke(app, ["import-redcap", "--url", server, "--db", str(db),
                                   "--mapping", str(FIX / "mapping.toml"), "--api-format", fmt])
    assert res.exit_code == 0, res.output
    direct = tmp_path / "file.duckdb"
    import_redcap(FIX / "export_raw.csv", FIX / "dictionary.csv", direct,
                  mapping=FIX / "mapping.toml")
    # JSON records are numbered by position (1, 2, ...), a CSV by line (header = 1)
    where = ["file", "row_number"]
    for table in ("patients", "visits", "administrations", "adverse_events", "quarantine"):
        a = read_table(db, table).drop(where, strict=False)
        b = read_table(direct, table).drop(where, strict=False)
        assert a.sort(a.columns).equals(b.sort(b.columns)), table
    assert read_table(db, "import_log")["file"].unique().to_list() == ["REDCap API"]


def test_case2_token_never_shown(server, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    texts: list[str] = []
    # from a file
    token_file = tmp_path / "token.txt"
    token_file.write_text(TOKEN + "\n")
    monkeypatch.delenv("MSRWE_REDCAP_TOKEN", raising=False)
    db = tmp_path / "t.duckdb"
    res = runner.invoke(app, ["import-redcap", "--url", server, "--db", str(db), "--token-file",
                              str(token_file), "--mapping", str(FIX / "mapping.toml")])
    assert res.exit_code == 0, res.output
    texts += [res.output, _store_text(db)]
    # a wrong token from the environment: refused, and neither token is shown
    wrong = "FEDCBA9876543210FEDCBA9876543210"
    monkeypatch.setenv("MSRWE_REDCAP_TOKEN", wrong)
    res = runner.invoke(app, ["import-redcap", "--url", server, "--db", str(tmp_path / "w.db")])
    assert res.exit_code == 1
    assert "HTTP 403" in res.output
    assert "permissions" in res.output
    texts.append(res.output)
    with pytest.raises(ImportRefused, match="HTTP 403") as info:
        fetch_redcap(server, wrong)
    texts += [str(info.value), repr(info.value), str(info.value.__cause__),
              str(info.value.__context__)]
    # an answer that echoes the token back
    with pytest.raises(ImportRefused, match="HTTP 500") as info:
        fetch_redcap(server.replace("/api/", "/echo/api/"), TOKEN)
    assert "HTTP 500" in str(info.value)
    assert "[token]" in str(info.value)
    texts += [str(info.value), repr(info.value)]
    # an unreachable server
    with pytest.raises(ImportRefused, match="cannot reach") as info:
        fetch_redcap("http://127.0.0.1:9/api/", TOKEN, timeout=2)
    texts += [str(info.value), repr(info.value)]
    texts += [r.getMessage() for r in caplog.records]
    assert _Api.requests[0]["token"] == TOKEN  # the server did receive it
    for text in texts:
        assert TOKEN not in text
        assert wrong not in text


def test_case3_documented_fields(server, monkeypatch):
    fetch_redcap(server, TOKEN, fmt="json")
    meta, rec = _Api.requests
    assert meta == {"token": TOKEN, "content": "metadata", "format": "json",
                    "returnFormat": "json"}
    assert rec["content"] == "record"
    assert rec["type"] == "flat"
    assert rec["rawOrLabel"] == "raw"
    assert rec["format"] == "json"


def test_case4_refusals(tmp_path):
    with pytest.raises(OptionError, match="MSRWE_REDCAP_TOKEN"):
        redcap_token(env={})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(OptionError, match="empty"):
        redcap_token(tmp_path / "empty")
    with pytest.raises(OptionError, match="https"):
        fetch_redcap("http://redcap.example.org/api/", TOKEN)
    with pytest.raises(OptionError, match="query"):
        fetch_redcap("https://redcap.example.org/api/?token=x", TOKEN)
    res = CliRunner().invoke(app, ["import-redcap", "--url", "https://x/api/", "--token", TOKEN])
    assert res.exit_code != 0  # there is no --token option
