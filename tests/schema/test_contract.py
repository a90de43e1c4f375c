"""The declared contract: it matches DATA_CONTRACT.md, it checks itself, and the docs follow it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandera.errors
import polars as pl
import pytest

from msrwe.errors import DefinitionError
from msrwe.schema import (
    CONTRACT,
    POLARS_TYPES,
    Column,
    DateOrder,
    Table,
    contract_markdown,
    pandera_schema,
)

ROOT = Path(__file__).resolve().parents[2]

# The column lists of DATA_CONTRACT.md, in its order.
EXPECTED = {
    "patients": "patient_id sex birth_date ms_onset_date diagnosis_date phenotype "
    "spms_conversion_date site death_date",
    "visits": "patient_id date edss fs_pyramidal fs_cerebellar fs_brainstem fs_sensory "
    "fs_bowel_bladder fs_visual fs_cerebral ambulation t25fw_s nhpt_dominant_s "
    "nhpt_nondominant_s sdmt scheduled",
    "relapses": "patient_id onset_date confirmed steroids",
    "administrations": "patient_id date drug route dose dose_unit bsa_m2 weight_kg",
    "treatments": "patient_id drug start_date stop_date stop_reason",
    "adverse_events": "patient_id onset_date end_date term pt_code soc_code grade serious "
    "serious_criteria related infection outcome",
    "hospitalizations": "patient_id admit_date discharge_date reason related",
    "mri": "patient_id date gd_lesions new_t2_lesions enlarging_t2_lesions t2_volume_ml "
    "brain_volume_ml",
    "biomarkers": "patient_id date marker value unit",
}


def test_case_01_tables_and_columns_match_the_contract():
    # Case 1: the declared tables and columns are those of DATA_CONTRACT.md, in order
    assert CONTRACT.names == tuple(EXPECTED)
    for name, cols in EXPECTED.items():
        assert CONTRACT[name].column_names == tuple(cols.split())
    assert [t.name for t in CONTRACT if t.required] == ["patients"]


def test_case_02_types_and_required_columns():
    # Case 2: a few types and required flags, as the contract states them
    visits = CONTRACT["visits"]
    assert visits.column("edss").dtype == "number"
    assert visits.column("sdmt").dtype == "integer"
    assert visits.column("scheduled").default is True
    assert [c.name for c in visits.columns if c.required] == ["patient_id", "date"]
    assert [c.name for c in CONTRACT["biomarkers"].columns if c.required] == [
        "patient_id",
        "date",
        "marker",
        "value",
    ]
    assert CONTRACT["visits"].column("nhpt_dominant_s").special == (777.0,)
    assert CONTRACT["visits"].column("t25fw_s").unit == "s"


def test_case_03_definitions_check_themselves():
    # Case 3: an inconsistent definition is a DefinitionError (a bug), never a user error
    with pytest.raises(DefinitionError, match="unknown dtype"):
        Column("x", "float")  # type: ignore[arg-type]
    with pytest.raises(DefinitionError, match="bounds need a numeric"):
        Column("x", "text", minimum=0)
    with pytest.raises(DefinitionError, match="unknown columns"):
        Table("t", "d", (Column("a", "date"),), row_rules=(DateOrder("a", "b", "r", "m"),))
    with pytest.raises(KeyError, match="no chart table called 'visit'"):
        CONTRACT["visit"]


def test_case_04_docs_are_up_to_date():
    # Case 4: docs/contract.md is what contract_markdown() writes (regenerate it if this fails)
    committed = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert committed == contract_markdown(), (
        "docs/contract.md is stale: regenerate it with\n"
        "  python -c 'from msrwe.schema import contract_markdown; "
        'open("docs/contract.md", "w").write(contract_markdown())\''
    )


def _full(name: str, **values) -> pl.DataFrame:
    table = CONTRACT[name]
    n = len(next(iter(values.values())))
    return pl.DataFrame(
        {
            c.name: pl.Series(c.name, values.get(c.name, [None] * n), dtype=POLARS_TYPES[c.dtype])
            for c in table.columns
        }
    )


def test_case_05_pandera_schema_accepts_valid_and_rejects_invalid():
    # Case 5: the pandera schema of a stored table enforces types, ranges, EDSS steps and keys
    schema = pandera_schema("visits")
    ok = _full(
        "visits",
        patient_id=["A1", "A1"],
        date=[dt.date(2015, 1, 1), dt.date(2015, 6, 1)],
        edss=[6.0, 10.0],
        nhpt_dominant_s=[20.0, 777.0],
        scheduled=[True, False],
    )
    assert schema.validate(ok).height == 2
    for bad in (
        ok.with_columns(pl.Series("edss", [0.5, 6.0])),
        ok.with_columns(pl.Series("fs_visual", [7, 1])),
        ok.with_columns(pl.Series("date", [dt.date(2015, 1, 1)] * 2)),
        ok.with_columns(pl.Series("nhpt_dominant_s", [-1.0, 20.0])),
    ):
        with pytest.raises(pandera.errors.SchemaError):
            schema.validate(bad)


def test_case_06_pandera_multi_value_column():
    # Case 6: serious_criteria accepts a ';' list of the ICH criteria and nothing else
    schema = pandera_schema("adverse_events")
    frame = _full(
        "adverse_events",
        patient_id=["A1"],
        onset_date=[dt.date(2015, 1, 1)],
        term=["meningitis"],
        serious_criteria=["hospitalization; life_threatening"],
    )
    assert schema.validate(frame).height == 1
    with pytest.raises(pandera.errors.SchemaError):
        schema.validate(frame.with_columns(pl.lit("hospitalization;bad").alias("serious_criteria")))
