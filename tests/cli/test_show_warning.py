"""Warnings meant for the user (an old study-file key) print as one plain line."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from msrwe.cli._common import show_warning
from msrwe.study import Study


# Case 1: a FutureWarning is "warning: <message>", without Python's file and line
def test_case1_user_warning_is_one_line(capsys):
    show_warning(FutureWarning("s.toml: outcomes.raw_pira is now called RAW_PIRA"),
                 FutureWarning, "/x/config.py", 12)
    err = capsys.readouterr().err
    assert err.strip() == "warning: s.toml: outcomes.raw_pira is now called RAW_PIRA"
    assert "config.py" not in err


# Case 2: other warnings keep Python's format
def test_case2_other_warnings_unchanged(capsys):
    show_warning(DeprecationWarning("old API"), DeprecationWarning, "/x/mod.py", 3)
    err = capsys.readouterr().err
    assert "/x/mod.py:3: DeprecationWarning: old API" in err


# Case 3: an old [outcomes] key in a study file is named with the file it is in
def test_case3_study_file_warning_names_the_file(tmp_path: Path):
    path = tmp_path / "old.toml"
    path.write_text("[outcomes]\nraw_pira = true\n")
    with pytest.warns(FutureWarning) as caught:
        Study.from_toml(path)
    assert str(caught[0].message).startswith(f"{path}: outcomes.raw_pira is now called RAW_PIRA")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Study.from_toml_text("[outcomes]\nRAW_PIRA = true\n")  # the new name: no warning
