"""The chart tables of DATA_CONTRACT.md as the synthetic cohort writes them.

Column names and order follow the contract exactly; the types are those of the store
(text -> String, date -> Date, number -> Float64, integer -> Int64, boolean -> Boolean).
"""

from __future__ import annotations

import polars as pl

__all__ = ["TABLES", "TABLE_NAMES", "empty_frame"]

_T, _D, _N, _I, _B = pl.String(), pl.Date(), pl.Float64(), pl.Int64(), pl.Boolean()

#: table name -> {column: polars dtype}, in contract order.
TABLES: dict[str, dict[str, pl.DataType]] = {
    "patients": {
        "patient_id": _T,
        "sex": _T,
        "birth_date": _D,
        "ms_onset_date": _D,
        "diagnosis_date": _D,
        "phenotype": _T,
        "spms_conversion_date": _D,
        "site": _T,
        "death_date": _D,
    },
    "visits": {
        "patient_id": _T,
        "date": _D,
        "edss": _N,
        "fs_pyramidal": _I,
        "fs_cerebellar": _I,
        "fs_brainstem": _I,
        "fs_sensory": _I,
        "fs_bowel_bladder": _I,
        "fs_visual": _I,
        "fs_cerebral": _I,
        "ambulation": _I,
        "t25fw_s": _N,
        "nhpt_dominant_s": _N,
        "nhpt_nondominant_s": _N,
        "sdmt": _I,
        "scheduled": _B,
    },
    "relapses": {"patient_id": _T, "onset_date": _D, "confirmed": _B, "steroids": _B},
    "administrations": {
        "patient_id": _T,
        "date": _D,
        "drug": _T,
        "route": _T,
        "dose": _N,
        "dose_unit": _T,
        "bsa_m2": _N,
        "weight_kg": _N,
    },
    "treatments": {
        "patient_id": _T,
        "drug": _T,
        "start_date": _D,
        "stop_date": _D,
        "stop_reason": _T,
    },
    "adverse_events": {
        "patient_id": _T,
        "onset_date": _D,
        "end_date": _D,
        "term": _T,
        "pt_code": _T,
        "soc_code": _T,
        "grade": _I,
        "serious": _B,
        "serious_criteria": _T,
        "related": _T,
        "infection": _B,
        "outcome": _T,
    },
    "hospitalizations": {
        "patient_id": _T,
        "admit_date": _D,
        "discharge_date": _D,
        "reason": _T,
        "related": _T,
    },
    "mri": {
        "patient_id": _T,
        "date": _D,
        "gd_lesions": _I,
        "new_t2_lesions": _I,
        "enlarging_t2_lesions": _I,
        "t2_volume_ml": _N,
        "brain_volume_ml": _N,
    },
    "biomarkers": {
        "patient_id": _T,
        "date": _D,
        "marker": _T,
        "value": _N,
        "unit": _T,
    },
}

#: The tables in the order they are written.
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def empty_frame(table: str) -> pl.DataFrame:
    """An empty frame with the columns and types of ``table``."""
    return pl.DataFrame(schema=TABLES[table])
