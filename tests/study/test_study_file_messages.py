"""Study-file errors quote values as the file writes them and explain unreadable files."""

import pytest

from msrwe.errors import StudyFileError
from msrwe.study.config import Study


# Case 1: a date where text is expected is quoted as TOML (2015-01-31), not datetime.date(...)
def test_case1_dates_are_quoted_as_written():
    with pytest.raises(StudyFileError) as exc:
        Study.from_toml_text('[cohort]\ndrug = 2015-01-31\n')
    assert "2015-01-31" in str(exc.value)
    assert "datetime" not in str(exc.value)


# Case 2: a boolean is quoted as true/false
def test_case2_booleans_are_quoted_as_written():
    with pytest.raises(StudyFileError) as exc:
        Study.from_toml_text('[cohort]\nmin_administrations = true\n')
    assert "got true" in str(exc.value)
    assert "True" not in str(exc.value)


# Case 3: a study file that is not UTF-8 says so and how to fix it
def test_case3_not_utf8(tmp_path):
    p = tmp_path / "study.toml"
    p.write_bytes('[study]\ntitle = "Étude"\n'.encode("latin-1"))
    with pytest.raises(StudyFileError, match=r"not UTF-8 text .*save it as UTF-8"):
        Study.from_toml(p)


# Case 4: a folder given as the study file
def test_case4_folder(tmp_path):
    with pytest.raises(StudyFileError, match="is a folder; --study takes a study file"):
        Study.from_toml(tmp_path)
