"""msrwe._atomic: outputs appear whole or not at all (numbered cases, injected failures)."""

import os

import pytest

from msrwe._atomic import (
    atomic_dir,
    atomic_path,
    atomic_write_text,
    check_output_path,
)
from msrwe.errors import InputError


# Case 1: a failure while writing leaves the previous file byte-identical and no temp file.
def test_case1_failed_write_keeps_previous(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old report")
    def write():
        with atomic_path(target) as tmp:
            tmp.write_text("half a rep")
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write()
    assert target.read_text() == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# Case 2: a successful write replaces the file.
def test_case2_success_replaces(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert len(list(tmp_path.iterdir())) == 1


# Case 3: a folder is swapped whole: old files do not linger; a failure keeps the old folder.
def test_case3_folder_swap(tmp_path):
    out = tmp_path / "export"
    out.mkdir()
    (out / "stale.csv").write_text("x")
    with atomic_dir(out) as tmp:
        (tmp / "results.csv").write_text("a")
    assert sorted(p.name for p in out.iterdir()) == ["results.csv"]
    def crash():
        with atomic_dir(out) as tmp:
            (tmp / "results.csv").write_text("b")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash()
    assert (out / "results.csv").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


# Case 4: a folder target that is a file is refused.
def test_case4_folder_target_is_a_file(tmp_path):
    f = tmp_path / "x"
    f.write_text("keep")
    with pytest.raises(InputError, match="is a file"), atomic_dir(f):
        pass
    assert f.read_text() == "keep"


# Case 5: an output equal to an input, or a folder holding an input, is refused.
def test_case5_output_is_an_input(tmp_path):
    db = tmp_path / "msrwe.duckdb"
    db.write_bytes(b"store")
    with pytest.raises(InputError, match="overwrite an input"):
        check_output_path(db, [db, None], what="report")
    with pytest.raises(InputError, match="folder that holds an input"):
        check_output_path(tmp_path, [db])
    assert check_output_path(tmp_path / "out", [db]) == (tmp_path / "out").resolve()


# Case 6: the same path written through a symlink is recognised as the input.
def test_case6_symlink_to_input(tmp_path):
    db = tmp_path / "s.duckdb"
    db.write_bytes(b"x")
    link = tmp_path / "link.html"
    os.symlink(db, link)
    with pytest.raises(InputError):
        check_output_path(link, [db])
