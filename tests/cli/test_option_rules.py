"""CLI options mean the same in every command (issue 8, item 7; docs/architecture.md).

- ``--out`` is a folder for a command that writes several files and the file for one that
  writes one file (``report``: the HTML; ``outcomes``: the events table);
- ``--export`` takes a folder wherever it exists (``analyze``, ``report``);
- ``--dirty/--clean`` has the same default (clean) in ``synth`` and ``demo``.
"""

from __future__ import annotations

from typing import Any

import typer

from msrwe.cli.main import app

#: Commands whose ``--out`` is the one file they write.
FILE_OUT = {"report", "outcomes", "export-omop", "init-study"}


def _commands() -> dict[str, Any]:
    # the command group typer builds (its click may be typer's own copy, so no isinstance)
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _option(cmd: Any, flag: str) -> Any:
    return next((p for p in cmd.params if flag in getattr(p, "opts", ())), None)


def test_out_is_a_folder_unless_the_command_writes_one_file():
    seen = set()
    for name, cmd in _commands().items():
        opt = _option(cmd, "--out")
        if opt is None:
            continue
        seen.add(name)
        says_folder = "folder" in (opt.help or "").lower()
        assert says_folder == (name not in FILE_OUT), (name, opt.help)
    assert {"synth", "analyze", "report", "demo"} <= seen


def test_export_is_a_folder_in_analyze_and_report():
    for name in ("analyze", "report"):
        opt = _option(_commands()[name], "--export")
        assert opt is not None
        assert not opt.is_flag, name
        assert "folder" in (opt.help or "").lower(), name


def test_dirty_has_one_default():
    defaults = {name: _option(_commands()[name], "--dirty").default for name in ("synth", "demo")}
    assert defaults == {"synth": False, "demo": False}
