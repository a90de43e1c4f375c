"""QA: mapping files (``msrwe import --mapping``) as sites really write them.

Each case is a defect found by importing with a wrong mapping file; the test fails without its
fix.
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import ImportRefused, MappingError
from msrwe.io import load_mapping, read_chart_folder

runner = CliRunner()


def _folder(tmp_path: Path, visits_header: str) -> Path:
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "patients.csv").write_text("patient_id,sex\nA1,F\n", encoding="utf-8")
    (folder / "visits.csv").write_text(
        f"{visits_header}\nA1,2015-01-01,6.5\n", encoding="utf-8"
    )
    return folder


def test_case1_mapping_path_is_a_folder(tmp_path):
    # Case 1: "--mapping charts/" printed "cannot read the mapping file ([Errno 21] Is a
    # directory: ...)"; it says the option takes a file
    with pytest.raises(MappingError, match=r"is a folder; --mapping takes a mapping file"):
        load_mapping(tmp_path)


def test_case2_mapping_not_utf8(tmp_path):
    # Case 2: a mapping saved as Windows-1252 ("Échelle" with byte 0xC9) printed Python's
    # "'utf-8' codec can't decode byte 0xc9 in position ..."; it names the byte and the fix
    path = tmp_path / "site.toml"
    path.write_bytes('[visits.columns]\n"\xc9chelle EDSS" = "edss"\n'.encode("cp1252"))
    with pytest.raises(MappingError, match=r"not UTF-8 text \(byte 19 cannot be read\); save it"):
        load_mapping(path)


def test_case3_renamed_column_missing_from_the_file_is_refused(tmp_path):
    # Case 3: the mapping renames "EDSS Score" but the export calls it "EDSS_score": the import
    # succeeded with every EDSS empty and nothing said; it is refused, naming both spellings,
    # and no store is created
    folder = _folder(tmp_path, "patient_id,date,EDSS_score")
    mapping = tmp_path / "site.toml"
    mapping.write_text('[visits.columns]\n"EDSS Score" = "edss"\n', encoding="utf-8")
    db = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["import", str(folder), "--db", str(db), "--mapping", str(mapping)])
    assert res.exit_code == 1
    out = " ".join(res.output.split())
    assert "visits.csv" in out
    assert "'EDSS Score'" in out
    assert "EDSS_score" in out
    assert not db.exists()


def test_case4_renamed_column_absent_but_contract_column_present_is_fine(tmp_path):
    # Case 4: a mapping shared by two exports, one already using the contract name "edss": the
    # rename has nothing to do and the values are read
    folder = _folder(tmp_path, "patient_id,date,edss")
    mapping = tmp_path / "site.toml"
    mapping.write_text('[visits.columns]\n"EDSS Score" = "edss"\n', encoding="utf-8")
    result = read_chart_folder(folder, load_mapping(mapping))
    assert result.tables["visits"]["edss"].to_list() == [6.5]


def test_case5_rename_matches_without_regard_to_case(tmp_path):
    # Case 5: "Edss score" in the file matches the mapping's "EDSS Score" (no refusal)
    folder = _folder(tmp_path, "patient_id,date,Edss score")
    mapping = tmp_path / "site.toml"
    mapping.write_text('[visits.columns]\n"EDSS Score" = "edss"\n', encoding="utf-8")
    result = read_chart_folder(folder, load_mapping(mapping))
    assert result.tables["visits"]["edss"].to_list() == [6.5]


def test_case6_refusal_is_an_import_refused(tmp_path):
    # Case 6: from Python the refusal is an ImportRefused naming the file
    folder = _folder(tmp_path, "patient_id,date,EDSS_score")
    mapping = tmp_path / "site.toml"
    mapping.write_text('[visits.columns]\n"EDSS Score" = "edss"\n', encoding="utf-8")
    with pytest.raises(ImportRefused, match=r"visits\.csv: the mapping renames"):
        read_chart_folder(folder, load_mapping(mapping))
