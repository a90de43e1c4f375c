"""msrwe export: what leaves the store, de-identified or not, written whole or not at all."""

import datetime as dt
import json

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.errors import InputError
from msrwe.io import import_folder
from msrwe.privacy import export_store
from msrwe.synth import write_cohort


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The demo cohort with a site's extra columns (names, MRNs, notes) imported."""
    root = tmp_path_factory.mktemp("exp")
    charts = root / "charts"
    write_cohort(charts, 83, seed=2019)
    p = pl.read_csv(charts / "patients.csv", infer_schema=False)
    p = p.with_columns(
        (pl.lit("Name ") + pl.col("patient_id")).alias("patient_name"),
        (pl.lit("MRN") + pl.int_range(pl.len()).cast(pl.String).str.zfill(7)).alias("mrn"),
    )
    p.write_csv(charts / "patients.csv")
    v = pl.read_csv(charts / "visits.csv", infer_schema=False)
    v = v.with_columns(pl.lit("=HYPERLINK(\"http://evil\")").alias("visit_note"))
    v.write_csv(charts / "visits.csv")
    db = root / "s.duckdb"
    import_folder(charts, db)
    return {"root": root, "db": db, "patients": p, "visits": v}


def _all_cells(folder):
    """Every value of every exported file, as text (a pseudonym may contain an id's letters)."""
    cells = set()
    for f in sorted(folder.iterdir()):
        if f.suffix == ".parquet":
            df = pl.read_parquet(f)
        elif f.suffix == ".csv":
            df = pl.read_csv(f, infer_schema=False)
        else:
            cells.update(f.read_text().split())
            continue
        for col in df.columns:
            cells.update(str(v) for v in df[col].drop_nulls().to_list())
    return cells


# Case 1: a de-identified export holds no id, no birth date, no name, MRN or note, no
# original date of any patient; the key sits outside and links back.
def test_case1_deidentified_export_holds_no_source_identifier(store, tmp_path):
    out, key = tmp_path / "share", tmp_path / "key.csv"
    s = export_store(store["db"], out, deidentify_data=True, key_path=key, file_format="both")
    cells = _all_cells(out)
    p = store["patients"]
    for col in ("patient_id", "birth_date", "patient_name", "mrn"):
        for value in p[col].drop_nulls().unique().to_list():
            assert value not in cells, (col, value)
    assert not any("HYPERLINK" in c for c in cells)
    assert s.deidentified
    assert not any(f.name.startswith("key") for f in out.iterdir())
    k = pl.read_csv(key)
    assert set(k["patient_id"]) == set(p["patient_id"])
    # intervals between a patient's visits are those of the charts
    v = pl.read_parquet(out / "visits.parquet")
    first = k.row(0, named=True)
    mine = v.filter(pl.col("patient_id") == first["pseudonym"])["date"].sort()
    orig = store["visits"].filter(pl.col("patient_id") == first["patient_id"])["date"]
    orig = orig.str.to_date().sort()
    assert [(d - mine[0]).days for d in mine] == [(d - orig[0]).days for d in orig]
    assert mine[0] == orig[0] - dt.timedelta(days=first["shift_days"])
    manifest = json.loads((out / "EXPORT.json").read_text())
    assert manifest["deidentified"] is True
    assert {"table": "patients", "column": "mrn", "reason": "not a chart-contract column"} in \
        manifest["columns_left_out"]


# Case 2: a plain export keeps only contract columns unless asked, and neutralises formulas.
def test_case2_plain_export(store, tmp_path):
    out = tmp_path / "plain"
    export_store(store["db"], out, file_format="csv")
    assert "mrn" not in pl.read_csv(out / "patients.csv").columns
    export_store(store["db"], out, file_format="csv", keep_extra_columns=True)
    v = pl.read_csv(out / "visits.csv")
    assert v["visit_note"][0].startswith("'=HYPERLINK")
    assert "mrn" in pl.read_csv(out / "patients.csv").columns


# Case 3: outputs that would destroy an input, or put the key in the export, are refused.
def test_case3_refusals(store, tmp_path):
    before = store["db"].read_bytes()
    with pytest.raises(InputError, match="overwrite an input"):
        export_store(store["db"], store["db"])
    with pytest.raises(InputError, match="folder that holds an input"):
        export_store(store["db"], store["root"])
    with pytest.raises(InputError, match="inside the export"):
        export_store(store["db"], tmp_path / "e", deidentify_data=True,
                     key_path=tmp_path / "e" / "key.csv")
    with pytest.raises(InputError, match="extra chart columns never leave"):
        export_store(store["db"], tmp_path / "e", deidentify_data=True, keep_extra_columns=True)
    # a key whose folder is a file is refused before anything is written, naming --key and
    # the file in the way (not a temporary file)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(InputError, match=r"--key .*afile.* is a file, not a folder"):
        export_store(store["db"], tmp_path / "e2", deidentify_data=True,
                     key_path=tmp_path / "afile" / "key.csv")
    assert not (tmp_path / "e2").exists()
    assert store["db"].read_bytes() == before


# Case 4: a failure while writing leaves the previous export byte-identical, nothing behind.
def test_case4_failure_keeps_previous_export(store, tmp_path, monkeypatch):
    out = tmp_path / "e"
    export_store(store["db"], out)
    before = {f.name: f.read_bytes() for f in out.iterdir()}

    def full_disk(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full_disk)
    with pytest.raises(OSError, match="No space"):
        export_store(store["db"], out, deidentify_data=True)
    monkeypatch.undo()
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]


# Case 5: the command line, with its summary and the key path.
def test_case5_cli(store, tmp_path):
    res = CliRunner().invoke(app, ["export", "--db", str(store["db"]), "--out",
                                   str(tmp_path / "x"), "--deidentify", "--key",
                                   str(tmp_path / "k.csv"), "--sites", "code"])
    assert res.exit_code == 0, res.output
    assert "De-identified export" in res.output
    assert "Key table" in res.output
    p = pl.read_parquet(tmp_path / "x" / "patients.parquet")
    assert p["site"].str.starts_with("site_").all()
    assert (tmp_path / "k_sites.csv").exists()
    # a key in a folder not yet made: the folder is created, as for --out and the report's --key
    res = CliRunner().invoke(app, ["export", "--db", str(store["db"]), "--out",
                                   str(tmp_path / "y"), "--deidentify", "--key",
                                   str(tmp_path / "new" / "k.csv")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new" / "k.csv").exists()
    bad = CliRunner().invoke(app, ["export", "--db", str(store["db"]), "--out",
                                   str(store["db"])])
    assert bad.exit_code == 1
    assert "overwrite an input" in bad.output
