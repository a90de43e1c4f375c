"""Read the cells of one great_tables table back out of a report's HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _Cells(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # >0 while inside the table's wrapper div
        self.cell: dict[str, str] | None = None
        self.rows: list[dict[str, str]] = []
        self.row: dict[str, str] = {}
        self.stub = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div" and a.get("id") == self.table_id:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "div":
            self.depth += 1
        if tag == "tr":
            self.row, self.stub = {}, ""
        if tag == "th" and a.get("scope") == "row":
            self.cell = {"kind": "stub", "text": ""}
        if tag == "td" and a.get("headers"):
            self.cell = {"kind": "td", "text": "", "headers": a["headers"] or ""}

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "div":
            self.depth -= 1
        if tag in ("th", "td") and self.cell is not None:
            text = " ".join(self.cell["text"].split())
            if self.cell["kind"] == "stub":
                self.stub = text
            else:
                col = self.cell["headers"].split()[-1].removeprefix(self.table_id + "-")
                self.row[col] = text
            self.cell = None
        if tag == "tr" and self.row:
            self.rows.append({"__stub__": self.stub, **self.row})
            self.row = {}

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data


def table_cells(html: str, table_id: str) -> list[dict[str, str]]:
    """Body rows of the table: ``__stub__`` (row label) and one entry per column name."""
    parser = _Cells(table_id)
    parser.feed(html)
    return parser.rows
