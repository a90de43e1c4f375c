import datetime as dt

import polars as pl
import pytest

from msrwe.derive.adverse_events import derive_adae
from msrwe.errors import InputError, OptionError

D = dt.date

AE_SCHEMA = {
    "patient_id": pl.String,
    "onset_date": pl.Date,
    "end_date": pl.Date,
    "term": pl.String,
    "pt_code": pl.String,
    "soc_code": pl.String,
    "grade": pl.Int64,
    "serious": pl.Boolean,
    "serious_criteria": pl.String,
    "related": pl.String,
    "infection": pl.Boolean,
    "outcome": pl.String,
}


def ae(rows):
    """Rows of (patient_id, onset_date, term, serious, serious_criteria, related, infection,
    outcome, pt_code)."""
    full = [
        (p, o, None, t, pt, None, None, s, c, r, i, out) for p, o, t, s, c, r, i, out, pt in rows
    ]
    return pl.DataFrame(full, schema=AE_SCHEMA, orient="row")


DOSES = pl.DataFrame(
    {
        "patient_id": ["P1", "P1", "P1", "P2"],
        "date": [D(2020, 1, 1), D(2020, 3, 1), D(2020, 5, 1), D(2021, 6, 1)],
    }
)


# Case 1: treatment-emergence: before the first dose no, on the first dose day yes, up to
# 90 days after the last dose yes, day 91 no; a patient without a dose no
def test_treatment_emergent_window():
    events = ae(
        [
            ("P1", D(2019, 12, 31), "headache", None, None, None, None, None, None),
            ("P1", D(2020, 1, 1), "headache", None, None, None, None, None, None),
            ("P1", D(2020, 7, 30), "fatigue", None, None, None, None, None, None),  # +90
            ("P1", D(2020, 7, 31), "fatigue", None, None, None, None, None, None),  # +91
            ("P3", D(2020, 7, 31), "fatigue", None, None, None, None, None, None),
        ]
    )
    out = derive_adae(events, DOSES)
    assert out["trt_emergent"].to_list() == [False, True, True, False, False]
    assert out["study_day"].to_list() == [-1, 0, 211, 212, None]
    # a shorter window moves the edge
    short = derive_adae(events, DOSES, risk_window_days=0)
    assert short["trt_emergent"].to_list() == [False, True, False, False, False]


# Case 2: the nearest dose on or before the onset and the days since it
def test_days_since_nearest_preceding_dose():
    events = ae(
        [
            ("P1", D(2020, 3, 2), "post-LP headache", None, None, None, None, None, None),
            ("P1", D(2020, 3, 1), "back pain", None, None, None, None, None, None),
            ("P1", D(2019, 6, 1), "fatigue", None, None, None, None, None, None),
            ("P2", D(2021, 6, 20), "nausea", None, None, None, None, None, None),
        ]
    )
    out = derive_adae(events, DOSES)
    assert out["dose_number"].to_list() == [2, 2, None, 1]
    assert out["days_since_dose"].to_list() == [1, 0, None, 19]
    # the output keeps the input's order and columns, and the input is unchanged
    assert out["term"].to_list() == events["term"].to_list()
    assert out.columns[: len(AE_SCHEMA)] == list(AE_SCHEMA)
    assert events.columns == list(AE_SCHEMA)


# Case 3: seriousness by flag or ICH E2A criteria; related; infection; fatal
def test_flags():
    events = ae(
        [
            (
                "P1",
                D(2020, 2, 1),
                "pneumonia",
                None,
                "hospitalization",
                "unrelated",
                True,
                "recovered",
                None,
            ),
            ("P1", D(2020, 2, 2), "headache", False, None, "possibly_related", None, None, None),
            ("P1", D(2020, 2, 3), "fall", True, None, "Related", False, None, None),
            (
                "P1",
                D(2020, 2, 4),
                "sepsis",
                None,
                "life_threatening; death",
                "unknown",
                True,
                None,
                None,
            ),
            ("P1", D(2020, 2, 5), "rash", None, None, None, None, "fatal", None),
        ]
    )
    out = derive_adae(events, DOSES)
    assert out["serious_flag"].to_list() == [True, False, True, True, False]
    assert out["sae_hospitalization"].to_list() == [True, False, False, False, False]
    assert out["sae_death"].to_list() == [False, False, False, True, False]
    assert out["sae_life_threatening"].to_list() == [False, False, False, True, False]
    assert out["related_flag"].to_list() == [False, True, True, False, False]
    assert out["infection_flag"].to_list() == [True, False, False, True, False]
    assert out["fatal_flag"].to_list() == [False, False, False, True, True]


# Case 4: grouping: verbatim terms are trimmed and lower-cased; by pt_code, events without a
# code keep their term
def test_grouping():
    events = ae(
        [
            ("P1", D(2020, 2, 1), " Headache", None, None, None, None, None, "10019211"),
            ("P1", D(2020, 2, 2), "headache  ", None, None, None, None, None, "10019211"),
            ("P1", D(2020, 2, 3), "Back  pain", None, None, None, None, None, None),
        ]
    )
    assert derive_adae(events, DOSES)["ae_group"].to_list() == ["headache", "headache", "back pain"]
    by_code = derive_adae(events, DOSES, group_by="pt_code")["ae_group"].to_list()
    assert by_code == ["10019211", "10019211", "back pain"]


# Case 5: optional columns may be absent altogether
def test_minimal_columns():
    events = pl.DataFrame(
        {"patient_id": ["P1"], "onset_date": [D(2020, 2, 1)], "term": ["fatigue"]}
    )
    out = derive_adae(events, DOSES)
    assert out.select("trt_emergent", "serious_flag", "related_flag").row(0) == (True, False, False)


def test_missing_onset_date():
    events = ae([("P7", None, "fatigue", None, None, None, None, None, None)])
    with pytest.raises(InputError, match=r"row 1 \(patient P7\): onset_date is missing"):
        derive_adae(events, DOSES)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"risk_window_days": -1}, "'risk_window_days'"), ({"group_by": "soc"}, "'group_by'")],
)
def test_bad_options(kwargs, match):
    events = ae([("P1", D(2020, 2, 1), "fatigue", None, None, None, None, None, None)])
    with pytest.raises(OptionError, match=match):
        derive_adae(events, DOSES, **kwargs)


def test_missing_columns():
    with pytest.raises(InputError, match="no column 'onset_date'"):
        derive_adae(pl.DataFrame({"patient_id": ["P1"]}), DOSES)


def test_public_names():
    import msrwe.derive.adverse_events as m

    assert sorted(m.__all__) == [
        "AE_GROUPINGS",
        "RELATED_VALUES",
        "SERIOUS_CRITERIA",
        "derive_adae",
    ]


# Case 6: criteria spelled loosely still count; any criterion makes the event serious
def test_loose_criteria_spelling():
    events = ae(
        [
            ("P1", D(2020, 2, 1), "fall", None, "Hospitalisation", None, None, None, None),
            (
                "P1",
                D(2020, 2, 2),
                "sepsis",
                None,
                "Life-threatening ; hospitalization",
                None,
                None,
                None,
                None,
            ),
            ("P1", D(2020, 2, 3), "odd", None, "other_reason", None, None, None, None),
            ("P1", D(2020, 2, 4), "none", None, "  ", None, None, None, None),
        ]
    )
    out = derive_adae(events, DOSES)
    assert out["sae_hospitalization"].to_list() == [True, True, False, False]
    assert out["sae_life_threatening"].to_list() == [False, True, False, False]
    assert out["serious_flag"].to_list() == [True, True, True, False]
