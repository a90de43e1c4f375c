"""QA: ``--out`` paths that cannot be written, and the file system saying no.

Each case is a defect found by giving the commands a wrong output path; the test fails without
its fix.
"""

import errno
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from msrwe.cli._common import guard, os_message
from msrwe.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("qa_store")
    write_cohort(root / "charts", 12, seed=7)
    import_folder(root / "charts", root / "s.duckdb")
    return root / "s.duckdb"


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("keep me\n")
    return path


def _clean_failure(res) -> str:
    """The output of a command that must fail with a message, not an exception."""
    assert res.exit_code == 1, res.output
    assert not isinstance(res.exception, OSError), repr(res.exception)
    assert "Traceback" not in res.output
    return " ".join(res.output.split())


def test_case1_analyze_out_is_a_file(store, a_file):
    # Case 1: `analyze --out notes.txt` ran the whole analysis, then ended in a FileExistsError
    # traceback; it is refused at once, naming the option and the file, which is left alone
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(a_file)])
    out = _clean_failure(res)
    assert f"--out {a_file}: {a_file} is a file, not a folder" in out
    assert a_file.read_text() == "keep me\n"


def test_case2_analyze_out_below_a_file(store, a_file):
    # Case 2: `--out notes.txt/results` ended in a NotADirectoryError traceback
    res = runner.invoke(app, ["analyze", "--db", str(store), "--out", str(a_file / "results")])
    out = _clean_failure(res)
    assert f"{a_file} is a file, not a folder" in out


@pytest.mark.parametrize("option", ["--out", "--export"])
def test_case3_report_out_or_export_below_a_file(store, a_file, tmp_path, option):
    # Case 3: `report --out notes.txt/r.html` (and --export notes.txt) ended in a traceback
    args = {"--out": str(tmp_path / "r.html"), "--export": None}
    args[option] = str(a_file / "r.html") if option == "--out" else str(a_file)
    cmd = ["report", "--db", str(store)]
    for name, value in args.items():
        if value is not None:
            cmd += [name, value]
    res = runner.invoke(app, cmd)
    out = _clean_failure(res)
    assert f"{option} " in out
    assert f"{a_file} is a file, not a folder" in out
    assert not (tmp_path / "r.html").exists()


def test_case4_demo_out_is_a_file(a_file):
    # Case 4: `demo --out notes.txt` ended in a FileExistsError traceback
    res = runner.invoke(app, ["demo", "--out", str(a_file)])
    out = _clean_failure(res)
    assert "is a file, not a folder" in out
    assert a_file.read_text() == "keep me\n"


def test_case5_any_refusal_of_the_file_system_is_a_message():
    # Case 5: the shared error boundary turns an OSError (permission, full disk, ...) from any
    # command into "path: cannot write here (reason)", exit 1, instead of a traceback
    app_ = typer.Typer()

    @app_.command()
    @guard
    def cmd() -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/data/store.duckdb")

    res = runner.invoke(app_, [])
    out = _clean_failure(res)
    assert "/data/store.duckdb: cannot write here (permission denied)." in out


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        # Case 6: each common reason in words; an unknown one keeps the system's own words
        (OSError(errno.ENOSPC, "No space left on device", "r.html"),
         "r.html: cannot write here (the disk is full)."),
        (OSError(errno.EROFS, "Read-only file system", "/mnt/r"),
         "/mnt/r: cannot write here (the disk is read-only)."),
        (OSError(errno.EIO, "Input/output error", "x"),
         "x: cannot write here (Input/output error)."),
        (OSError("odd"), "a file: cannot write here (odd)."),
    ],
)
def test_case6_reasons_in_words(exc, text):
    assert os_message(exc) == text
